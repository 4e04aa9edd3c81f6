-- A restaurant's kitchen settings; no row means the defaults.
SELECT max_active_orders, prep_minutes, busy, busy_extra_minutes, slot_capacity,
       paused_until, pause_reason, updated_at
FROM restaurant_kitchens
WHERE restaurant_id = @restaurant_id
