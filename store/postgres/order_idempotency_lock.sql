-- Serialises the requests of one customer under one idempotency key until
-- the transaction ends, so a retry waits for the first attempt to commit or
-- fail and then sees its order.
SELECT pg_advisory_xact_lock(hashtextextended(@customer_id::bigint || ':' || @idempotency_key::text, 0))
