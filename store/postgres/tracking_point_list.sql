-- An order's recorded courier positions, oldest first.
SELECT order_id, courier_id, lat, lng, heading_deg, speed_mps, at
FROM tracking_points
WHERE order_id = @id
ORDER BY at, id
