-- Recomputes the popular-items buckets (restaurant, @bucket_us-long
-- stretch of placing time) touched by orders changed since @since, or
-- every bucket newer than @keep_since when @since is NULL, from the orders
-- as a whole: dishes no longer ordered in a bucket leave it. Returns the
-- restaurant of each bucket recomputed.
WITH touched AS (
    SELECT DISTINCT restaurant_id,
           date_bin(@bucket_us::bigint * interval '1 microsecond', placed_at, timestamptz '2000-01-01 00:00:00+00') AS bucket
    FROM orders
    WHERE (@since::timestamptz IS NULL OR updated_at >= @since) AND placed_at >= @keep_since
), fresh AS (
    SELECT t.restaurant_id, t.bucket, i.menu_item_id, min(o.currency) AS currency,
           sum(i.quantity) AS quantity, count(DISTINCT o.id) AS orders, sum(i.line_total) AS revenue
    FROM touched t
    JOIN orders o ON o.restaurant_id = t.restaurant_id
                 AND o.placed_at >= t.bucket
                 AND o.placed_at < t.bucket + @bucket_us::bigint * interval '1 microsecond'
    JOIN order_items i ON i.order_id = o.id
    WHERE o.status NOT IN ('rejected', 'cancelled') AND i.menu_item_id IS NOT NULL
    GROUP BY t.restaurant_id, t.bucket, i.menu_item_id
), stored AS (
    INSERT INTO analytics_item_buckets (restaurant_id, bucket, menu_item_id, currency, quantity, orders, revenue)
    SELECT restaurant_id, bucket, menu_item_id, currency, quantity, orders, revenue
    FROM fresh
    ON CONFLICT (restaurant_id, bucket, menu_item_id) DO UPDATE
    SET currency = excluded.currency, quantity = excluded.quantity,
        orders = excluded.orders, revenue = excluded.revenue
), emptied AS (
    DELETE FROM analytics_item_buckets b
    USING touched t
    WHERE b.restaurant_id = t.restaurant_id AND b.bucket = t.bucket
      AND NOT EXISTS (SELECT 1 FROM fresh f
                      WHERE f.restaurant_id = b.restaurant_id AND f.bucket = b.bucket
                        AND f.menu_item_id = b.menu_item_id)
)
SELECT restaurant_id FROM touched
