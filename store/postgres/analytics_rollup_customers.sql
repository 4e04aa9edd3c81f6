-- Recomputes the preferences of the customers with orders changed since
-- @since, or of every customer with orders when @since is NULL, from their
-- orders as a whole (rejected and cancelled ones left out): the
-- @top_cuisines cuisines and @top_items dishes they order most, and their
-- basket per currency. Returns each customer recomputed.
WITH touched AS (
    SELECT DISTINCT customer_id
    FROM orders
    WHERE @since::timestamptz IS NULL OR updated_at >= @since
), kept AS (
    SELECT o.id, o.customer_id, o.restaurant_id, o.currency, o.subtotal, o.placed_at
    FROM touched t
    JOIN orders o ON o.customer_id = t.customer_id
    WHERE o.status NOT IN ('rejected', 'cancelled')
), summary AS (
    SELECT t.customer_id, count(k.id) AS orders, min(k.placed_at) AS first_order_at, max(k.placed_at) AS last_order_at
    FROM touched t
    LEFT JOIN kept k ON k.customer_id = t.customer_id
    GROUP BY t.customer_id
), baskets AS (
    SELECT customer_id,
           jsonb_agg(jsonb_build_object('currency', currency, 'orders', orders, 'subtotal', subtotal) ORDER BY currency) AS baskets
    FROM (SELECT customer_id, currency, count(*) AS orders, sum(subtotal) AS subtotal
          FROM kept
          GROUP BY customer_id, currency) b
    GROUP BY customer_id
), cuisines AS (
    SELECT customer_id,
           jsonb_agg(jsonb_build_object('cuisine', cuisine, 'orders', orders) ORDER BY place) AS cuisines
    FROM (SELECT k.customer_id, r.cuisine, count(*) AS orders,
                 row_number() OVER (PARTITION BY k.customer_id ORDER BY count(*) DESC, r.cuisine) AS place
          FROM kept k
          JOIN restaurants r ON r.id = k.restaurant_id
          GROUP BY k.customer_id, r.cuisine) c
    WHERE place <= @top_cuisines
    GROUP BY customer_id
), items AS (
    SELECT customer_id,
           jsonb_agg(jsonb_build_object('menu_item_id', menu_item_id, 'restaurant_id', restaurant_id, 'name', name,
                                        'quantity', quantity, 'orders', orders) ORDER BY place) AS items
    FROM (SELECT k.customer_id, i.menu_item_id, min(k.restaurant_id) AS restaurant_id,
                 (array_agg(i.name ORDER BY k.placed_at DESC, k.id DESC))[1] AS name,
                 sum(i.quantity) AS quantity, count(DISTINCT k.id) AS orders,
                 row_number() OVER (PARTITION BY k.customer_id
                                    ORDER BY sum(i.quantity) DESC, count(DISTINCT k.id) DESC, i.menu_item_id) AS place
          FROM kept k
          JOIN order_items i ON i.order_id = k.id
          WHERE i.menu_item_id IS NOT NULL
          GROUP BY k.customer_id, i.menu_item_id) f
    WHERE place <= @top_items
    GROUP BY customer_id
)
INSERT INTO analytics_customer_preferences (customer_id, orders, first_order_at, last_order_at,
                                            baskets, cuisines, items, computed_at)
SELECT s.customer_id, s.orders, s.first_order_at, s.last_order_at,
       coalesce(b.baskets, '[]'), coalesce(c.cuisines, '[]'), coalesce(i.items, '[]'), @now
FROM summary s
LEFT JOIN baskets b ON b.customer_id = s.customer_id
LEFT JOIN cuisines c ON c.customer_id = s.customer_id
LEFT JOIN items i ON i.customer_id = s.customer_id
ON CONFLICT (customer_id) DO UPDATE
SET orders = excluded.orders, first_order_at = excluded.first_order_at,
    last_order_at = excluded.last_order_at, baskets = excluded.baskets,
    cuisines = excluded.cuisines, items = excluded.items, computed_at = excluded.computed_at
RETURNING customer_id
