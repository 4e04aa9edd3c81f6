SELECT EXISTS (SELECT 1 FROM restaurants WHERE id = @id AND deleted_at IS NULL)
