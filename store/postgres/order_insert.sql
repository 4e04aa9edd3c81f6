-- Stores an order, its lines (one per element of the @line_* arrays, in
-- order) and its first event in one statement. Under an idempotency key
-- already used by the customer nothing is stored and no row is returned.
WITH placed AS (
    INSERT INTO orders (customer_id, restaurant_id, status, subtotal, delivery_fee, surge_fee,
                        surge_basis_points, total, currency, delivery_label, delivery_line,
                        delivery_lat, delivery_lng, scheduled_for, notes, seq,
                        idempotency_key, request_hash, placed_at, updated_at)
    VALUES (@customer_id, @restaurant_id, 'placed', @subtotal, @delivery_fee, @surge_fee,
            @surge_basis_points, @total, @currency, @delivery_label, @delivery_line,
            @delivery_lat, @delivery_lng, @scheduled_for, @notes, 1,
            @idempotency_key, @request_hash, @at, @at)
    ON CONFLICT (customer_id, idempotency_key) DO NOTHING
    RETURNING id
), lines AS (
    INSERT INTO order_items (order_id, line, menu_item_id, name, unit_price, quantity, line_total)
    SELECT placed.id, l.line, l.menu_item_id, l.name, l.unit_price, l.quantity, l.line_total
    FROM placed,
         unnest(@line_menu_item_ids::bigint[], @line_names::text[], @line_unit_prices::bigint[],
                @line_quantities::integer[], @line_totals::bigint[])
             WITH ORDINALITY AS l (menu_item_id, name, unit_price, quantity, line_total, line)
), first_event AS (
    INSERT INTO order_events (order_id, seq, type, status, data, actor, at)
    SELECT placed.id, 1, @event_type, 'placed', @event_data, @actor, @at
    FROM placed
)
SELECT id FROM placed
