package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed order_get.sql
	orderGetSQL string
	//go:embed order_list.sql
	orderListSQL string
	//go:embed order_idempotency_lock.sql
	orderIdempotencyLockSQL string
	//go:embed order_by_idempotency_key.sql
	orderByIdempotencyKeySQL string
	//go:embed order_customer.sql
	orderCustomerSQL string
	//go:embed order_menu_items.sql
	orderMenuItemsSQL string
	//go:embed order_insert.sql
	orderInsertSQL string
	//go:embed order_exists.sql
	orderExistsSQL string
	//go:embed order_kitchen_lock.sql
	orderKitchenLockSQL string
	//go:embed order_kitchen_load.sql
	orderKitchenLoadSQL string
)

// Surge multipliers an order may carry, in basis points; the schema checks
// the same range.
const (
	noSurge  = 10000
	maxSurge = 100000
)

// orders implements store.OrderService.
type orders struct{ db *DB }

var _ store.OrderService = (*orders)(nil)

func (s *orders) PlaceOrder(ctx context.Context, n store.NewOrder) (*store.Order, bool, error) {
	o, replayed, err := s.place(ctx, n)
	return o, replayed, storeError("place order", err)
}

func (s *orders) place(ctx context.Context, n store.NewOrder) (o *store.Order, replayed bool, err error) {
	if err := normalizeNewOrder(&n); err != nil {
		return nil, false, err
	}
	hash := sha256.Sum256(n.Request.Fingerprint())
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if n.IdempotencyKey != "" {
			keyArgs := pgx.NamedArgs{"customer_id": n.CustomerID, "idempotency_key": n.IdempotencyKey}
			if _, err := tx.Exec(ctx, orderIdempotencyLockSQL, keyArgs); err != nil {
				return err
			}
			o, err = orderUnderKey(ctx, tx, n, hash[:])
			if o != nil || err != nil {
				replayed = o != nil
				return err
			}
		}
		// Before priceOrder: its share lock on the restaurant, taken first
		// by two placements, could not be raised to this one.
		if err := checkKitchenLimits(ctx, tx, n); err != nil {
			return err
		}
		priced, err := priceOrder(ctx, tx, n)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRow(ctx, orderInsertSQL, orderInsertArgs(n, priced, hash[:])).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			// The key was taken by a writer that did not take the lock.
			o, err = orderUnderKey(ctx, tx, n, hash[:])
			replayed = o != nil
			return err
		}
		if err != nil {
			return err
		}
		o, err = getOrder(ctx, tx, id)
		return err
	})
	return o, replayed, err
}

// checkKitchenLimits refuses n when its restaurant's kitchen is at
// n.Limits, and holds the restaurant against other placements until the
// transaction ends (see store.NewOrder.Limits). A restaurant that is not on
// the platform is left to priceOrder to report.
func checkKitchenLimits(ctx context.Context, tx pgx.Tx, n store.NewOrder) error {
	if n.Limits == nil {
		return nil
	}
	// One round trip: the count runs after the lock is held, as a
	// statement of its own (see order_kitchen_load.sql).
	args := pgx.NamedArgs{"restaurant_id": n.Request.RestaurantID, "slot": n.Request.ScheduledFor}
	var (
		id                int64
		inKitchen, inSlot int
	)
	b := &pgx.Batch{}
	b.Queue(orderKitchenLockSQL, args).QueryRow(func(row pgx.Row) error { return row.Scan(&id) })
	b.Queue(orderKitchenLoadSQL, args).QueryRow(func(row pgx.Row) error { return row.Scan(&inKitchen, &inSlot) })
	err := tx.SendBatch(ctx, b).Close()
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil // the restaurant is not on the platform
	case err != nil:
		return err
	case inKitchen >= n.Limits.MaxActiveOrders:
		return store.Errorf(store.ECONFLICT, "restaurant_at_capacity",
			"the restaurant is at capacity (%d orders in the kitchen); try again shortly", inKitchen)
	case n.Request.ScheduledFor != nil && inSlot >= n.Limits.SlotCapacity:
		return store.Errorf(store.ECONFLICT, "slot_full", "the delivery slot at %s is full; pick another",
			n.Request.ScheduledFor.UTC().Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// normalizeNewOrder validates n and fills in its defaults.
func normalizeNewOrder(n *store.NewOrder) error {
	if err := n.Request.Validate(); err != nil {
		return err
	}
	var errs []store.FieldError
	if n.CustomerID <= 0 {
		errs = append(errs, store.FieldError{Field: "customer_id", Reason: "must be a customer ID"})
	}
	if len(n.IdempotencyKey) > 255 {
		errs = append(errs, store.FieldError{Field: "idempotency_key", Reason: "must be at most 255 characters"})
	}
	if n.SurgeBasisPoints == 0 {
		n.SurgeBasisPoints = noSurge
	}
	if n.SurgeBasisPoints < noSurge || n.SurgeBasisPoints > maxSurge {
		errs = append(errs, store.FieldError{Field: "surge_basis_points", Reason: fmt.Sprintf("must be between %d and %d", noSurge, maxSurge)})
	}
	if len(errs) > 0 {
		return store.Invalid(errs...)
	}
	n.At = instant(n.At)
	return nil
}

// orderUnderKey returns the order the customer already placed under n's
// idempotency key, nil if there is none, or EUNPROCESSABLE when that order
// was placed by a different request.
func orderUnderKey(ctx context.Context, tx pgx.Tx, n store.NewOrder, hash []byte) (*store.Order, error) {
	var (
		id     int64
		stored []byte
	)
	err := tx.QueryRow(ctx, orderByIdempotencyKeySQL, pgx.NamedArgs{
		"customer_id": n.CustomerID, "idempotency_key": n.IdempotencyKey,
	}).Scan(&id, &stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	case !bytes.Equal(stored, hash):
		return nil, store.Errorf(store.EUNPROCESSABLE, "idempotency_key_reused",
			"the idempotency key was used for a different order request")
	}
	return getOrder(ctx, tx, id)
}

// pricedOrder is an order request priced from the restaurant's current
// menu and terms, in its currency's minor units.
type pricedOrder struct {
	RestaurantID int64
	Currency     string
	Lines        []store.OrderItem
	Subtotal     store.Money
	DeliveryFee  store.Money
	SurgeFee     store.Money
	Total        store.Money
}

// menuPrice is what an order needs to know of a dish.
type menuPrice struct {
	RestaurantID int64
	Name         string
	Price        store.Money
	Available    bool
}

// priceOrder reads the restaurant's terms and the dishes asked for, keeping
// them from changing until the order is stored, and prices the request.
func priceOrder(ctx context.Context, tx pgx.Tx, n store.NewOrder) (pricedOrder, error) {
	var customer int64
	err := tx.QueryRow(ctx, orderCustomerSQL, pgx.NamedArgs{"id": n.CustomerID}).Scan(&customer)
	if err != nil {
		return pricedOrder{}, orNotFound(err, "customer", n.CustomerID)
	}
	terms, err := restaurantTermsOf(ctx, tx, n.Request.RestaurantID)
	if err != nil {
		return pricedOrder{}, err
	}
	ids := make([]int64, len(n.Request.Items))
	for i, l := range n.Request.Items {
		ids[i] = l.MenuItemID
	}
	menu := make(map[int64]menuPrice, len(ids))
	rows, _ := tx.Query(ctx, orderMenuItemsSQL, pgx.NamedArgs{"ids": ids})
	var (
		id int64
		m  menuPrice
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &m.RestaurantID, &m.Name, &m.Price.Amount, &m.Price.Currency, &m.Available},
		func() error { menu[id] = m; return nil })
	if err != nil {
		return pricedOrder{}, err
	}
	return price(n, terms, menu)
}

// price computes an order's lines and totals exactly, in minor units, or
// says why the restaurant cannot take it.
func price(n store.NewOrder, terms restaurantTerms, menu map[int64]menuPrice) (pricedOrder, error) {
	req := n.Request
	p := pricedOrder{
		RestaurantID: req.RestaurantID,
		Currency:     terms.Currency,
		Lines:        make([]store.OrderItem, len(req.Items)),
		Subtotal:     store.Money{Currency: terms.Currency},
		DeliveryFee:  terms.DeliveryFee,
	}
	for i, l := range req.Items {
		field := fmt.Sprintf("items[%d].menu_item_id", i)
		m, ok := menu[l.MenuItemID]
		if !ok || m.RestaurantID != req.RestaurantID {
			return p, unprocessable("menu_item_not_on_menu", field, "is not on the restaurant's menu",
				"menu item %d is not on the menu of restaurant %d", l.MenuItemID, req.RestaurantID)
		}
		if !m.Available {
			return p, unprocessable("menu_item_unavailable", field, "is not available now",
				"menu item %d (%s) is not available now", l.MenuItemID, m.Name)
		}
		lineTotal, err := m.Price.Times(int64(l.Quantity))
		if err != nil {
			return p, err
		}
		if p.Subtotal, err = p.Subtotal.Add(lineTotal); err != nil {
			return p, err
		}
		p.Lines[i] = store.OrderItem{MenuItemID: &l.MenuItemID, Name: m.Name, UnitPrice: m.Price,
			Quantity: l.Quantity, LineTotal: lineTotal}
	}
	if d := terms.Location.DistanceM(req.DeliveryAddress.Location); d > float64(terms.DeliveryRadiusM) {
		return p, unprocessable("outside_delivery_area", "delivery_address.location", "is outside the delivery area",
			"the address is %.0f m from the restaurant, which delivers within %d m", d, terms.DeliveryRadiusM)
	}
	if p.Subtotal.Amount < terms.MinimumOrder.Amount {
		return p, unprocessable("below_minimum_order", "items", "add up to less than the minimum order",
			"the subtotal %s is under the restaurant's minimum order of %s", p.Subtotal, terms.MinimumOrder)
	}
	surged := p.DeliveryFee.Scale(int64(n.SurgeBasisPoints))
	p.SurgeFee = store.Money{Amount: surged.Amount - p.DeliveryFee.Amount, Currency: terms.Currency}
	var err error
	if p.Total, err = p.Subtotal.Add(p.DeliveryFee); err != nil {
		return p, err
	}
	p.Total, err = p.Total.Add(p.SurgeFee)
	return p, err
}

// unprocessable is an EUNPROCESSABLE refusal naming the input field at fault.
func unprocessable(code, field, reason, format string, args ...any) *store.Error {
	e := store.Errorf(store.EUNPROCESSABLE, code, format, args...)
	e.Fields = []store.FieldError{{Field: field, Reason: reason}}
	return e
}

// placedEvent is the data of an order's first event.
type placedEvent struct {
	Total        store.Money `json:"total"`
	ScheduledFor *time.Time  `json:"scheduled_for,omitempty"`
}

func orderInsertArgs(n store.NewOrder, p pricedOrder, hash []byte) pgx.NamedArgs {
	var (
		ids        = make([]int64, len(p.Lines))
		names      = make([]string, len(p.Lines))
		unitPrices = make([]int64, len(p.Lines))
		quantities = make([]int32, len(p.Lines))
		lineTotals = make([]int64, len(p.Lines))
	)
	for i, l := range p.Lines {
		ids[i], names[i], unitPrices[i] = *l.MenuItemID, l.Name, l.UnitPrice.Amount
		quantities[i], lineTotals[i] = int32(l.Quantity), l.LineTotal.Amount
	}
	req := n.Request
	args := pgx.NamedArgs{
		"customer_id": n.CustomerID, "restaurant_id": p.RestaurantID,
		"subtotal": p.Subtotal.Amount, "delivery_fee": p.DeliveryFee.Amount, "surge_fee": p.SurgeFee.Amount,
		"surge_basis_points": n.SurgeBasisPoints, "total": p.Total.Amount, "currency": p.Currency,
		"delivery_label": req.DeliveryAddress.Label, "delivery_line": req.DeliveryAddress.Line,
		"delivery_lat": req.DeliveryAddress.Location.Lat, "delivery_lng": req.DeliveryAddress.Location.Lng,
		"scheduled_for": req.ScheduledFor, "notes": req.Notes,
		"idempotency_key": nil, "request_hash": nil, "at": n.At,
		"line_menu_item_ids": ids, "line_names": names, "line_unit_prices": unitPrices,
		"line_quantities": quantities, "line_totals": lineTotals,
		"event_type": store.EventOrderPlaced,
		"event_data": placedEvent{Total: p.Total, ScheduledFor: req.ScheduledFor},
		"actor":      store.Principal{Role: store.RoleCustomer, ID: n.CustomerID}.String(),
	}
	if n.IdempotencyKey != "" {
		args["idempotency_key"], args["request_hash"] = n.IdempotencyKey, hash
	}
	return args
}

func (s *orders) Order(ctx context.Context, id int64) (*store.Order, error) {
	o, err := getOrder(ctx, s.db.pool, id)
	return o, storeError("get order", err)
}

func (s *orders) Orders(ctx context.Context, f store.OrderFilter) (store.Page[store.Order], error) {
	page, err := s.list(ctx, f)
	return page, storeError("list orders", err)
}

func (s *orders) list(ctx context.Context, f store.OrderFilter) (store.Page[store.Order], error) {
	limit, after, err := keyset[idPosition](f.Page)
	if err != nil {
		return store.Page[store.Order]{}, err
	}
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		if !st.Valid() {
			return store.Page[store.Order]{}, store.Invalid(store.FieldError{
				Field: fmt.Sprintf("statuses[%d]", i), Reason: "is not an order status"})
		}
		statuses[i] = string(st)
	}
	args := pgx.NamedArgs{"after_id": nil, "customer_id": f.CustomerID, "restaurant_id": f.RestaurantID,
		"courier_id": f.CourierID, "statuses": statuses, "limit": limit + 1}
	if after != nil {
		args["after_id"] = after.ID
	}
	rows, _ := s.db.pool.Query(ctx, orderListSQL, args)
	return collectPage(rows, limit, scanOrder, func(o store.Order) any { return idPosition{o.ID} })
}

func getOrder(ctx context.Context, q querier, id int64) (*store.Order, error) {
	rows, _ := q.Query(ctx, orderGetSQL, pgx.NamedArgs{"id": id})
	o, err := pgx.CollectExactlyOneRow(rows, scanOrder)
	if err != nil {
		return nil, orNotFound(err, "order", id)
	}
	return &o, nil
}

// orderExists returns ENOTFOUND unless the order exists.
func orderExists(ctx context.Context, q querier, id int64) error {
	var exists bool
	if err := q.QueryRow(ctx, orderExistsSQL, pgx.NamedArgs{"id": id}).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return store.NotFound("order", id)
	}
	return nil
}

// scanOrder reads the columns of order_records.
func scanOrder(row pgx.CollectableRow) (store.Order, error) {
	var (
		o                           store.Order
		subtotal, fee, surge, total int64
		currency                    string
		addr                        = &o.DeliveryAddress
	)
	err := row.Scan(&o.ID, &o.CustomerID, &o.RestaurantID, &o.CourierID, &o.Status, &o.Reason, &o.Items,
		&subtotal, &fee, &surge, &o.SurgeBasisPoints, &total, &currency,
		&addr.Label, &addr.Line, &addr.Location.Lat, &addr.Location.Lng,
		&o.ScheduledFor, &o.Notes, &o.Seq, &o.EstimatedDeliveryAt, &o.PlacedAt, &o.UpdatedAt)
	o.Subtotal = store.Money{Amount: subtotal, Currency: currency}
	o.DeliveryFee = store.Money{Amount: fee, Currency: currency}
	o.SurgeFee = store.Money{Amount: surge, Currency: currency}
	o.Total = store.Money{Amount: total, Currency: currency}
	return o, err
}
