-- A restaurant's kitchen figures from @from to @to and its rating; no row
-- when the restaurant does not exist.
SELECT r.rating_sum, r.rating_count, d.orders, d.accepted, d.rejected, d.cancelled, d.delivered,
       d.accept_ms, d.prepared, d.prep_ms, d.on_time
FROM restaurants r
CROSS JOIN LATERAL (
    SELECT coalesce(sum(orders), 0)::bigint AS orders, coalesce(sum(accepted), 0)::bigint AS accepted,
           coalesce(sum(rejected), 0)::bigint AS rejected, coalesce(sum(cancelled), 0)::bigint AS cancelled,
           coalesce(sum(delivered), 0)::bigint AS delivered, coalesce(sum(accept_ms), 0)::bigint AS accept_ms,
           coalesce(sum(prepared), 0)::bigint AS prepared, coalesce(sum(prep_ms), 0)::bigint AS prep_ms,
           coalesce(sum(on_time), 0)::bigint AS on_time
    FROM analytics_restaurant_days
    WHERE restaurant_id = r.id AND day BETWEEN @from::date AND @to::date
) d
WHERE r.id = @id AND r.deleted_at IS NULL
