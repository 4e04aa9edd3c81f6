-- Removes a dish from a restaurant on the platform; order lines keep their
-- copy of its name and price.
DELETE FROM menu_items m
USING restaurants r
WHERE m.id = @id AND r.id = m.restaurant_id AND r.deleted_at IS NULL
