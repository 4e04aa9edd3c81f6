SELECT EXISTS (
    SELECT 1 FROM orders WHERE customer_id = @customer_id AND idempotency_key = @idempotency_key
)
