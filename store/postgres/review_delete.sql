DELETE FROM reviews WHERE id = @id
