package postgres_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dabba/dabba/store"
)

// TestSchema_RefusesRowsThatBreakTheRules writes rows straight into the
// tables, past the services' validation, and checks that the database's own
// constraints refuse them.
func TestSchema_RefusesRowsThatBreakTheRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	delivered := f.delivered()
	order := f.order()
	courier := f.courier()
	stranger := f.customer()
	if _, err := f.Reviews.CreateReview(f.ctx, delivered.CustomerID, store.ReviewInput{OrderID: delivered.ID, Rating: 4}); err != nil {
		t.Fatal(err)
	}
	args := pgx.NamedArgs{
		"restaurant": delivered.RestaurantID, "customer": delivered.CustomerID,
		"stranger": stranger.ID, "order": order.ID, "delivered": delivered.ID, "courier": courier.ID,
	}
	const (
		unique     = "23505"
		foreignKey = "23503"
		check      = "23514"
	)
	newRestaurant := `INSERT INTO restaurants (name, cuisine, address, lat, lng, timezone, delivery_radius_m, minimum_order, delivery_fee, currency) VALUES `
	newOrder := `INSERT INTO orders (customer_id, restaurant_id, status, reason, subtotal, delivery_fee, surge_fee, surge_basis_points, total, currency, delivery_line, delivery_lat, delivery_lng, seq, placed_at, updated_at) VALUES `
	newItem := `INSERT INTO order_items (order_id, line, name, unit_price, quantity, line_total) VALUES `
	for _, tc := range []struct {
		name, sql, code string
	}{
		{"negative money", newRestaurant + `('X', 'thai', 'A', 0, 0, 'UTC', 1000, -1, 0, 'INR')`, check},
		{"malformed currency", newRestaurant + `('X', 'thai', 'A', 0, 0, 'UTC', 1000, 0, 0, 'inr')`, check},
		{"latitude off the map", newRestaurant + `('X', 'thai', 'A', 90.5, 0, 'UTC', 1000, 0, 0, 'INR')`, check},
		{"unknown time zone", newRestaurant + `('X', 'thai', 'A', 0, 0, 'Mars/Base', 1000, 0, 0, 'INR')`, check},
		{"rating sum above five stars each", `UPDATE restaurants SET rating_sum = 11, rating_count = 2 WHERE id = @restaurant`, check},
		{"weekday past Saturday", `INSERT INTO restaurant_hours VALUES (@restaurant, 9, 7, '10:00', '11:00')`, check},
		{"period that never opens", `INSERT INTO restaurant_hours VALUES (@restaurant, 9, 1, '10:00', '10:00')`, check},
		{"dish in another currency", `INSERT INTO menu_items (restaurant_id, name, category, price, currency) VALUES (@restaurant, 'D', 'Mains', 100, 'USD')`, foreignKey},
		{"free dish", `INSERT INTO menu_items (restaurant_id, name, category, price, currency) VALUES (@restaurant, 'D', 'Mains', 0, 'INR')`, check},
		{"email taken in other case", `INSERT INTO customers (name, email, phone) VALUES ('Y', upper((SELECT email FROM customers WHERE id = @customer)), '+919812345678')`, unique},
		{"erased customer keeping an email", `UPDATE customers SET deleted_at = now() WHERE id = @stranger`, check},
		{"unknown vehicle", `INSERT INTO couriers (name, phone, vehicle) VALUES ('C', '+919812345678', 'rocket')`, check},
		{"half a location", `UPDATE couriers SET last_lat = 1 WHERE id = @courier`, check},
		{"total not the sum", newOrder + `(@customer, @restaurant, 'placed', NULL, 100, 10, 0, 10000, 111, 'INR', 'L', 0, 0, 1, now(), now())`, check},
		{"unknown status", newOrder + `(@customer, @restaurant, 'lost', NULL, 100, 10, 0, 10000, 110, 'INR', 'L', 0, 0, 1, now(), now())`, check},
		{"reason without a cancellation", newOrder + `(@customer, @restaurant, 'placed', 'other', 100, 10, 0, 10000, 110, 'INR', 'L', 0, 0, 1, now(), now())`, check},
		{"surge below none", newOrder + `(@customer, @restaurant, 'placed', NULL, 100, 10, 0, 9000, 110, 'INR', 'L', 0, 0, 1, now(), now())`, check},
		{"order in another currency than its restaurant", newOrder + `(@customer, @restaurant, 'placed', NULL, 100, 10, 0, 10000, 110, 'USD', 'L', 0, 0, 1, now(), now())`, foreignKey},
		{"second order under one idempotency key", `INSERT INTO orders (customer_id, restaurant_id, status, subtotal, delivery_fee, surge_fee, surge_basis_points, total, currency, delivery_line, delivery_lat, delivery_lng, seq, idempotency_key, request_hash, placed_at, updated_at)
			SELECT @customer, @restaurant, 'placed', 0, 0, 0, 10000, 0, 'INR', 'L', 0, 0, 1, 'k', sha256('a'), now(), now() FROM generate_series(1, 2)`, unique},
		{"no quantity", newItem + `(@order, 9, 'D', 100, 0, 0)`, check},
		{"quantity over 50", newItem + `(@order, 9, 'D', 100, 51, 5100)`, check},
		{"line total not price times quantity", newItem + `(@order, 9, 'D', 333, 3, 1000)`, check},
		{"event number taken", `INSERT INTO order_events (order_id, seq, type, status, actor, at) VALUES (@order, 1, 'order.placed', 'placed', 'system', now())`, unique},
		{"six stars", `UPDATE reviews SET rating = 6 WHERE order_id = @delivered`, check},
		{"unknown review status", `UPDATE reviews SET status = 'hidden' WHERE order_id = @delivered`, check},
		{"review by someone else than the orderer", `INSERT INTO reviews (order_id, customer_id, restaurant_id, rating) VALUES (@order, @stranger, @restaurant, 3)`, foreignKey},
		{"second review of one order", `INSERT INTO reviews (order_id, customer_id, restaurant_id, rating) SELECT order_id, customer_id, restaurant_id, 3 FROM reviews WHERE order_id = @delivered`, unique},
		{"heading past a full turn", `INSERT INTO tracking_points (order_id, courier_id, lat, lng, heading_deg, speed_mps, at) VALUES (@order, @courier, 0, 0, 400, 1, now())`, check},
		{"delivered before picked up", `INSERT INTO deliveries (order_id, courier_id, assigned_at, delivered_at) VALUES (@order, @courier, now(), now())`, check},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.db.Pool().Exec(f.ctx, tc.sql, args)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != tc.code {
				t.Fatalf("error = %v, want SQLSTATE %s", err, tc.code)
			}
		})
	}
}
