SELECT id, order_id, customer_id, restaurant_id, rating, text, status, created_at, updated_at
FROM reviews
WHERE id = @id
