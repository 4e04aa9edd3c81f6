package actors_test

import (
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/store"
)

// placeConcurrently places n orders of req at once, each for a new
// customer, and returns the orders taken and the codes of the refusals.
// The orders go through the fixture's engine or, when nodes are given,
// through each node in turn.
func (f *fixture) placeConcurrently(n int, req store.OrderRequest, nodes ...*actors.Engine) ([]*store.Order, map[string]int) {
	f.t.Helper()
	if len(nodes) == 0 {
		nodes = []*actors.Engine{f.engine}
	}
	customers := make([]*store.Customer, n)
	for i := range customers {
		customers[i] = f.customer()
	}
	var (
		mu       sync.Mutex
		taken    []*store.Order
		refusals = map[string]int{}
		wg       sync.WaitGroup
	)
	for i, c := range customers {
		wg.Go(func() {
			o, _, err := nodes[i%len(nodes)].PlaceOrder(f.ctx, store.NewOrder{CustomerID: c.ID, Request: req})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refusals[code(err)]++
				return
			}
			taken = append(taken, o)
		})
	}
	wg.Wait()
	return taken, refusals
}

// kitchenOrders counts the restaurant's orders PostgreSQL holds in the
// kitchen (placed, accepted, preparing).
func (f *fixture) kitchenOrders(restaurantID int64) int {
	f.t.Helper()
	var n int
	err := f.db.Pool().QueryRow(f.ctx, `SELECT count(*) FROM orders WHERE restaurant_id = $1 AND status IN ('placed', 'accepted', 'preparing')`, restaurantID).Scan(&n)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// placeBeyondCapacity places n orders of r at once, through the given
// nodes in turn (the fixture's engine when none), and fails the test
// unless exactly limit were taken, the others refused as
// restaurant_at_capacity, and PostgreSQL holds limit orders in the kitchen.
func (f *fixture) placeBeyondCapacity(r kitchenFixture, limit, n int, nodes ...*actors.Engine) []*store.Order {
	f.t.Helper()
	taken, refusals := f.placeConcurrently(n, request(r), nodes...)
	if len(taken) != limit || refusals["conflict/restaurant_at_capacity"] != n-limit || len(refusals) != 1 {
		f.t.Fatalf("%d orders taken, refusals %v; want %d taken and %d at capacity", len(taken), refusals, limit, n-limit)
	}
	if held := f.kitchenOrders(r.ID); held != limit {
		f.t.Fatalf("PostgreSQL holds %d orders in the kitchen, want %d", held, limit)
	}
	return taken
}

func TestPlaceOrder_CapacityIsNeverOversoldUnder200ConcurrentPlacements(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	const limit = 25
	f.limits(r, store.CapacitySettings{MaxActiveOrders: limit, PrepMinutes: 20, SlotCapacity: 5})

	taken := f.placeBeyondCapacity(r, limit, 200)
	c, err := f.engine.Capacity(f.ctx, r.ID)
	if err != nil || c.ActiveOrders != limit || c.Available != 0 {
		t.Fatalf("capacity %+v (%v), want %d active and none available", c, err, limit)
	}

	// An order leaving the kitchen frees its place: ready, rejected and
	// cancelled orders all do.
	kitchenStaff := store.Principal{Role: store.RoleRestaurant, ID: r.ID}
	f.move(taken[0].ID, kitchenStaff, store.StatusRejected, "kitchen_busy")
	f.move(taken[1].ID, store.Principal{Role: store.RoleCustomer, ID: taken[1].CustomerID}, store.StatusCancelled, "customer_request")
	for _, s := range []store.OrderStatus{store.StatusAccepted, store.StatusPreparing, store.StatusReady} {
		f.move(taken[2].ID, kitchenStaff, s, "")
	}
	more, refusals := f.placeConcurrently(5, request(r))
	if len(more) != 3 || refusals["conflict/restaurant_at_capacity"] != 2 {
		t.Errorf("after three orders left: %d taken, refusals %v; want 3 taken", len(more), refusals)
	}
	if n := f.kitchenOrders(r.ID); n != limit {
		t.Errorf("PostgreSQL holds %d orders in the kitchen, want %d", n, limit)
	}
}

// TestPlaceOrder_IdempotentRetriesCountOnce retries one placement under
// one key at a kitchen with room for a single order: every retry answers
// with that order, even though the kitchen is now full.
func TestPlaceOrder_IdempotentRetriesCountOnce(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	f.limits(r, store.CapacitySettings{MaxActiveOrders: 1, PrepMinutes: 20, SlotCapacity: 5})
	customer := f.customer()
	n := store.NewOrder{CustomerID: customer.ID, IdempotencyKey: "retry-me", Request: request(r)}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[int64]int{}
	)
	for range 10 {
		wg.Go(func() {
			o, _, err := f.engine.PlaceOrder(f.ctx, n)
			if err != nil {
				t.Errorf("retry refused: %v", err)
				return
			}
			mu.Lock()
			ids[o.ID]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(ids) != 1 {
		t.Fatalf("retries gave orders %v, want one", ids)
	}
	c, err := f.engine.Capacity(f.ctx, r.ID)
	if err != nil || c.ActiveOrders != 1 {
		t.Errorf("capacity %+v (%v), want one active order", c, err)
	}
}

func TestPlaceOrder_RefusesWhenTheKitchenCannotTakeIt(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	local := now.In(time.UTC)
	// Open only in an hour that is not now, every day.
	later := local.Add(3 * time.Hour)
	closedNow := f.restaurant(func(in *store.RestaurantInput) {
		in.Timezone = "UTC"
		in.OpeningHours = nil
		for d := range 7 {
			in.OpeningHours = append(in.OpeningHours, store.OpeningHours{Weekday: d,
				Opens: later.Format("15:00"), Closes: later.Add(time.Hour).Format("15:00")})
		}
	})
	paused := f.restaurant()
	if _, err := f.engine.SetAvailability(f.ctx, paused.ID, store.AvailabilityChange{PausedUntil: ptr(now.Add(time.Hour)), Reason: "out of gas"}); err != nil {
		t.Fatal(err)
	}
	a, err := f.engine.Availability(f.ctx, paused.ID)
	if err != nil || a.AcceptingOrders || !a.Paused || a.PauseReason != "out of gas" {
		t.Errorf("availability of the paused kitchen: %+v (%v)", a, err)
	}
	if a, err := f.engine.Availability(f.ctx, closedNow.ID); err != nil || a.AcceptingOrders || a.Open {
		t.Errorf("availability of the closed kitchen: %+v (%v)", a, err)
	}
	customer := f.customer()
	for _, c := range []struct {
		name string
		r    kitchenFixture
		want string
	}{
		{"closed", closedNow, "conflict/restaurant_closed"},
		{"paused", paused, "conflict/restaurant_paused"},
	} {
		_, _, err := f.engine.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customer.ID, Request: request(c.r)})
		if code(err) != c.want {
			t.Errorf("%s kitchen: %v, want %s", c.name, err, c.want)
		}
	}
	_, _, err = f.engine.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customer.ID, Request: store.OrderRequest{
		RestaurantID: 987654, Items: request(paused).Items, DeliveryAddress: home}})
	if code(err) != "not_found/restaurant_not_found" {
		t.Errorf("unknown restaurant: %v", err)
	}

	// Resuming lets orders in again.
	if _, err := f.engine.SetAvailability(f.ctx, paused.ID, store.AvailabilityChange{}); err != nil {
		t.Fatal(err)
	}
	f.place(customer.ID, request(paused))
}

func ptr[T any](v T) *T { return &v }

// slotIn returns the start of a delivery slot about d from now.
func slotIn(d time.Duration) time.Time {
	return time.Now().Add(d).Truncate(store.SlotLength).UTC()
}

func TestPlaceOrder_SlotCapsHoldUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	f.limits(r, store.CapacitySettings{MaxActiveOrders: 100, PrepMinutes: 20, SlotCapacity: 3})
	slot := slotIn(3 * time.Hour)
	req := request(r)
	req.ScheduledFor = &slot

	taken, refusals := f.placeConcurrently(30, req)
	if len(taken) != 3 || refusals["conflict/slot_full"] != 27 {
		t.Fatalf("%d orders taken, refusals %v; want 3 taken and 27 slot_full", len(taken), refusals)
	}
	for _, o := range taken {
		if o.ScheduledFor == nil || !o.ScheduledFor.Equal(slot) || o.EstimatedDeliveryAt.Before(slot) {
			t.Errorf("order %d scheduled for %v, ETA %v; want the slot %v", o.ID, o.ScheduledFor, o.EstimatedDeliveryAt, slot)
		}
	}
	day := slot.In(r.loc(t)).Format(time.DateOnly)
	slots, err := f.engine.DeliverySlots(f.ctx, r.ID, day)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range slots.Slots {
		if s.Start.Equal(slot) {
			found = true
			if s.Reserved != 3 || s.Available != 0 || s.Bookable {
				t.Errorf("the full slot is listed as %+v", s)
			}
		}
	}
	if !found || len(slots.Slots) == 0 {
		t.Fatalf("slot %v not listed among %+v", slot, slots.Slots)
	}

	// Cancelling frees the slot.
	f.move(taken[0].ID, admin, store.StatusCancelled, "other")
	eventually(t, "the cancelled order's slot is freed", func() bool {
		slots, err := f.engine.DeliverySlots(f.ctx, r.ID, day)
		for _, s := range slots.Slots {
			if err == nil && s.Start.Equal(slot) {
				return s.Reserved == 2 && s.Bookable
			}
		}
		return false
	})

	for _, c := range []struct {
		name string
		at   time.Time
	}{
		{"off the quarter hour", slot.Add(7 * time.Minute)},
		{"too soon for the kitchen", slotIn(0)},
		{"beyond the horizon", slotIn(9 * 24 * time.Hour)},
	} {
		req := request(r)
		req.ScheduledFor = &c.at
		_, _, err := f.engine.PlaceOrder(f.ctx, store.NewOrder{CustomerID: taken[0].CustomerID, Request: req})
		if code(err) != "conflict/slot_invalid" {
			t.Errorf("slot %s: %v, want conflict/slot_invalid", c.name, err)
		}
	}
}

func (r kitchenFixture) loc(t *testing.T) *time.Location {
	loc, err := time.LoadLocation(r.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestPricing_SurgesWhenDemandOutrunsFreeCouriers(t *testing.T) {
	f := newFixture(t)
	calm := f.restaurant()
	busy := f.restaurant()
	f.courier(nearby)
	p, err := f.engine.Pricing(f.ctx, calm.ID)
	if err != nil || p.SurgeBasisPoints != 10000 || p.SurgeFee.Amount != 0 || p.DeliveryFee != calm.DeliveryFee || p.AvailableCouriers != 1 {
		t.Fatalf("calm pricing %+v (%v), want no surge with one free courier", p, err)
	}

	// Five orders against one free courier: four beyond one per courier,
	// +25 % each, capped at twice the fee, once the quote made before
	// them expires.
	for range 5 {
		f.order(busy)
	}
	eventually(t, "the quote counts the new demand", func() bool {
		p, err = f.engine.Pricing(f.ctx, busy.ID)
		return err == nil && p.Demand == 5
	})
	if p.SurgeBasisPoints != 20000 || p.SurgeFee != inr(4000) || p.DeliveryFee != inr(8000) || p.AvailableCouriers != 1 {
		t.Fatalf("busy pricing %+v, want 2× the fee", p)
	}
	// The quote holds for its TTL: the next order pays it, itemised.
	o := f.order(busy)
	if o.SurgeBasisPoints != p.SurgeBasisPoints || o.SurgeFee != p.SurgeFee || o.DeliveryFee != p.BaseDeliveryFee {
		t.Errorf("order paid surge %d (%v on %v), quote was %d (%v on %v)", o.SurgeBasisPoints, o.SurgeFee, o.DeliveryFee,
			p.SurgeBasisPoints, p.SurgeFee, p.BaseDeliveryFee)
	}
	if !p.ValidUntil.After(p.QuotedAt) {
		t.Errorf("quote valid until %v, quoted at %v", p.ValidUntil, p.QuotedAt)
	}
}

func TestCapacity_SettingsArePersistedAndPublished(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	c, err := f.engine.Capacity(f.ctx, r.ID)
	if err != nil || c.CapacitySettings != store.DefaultKitchenSettings() || c.UpdatedAt != nil {
		t.Fatalf("capacity of a new kitchen %+v (%v), want the defaults", c, err)
	}
	busy := store.CapacitySettings{MaxActiveOrders: 8, PrepMinutes: 15, Busy: true, BusyExtraMinutes: 12, SlotCapacity: 2}
	if _, err := f.engine.SetCapacity(f.ctx, r.ID, busy); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.SetCapacity(f.ctx, r.ID, store.CapacitySettings{MaxActiveOrders: 0, PrepMinutes: 15, SlotCapacity: 2}); code(err) != "invalid/validation" {
		t.Errorf("zero capacity: %v, want invalid", err)
	}
	f.crashAndRestart(nil)
	c, err = f.engine.Capacity(f.ctx, r.ID)
	if err != nil || c.CapacitySettings != busy || c.EffectivePrepMinutes != 27 || c.UpdatedAt == nil {
		t.Errorf("capacity after a restart %+v (%v), want %+v with 27 minutes' preparation", c, err, busy)
	}
}
