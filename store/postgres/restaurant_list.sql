-- A page of restaurants by ID, optionally only those of one cuisine and those
-- open at an instant.
SELECT r.id, r.name, r.cuisine, r.address, r.lat, r.lng, r.timezone, r.opening_hours, r.delivery_radius_m,
       r.minimum_order, r.delivery_fee, r.currency, r.rating_sum, r.rating_count, r.created_at, r.updated_at
FROM active_restaurants r
WHERE (@after_id::bigint IS NULL OR r.id > @after_id)
  AND (@cuisine::text IS NULL OR lower(r.cuisine) = lower(@cuisine))
  AND (@open_at::timestamptz IS NULL OR restaurant_open_at(r.id, r.timezone, @open_at))
ORDER BY r.id
LIMIT @limit
