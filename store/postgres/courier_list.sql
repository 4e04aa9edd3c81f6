-- A page of couriers by ID, optionally only those in one status.
SELECT id, name, phone, vehicle, status, last_lat, last_lng, last_seen_at, created_at, updated_at
FROM couriers
WHERE (@after_id::bigint IS NULL OR id > @after_id)
  AND (@status::text IS NULL OR status = @status)
ORDER BY id
LIMIT @limit
