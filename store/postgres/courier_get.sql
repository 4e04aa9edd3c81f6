SELECT id, name, phone, vehicle, status, last_lat, last_lng, last_seen_at, created_at, updated_at
FROM couriers
WHERE id = @id
