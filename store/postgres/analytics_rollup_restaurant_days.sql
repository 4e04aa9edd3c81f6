-- Recomputes the revenue and kitchen-timing buckets (restaurant, UTC day of
-- placing) touched by orders changed since @since, or every bucket when
-- @since is NULL, from the orders and their timelines as a whole. An order
-- is on time when delivered by the end of its booked slot (@slot_us after
-- scheduled_for), or within @promise_us of placing when not scheduled.
-- Returns the restaurant of each bucket recomputed.
WITH touched AS (
    SELECT DISTINCT restaurant_id, (placed_at AT TIME ZONE 'UTC')::date AS day
    FROM orders
    WHERE @since::timestamptz IS NULL OR updated_at >= @since
), timed AS (
    SELECT t.restaurant_id, t.day, o.currency, o.status, o.total, o.subtotal, o.delivery_fee,
           o.surge_fee, o.placed_at,
           coalesce(o.scheduled_for + @slot_us::bigint * interval '1 microsecond',
                    o.placed_at + @promise_us::bigint * interval '1 microsecond') AS due_at,
           e.accepted_at, e.ready_at, e.delivered_at
    FROM touched t
    JOIN orders o ON o.restaurant_id = t.restaurant_id
                 AND o.placed_at >= t.day::timestamp AT TIME ZONE 'UTC'
                 AND o.placed_at < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
    CROSS JOIN LATERAL (
        SELECT min(ev.at) FILTER (WHERE ev.status = 'accepted') AS accepted_at,
               min(ev.at) FILTER (WHERE ev.status = 'ready') AS ready_at,
               min(ev.at) FILTER (WHERE ev.status = 'delivered') AS delivered_at
        FROM order_events ev
        WHERE ev.order_id = o.id
    ) e
)
INSERT INTO analytics_restaurant_days (restaurant_id, day, currency, orders, delivered, cancelled, rejected,
                                       gross_revenue, item_sales, delivery_fees, surge_fees,
                                       accepted, accept_ms, prepared, prep_ms, on_time, computed_at)
SELECT restaurant_id, day, currency,
       count(*),
       count(*) FILTER (WHERE status = 'delivered'),
       count(*) FILTER (WHERE status = 'cancelled'),
       count(*) FILTER (WHERE status = 'rejected'),
       coalesce(sum(total) FILTER (WHERE status = 'delivered'), 0),
       coalesce(sum(subtotal) FILTER (WHERE status = 'delivered'), 0),
       coalesce(sum(delivery_fee) FILTER (WHERE status = 'delivered'), 0),
       coalesce(sum(surge_fee) FILTER (WHERE status = 'delivered'), 0),
       count(accepted_at),
       coalesce(sum(round(extract(epoch FROM accepted_at - placed_at) * 1000)), 0),
       count(ready_at) FILTER (WHERE accepted_at IS NOT NULL),
       coalesce(sum(round(extract(epoch FROM ready_at - accepted_at) * 1000)), 0),
       count(*) FILTER (WHERE status = 'delivered' AND delivered_at <= due_at),
       @now
FROM timed
GROUP BY restaurant_id, day, currency
ON CONFLICT (restaurant_id, day, currency) DO UPDATE
SET orders = excluded.orders, delivered = excluded.delivered, cancelled = excluded.cancelled,
    rejected = excluded.rejected, gross_revenue = excluded.gross_revenue,
    item_sales = excluded.item_sales, delivery_fees = excluded.delivery_fees,
    surge_fees = excluded.surge_fees, accepted = excluded.accepted, accept_ms = excluded.accept_ms,
    prepared = excluded.prepared, prep_ms = excluded.prep_ms, on_time = excluded.on_time,
    computed_at = excluded.computed_at
RETURNING restaurant_id
