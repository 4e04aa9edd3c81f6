-- Closes an account and erases the customer's personal data; the row stays
-- for the orders that refer to it, and the email is free for a new account.
UPDATE customers
SET name = 'Deleted customer',
    email = NULL,
    phone = NULL,
    addresses = '[]',
    deleted_at = now(),
    updated_at = now()
WHERE id = @id AND deleted_at IS NULL
