-- Checks that the ordering customer's account is open, and keeps it from
-- being closed (or changed) until the order is stored.
SELECT id FROM customers WHERE id = @id AND deleted_at IS NULL FOR SHARE
