-- Compacts the courier positions of the next @batch orders, by
-- (updated_at, id) after (@cursor_at, @cursor_id), that reached a terminal
-- status before @before: keeps the first position of every
-- @resolution_us-long stretch of each delivery and its last position, or
-- none when @resolution_us is 0. Returns where the batch ended (NULLs when
-- it was empty), how many orders lost positions and how many positions
-- were deleted.
WITH batch AS (
    SELECT id, updated_at
    FROM orders
    WHERE status IN ('delivered', 'rejected', 'cancelled')
      AND (updated_at, id) > (@cursor_at::timestamptz, @cursor_id::bigint) AND updated_at < @before
    ORDER BY updated_at, id
    LIMIT @batch
), ranked AS (
    SELECT tp.id,
           row_number() OVER (PARTITION BY tp.order_id,
                                           CASE WHEN @resolution_us::bigint = 0 THEN 0
                                                ELSE floor(extract(epoch FROM tp.at) * 1000000 / @resolution_us) END
                              ORDER BY tp.at, tp.id) AS nth_in_stretch,
           row_number() OVER (PARTITION BY tp.order_id ORDER BY tp.at DESC, tp.id DESC) AS nth_from_end
    FROM tracking_points tp
    JOIN batch b ON b.id = tp.order_id
), deleted AS (
    DELETE FROM tracking_points tp
    USING ranked r
    WHERE tp.id = r.id AND (@resolution_us = 0 OR (r.nth_in_stretch > 1 AND r.nth_from_end > 1))
    RETURNING tp.order_id
), last AS (
    SELECT updated_at, id FROM batch ORDER BY updated_at DESC, id DESC LIMIT 1
)
SELECT (SELECT updated_at FROM last), (SELECT id FROM last),
       (SELECT count(DISTINCT order_id) FROM deleted), (SELECT count(*) FROM deleted)
