-- Stores a batch of courier positions (one per element of the arrays) and
-- moves each courier's last known location to its newest position.
WITH points AS (
    SELECT *
    FROM unnest(@order_ids::bigint[], @courier_ids::bigint[], @lats::double precision[],
                @lngs::double precision[], @headings::double precision[],
                @speeds::double precision[], @ats::timestamptz[])
             AS p (order_id, courier_id, lat, lng, heading_deg, speed_mps, at)
), stored AS (
    INSERT INTO tracking_points (order_id, courier_id, lat, lng, heading_deg, speed_mps, at)
    SELECT order_id, courier_id, lat, lng, heading_deg, speed_mps, at
    FROM points
), newest AS (
    SELECT DISTINCT ON (courier_id) courier_id, lat, lng, at
    FROM points
    ORDER BY courier_id, at DESC
)
UPDATE couriers c
SET last_lat = n.lat, last_lng = n.lng, last_seen_at = n.at
FROM newest n
WHERE c.id = n.courier_id AND (c.last_seen_at IS NULL OR c.last_seen_at < n.at)
