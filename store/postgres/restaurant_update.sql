-- The writable fields of a restaurant; its currency never changes.
UPDATE restaurants
SET name = @name,
    cuisine = @cuisine,
    address = @address,
    lat = @lat,
    lng = @lng,
    timezone = @timezone,
    delivery_radius_m = @delivery_radius_m,
    minimum_order = @minimum_order,
    delivery_fee = @delivery_fee,
    updated_at = now()
WHERE id = @id
