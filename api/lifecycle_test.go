package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// answered fails the test unless the response has the wanted status and,
// for a problem, the wanted code.
func answered(t *testing.T, res interface{ StatusCode() int }, body []byte, status int, code string) {
	t.Helper()
	if res.StatusCode() != status {
		t.Fatalf("status %d, want %d (%s); body: %s", res.StatusCode(), status, code, body)
	}
	if code == "" {
		return
	}
	var p client.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Code != code {
		t.Fatalf("problem %q (%v), want %q; body: %s", p.Code, err, code, body)
	}
}

func statusChange(to, reason string) client.StatusChangeRequest {
	req := client.StatusChangeRequest{Status: client.StatusChangeRequestStatus(to)}
	if reason != "" {
		req.Reason = &reason
	}
	return req
}

func TestOrderStatusFollowsTheTransitionTableAndRoles(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	o := h.order(w.asha.Id, w.biryaniOrder(1), "")
	asha := h.as(store.RoleCustomer, w.asha.Id)
	kitchen := h.as(store.RoleRestaurant, w.restaurant.Id)
	move := func(c *client.ClientWithResponses, to, reason string) *client.ChangeOrderStatusResponse {
		return must(c.ChangeOrderStatusWithResponse(ctx, o.Id, statusChange(to, reason)))
	}

	res := move(asha, "accepted", "")
	answered(t, res, res.Body, http.StatusForbidden, "transition_not_allowed")
	res = move(h.as(store.RoleCustomer, w.ravi.Id), "cancelled", "customer_request")
	answered(t, res, res.Body, http.StatusNotFound, "order_not_found")
	res = move(h.as(store.RoleRestaurant, w.otherRestaurant.Id), "accepted", "")
	answered(t, res, res.Body, http.StatusNotFound, "order_not_found")

	res = move(kitchen, "accepted", "")
	answered(t, res, res.Body, http.StatusOK, "")
	if res.JSON200.Status != "accepted" || res.JSON200.Seq != 2 {
		t.Fatalf("accepted order: %+v", res.JSON200)
	}
	again := move(kitchen, "accepted", "")
	answered(t, again, again.Body, http.StatusOK, "")
	if again.JSON200.Seq != 2 {
		t.Errorf("repeating the status moved the order to seq %d", again.JSON200.Seq)
	}
	res = move(asha, "cancelled", "customer_request")
	answered(t, res, res.Body, http.StatusForbidden, "transition_not_allowed")
	res = move(kitchen, "delivered", "")
	answered(t, res, res.Body, http.StatusConflict, "illegal_transition")
	res = move(kitchen, "cancelled", "")
	answered(t, res, res.Body, http.StatusBadRequest, "validation")
	res = move(kitchen, "cancelled", "kitchen_issue")
	answered(t, res, res.Body, http.StatusOK, "")

	tl := must(asha.GetOrderTimelineWithResponse(ctx, o.Id, nil))
	answered(t, tl, tl.Body, http.StatusOK, "")
	var types []string
	for i, ev := range tl.JSON200.Events {
		if ev.Seq != int64(i+1) {
			t.Errorf("event %d has seq %d", i, ev.Seq)
		}
		types = append(types, ev.Type+":"+string(ev.Status))
	}
	if len(types) != 3 || types[2] != "order.status_changed:cancelled" {
		t.Errorf("timeline %v", types)
	}
	later := must(asha.GetOrderTimelineWithResponse(ctx, o.Id, &client.GetOrderTimelineParams{AfterSeq: ptr(2)}))
	if len(later.JSON200.Events) != 1 || later.JSON200.Events[0].Seq != 3 {
		t.Errorf("timeline after seq 2: %+v", later.JSON200.Events)
	}
	hidden := must(h.as(store.RoleCustomer, w.ravi.Id).GetOrderTimelineWithResponse(ctx, o.Id, nil))
	answered(t, hidden, hidden.Body, http.StatusNotFound, "order_not_found")

	spec := must(http.Get(h.srv.URL + "/openapi.json"))
	defer spec.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			Description string `json:"description"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(spec.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, tr := range store.Transitions() {
		row := "| " + string(tr.From) + " | " + string(tr.To) + " |"
		if d := doc.Paths["/orders/{id}/status"]["post"].Description; !strings.Contains(d, row) {
			t.Errorf("the status route's description lacks the move %s", row)
		}
	}
}

func TestDeliveryAssignmentAndTrackingRoles(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	o := h.order(w.asha.Id, w.biryaniOrder(1), "")
	kitchen := h.as(store.RoleRestaurant, w.restaurant.Id)
	courier := h.as(store.RoleCourier, w.courier.Id)
	asha := h.as(store.RoleCustomer, w.asha.Id)

	none := must(asha.GetOrderDeliveryWithResponse(ctx, o.Id))
	answered(t, none, none.Body, http.StatusNotFound, "delivery_not_found")
	// The courier is still offline.
	put := must(kitchen.AssignCourierWithResponse(ctx, o.Id, client.DeliveryAssignment{CourierId: w.courier.Id}))
	answered(t, put, put.Body, http.StatusConflict, "courier_unavailable")
	up := must(courier.UpdateCourierWithResponse(ctx, w.courier.Id, client.CourierPatch{Status: ptr(client.CourierPatchStatus("available"))}))
	answered(t, up, up.Body, http.StatusOK, "")
	put = must(asha.AssignCourierWithResponse(ctx, o.Id, client.DeliveryAssignment{CourierId: w.courier.Id}))
	answered(t, put, put.Body, http.StatusForbidden, "forbidden")
	put = must(kitchen.AssignCourierWithResponse(ctx, o.Id, client.DeliveryAssignment{CourierId: w.courier.Id}))
	answered(t, put, put.Body, http.StatusOK, "")
	if put.JSON200.CourierId != w.courier.Id {
		t.Fatalf("delivery %+v", put.JSON200)
	}
	got := must(courier.GetOrderDeliveryWithResponse(ctx, o.Id))
	answered(t, got, got.Body, http.StatusOK, "")

	fix := client.LocationReport{Lat: 12.9770, Lng: 77.6200, Heading: 90, Speed: 6}
	early := must(courier.ReportCourierLocationWithResponse(ctx, o.Id, fix))
	answered(t, early, early.Body, http.StatusConflict, "order_not_in_delivery")
	acc := must(kitchen.ChangeOrderStatusWithResponse(ctx, o.Id, statusChange("accepted", "")))
	answered(t, acc, acc.Body, http.StatusOK, "")

	loc := must(asha.ReportCourierLocationWithResponse(ctx, o.Id, fix))
	answered(t, loc, loc.Body, http.StatusForbidden, "not_assigned_courier")
	bad := must(courier.ReportCourierLocationWithResponse(ctx, o.Id, client.LocationReport{Lat: 95, Lng: 77.6}))
	answered(t, bad, bad.Body, http.StatusBadRequest, "validation")
	loc = must(courier.ReportCourierLocationWithResponse(ctx, o.Id, fix))
	answered(t, loc, loc.Body, http.StatusOK, "")
	if loc.JSON200.Courier == nil || loc.JSON200.EstimatedDeliveryAt == nil || loc.JSON200.EstimatedDeliveryAt.Before(time.Now()) {
		t.Errorf("tracking after the ping: %+v", loc.JSON200)
	}

	tr := must(asha.GetOrderTrackingWithResponse(ctx, o.Id))
	answered(t, tr, tr.Body, http.StatusOK, "")
	if tr.JSON200.Courier == nil || tr.JSON200.Courier.Location.Lat != fix.Lat || tr.JSON200.Topic != "order:"+itoa(o.Id) {
		t.Errorf("tracking: %+v", tr.JSON200)
	}
	hidden := must(h.as(store.RoleCustomer, w.ravi.Id).GetOrderTrackingWithResponse(ctx, o.Id))
	answered(t, hidden, hidden.Body, http.StatusNotFound, "order_not_found")
}

func TestKitchenCapacityAvailabilitySlotsAndPricing(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	id := w.restaurant.Id
	kitchen := h.as(store.RoleRestaurant, id)
	asha := h.as(store.RoleCustomer, w.asha.Id)

	capRes := must(kitchen.GetRestaurantCapacityWithResponse(ctx, id))
	answered(t, capRes, capRes.Body, http.StatusOK, "")
	if capRes.JSON200.MaxActiveOrders != store.DefaultKitchenSettings().MaxActiveOrders || capRes.JSON200.ActiveOrders != 0 {
		t.Errorf("capacity of a new kitchen: %+v", capRes.JSON200)
	}
	capRes = must(asha.GetRestaurantCapacityWithResponse(ctx, id))
	answered(t, capRes, capRes.Body, http.StatusForbidden, "forbidden")
	set := must(h.as(store.RoleRestaurant, w.otherRestaurant.Id).SetRestaurantCapacityWithResponse(ctx, id,
		client.CapacitySettings{MaxActiveOrders: 1, PrepMinutes: 15, SlotCapacity: 2}))
	answered(t, set, set.Body, http.StatusNotFound, "restaurant_not_found")
	set = must(kitchen.SetRestaurantCapacityWithResponse(ctx, id, client.CapacitySettings{MaxActiveOrders: 0, PrepMinutes: 15, SlotCapacity: 2}))
	answered(t, set, set.Body, http.StatusBadRequest, "validation")
	set = must(kitchen.SetRestaurantCapacityWithResponse(ctx, id, client.CapacitySettings{MaxActiveOrders: 1, PrepMinutes: 15, SlotCapacity: 2}))
	answered(t, set, set.Body, http.StatusOK, "")

	h.order(w.asha.Id, w.biryaniOrder(1), "")
	full := must(h.as(store.RoleCustomer, w.ravi.Id).PlaceOrderWithResponse(ctx, nil, w.biryaniOrder(1)))
	answered(t, full, full.Body, http.StatusConflict, "restaurant_at_capacity")
	avail := must(asha.GetRestaurantAvailabilityWithResponse(ctx, id))
	answered(t, avail, avail.Body, http.StatusOK, "")
	if avail.JSON200.AcceptingOrders || !avail.JSON200.AtCapacity {
		t.Errorf("availability of the full kitchen: %+v", avail.JSON200)
	}

	set = must(kitchen.SetRestaurantCapacityWithResponse(ctx, id, client.CapacitySettings{MaxActiveOrders: 10, PrepMinutes: 15, SlotCapacity: 2}))
	answered(t, set, set.Body, http.StatusOK, "")
	until := time.Now().Add(time.Hour).UTC()
	pause := must(asha.SetRestaurantAvailabilityWithResponse(ctx, id, client.AvailabilityChange{PausedUntil: &until}))
	answered(t, pause, pause.Body, http.StatusForbidden, "forbidden")
	pause = must(kitchen.SetRestaurantAvailabilityWithResponse(ctx, id, client.AvailabilityChange{PausedUntil: &until, Reason: ptr("deep clean")}))
	answered(t, pause, pause.Body, http.StatusOK, "")
	if !pause.JSON200.Paused || pause.JSON200.AcceptingOrders {
		t.Errorf("availability after pausing: %+v", pause.JSON200)
	}
	paused := must(h.as(store.RoleCustomer, w.ravi.Id).PlaceOrderWithResponse(ctx, nil, w.biryaniOrder(1)))
	answered(t, paused, paused.Body, http.StatusConflict, "restaurant_paused")
	resume := must(kitchen.SetRestaurantAvailabilityWithResponse(ctx, id, client.AvailabilityChange{}))
	answered(t, resume, resume.Body, http.StatusOK, "")

	slots := must(asha.ListDeliverySlotsWithResponse(ctx, id, nil))
	answered(t, slots, slots.Body, http.StatusOK, "")
	if len(slots.JSON200.Slots) == 0 || slots.JSON200.Timezone != "Asia/Kolkata" {
		t.Fatalf("slots of a kitchen open around the clock: %+v", slots.JSON200)
	}
	var bookable *client.DeliverySlot
	for i := range slots.JSON200.Slots {
		if s := &slots.JSON200.Slots[i]; s.Bookable && s.Capacity == 2 {
			bookable = s
			break
		}
	}
	if bookable == nil {
		t.Fatalf("no bookable slot today among %+v", slots.JSON200.Slots)
	}
	req := w.biryaniOrder(1)
	req.ScheduledFor = &bookable.Start
	scheduled := h.order(w.ravi.Id, req, "")
	if scheduled.ScheduledFor == nil || !scheduled.ScheduledFor.Equal(bookable.Start) {
		t.Errorf("scheduled order: %+v", scheduled)
	}
	badDate := must(asha.ListDeliverySlotsWithResponse(ctx, id, &client.ListDeliverySlotsParams{Date: ptr("tomorrow")}))
	answered(t, badDate, badDate.Body, http.StatusBadRequest, "bad_parameter")

	price := must(asha.GetRestaurantPricingWithResponse(ctx, id))
	answered(t, price, price.Body, http.StatusOK, "")
	if p := price.JSON200; p.SurgeBasisPoints < 10000 || p.BaseDeliveryFee != inr(3000) || p.DeliveryFee.Amount != p.BaseDeliveryFee.Amount+p.SurgeFee.Amount {
		t.Errorf("pricing: %+v", p)
	}
	missing := must(asha.GetRestaurantPricingWithResponse(ctx, 987654))
	answered(t, missing, missing.Body, http.StatusNotFound, "restaurant_not_found")
}
