-- An order and its delivery, if it has one yet.
SELECT o.id, d.courier_id, d.assigned_at, d.picked_up_at, d.delivered_at
FROM orders o
LEFT JOIN deliveries d ON d.order_id = o.id
WHERE o.id = @id
