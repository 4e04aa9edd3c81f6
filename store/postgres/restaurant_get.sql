-- One restaurant on the platform.
SELECT id, name, cuisine, address, lat, lng, timezone, opening_hours, delivery_radius_m,
       minimum_order, delivery_fee, currency, rating_sum, rating_count, created_at, updated_at
FROM active_restaurants
WHERE id = @id
