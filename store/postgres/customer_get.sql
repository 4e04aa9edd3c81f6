-- One customer with an open account.
SELECT id, name, email, phone, addresses, created_at, updated_at
FROM customers
WHERE id = @id AND deleted_at IS NULL
