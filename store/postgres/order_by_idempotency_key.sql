-- The order a customer placed under an idempotency key, with the hash of the
-- request that placed it.
SELECT id, request_hash
FROM orders
WHERE customer_id = @customer_id AND idempotency_key = @idempotency_key
