-- A page of orders, newest (highest ID) first, optionally only those of one
-- customer, restaurant or courier (0: any) and in some statuses (empty: any).
SELECT id, customer_id, restaurant_id, courier_id, status, reason, items,
       subtotal, delivery_fee, surge_fee, surge_basis_points, total, currency,
       delivery_label, delivery_line, delivery_lat, delivery_lng,
       scheduled_for, notes, seq, estimated_delivery_at, placed_at, updated_at
FROM order_records
WHERE (@after_id::bigint IS NULL OR id < @after_id)
  AND (@customer_id::bigint = 0 OR customer_id = @customer_id)
  AND (@restaurant_id::bigint = 0 OR restaurant_id = @restaurant_id)
  AND (@courier_id::bigint = 0 OR courier_id = @courier_id)
  AND (cardinality(@statuses::text[]) = 0 OR status = ANY (@statuses))
ORDER BY id DESC
LIMIT @limit
