-- An order's state, locked so changes to it happen one after the other.
SELECT status, courier_id
FROM orders
WHERE id = @id
FOR UPDATE
