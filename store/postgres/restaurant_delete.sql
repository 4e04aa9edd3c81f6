-- Takes a restaurant off the platform; its rows stay for its past orders.
UPDATE restaurants
SET deleted_at = now(), updated_at = now()
WHERE id = @id AND deleted_at IS NULL
