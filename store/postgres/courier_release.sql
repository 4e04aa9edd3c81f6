-- Frees a busy courier once they carry no order besides @order_id.
UPDATE couriers c SET status = 'available', updated_at = now()
WHERE c.id = @id AND c.status = 'busy'
  AND NOT EXISTS (
      SELECT 1 FROM orders o
      WHERE o.courier_id = c.id AND o.id <> @order_id
        AND o.status IN ('placed', 'accepted', 'preparing', 'ready', 'picked_up'))
