-- The @limit dishes ordered most since @since at restaurant @restaurant_id
-- (0: across the platform's restaurants), by portions, then orders.
SELECT b.menu_item_id, b.restaurant_id, m.name, sum(b.quantity)::bigint AS quantity,
       sum(b.orders)::bigint AS orders, sum(b.revenue)::bigint AS revenue, b.currency
FROM analytics_item_buckets b
JOIN menu_items m ON m.id = b.menu_item_id
JOIN restaurants r ON r.id = b.restaurant_id AND r.deleted_at IS NULL
WHERE b.bucket >= @since AND (@restaurant_id::bigint = 0 OR b.restaurant_id = @restaurant_id)
GROUP BY b.menu_item_id, b.restaurant_id, m.name, b.currency
ORDER BY quantity DESC, orders DESC, b.menu_item_id
LIMIT @limit
