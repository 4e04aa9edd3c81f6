SELECT id, customer_id, restaurant_id, courier_id, status, reason, items,
       subtotal, delivery_fee, surge_fee, surge_basis_points, total, currency,
       delivery_label, delivery_line, delivery_lat, delivery_lng,
       scheduled_for, notes, seq, estimated_delivery_at, placed_at, updated_at
FROM order_records
WHERE id = @id
