-- Holds a restaurant on the platform against other placements until the
-- transaction ends. FOR NO KEY UPDATE conflicts with itself and with
-- changes to the restaurant, not with the KEY SHARE locks of foreign keys.
SELECT id FROM restaurants WHERE id = @restaurant_id AND deleted_at IS NULL FOR NO KEY UPDATE
