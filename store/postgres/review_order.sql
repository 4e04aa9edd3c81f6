-- Who placed an order, where and how far it got: what a review of it needs.
SELECT customer_id, restaurant_id, status FROM orders WHERE id = @id
