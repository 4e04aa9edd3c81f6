package postgres_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestKitchenSettings_AreTheDefaultsUntilSaved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	kitchens := f.db.Kitchens()
	r := f.restaurant()
	k, err := kitchens.KitchenSettings(f.ctx, r.ID)
	if err != nil || k.CapacitySettings != store.DefaultKitchenSettings() || k.PausedUntil != nil || !k.UpdatedAt.IsZero() {
		t.Fatalf("settings of a new kitchen: %+v (%v), want the defaults", k, err)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	want := store.KitchenSettings{
		CapacitySettings: store.CapacitySettings{MaxActiveOrders: 7, PrepMinutes: 25, Busy: true, BusyExtraMinutes: 5, SlotCapacity: 3},
		PausedUntil:      &until, PauseReason: "deep clean",
	}
	if _, err := kitchens.SaveKitchenSettings(f.ctx, r.ID, want); err != nil {
		t.Fatal(err)
	}
	k, err = kitchens.KitchenSettings(f.ctx, r.ID)
	if err != nil || k.CapacitySettings != want.CapacitySettings || !k.PausedUntil.Equal(until) || k.PauseReason != "deep clean" || k.UpdatedAt.IsZero() {
		t.Errorf("saved settings read back as %+v (%v)", k, err)
	}
	bad := want
	bad.MaxActiveOrders = 0
	if _, err := kitchens.SaveKitchenSettings(f.ctx, r.ID, bad); !store.IsKind(err, store.EINVALID) {
		t.Errorf("saving a zero capacity: %v, want EINVALID", err)
	}
	for _, err := range []error{
		func() error { _, err := kitchens.KitchenSettings(f.ctx, 987654); return err }(),
		func() error { _, err := kitchens.SaveKitchenSettings(f.ctx, 987654, want); return err }(),
	} {
		if store.CodeOf(err) != "restaurant_not_found" {
			t.Errorf("unknown restaurant: %v, want restaurant_not_found", err)
		}
	}
}

func TestKitchenOrders_AreTheOrdersBearingOnTheKitchen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	customer := f.customer().ID
	active := f.orderFrom(r, customer)
	ready := f.orderFrom(r, customer)
	f.advance(ready.ID, store.StatusAccepted, store.StatusPreparing, store.StatusReady)
	// Placed long ago and delivered: not in the kitchen, not recent.
	m := f.menuItem(r.ID, 25000)
	old, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customer, At: time.Now().Add(-2 * time.Hour),
		Request: request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1})})
	if err != nil {
		t.Fatal(err)
	}
	f.advance(old.ID, store.StatusAccepted, store.StatusPreparing, store.StatusReady, store.StatusPickedUp, store.StatusDelivered)
	f.orderFrom(f.restaurant(), customer) // another kitchen's

	orders, err := f.db.Kitchens().KitchenOrders(f.ctx, r.ID, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range orders {
		ids = append(ids, o.ID)
		if o.ID == active.ID && o.Status != store.StatusPlaced {
			t.Errorf("order %d listed as %s", o.ID, o.Status)
		}
	}
	if !slices.Equal(ids, []int64{active.ID, ready.ID}) {
		t.Errorf("kitchen orders %v, want the active and the recently placed ones %v", ids, []int64{active.ID, ready.ID})
	}
}

func TestOrderUnderKey_SaysWhetherTheKeyWasUsed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	customer := f.customer().ID
	m := f.menuItem(r.ID, 25000)
	if _, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customer, IdempotencyKey: "k-1",
		Request: request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1})}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		customer int64
		key      string
		want     bool
	}{{customer, "k-1", true}, {customer, "k-2", false}, {customer + 1, "k-1", false}} {
		if got, err := f.db.Kitchens().OrderUnderKey(f.ctx, c.customer, c.key); err != nil || got != c.want {
			t.Errorf("customer %d key %s: %v (%v), want %v", c.customer, c.key, got, err, c.want)
		}
	}
}

func TestCourierDispatch_ClaimsACourierOnceAndFreesThemWhenTheyCarryNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dispatch := f.db.Dispatch()
	free, offline := f.courier(), f.courier()
	available := store.CourierAvailable
	if _, err := f.Couriers.UpdateCourier(f.ctx, free.ID, store.CourierPatch{Status: &available}); err != nil {
		t.Fatal(err)
	}
	got, err := dispatch.AvailableCouriers(f.ctx, []int64{offline.ID, free.ID, 987654})
	if err != nil || !slices.Equal(got, []int64{free.ID}) {
		t.Fatalf("available among them: %v (%v), want %d", got, err, free.ID)
	}

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		claims int
	)
	for range 10 {
		wg.Go(func() {
			ok, err := dispatch.ClaimCourier(f.ctx, free.ID)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				claims++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if claims != 1 {
		t.Fatalf("%d concurrent claims of one courier succeeded, want 1", claims)
	}
	if ok, _ := dispatch.ClaimCourier(f.ctx, offline.ID); ok {
		t.Error("an offline courier was claimed")
	}

	// Carrying one order, they stay busy while another one is released.
	o := f.order()
	if _, _, err := f.Orders.AssignCourier(f.ctx, o.ID, free.ID, admin); err != nil {
		t.Fatal(err)
	}
	if err := dispatch.ReleaseCourier(f.ctx, free.ID, o.ID+1000); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Couriers.Courier(f.ctx, free.ID); c.Status != store.CourierBusy {
		t.Errorf("a courier carrying an order was freed: %s", c.Status)
	}
	if err := dispatch.ReleaseCourier(f.ctx, free.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Couriers.Courier(f.ctx, free.ID); c.Status != store.CourierAvailable {
		t.Errorf("a courier done with their order is %s, want available", c.Status)
	}
}
