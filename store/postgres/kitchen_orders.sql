-- The orders of a restaurant that bear on its kitchen: those holding
-- capacity, and those placed (recent demand) or scheduled (slot
-- reservations) at or after @since. Each arm uses its own partial or
-- composite index.
SELECT id, status, scheduled_for, placed_at
FROM orders
WHERE restaurant_id = @restaurant_id AND status IN ('placed', 'accepted', 'preparing')
UNION
SELECT id, status, scheduled_for, placed_at
FROM orders
WHERE restaurant_id = @restaurant_id AND placed_at >= @since
UNION
SELECT id, status, scheduled_for, placed_at
FROM orders
WHERE restaurant_id = @restaurant_id AND scheduled_for >= @since
ORDER BY id
