-- A page of the reviews of a restaurant on the platform, newest (highest
-- ID) first, with or without those moderators rejected.
SELECT v.id, v.order_id, v.customer_id, v.restaurant_id, v.rating, v.text, v.status,
       v.created_at, v.updated_at
FROM reviews v
JOIN restaurants r ON r.id = v.restaurant_id AND r.deleted_at IS NULL
WHERE v.restaurant_id = @restaurant_id
  AND (@after_id::bigint IS NULL OR v.id < @after_id)
  AND (@include_rejected::boolean OR v.status = 'published')
ORDER BY v.id DESC
LIMIT @limit
