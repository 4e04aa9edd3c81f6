-- What a restaurant on the platform asks of an order (where it delivers,
-- its minimum, its fee, its currency), locked against changes until the
-- transaction ends.
SELECT lat, lng, delivery_radius_m, minimum_order, delivery_fee, currency
FROM restaurants
WHERE id = @id AND deleted_at IS NULL
FOR SHARE
