-- Takes an available courier for a delivery; no row when they were not available.
UPDATE couriers SET status = 'busy', updated_at = now()
WHERE id = @id AND status = 'available'
RETURNING id
