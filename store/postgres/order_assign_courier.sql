-- Makes @courier_id the courier of an order and of its delivery, and
-- appends the event with the next sequence number.
WITH assigned AS (
    UPDATE orders
    SET courier_id = @courier_id, seq = seq + 1, updated_at = @at
    WHERE id = @id
    RETURNING id, seq, status
), delivery AS (
    INSERT INTO deliveries (order_id, courier_id, assigned_at)
    VALUES (@id, @courier_id, @at)
    ON CONFLICT (order_id) DO UPDATE
    SET courier_id = excluded.courier_id, assigned_at = excluded.assigned_at
)
INSERT INTO order_events (order_id, seq, type, status, data, actor, at)
SELECT id, seq, @event_type, status, @event_data, @actor, @at
FROM assigned
RETURNING order_id, seq, type, status, data, actor, at
