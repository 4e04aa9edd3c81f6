-- Orders with their lines, their timelines, their deliveries and the courier
-- positions recorded along the way.

-- +goose Up

CREATE TABLE orders (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id           bigint NOT NULL REFERENCES customers (id),
    restaurant_id         bigint NOT NULL,
    courier_id            bigint REFERENCES couriers (id),
    status                text NOT NULL CHECK (status IN (
                              'placed', 'accepted', 'preparing', 'ready',
                              'picked_up', 'delivered', 'rejected', 'cancelled')),
    -- Reason code of a rejection or cancellation, and only of those.
    reason                text CHECK (char_length(reason) BETWEEN 1 AND 64),
    -- Money in minor units of currency, captured when the order was placed.
    subtotal              bigint NOT NULL CHECK (subtotal >= 0),
    delivery_fee          bigint NOT NULL CHECK (delivery_fee >= 0),
    surge_fee             bigint NOT NULL CHECK (surge_fee >= 0),
    -- Surge multiplier in basis points: 10000 is none, 100000 ten times the fee.
    surge_basis_points    integer NOT NULL CHECK (surge_basis_points BETWEEN 10000 AND 100000),
    total                 bigint NOT NULL,
    currency              char(3) NOT NULL,
    -- A copy of the address the customer asked for.
    delivery_label        text NOT NULL DEFAULT '' CHECK (char_length(delivery_label) <= 40),
    delivery_line         text NOT NULL CHECK (char_length(delivery_line) BETWEEN 1 AND 300),
    delivery_lat          double precision NOT NULL CHECK (delivery_lat BETWEEN -90 AND 90),
    delivery_lng          double precision NOT NULL CHECK (delivery_lng BETWEEN -180 AND 180),
    scheduled_for         timestamptz,
    notes                 text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 500),
    -- Sequence number of the order's latest event in order_events.
    seq                   bigint NOT NULL CHECK (seq >= 1),
    estimated_delivery_at timestamptz,
    -- The customer's Idempotency-Key and the SHA-256 of the request it came
    -- with, so a retry returns this order and a different request under the
    -- same key is refused.
    idempotency_key       text CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    request_hash          bytea CHECK (octet_length(request_hash) = 32),
    placed_at             timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT orders_total_sum CHECK (total = subtotal + delivery_fee + surge_fee),
    CONSTRAINT orders_reason_matches_status CHECK ((status IN ('rejected', 'cancelled')) = (reason IS NOT NULL)),
    CONSTRAINT orders_idempotency_whole CHECK ((idempotency_key IS NULL) = (request_hash IS NULL)),
    CONSTRAINT orders_idempotency_key UNIQUE (customer_id, idempotency_key),
    -- An order is priced in its restaurant's currency.
    CONSTRAINT orders_restaurant_fkey FOREIGN KEY (restaurant_id, currency)
        REFERENCES restaurants (id, currency),
    -- Target of reviews' foreign key: a review names the order's own
    -- customer and restaurant.
    CONSTRAINT orders_parties_key UNIQUE (id, customer_id, restaurant_id)
);

CREATE INDEX orders_customer_idx ON orders (customer_id, id);
CREATE INDEX orders_restaurant_idx ON orders (restaurant_id, id);
CREATE INDEX orders_courier_idx ON orders (courier_id, id) WHERE courier_id IS NOT NULL;

CREATE TABLE order_items (
    order_id     bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    -- Position of the line in the order, from 1.
    line         smallint NOT NULL CHECK (line BETWEEN 1 AND 50),
    -- NULL once the dish is deleted from the menu; name and price stay.
    menu_item_id bigint REFERENCES menu_items (id) ON DELETE SET NULL,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    unit_price   bigint NOT NULL CHECK (unit_price >= 0),
    quantity     integer NOT NULL CHECK (quantity BETWEEN 1 AND 50),
    line_total   bigint NOT NULL,
    PRIMARY KEY (order_id, line),
    CONSTRAINT order_items_line_total CHECK (line_total = unit_price * quantity)
);

-- The timeline of an order: one row per change, numbered from 1 without gaps.
CREATE TABLE order_events (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    seq      bigint NOT NULL CHECK (seq >= 1),
    type     text NOT NULL CHECK (char_length(type) BETWEEN 1 AND 64),
    -- Status of the order after the event.
    status   text NOT NULL CHECK (status IN (
                 'placed', 'accepted', 'preparing', 'ready',
                 'picked_up', 'delivered', 'rejected', 'cancelled')),
    data     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    -- Who caused it, as store.Principal.String() renders them.
    actor    text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 64),
    at       timestamptz NOT NULL,
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE deliveries (
    order_id     bigint PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    courier_id   bigint NOT NULL REFERENCES couriers (id),
    assigned_at  timestamptz NOT NULL,
    picked_up_at timestamptz,
    delivered_at timestamptz,
    CONSTRAINT deliveries_picked_up_before_delivered CHECK (delivered_at IS NULL OR picked_up_at IS NOT NULL)
);

CREATE INDEX deliveries_courier_idx ON deliveries (courier_id);

CREATE TABLE tracking_points (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL CONSTRAINT tracking_points_order_fkey REFERENCES orders (id) ON DELETE CASCADE,
    courier_id  bigint NOT NULL CONSTRAINT tracking_points_courier_fkey REFERENCES couriers (id),
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng         double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    heading_deg double precision NOT NULL CHECK (heading_deg >= 0 AND heading_deg <= 360),
    speed_mps   double precision NOT NULL CHECK (speed_mps >= 0 AND speed_mps < 'Infinity'),
    at          timestamptz NOT NULL
);

CREATE INDEX tracking_points_order_at_idx ON tracking_points (order_id, at);

-- Orders as store.Order reads them, each with its lines as a JSON array of
-- store.OrderItem.
CREATE VIEW order_records AS
SELECT o.id, o.customer_id, o.restaurant_id, o.courier_id, o.status, COALESCE(o.reason, '') AS reason,
       COALESCE((SELECT json_agg(json_build_object(
                            'menu_item_id', i.menu_item_id,
                            'name', i.name,
                            'unit_price', json_build_object('amount', i.unit_price, 'currency', o.currency),
                            'quantity', i.quantity,
                            'line_total', json_build_object('amount', i.line_total, 'currency', o.currency))
                        ORDER BY i.line)
                 FROM order_items i
                 WHERE i.order_id = o.id), '[]'::json) AS items,
       o.subtotal, o.delivery_fee, o.surge_fee, o.surge_basis_points, o.total, o.currency,
       o.delivery_label, o.delivery_line, o.delivery_lat, o.delivery_lng,
       o.scheduled_for, o.notes, o.seq, o.estimated_delivery_at, o.placed_at, o.updated_at
FROM orders o;

-- +goose Down
DROP VIEW order_records;
DROP TABLE tracking_points;
DROP TABLE deliveries;
DROP TABLE order_events;
DROP TABLE order_items;
DROP TABLE orders;
