-- One dish of a restaurant on the platform, locked against concurrent changes.
SELECT m.id, m.restaurant_id, m.name, m.description, m.category, m.price, m.currency,
       m.available, m.tags, m.created_at, m.updated_at
FROM menu_items m
JOIN restaurants r ON r.id = m.restaurant_id AND r.deleted_at IS NULL
WHERE m.id = @id
FOR UPDATE OF m
