-- Locks a restaurant on the platform against concurrent changes.
SELECT id FROM restaurants WHERE id = @id AND deleted_at IS NULL FOR UPDATE
