-- A page of the restaurants within reach of a point, nearest first: within
-- @radius_m metres of it, or when that is 0 within each restaurant's own
-- delivery radius. Optionally only those of one cuisine and those open at an
-- instant. The keyset is (distance, id).
SELECT r.id, r.name, r.cuisine, r.address, r.lat, r.lng, r.timezone, r.opening_hours, r.delivery_radius_m,
       r.minimum_order, r.delivery_fee, r.currency, r.rating_sum, r.rating_count, r.created_at, r.updated_at,
       d.distance_m
FROM active_restaurants r
CROSS JOIN LATERAL (SELECT great_circle_m(@lat, @lng, r.lat, r.lng, @earth_radius_m) AS distance_m) d
WHERE d.distance_m <= CASE WHEN @radius_m::integer > 0 THEN @radius_m ELSE r.delivery_radius_m END
  AND (@after_distance_m::double precision IS NULL
       OR (d.distance_m, r.id) > (@after_distance_m, @after_id::bigint))
  AND (@cuisine::text IS NULL OR lower(r.cuisine) = lower(@cuisine))
  AND (@open_at::timestamptz IS NULL OR restaurant_open_at(r.id, r.timezone, @open_at))
ORDER BY d.distance_m, r.id
LIMIT @limit
