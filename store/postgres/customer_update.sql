UPDATE customers
SET name = @name,
    email = @email,
    phone = @phone,
    addresses = @addresses,
    updated_at = now()
WHERE id = @id
RETURNING id, name, email, phone, addresses, created_at, updated_at
