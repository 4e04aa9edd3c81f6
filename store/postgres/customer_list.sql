-- A page of customers with open accounts, by ID.
SELECT id, name, email, phone, addresses, created_at, updated_at
FROM customers
WHERE deleted_at IS NULL
  AND (@after_id::bigint IS NULL OR id > @after_id)
ORDER BY id
LIMIT @limit
