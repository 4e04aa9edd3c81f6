INSERT INTO customers (name, email, phone, addresses)
VALUES (@name, @email, @phone, @addresses)
RETURNING id, name, email, phone, addresses, created_at, updated_at
