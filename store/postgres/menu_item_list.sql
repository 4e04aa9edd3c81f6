-- A page of a restaurant's dishes by ID, optionally of one category and
-- only those available.
SELECT m.id, m.restaurant_id, m.name, m.description, m.category, m.price, m.currency,
       m.available, m.tags, m.created_at, m.updated_at
FROM menu_items m
JOIN restaurants r ON r.id = m.restaurant_id AND r.deleted_at IS NULL
WHERE m.restaurant_id = @restaurant_id
  AND (@after_id::bigint IS NULL OR m.id > @after_id)
  AND (@category::text IS NULL OR lower(m.category) = lower(@category))
  AND (NOT @available_only::boolean OR m.available)
ORDER BY m.id
LIMIT @limit
