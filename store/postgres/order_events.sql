-- An order's timeline after a sequence number.
SELECT order_id, seq, type, status, data, actor, at
FROM order_events
WHERE order_id = @id AND seq > @after_seq
ORDER BY seq
