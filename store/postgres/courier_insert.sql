-- A new courier starts offline.
INSERT INTO couriers (name, phone, vehicle, status)
VALUES (@name, @phone, @vehicle, 'offline')
RETURNING id, name, phone, vehicle, status, last_lat, last_lng, last_seen_at, created_at, updated_at
