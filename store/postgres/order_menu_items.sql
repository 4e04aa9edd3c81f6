-- The dishes an order asks for, with their current prices, locked against
-- changes until the order is stored.
SELECT id, restaurant_id, name, price, currency, available
FROM menu_items
WHERE id = ANY (@ids::bigint[])
FOR SHARE
