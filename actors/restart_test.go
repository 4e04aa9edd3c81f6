package actors_test

import (
	"testing"
	"time"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/store"
)

// rejectedInTime reports whether the order was rejected by the system
// for not being accepted in time.
func (f *fixture) rejectedInTime(orderID int64) bool {
	f.t.Helper()
	o := f.stored(orderID)
	if o.Status != store.StatusRejected {
		return false
	}
	events := f.timeline(orderID)
	last := events[len(events)-1]
	if o.Reason != "accept_timeout" || last.Actor != "system" {
		f.t.Fatalf("order rejected with reason %q by %s, want accept_timeout by system", o.Reason, last.Actor)
	}
	return true
}

func TestAcceptDeadline_RejectsAnOrderNotAcceptedInTime(t *testing.T) {
	f := newFixture(t, func(c *actors.Config) { c.AcceptTimeout = 500 * time.Millisecond })
	r := f.restaurant()
	late := f.order(r)
	accepted := f.order(r)
	f.move(accepted.ID, store.Principal{Role: store.RoleRestaurant, ID: r.ID}, store.StatusAccepted, "")

	eventually(t, "the unaccepted order is rejected", func() bool { return f.rejectedInTime(late.ID) })
	if s := f.stored(accepted.ID).Status; s != store.StatusAccepted {
		t.Errorf("the accepted order is %s, want accepted", s)
	}
	c, err := f.engine.Capacity(f.ctx, r.ID)
	if err != nil || c.ActiveOrders != 1 {
		t.Errorf("capacity %+v (%v): the rejected order should have freed its place", c, err)
	}
}

// TestAcceptDeadline_FiresAcrossARestart crashes the engine while orders
// await acceptance: one whose deadline passes while no engine runs is
// rejected as soon as a new engine starts, one whose deadline is still
// ahead is rejected when it comes.
func TestAcceptDeadline_FiresAcrossARestart(t *testing.T) {
	const timeout = 2 * time.Second
	f := newFixture(t, func(c *actors.Config) { c.AcceptTimeout = timeout })
	r := f.restaurant()
	overdue := f.order(r)
	var pending *store.Order
	f.crashAndRestart(func() {
		time.Sleep(time.Until(overdue.PlacedAt.Add(timeout)))
		// Placed behind the engine's back while none runs.
		o, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: f.customer().ID, Request: request(r), At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		pending = o
	})
	eventually(t, "the overdue order is rejected once the engine starts", func() bool { return f.rejectedInTime(overdue.ID) })
	if s := f.stored(pending.ID).Status; s != store.StatusPlaced && time.Since(pending.PlacedAt) < timeout {
		t.Errorf("the order still within its deadline is %s", s)
	}
	eventually(t, "the pending order is rejected at its deadline", func() bool { return f.rejectedInTime(pending.ID) })
}

// TestRestart_EveryOrderKeepsItsStateAndSequence crashes the engine with
// orders in every status and checks that the new engine's actors hold what
// PostgreSQL acknowledged, and number the next event after it.
func TestRestart_EveryOrderKeepsItsStateAndSequence(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	courier := f.courier(farAway) // beyond dispatch: assigned by hand only
	orders := map[int64]store.OrderStatus{}
	for _, status := range store.OrderStatuses() {
		o := f.order(r)
		if status == store.StatusPickedUp {
			if _, err := f.engine.AssignCourier(f.ctx, o.ID, courier.ID, admin); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range pathTo(status) {
			o = f.move(o.ID, admin, s, "other")
		}
		orders[o.ID] = o.Status
	}
	before := map[int64]*store.Tracking{}
	for id := range orders {
		tr, err := f.engine.Tracking(f.ctx, id, admin)
		if err != nil {
			t.Fatal(err)
		}
		before[id] = tr
	}

	f.crashAndRestart(nil)

	for id, status := range orders {
		after, err := f.engine.Tracking(f.ctx, id, admin)
		if err != nil {
			t.Fatalf("order %d after the restart: %v", id, err)
		}
		b := before[id]
		if after.Status != status || after.Seq != b.Seq || after.Seq != int64(len(f.timeline(id))) ||
			(b.CourierID == nil) != (after.CourierID == nil) {
			t.Errorf("order %d after the restart: %s seq %d courier %v; before: %s seq %d courier %v",
				id, after.Status, after.Seq, after.CourierID, b.Status, b.Seq, b.CourierID)
		}
	}
	// The next event of each live order follows on.
	for id, status := range orders {
		if status.Terminal() {
			continue
		}
		next := f.move(id, admin, store.StatusCancelled, "other")
		if next.Seq != before[id].Seq+1 {
			t.Errorf("order %d: the first event after the restart has seq %d, want %d", id, next.Seq, before[id].Seq+1)
		}
		f.timeline(id)
	}
}

// TestPassivation_IdleActorsLeaveMemoryAndComeBackWhole lets a cancelled
// order's actor and its restaurant's passivate, then asks again: both
// reload from PostgreSQL as they were.
func TestPassivation_IdleActorsLeaveMemoryAndComeBackWhole(t *testing.T) {
	f := newFixture(t, func(c *actors.Config) {
		c.TerminalOrderIdle = 100 * time.Millisecond
		c.RestaurantIdle = 100 * time.Millisecond
	})
	r := f.restaurant()
	o := f.move(f.order(r).ID, admin, store.StatusCancelled, "other")
	if orders, restaurants := f.engine.Activations(); orders != 1 || restaurants != 1 {
		t.Fatalf("%d order and %d restaurant actors in memory, want 1 and 1", orders, restaurants)
	}
	eventually(t, "idle actors passivate", func() bool {
		orders, restaurants := f.engine.Activations()
		return orders == 0 && restaurants == 0
	})
	tr, err := f.engine.Tracking(f.ctx, o.ID, admin)
	if err != nil || tr.Status != store.StatusCancelled || tr.Seq != o.Seq {
		t.Errorf("order after passivation: %+v (%v), want cancelled at seq %d", tr, err, o.Seq)
	}
	c, err := f.engine.Capacity(f.ctx, r.ID)
	if err != nil || c.ActiveOrders != 0 {
		t.Errorf("capacity after passivation: %+v (%v)", c, err)
	}
}
