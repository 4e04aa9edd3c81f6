-- Moves an order to @status, stamps its delivery when it is picked up or
-- delivered, and appends the event with the next sequence number.
WITH changed AS (
    UPDATE orders
    SET status = @status, reason = @reason, seq = seq + 1, updated_at = @at
    WHERE id = @id
    RETURNING id, seq, status
), stamped AS (
    UPDATE deliveries
    SET picked_up_at = CASE WHEN @status::text IN ('picked_up', 'delivered')
                            THEN COALESCE(picked_up_at, @at) ELSE picked_up_at END,
        delivered_at = CASE WHEN @status::text = 'delivered' THEN @at ELSE delivered_at END
    WHERE order_id = @id AND @status::text IN ('picked_up', 'delivered')
)
INSERT INTO order_events (order_id, seq, type, status, data, actor, at)
SELECT id, seq, @event_type, status, @event_data, @actor, @at
FROM changed
RETURNING order_id, seq, type, status, data, actor, at
