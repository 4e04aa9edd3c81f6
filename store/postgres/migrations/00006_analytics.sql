-- Analytics rollups: tables of buckets the jobs workers recompute from the
-- orders (analytics_rollup_*.sql), the watermark each rollup resumes from,
-- and the watermark of tracking-point compaction.

-- +goose Up

-- The rollups find the orders changed since their previous run by this,
-- and compaction the orders finished before its cut-off.
CREATE INDEX orders_updated_at_idx ON orders (updated_at);

-- Where each rollup resumes: orders changed since the watermark (less a
-- safety overlap) touch the buckets its next run recomputes.
CREATE TABLE analytics_rollups (
    name      text PRIMARY KEY,
    watermark timestamptz NOT NULL,
    ran_at    timestamptz NOT NULL
);

-- Dishes ordered per restaurant per bucket of placing time (its length is
-- store.PopularItemsBucket), rejected and cancelled orders left out.
-- Buckets older than the longest window are dropped.
CREATE TABLE analytics_item_buckets (
    restaurant_id bigint NOT NULL,
    bucket        timestamptz NOT NULL,
    menu_item_id  bigint NOT NULL,
    -- Money in minor units of currency, the restaurant's.
    currency      char(3) NOT NULL,
    quantity      bigint NOT NULL CHECK (quantity > 0),
    orders        bigint NOT NULL CHECK (orders > 0),
    revenue       bigint NOT NULL CHECK (revenue >= 0),
    PRIMARY KEY (restaurant_id, bucket, menu_item_id)
);

CREATE INDEX analytics_item_buckets_bucket_idx ON analytics_item_buckets (bucket);

-- Revenue and kitchen timings per restaurant per UTC day of placing.
CREATE TABLE analytics_restaurant_days (
    restaurant_id bigint NOT NULL,
    day           date NOT NULL,
    -- Money in minor units of currency, the restaurant's.
    currency      char(3) NOT NULL,
    orders        bigint NOT NULL CHECK (orders > 0),
    delivered     bigint NOT NULL,
    cancelled     bigint NOT NULL,
    rejected      bigint NOT NULL,
    -- Totals, subtotals, base delivery fees and surge fees of the delivered orders.
    gross_revenue bigint NOT NULL,
    item_sales    bigint NOT NULL,
    delivery_fees bigint NOT NULL,
    surge_fees    bigint NOT NULL,
    -- Orders accepted, and the sum of their milliseconds from placing to acceptance.
    accepted      bigint NOT NULL,
    accept_ms     bigint NOT NULL,
    -- Orders made ready after acceptance, and the sum of their milliseconds between the two.
    prepared      bigint NOT NULL,
    prep_ms       bigint NOT NULL,
    -- Delivered orders that arrived by their promise.
    on_time       bigint NOT NULL,
    computed_at   timestamptz NOT NULL,
    PRIMARY KEY (restaurant_id, day, currency),
    CONSTRAINT analytics_restaurant_days_counts CHECK (
        delivered + cancelled + rejected <= orders AND accepted <= orders
        AND prepared <= accepted AND on_time <= delivered)
);

CREATE INDEX analytics_restaurant_days_day_idx ON analytics_restaurant_days (day);

-- What each customer tends to order, from their orders not rejected or
-- cancelled.
CREATE TABLE analytics_customer_preferences (
    customer_id    bigint PRIMARY KEY,
    orders         bigint NOT NULL,
    first_order_at timestamptz,
    last_order_at  timestamptz,
    -- [{currency, orders, subtotal}], subtotals in minor units.
    baskets        jsonb NOT NULL CHECK (jsonb_typeof(baskets) = 'array'),
    -- [{cuisine, orders}], most orders first.
    cuisines       jsonb NOT NULL CHECK (jsonb_typeof(cuisines) = 'array'),
    -- [{menu_item_id, restaurant_id, name, quantity, orders}], most portions first.
    items          jsonb NOT NULL CHECK (jsonb_typeof(items) = 'array'),
    computed_at    timestamptz NOT NULL
);

-- How far tracking-point compaction at each resolution has got: the
-- orders finished before finished_before are compacted. Resolution 0 is
-- deletion.
CREATE TABLE tracking_compactions (
    resolution_us   bigint PRIMARY KEY CHECK (resolution_us >= 0),
    finished_before timestamptz NOT NULL
);

-- +goose Down
DROP TABLE tracking_compactions;
DROP TABLE analytics_customer_preferences;
DROP TABLE analytics_restaurant_days;
DROP TABLE analytics_item_buckets;
DROP TABLE analytics_rollups;
DROP INDEX orders_updated_at_idx;
