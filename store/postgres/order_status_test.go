package postgres_test

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestChangeStatus_FollowsTheTransitionTable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	restaurant := store.Principal{Role: store.RoleRestaurant, ID: 1}
	customer := store.Principal{Role: store.RoleCustomer, ID: 1}
	courier := store.Principal{Role: store.RoleCourier, ID: 1}
	for _, tc := range []struct {
		name   string
		via    []store.OrderStatus
		to     store.OrderStatus
		by     store.Principal
		reason string
		kind   store.ErrorKind // "" when the move is allowed
		code   string
	}{
		{"the kitchen accepts", nil, store.StatusAccepted, restaurant, "", "", ""},
		{"the customer cancels a placed order", nil, store.StatusCancelled, customer, "customer_request", "", ""},
		{"the system rejects an order nobody accepted", nil, store.StatusRejected, store.System(), "accept_timeout", "", ""},
		{"the courier picks up a ready order", []store.OrderStatus{store.StatusAccepted, store.StatusPreparing, store.StatusReady},
			store.StatusPickedUp, courier, "", "", ""},
		{"the customer cannot cancel once accepted", []store.OrderStatus{store.StatusAccepted}, store.StatusCancelled,
			customer, "customer_request", store.EFORBIDDEN, "transition_not_allowed"},
		{"the courier cannot skip the pickup", []store.OrderStatus{store.StatusAccepted, store.StatusPreparing, store.StatusReady},
			store.StatusDelivered, courier, "", store.ECONFLICT, "illegal_transition"},
		{"nothing leaves delivered", []store.OrderStatus{store.StatusAccepted, store.StatusPreparing, store.StatusReady,
			store.StatusPickedUp, store.StatusDelivered}, store.StatusCancelled, admin, "other", store.ECONFLICT, "illegal_transition"},
		{"a rejection needs a reason", nil, store.StatusRejected, restaurant, "", store.EINVALID, "validation"},
		{"a rejection needs a known reason", nil, store.StatusRejected, restaurant, "bored", store.EINVALID, "validation"},
		{"an unknown status", nil, "teleported", admin, "", store.EINVALID, "validation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.order()
			if len(tc.via) > 0 {
				before = f.advance(before.ID, tc.via...)
			}
			at := time.Now().UTC().Truncate(time.Microsecond)
			o, ev, err := f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: before.ID, To: tc.to, Reason: tc.reason, By: tc.by, At: at})
			if tc.kind != "" {
				wantKind(t, err, tc.kind, tc.code)
				if after, _ := f.Orders.Order(f.ctx, before.ID); after.Status != before.Status || after.Seq != before.Seq {
					t.Errorf("a refused move changed the order: %s seq %d, was %s seq %d", after.Status, after.Seq, before.Status, before.Seq)
				}
				return
			}
			if err != nil {
				t.Fatalf("ChangeStatus: %v", err)
			}
			if o.Status != tc.to || o.Reason != tc.reason || o.Seq != before.Seq+1 || !o.UpdatedAt.Equal(at) {
				t.Errorf("order after the move: status %s reason %q seq %d updated %v; want %s %q %d %v",
					o.Status, o.Reason, o.Seq, o.UpdatedAt, tc.to, tc.reason, before.Seq+1, at)
			}
			var data struct{ From, To, Reason string }
			if ev == nil || json.Unmarshal(ev.Data, &data) != nil {
				t.Fatalf("event = %+v, want one with JSON data", ev)
			}
			if ev.Seq != o.Seq || ev.Type != store.EventOrderStatus || ev.Status != tc.to || ev.Actor != tc.by.String() ||
				!ev.At.Equal(at) || data.From != string(before.Status) || data.To != string(tc.to) || data.Reason != tc.reason {
				t.Errorf("event = %+v with data %+v", ev, data)
			}
			if timeline, _ := f.Orders.Timeline(f.ctx, o.ID, 0); !reflect.DeepEqual(timeline[len(timeline)-1], *ev) {
				t.Errorf("timeline ends with %+v, want the returned event %+v", timeline[len(timeline)-1], *ev)
			}
		})
	}
	_, _, err := f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: 1 << 40, To: store.StatusAccepted, By: admin})
	wantKind(t, err, store.ENOTFOUND, "order_not_found")
}

func TestChangeStatus_ToTheCurrentStatusChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	accepted := f.advance(f.order().ID, store.StatusAccepted)
	o, ev, err := f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: accepted.ID, To: store.StatusAccepted, By: admin})
	if err != nil || ev != nil || !reflect.DeepEqual(o, accepted) {
		t.Errorf("repeated move = %+v, event %+v, err %v; want the order unchanged and no event", o, ev, err)
	}
}

func TestChangeStatus_ConcurrentChangesNumberEventsWithoutGaps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	couriers := []int64{f.courier().ID, f.courier().ID}

	var (
		mu       sync.Mutex
		appended int
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	record := func(ev *store.OrderEvent, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("concurrent change: %v", err)
		}
		if ev != nil {
			appended++
		}
	}
	for i := range 24 {
		wg.Go(func() {
			<-start
			if i%3 == 0 {
				_, ev, err := f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: o.ID, To: store.StatusAccepted, By: admin})
				record(ev, err)
				return
			}
			_, ev, err := f.Orders.AssignCourier(f.ctx, o.ID, couriers[i%2], admin)
			record(ev, err)
		})
	}
	close(start)
	wg.Wait()

	final, err := f.Orders.Order(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	events, err := f.Orders.Timeline(f.ctx, o.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the timeline has a gap or a repeat", i, ev.Seq)
		}
	}
	if int64(len(events)) != final.Seq || len(events) != appended+1 {
		t.Errorf("%d events, order seq %d, %d changes reported an event plus the placement; want all equal",
			len(events), final.Seq, appended)
	}
	accepts := 0
	for _, ev := range events {
		if ev.Type == store.EventOrderStatus {
			accepts++
		}
	}
	if accepts != 1 || final.Status != store.StatusAccepted {
		t.Errorf("%d acceptance events, status %s; want exactly one acceptance", accepts, final.Status)
	}
}

func TestAssignCourier_AssignsAndReassignsUntilPickup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	first, second := f.courier(), f.courier()
	dispatcher := store.Principal{Role: store.RoleRestaurant, ID: o.RestaurantID}

	got, ev, err := f.Orders.AssignCourier(f.ctx, o.ID, first.ID, dispatcher)
	if err != nil {
		t.Fatalf("AssignCourier: %v", err)
	}
	if *got.CourierID != first.ID || got.Seq != 2 || ev.Seq != 2 || ev.Type != store.EventCourierAssigned ||
		ev.Status != store.StatusPlaced || ev.Actor != dispatcher.String() {
		t.Errorf("after assignment order %+v, event %+v", got, ev)
	}
	d, err := f.Orders.Delivery(f.ctx, o.ID)
	if err != nil || d.CourierID != first.ID || !d.AssignedAt.Equal(ev.At) || d.PickedUpAt != nil {
		t.Errorf("delivery = %+v (err %v), want courier %d assigned at %v", d, err, first.ID, ev.At)
	}

	_, ev, err = f.Orders.AssignCourier(f.ctx, o.ID, second.ID, dispatcher)
	var data struct {
		CourierID         int64  `json:"courier_id"`
		PreviousCourierID *int64 `json:"previous_courier_id"`
	}
	if err != nil || json.Unmarshal(ev.Data, &data) != nil || data.CourierID != second.ID ||
		data.PreviousCourierID == nil || *data.PreviousCourierID != first.ID {
		t.Errorf("reassignment event %+v (err %v), want courier %d replacing %d", ev, err, second.ID, first.ID)
	}
	if d, _ := f.Orders.Delivery(f.ctx, o.ID); d.CourierID != second.ID {
		t.Errorf("delivery courier = %d, want %d", d.CourierID, second.ID)
	}
	got, ev, err = f.Orders.AssignCourier(f.ctx, o.ID, second.ID, dispatcher)
	if err != nil || ev != nil || got.Seq != 3 {
		t.Errorf("assigning the same courier again: event %+v, seq %d, err %v; want nothing to change", ev, got.Seq, err)
	}

	_, _, err = f.Orders.AssignCourier(f.ctx, o.ID, 1<<40, dispatcher)
	wantKind(t, err, store.ENOTFOUND, "courier_not_found")
	_, _, err = f.Orders.AssignCourier(f.ctx, 1<<40, first.ID, dispatcher)
	wantKind(t, err, store.ENOTFOUND, "order_not_found")

	f.advance(o.ID, store.StatusAccepted, store.StatusPreparing, store.StatusReady, store.StatusPickedUp)
	_, _, err = f.Orders.AssignCourier(f.ctx, o.ID, first.ID, dispatcher)
	wantKind(t, err, store.ECONFLICT, "order_past_pickup")
}

func TestChangeStatus_StampsTheDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	c := f.courier()
	if _, _, err := f.Orders.AssignCourier(f.ctx, o.ID, c.ID, admin); err != nil {
		t.Fatal(err)
	}
	f.advance(o.ID, store.StatusAccepted, store.StatusPreparing, store.StatusReady)
	pickup := time.Date(2025, 6, 1, 13, 0, 0, 0, time.UTC)
	drop := pickup.Add(20 * time.Minute)
	for _, step := range []struct {
		to store.OrderStatus
		at time.Time
	}{{store.StatusPickedUp, pickup}, {store.StatusDelivered, drop}} {
		by := store.Principal{Role: store.RoleCourier, ID: c.ID}
		if _, _, err := f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: o.ID, To: step.to, By: by, At: step.at}); err != nil {
			t.Fatalf("move to %s: %v", step.to, err)
		}
	}
	d, err := f.Orders.Delivery(f.ctx, o.ID)
	if err != nil || d.PickedUpAt == nil || !d.PickedUpAt.Equal(pickup) || d.DeliveredAt == nil || !d.DeliveredAt.Equal(drop) {
		t.Errorf("delivery = %+v (err %v), want picked up at %v and delivered at %v", d, err, pickup, drop)
	}
}

func TestTimeline_ReturnsTheEventsAfterASequenceNumber(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.advance(f.order().ID, store.StatusAccepted, store.StatusPreparing)
	for _, tc := range []struct {
		after int64
		want  []int64
	}{{0, []int64{1, 2, 3}}, {2, []int64{3}}, {3, []int64{}}} {
		events, err := f.Orders.Timeline(f.ctx, o.ID, tc.after)
		if err != nil {
			t.Fatalf("Timeline(after %d): %v", tc.after, err)
		}
		seqs := []int64{}
		for _, ev := range events {
			seqs = append(seqs, ev.Seq)
		}
		if !reflect.DeepEqual(seqs, tc.want) || events == nil {
			t.Errorf("Timeline(after %d) = %v, want %v", tc.after, seqs, tc.want)
		}
	}
	_, err := f.Orders.Timeline(f.ctx, 1<<40, 0)
	wantKind(t, err, store.ENOTFOUND, "order_not_found")
}

func TestSetETA_RecordsAndClearsTheEstimate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	eta := time.Date(2025, 6, 1, 13, 45, 0, 0, time.UTC)
	if err := f.Orders.SetETA(f.ctx, o.ID, eta); err != nil {
		t.Fatalf("SetETA: %v", err)
	}
	got, _ := f.Orders.Order(f.ctx, o.ID)
	if got.EstimatedDeliveryAt == nil || !got.EstimatedDeliveryAt.Equal(eta) {
		t.Errorf("ETA = %v, want %v", got.EstimatedDeliveryAt, eta)
	}
	if err := f.Orders.SetETA(f.ctx, o.ID, time.Time{}); err != nil {
		t.Fatalf("SetETA(zero): %v", err)
	}
	if got, _ := f.Orders.Order(f.ctx, o.ID); got.EstimatedDeliveryAt != nil {
		t.Errorf("ETA after clearing = %v, want none", got.EstimatedDeliveryAt)
	}
	wantKind(t, f.Orders.SetETA(f.ctx, 1<<40, eta), store.ENOTFOUND, "order_not_found")
}
