UPDATE reviews
SET rating = @rating, text = @text, status = @status, updated_at = now()
WHERE id = @id
RETURNING id, order_id, customer_id, restaurant_id, rating, text, status, created_at, updated_at
