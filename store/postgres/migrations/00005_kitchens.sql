-- Kitchens: how each restaurant takes orders (capacity, preparation time,
-- busy mode, delivery-slot caps, pause), and the indexes the restaurant
-- actor rebuilds its load from.

-- +goose Up

-- A restaurant without a row takes orders under store.DefaultKitchenSettings.
CREATE TABLE restaurant_kitchens (
    restaurant_id      bigint PRIMARY KEY REFERENCES restaurants (id) ON DELETE CASCADE,
    -- Orders the kitchen holds at once (placed, accepted or preparing).
    max_active_orders  integer NOT NULL CHECK (max_active_orders BETWEEN 1 AND 1000),
    -- Minutes from placing to ready, before busy mode.
    prep_minutes       integer NOT NULL CHECK (prep_minutes BETWEEN 1 AND 240),
    busy               boolean NOT NULL DEFAULT false,
    -- Minutes busy mode adds to every preparation.
    busy_extra_minutes integer NOT NULL CHECK (busy_extra_minutes BETWEEN 0 AND 240),
    -- Scheduled orders per 15-minute delivery slot.
    slot_capacity      integer NOT NULL CHECK (slot_capacity BETWEEN 1 AND 1000),
    -- The kitchen takes no orders before this instant.
    paused_until       timestamptz,
    pause_reason       text NOT NULL DEFAULT '' CHECK (char_length(pause_reason) <= 200),
    updated_at         timestamptz NOT NULL
);

-- The orders holding a kitchen's capacity.
CREATE INDEX orders_restaurant_kitchen_idx ON orders (restaurant_id)
    WHERE status IN ('placed', 'accepted', 'preparing');
-- Recent demand per restaurant (surge pricing).
CREATE INDEX orders_restaurant_placed_idx ON orders (restaurant_id, placed_at);
-- Delivery-slot reservations.
CREATE INDEX orders_restaurant_scheduled_idx ON orders (restaurant_id, scheduled_for)
    WHERE scheduled_for IS NOT NULL;
-- Orders still waiting for their restaurant to accept them (the accept
-- deadline is re-armed from these when the engine starts).
CREATE INDEX orders_placed_idx ON orders (placed_at) WHERE status = 'placed';

-- +goose Down
DROP INDEX orders_placed_idx;
DROP INDEX orders_restaurant_scheduled_idx;
DROP INDEX orders_restaurant_placed_idx;
DROP INDEX orders_restaurant_kitchen_idx;
DROP TABLE restaurant_kitchens;
