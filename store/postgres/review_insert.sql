INSERT INTO reviews (order_id, customer_id, restaurant_id, rating, text, status)
VALUES (@order_id, @customer_id, @restaurant_id, @rating, @text, 'published')
RETURNING id, order_id, customer_id, restaurant_id, rating, text, status, created_at, updated_at
