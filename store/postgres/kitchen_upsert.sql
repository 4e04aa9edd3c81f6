-- Stores a restaurant's kitchen settings, replacing what it had.
INSERT INTO restaurant_kitchens (restaurant_id, max_active_orders, prep_minutes, busy,
                                 busy_extra_minutes, slot_capacity, paused_until, pause_reason, updated_at)
VALUES (@restaurant_id, @max_active_orders, @prep_minutes, @busy,
        @busy_extra_minutes, @slot_capacity, @paused_until, @pause_reason, @at)
ON CONFLICT (restaurant_id) DO UPDATE
SET max_active_orders = excluded.max_active_orders,
    prep_minutes = excluded.prep_minutes,
    busy = excluded.busy,
    busy_extra_minutes = excluded.busy_extra_minutes,
    slot_capacity = excluded.slot_capacity,
    paused_until = excluded.paused_until,
    pause_reason = excluded.pause_reason,
    updated_at = excluded.updated_at
RETURNING max_active_orders, prep_minutes, busy, busy_extra_minutes, slot_capacity,
          paused_until, pause_reason, updated_at
