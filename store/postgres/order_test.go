package postgres_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestPlaceOrder_PricesExactlyInMinorUnits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type line struct{ price, quantity int64 }
	for _, tc := range []struct {
		name                      string
		fee                       int64
		surge                     int
		lines                     []line
		subtotal, surgeFee, total int64
	}{
		{"odd prices, no surge", 4000, 0, []line{{333, 3}, {1999, 7}}, 14992, 0, 18992},
		{"surge of 1.5 rounds half up", 4999, 15000, []line{{7, 50}}, 350, 2500, 7849},
		{"surge of 1.2345", 4999, 12345, []line{{24900, 1}}, 24900, 1172, 31071},
		{"surge on a one-paisa fee", 1, 15000, []line{{99, 1}}, 99, 1, 101},
		{"no fee, nothing to surge", 0, 30000, []line{{12345, 2}}, 24690, 0, 24690},
		{"fifty of a large price", 4000, 10000, []line{{987654321, 50}}, 49382716050, 0, 49382720050},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.restaurant(func(in *store.RestaurantInput) { in.MinimumOrder, in.DeliveryFee = inr(0), inr(tc.fee) })
			req := request(r)
			for _, l := range tc.lines {
				m := f.menuItem(r.ID, l.price)
				req.Items = append(req.Items, store.OrderLine{MenuItemID: m.ID, Quantity: int(l.quantity)})
			}
			o, replayed, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: f.customer().ID, Request: req, SurgeBasisPoints: tc.surge})
			if err != nil || replayed {
				t.Fatalf("PlaceOrder: replayed=%v err=%v", replayed, err)
			}
			wantSurge := tc.surge
			if wantSurge == 0 {
				wantSurge = 10000
			}
			if o.Subtotal != inr(tc.subtotal) || o.DeliveryFee != inr(tc.fee) || o.SurgeFee != inr(tc.surgeFee) ||
				o.Total != inr(tc.total) || o.SurgeBasisPoints != wantSurge {
				t.Errorf("priced subtotal %v + fee %v + surge %v (%d bp) = %v; want %d + %d + %d (%d bp) = %d",
					o.Subtotal, o.DeliveryFee, o.SurgeFee, o.SurgeBasisPoints, o.Total,
					tc.subtotal, tc.fee, tc.surgeFee, wantSurge, tc.total)
			}
			for i, l := range tc.lines {
				got := o.Items[i]
				if got.UnitPrice != inr(l.price) || got.Quantity != int(l.quantity) || got.LineTotal != inr(l.price*l.quantity) ||
					*got.MenuItemID != req.Items[i].MenuItemID {
					t.Errorf("line %d = %+v, want %d × %d", i, got, l.quantity, l.price)
				}
			}
			if read, err := f.Orders.Order(f.ctx, o.ID); err != nil || !reflect.DeepEqual(read, o) {
				t.Errorf("read back %+v (err %v), want %+v", read, err, o)
			}
		})
	}
}

func TestPlaceOrder_StoresTheOrderWithItsFirstEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	c := f.customer()
	m := f.menuItem(r.ID, 12000)
	at := time.Date(2025, 6, 1, 12, 30, 15, 123456789, time.FixedZone("IST", 19800))
	slot := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	req := request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 2})
	req.Notes, req.ScheduledFor = "less spicy", &slot
	o, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, Request: req, At: at})
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	wantAt := at.UTC().Truncate(time.Microsecond)
	if o.Status != store.StatusPlaced || o.Seq != 1 || o.CustomerID != c.ID || o.RestaurantID != r.ID ||
		o.CourierID != nil || !o.PlacedAt.Equal(wantAt) || o.PlacedAt.Location() != time.UTC ||
		o.DeliveryAddress != home || o.Notes != "less spicy" || !o.ScheduledFor.Equal(slot) {
		t.Errorf("order = %+v", o)
	}
	events, err := f.Orders.Timeline(f.ctx, o.ID, 0)
	if err != nil {
		t.Fatalf("Timeline: %v", err)
	}
	if len(events) != 1 {
		t.Fatalf("timeline has %d events, want 1", len(events))
	}
	ev := events[0]
	if ev.Seq != 1 || ev.Type != store.EventOrderPlaced || ev.Status != store.StatusPlaced ||
		ev.Actor != fmt.Sprintf("customer:%d", c.ID) || !ev.At.Equal(wantAt) {
		t.Errorf("first event = %+v", ev)
	}
}

func TestPlaceOrder_RefusesWhatTheRestaurantCannotTake(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant() // minimum 100.00 INR, delivers within 5 km
	dish := f.menuItem(r.ID, 6000)
	no := false
	soldOut := f.menuItem(r.ID, 6000, func(in *store.MenuItemInput) { in.Available = &no })
	elsewhere := f.menuItem(f.restaurant().ID, 6000)
	customer := f.customer()
	erased := f.customer()
	if err := f.Customers.DeleteCustomer(f.ctx, erased.ID); err != nil {
		t.Fatal(err)
	}
	enough := store.OrderLine{MenuItemID: dish.ID, Quantity: 2}

	for _, tc := range []struct {
		name      string
		edit      func(*store.NewOrder)
		kind      store.ErrorKind
		code      string
		wantField string
	}{
		{"unknown dish", func(n *store.NewOrder) {
			n.Request.Items = append(n.Request.Items, store.OrderLine{MenuItemID: 1 << 40, Quantity: 1})
		}, store.EUNPROCESSABLE, "menu_item_not_on_menu", "items[1].menu_item_id"},
		{"another restaurant's dish", func(n *store.NewOrder) {
			n.Request.Items = append(n.Request.Items, store.OrderLine{MenuItemID: elsewhere.ID, Quantity: 1})
		}, store.EUNPROCESSABLE, "menu_item_not_on_menu", "items[1].menu_item_id"},
		{"unavailable dish", func(n *store.NewOrder) {
			n.Request.Items = append(n.Request.Items, store.OrderLine{MenuItemID: soldOut.ID, Quantity: 1})
		}, store.EUNPROCESSABLE, "menu_item_unavailable", "items[1].menu_item_id"},
		{"address outside the delivery area", func(n *store.NewOrder) { n.Request.DeliveryAddress = faraway },
			store.EUNPROCESSABLE, "outside_delivery_area", "delivery_address.location"},
		{"under the minimum order", func(n *store.NewOrder) { n.Request.Items[0].Quantity = 1 },
			store.EUNPROCESSABLE, "below_minimum_order", "items"},
		{"unknown restaurant", func(n *store.NewOrder) { n.Request.RestaurantID = 1 << 40 },
			store.ENOTFOUND, "restaurant_not_found", ""},
		{"erased customer", func(n *store.NewOrder) { n.CustomerID = erased.ID },
			store.ENOTFOUND, "customer_not_found", ""},
		{"no quantity", func(n *store.NewOrder) { n.Request.Items[0].Quantity = 0 },
			store.EINVALID, "validation", "items[0].quantity"},
		{"surge below none", func(n *store.NewOrder) { n.SurgeBasisPoints = 9000 },
			store.EINVALID, "validation", "surge_basis_points"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := store.NewOrder{CustomerID: customer.ID, IdempotencyKey: tc.name, Request: request(r, enough)}
			tc.edit(&n)
			_, _, err := f.Orders.PlaceOrder(f.ctx, n)
			wantKind(t, err, tc.kind, tc.code)
			if tc.wantField != "" {
				var e *store.Error
				if !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != tc.wantField {
					t.Errorf("error %v does not name field %s", err, tc.wantField)
				}
			}
		})
	}
	var stored int
	if err := f.db.Pool().QueryRow(f.ctx, `SELECT count(*) FROM orders`).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("%d orders stored (err %v) after refusals only, want 0", stored, err)
	}
}

func TestPlaceOrder_ConcurrentRetriesOfOneKeyYieldOneOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	m := f.menuItem(r.ID, 11000)
	c := f.customer()
	n := store.NewOrder{CustomerID: c.ID, IdempotencyKey: "retry-me", Request: request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1})}

	const retries = 20
	type result struct {
		order    *store.Order
		replayed bool
		err      error
	}
	results := make([]result, retries)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range retries {
		wg.Go(func() {
			<-start
			o, replayed, err := f.Orders.PlaceOrder(f.ctx, n)
			results[i] = result{o, replayed, err}
		})
	}
	close(start)
	wg.Wait()

	firsts := 0
	for i, res := range results {
		if res.err != nil {
			t.Fatalf("retry %d: %v", i, res.err)
		}
		if !res.replayed {
			firsts++
		}
		if !reflect.DeepEqual(res.order, results[0].order) {
			t.Errorf("retry %d got order %+v, want the same as retry 0: %+v", i, res.order, results[0].order)
		}
	}
	if firsts != 1 {
		t.Errorf("%d retries placed the order, want exactly 1 (the others replayed)", firsts)
	}
	var orders, events int
	err := f.db.Pool().QueryRow(f.ctx, `SELECT (SELECT count(*) FROM orders WHERE customer_id = $1),
		(SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.customer_id = $1)`, c.ID).Scan(&orders, &events)
	if err != nil || orders != 1 || events != 1 {
		t.Errorf("stored %d orders and %d events (err %v), want 1 and 1", orders, events, err)
	}
}

func TestPlaceOrder_IdempotencyKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	m := f.menuItem(r.ID, 11000)
	c := f.customer()
	req := request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1})
	first, replayed, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, IdempotencyKey: "k1", Request: req})
	if err != nil || replayed {
		t.Fatalf("first PlaceOrder: replayed=%v err=%v", replayed, err)
	}

	t.Run("a retry returns the first order even after the menu changed", func(t *testing.T) {
		no := false
		if _, err := f.Menus.UpdateMenuItem(f.ctx, m.ID, store.MenuItemPatch{Available: &no}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			yes := true
			_, _ = f.Menus.UpdateMenuItem(f.ctx, m.ID, store.MenuItemPatch{Available: &yes})
		}()
		got, replayed, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, IdempotencyKey: "k1", Request: req, SurgeBasisPoints: 20000})
		if err != nil || !replayed || !reflect.DeepEqual(got, first) {
			t.Errorf("retry = %+v replayed=%v err=%v, want the first order replayed", got, replayed, err)
		}
	})
	t.Run("the key with another request is refused", func(t *testing.T) {
		other := req
		other.Items = []store.OrderLine{{MenuItemID: m.ID, Quantity: 2}}
		_, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, IdempotencyKey: "k1", Request: other})
		wantKind(t, err, store.EUNPROCESSABLE, "idempotency_key_reused")
	})
	t.Run("another customer's key is their own", func(t *testing.T) {
		got, replayed, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: f.customer().ID, IdempotencyKey: "k1", Request: req})
		if err != nil || replayed || got.ID == first.ID {
			t.Errorf("other customer's order = %+v replayed=%v err=%v, want a new order", got, replayed, err)
		}
	})
	t.Run("without a key every call places an order", func(t *testing.T) {
		a, _, errA := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, Request: req})
		b, replayed, errB := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, Request: req})
		if errA != nil || errB != nil || replayed || a.ID == b.ID {
			t.Errorf("two keyless orders: %v %v (replayed=%v, errors %v %v), want two orders", a.ID, b.ID, replayed, errA, errB)
		}
	})
}

func TestOrders_FilterAndPageNewestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r1, r2 := f.restaurant(), f.restaurant()
	alice, bob := f.customer().ID, f.customer().ID
	a1 := f.orderFrom(r1, alice)
	b1 := f.orderFrom(r1, bob)
	a2 := f.orderFrom(r2, alice)
	a3 := f.orderFrom(r1, alice)
	f.advance(a2.ID, store.StatusAccepted)

	all := func(filter store.OrderFilter, between func()) []int64 {
		t.Helper()
		var ids []int64
		for {
			page, err := f.Orders.Orders(f.ctx, filter)
			if err != nil {
				t.Fatalf("Orders: %v", err)
			}
			for _, o := range page.Items {
				ids = append(ids, o.ID)
			}
			if page.Next == "" {
				return ids
			}
			between()
			filter.Page.Cursor = page.Next
		}
	}
	nothing := func() {}
	for _, tc := range []struct {
		name   string
		filter store.OrderFilter
		want   []int64
	}{
		{"everything", store.OrderFilter{}, []int64{a3.ID, a2.ID, b1.ID, a1.ID}},
		{"one customer", store.OrderFilter{CustomerID: alice}, []int64{a3.ID, a2.ID, a1.ID}},
		{"one restaurant", store.OrderFilter{RestaurantID: r1.ID}, []int64{a3.ID, b1.ID, a1.ID}},
		{"customer and restaurant", store.OrderFilter{CustomerID: alice, RestaurantID: r1.ID}, []int64{a3.ID, a1.ID}},
		{"some statuses", store.OrderFilter{Statuses: []store.OrderStatus{store.StatusAccepted, store.StatusReady}}, []int64{a2.ID}},
		{"one per page", store.OrderFilter{Page: store.PageRequest{Limit: 1}}, []int64{a3.ID, a2.ID, b1.ID, a1.ID}},
	} {
		if got := all(tc.filter, nothing); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	got := all(store.OrderFilter{CustomerID: alice, Page: store.PageRequest{Limit: 1}}, func() { f.orderFrom(r1, alice) })
	if want := []int64{a3.ID, a2.ID, a1.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("pages while orders are placed = %v, want %v", got, want)
	}

	_, err := f.Orders.Orders(f.ctx, store.OrderFilter{Statuses: []store.OrderStatus{"lost"}})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = f.Orders.Order(f.ctx, 1<<40)
	wantKind(t, err, store.ENOTFOUND, "order_not_found")
}

// placeAtOnce places n orders of the dish m at once, each for its own
// customer, under limits; it returns the orders stored and the codes of the
// refusals.
func placeAtOnce(f *fixture, n int, r *store.Restaurant, m *store.MenuItem, scheduledFor *time.Time, limits store.CapacitySettings) (placed []*store.Order, refused []string) {
	f.t.Helper()
	customers := make([]int64, n)
	for i := range customers {
		customers[i] = f.customer().ID
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, c := range customers {
		wg.Go(func() {
			req := request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1})
			req.ScheduledFor = scheduledFor
			<-start
			o, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: c, Request: req, Limits: &limits})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				placed = append(placed, o)
			case store.KindOf(err) == store.ECONFLICT:
				refused = append(refused, store.CodeOf(err))
			default:
				f.t.Errorf("place order: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	return placed, refused
}

func TestPlaceOrder_LimitsHoldAgainstConcurrentPlacements(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	m := f.menuItem(r.ID, 11000)
	limits := store.CapacitySettings{MaxActiveOrders: 5, SlotCapacity: 1000}

	// As two grains of one restaurant could during a cluster change: each
	// placement believes there is room; the database decides.
	placed, refused := placeAtOnce(f, 30, r, m, nil, limits)
	if len(placed) != 5 || len(refused) != 25 {
		t.Fatalf("%d placed and %d refused, want 5 and 25", len(placed), len(refused))
	}
	for _, code := range refused {
		if code != "restaurant_at_capacity" {
			t.Fatalf("refused with %q, want restaurant_at_capacity", code)
		}
	}

	// An order that leaves the kitchen makes room for one more.
	f.advance(placed[0].ID, store.StatusAccepted, store.StatusPreparing, store.StatusReady)
	if placed, _ := placeAtOnce(f, 3, r, m, nil, limits); len(placed) != 1 {
		t.Fatalf("%d placed once an order left the kitchen, want 1", len(placed))
	}
}

func TestPlaceOrder_SlotCapHoldsAgainstConcurrentPlacements(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	m := f.menuItem(r.ID, 11000)
	slot := time.Now().UTC().Add(3 * time.Hour).Truncate(store.SlotLength)
	limits := store.CapacitySettings{MaxActiveOrders: 1000, SlotCapacity: 3}

	placed, refused := placeAtOnce(f, 12, r, m, &slot, limits)
	if len(placed) != 3 || len(refused) != 9 {
		t.Fatalf("%d placed and %d refused, want 3 and 9", len(placed), len(refused))
	}
	for _, code := range refused {
		if code != "slot_full" {
			t.Fatalf("refused with %q, want slot_full", code)
		}
	}

	// Another slot is free; a cancelled order frees its own.
	next := slot.Add(store.SlotLength)
	if placed, _ := placeAtOnce(f, 1, r, m, &next, limits); len(placed) != 1 {
		t.Fatalf("the next slot took %d orders, want 1", len(placed))
	}
	_, _, err := f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: placed[0].ID, To: store.StatusCancelled,
		Reason: "customer_request", By: admin, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if placed, _ := placeAtOnce(f, 3, r, m, &slot, limits); len(placed) != 1 {
		t.Fatalf("%d placed once an order of the slot was cancelled, want 1", len(placed))
	}
}
