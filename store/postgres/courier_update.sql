UPDATE couriers
SET name = @name,
    phone = @phone,
    vehicle = @vehicle,
    status = @status,
    updated_at = now()
WHERE id = @id
RETURNING id, name, phone, vehicle, status, last_lat, last_lng, last_seen_at, created_at, updated_at
