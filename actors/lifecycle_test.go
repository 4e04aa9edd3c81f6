package actors_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/dabba/dabba/store"
)

// pathTo lists the moves (status, reason) that bring a new order to status.
func pathTo(status store.OrderStatus) []store.OrderStatus {
	forward := []store.OrderStatus{store.StatusAccepted, store.StatusPreparing, store.StatusReady, store.StatusPickedUp, store.StatusDelivered}
	switch status {
	case store.StatusPlaced:
		return nil
	case store.StatusRejected, store.StatusCancelled:
		return []store.OrderStatus{status}
	}
	for i, s := range forward {
		if s == status {
			return forward[:i+1]
		}
	}
	panic("no path to " + status)
}

// TestChangeStatus_FollowsTheTransitionTableForEveryRole tries every move
// between two different statuses as each role (acting as the order's own
// customer, restaurant and courier, and as an admin): a move of the table
// succeeds for the roles it lists, is forbidden for the others, and a move
// not in the table is an illegal transition for everyone.
func TestChangeStatus_FollowsTheTransitionTableForEveryRole(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	f.limits(r, store.CapacitySettings{MaxActiveOrders: 1000, PrepMinutes: 20, BusyExtraMinutes: 10, SlotCapacity: 5})
	var cases int
	for _, from := range store.OrderStatuses() {
		for _, to := range store.OrderStatuses() {
			if from == to {
				continue
			}
			for _, role := range store.Roles() {
				cases++
				t.Run(fmt.Sprintf("%s→%s by %s", from, to, role), func(t *testing.T) {
					t.Parallel()
					f := f.in(t)
					customer := f.customer()
					courier := f.courier(farAway)
					o := f.place(customer.ID, request(r))
					if _, err := f.engine.AssignCourier(f.ctx, o.ID, courier.ID, admin); err != nil {
						t.Fatalf("assign courier: %v", err)
					}
					for _, s := range pathTo(from) {
						f.move(o.ID, admin, s, "other")
					}
					by := map[store.Role]store.Principal{
						store.RoleCustomer:   {Role: store.RoleCustomer, ID: customer.ID},
						store.RoleRestaurant: {Role: store.RoleRestaurant, ID: r.ID},
						store.RoleCourier:    {Role: store.RoleCourier, ID: courier.ID},
						store.RoleAdmin:      admin,
					}[role]
					got, err := f.engine.ChangeStatus(f.ctx, store.StatusChange{OrderID: o.ID, To: to, Reason: "other", By: by})
					move, legal := store.FindTransition(from, to)
					switch {
					case !legal:
						if code(err) != "conflict/illegal_transition" {
							t.Fatalf("illegal move answered %v, want conflict/illegal_transition", err)
						}
					case !move.Allows(role):
						if code(err) != "forbidden/transition_not_allowed" {
							t.Fatalf("move not allowed to %s answered %v, want forbidden/transition_not_allowed", role, err)
						}
					case err != nil:
						t.Fatalf("legal move refused: %v", err)
					case got.Status != to || f.stored(o.ID).Status != to:
						t.Fatalf("order is %s after the move (stored %s), want %s", got.Status, f.stored(o.ID).Status, to)
					}
					want := from
					if err == nil {
						want = to
					}
					if s := f.stored(o.ID).Status; s != want {
						t.Errorf("stored status %s, want %s", s, want)
					}
					f.timeline(o.ID)
				})
			}
		}
	}
	if want := 8 * 7 * 4; cases != want {
		t.Errorf("tried %d cases, want %d", cases, want)
	}
}

func TestChangeStatus_RepeatingTheCurrentStatusChangesNothing(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	o := f.order(r)
	kitchenStaff := store.Principal{Role: store.RoleRestaurant, ID: r.ID}
	accepted := f.move(o.ID, kitchenStaff, store.StatusAccepted, "")
	again := f.move(o.ID, kitchenStaff, store.StatusAccepted, "")
	if again.Seq != accepted.Seq || again.Status != store.StatusAccepted {
		t.Errorf("repeat gave seq %d status %s, want seq %d accepted", again.Seq, again.Status, accepted.Seq)
	}
	if n := len(f.timeline(o.ID)); int64(n) != accepted.Seq {
		t.Errorf("timeline has %d events, want %d", n, accepted.Seq)
	}
}

func TestChangeStatus_RefusalsNeedingNoTable(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	o := f.order(r)
	stranger := f.customer()
	cases := []struct {
		name   string
		change store.StatusChange
		want   string
	}{
		{"cancelling without a reason", store.StatusChange{To: store.StatusCancelled, By: store.Principal{Role: store.RoleCustomer, ID: o.CustomerID}}, "invalid/validation"},
		{"rejecting with an unknown reason", store.StatusChange{To: store.StatusRejected, Reason: "bored", By: store.Principal{Role: store.RoleRestaurant, ID: r.ID}}, "invalid/validation"},
		{"another customer's order", store.StatusChange{To: store.StatusCancelled, Reason: "other", By: store.Principal{Role: store.RoleCustomer, ID: stranger.ID}}, "not_found/order_not_found"},
		{"another restaurant's order", store.StatusChange{To: store.StatusAccepted, By: store.Principal{Role: store.RoleRestaurant, ID: r.ID + 1}}, "not_found/order_not_found"},
		{"an unknown status", store.StatusChange{To: "eaten", By: admin}, "invalid/validation"},
		{"an order that does not exist", store.StatusChange{OrderID: 987654, To: store.StatusAccepted, By: admin}, "not_found/order_not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.change.OrderID == 0 {
				c.change.OrderID = o.ID
			}
			_, err := f.engine.ChangeStatus(f.ctx, c.change)
			if code(err) != c.want {
				t.Errorf("got %v, want %s", err, c.want)
			}
		})
	}
	if s := f.stored(o.ID); s.Status != store.StatusPlaced || s.Seq != 1 {
		t.Errorf("refused changes moved the order to %s (seq %d)", s.Status, s.Seq)
	}
}

// TestChangeStatus_ConcurrentChangesToOneOrderSerialise has many callers
// race the kitchen's moves and a cancellation on one order: each move
// happens at most once, no change is lost, and the timeline's sequences
// stay contiguous.
func TestChangeStatus_ConcurrentChangesToOneOrderSerialise(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	kitchenStaff := store.Principal{Role: store.RoleRestaurant, ID: r.ID}
	for round := range 3 {
		o := f.order(r)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for _, s := range []store.OrderStatus{store.StatusAccepted, store.StatusPreparing, store.StatusReady} {
					_, _ = f.engine.ChangeStatus(f.ctx, store.StatusChange{OrderID: o.ID, To: s, By: kitchenStaff})
				}
			})
		}
		if round > 0 {
			wg.Go(func() {
				_, _ = f.engine.ChangeStatus(f.ctx, store.StatusChange{OrderID: o.ID, To: store.StatusCancelled, Reason: "kitchen_issue", By: kitchenStaff})
			})
		}
		wg.Wait()

		events := f.timeline(o.ID)
		seen := map[store.OrderStatus]int{}
		for _, ev := range events {
			if ev.Type == store.EventOrderStatus {
				seen[ev.Status]++
			}
		}
		for s, n := range seen {
			if n != 1 {
				t.Errorf("round %d: %d events moved the order to %s, want 1", round, n, s)
			}
		}
		stored := f.stored(o.ID)
		if stored.Seq != int64(len(events)) || stored.Status != events[len(events)-1].Status {
			t.Errorf("round %d: order at seq %d %s, timeline ends at seq %d %s", round, stored.Seq, stored.Status, len(events), events[len(events)-1].Status)
		}
		if round == 0 && stored.Status != store.StatusReady {
			t.Errorf("round 0: order is %s after every move ran, want ready", stored.Status)
		}
		tracking, err := f.engine.Tracking(f.ctx, o.ID, admin)
		if err != nil || tracking.Seq != stored.Seq || tracking.Status != stored.Status {
			t.Errorf("round %d: actor holds seq %d %s (%v); PostgreSQL seq %d %s", round, tracking.Seq, tracking.Status, err, stored.Seq, stored.Status)
		}
	}
}
