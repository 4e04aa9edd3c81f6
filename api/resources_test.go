package api_test

import (
	"reflect"
	"testing"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

func TestRestaurantLifecycle(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	admin := h.admin()
	own := h.as(store.RoleRestaurant, w.restaurant.Id)

	got := must(h.as(store.RoleCustomer, w.asha.Id).GetRestaurantWithResponse(ctx, w.restaurant.Id))
	status(t, 200, got, got.Body)
	if got.JSON200.Name != "Meghana Foods" || got.JSON200.MinimumOrder != inr(20000) || len(got.JSON200.OpeningHours) != 7 {
		t.Errorf("restaurant read back as %+v", got.JSON200)
	}

	patched := must(own.UpdateRestaurantWithResponse(ctx, w.restaurant.Id, client.RestaurantPatch{Name: ptr("Meghana Foods Koramangala")}))
	status(t, 200, patched, patched.Body)
	if patched.JSON200.Name != "Meghana Foods Koramangala" || patched.JSON200.Cuisine != "biryani" {
		t.Errorf("patch changed more or less than the name: %+v", patched.JSON200)
	}

	near := must(admin.ListRestaurantsWithResponse(ctx, &client.ListRestaurantsParams{Lat: &indiranagar.Lat, Lng: &indiranagar.Lng}))
	status(t, 200, near, near.Body)
	if len(near.JSON200.Items) != 2 || near.JSON200.Items[0].Id != w.otherRestaurant.Id || near.JSON200.Items[0].DistanceM == nil {
		t.Errorf("near Indiranagar: want Truffles first with a distance, got %+v", near.JSON200.Items)
	}
	far := must(admin.ListRestaurantsWithResponse(ctx, &client.ListRestaurantsParams{Lat: &mysore.Lat, Lng: &mysore.Lng}))
	status(t, 200, far, far.Body)
	if len(far.JSON200.Items) != 0 {
		t.Errorf("restaurants deliver to Mysore, 140 km away: %+v", far.JSON200.Items)
	}

	del := must(admin.DeleteRestaurantWithResponse(ctx, w.otherRestaurant.Id))
	status(t, 204, del, del.Body)
	gone := must(admin.GetRestaurantWithResponse(ctx, w.otherRestaurant.Id))
	status(t, 404, gone, gone.Body)
}

func TestRestaurantListPaginatesWithACursor(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.restaurant("Kitchen "+string(rune('A'+i)), mgRoad)
	}
	seen := map[int64]bool{}
	var cursor *string
	for pages := 0; ; pages++ {
		res := must(h.admin().ListRestaurantsWithResponse(ctx, &client.ListRestaurantsParams{Limit: ptr(2), Cursor: cursor}))
		status(t, 200, res, res.Body)
		for _, r := range res.JSON200.Items {
			if seen[r.Id] {
				t.Fatalf("restaurant %d on two pages", r.Id)
			}
			seen[r.Id] = true
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = res.JSON200.NextCursor
	}
	if len(seen) != 5 {
		t.Errorf("saw %d restaurants over the pages, want 5", len(seen))
	}
}

func TestMenuLifecycle(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	own := h.as(store.RoleRestaurant, w.restaurant.Id)

	list := must(h.as(store.RoleCustomer, w.asha.Id).ListMenuItemsWithResponse(ctx, w.restaurant.Id, &client.ListMenuItemsParams{Available: ptr(true)}))
	status(t, 200, list, list.Body)
	if len(list.JSON200.Items) != 2 {
		t.Errorf("available items: got %d, want 2 (biryani, raita)", len(list.JSON200.Items))
	}
	up := must(own.UpdateMenuItemWithResponse(ctx, w.soldOut.Id, client.MenuItemPatch{Available: ptr(true), Price: ptr(inr(39900))}))
	status(t, 200, up, up.Body)
	if !up.JSON200.Available || up.JSON200.Price.Amount != 39900 {
		t.Errorf("patched item: %+v", up.JSON200)
	}
	wrongCurrency := must(own.UpdateMenuItemWithResponse(ctx, w.soldOut.Id, client.MenuItemPatch{Price: &client.Money{Amount: 500, Currency: "USD"}}))
	status(t, 400, wrongCurrency, wrongCurrency.Body)

	del := must(own.DeleteMenuItemWithResponse(ctx, w.raita.Id))
	status(t, 204, del, del.Body)
	gone := must(own.GetMenuItemWithResponse(ctx, w.raita.Id))
	status(t, 404, gone, gone.Body)
}

func TestCustomerLifecycle(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	self := h.as(store.RoleCustomer, w.asha.Id)

	got := must(self.GetCustomerWithResponse(ctx, w.asha.Id))
	status(t, 200, got, got.Body)
	if got.JSON200.Email != "asha@example.com" || len(got.JSON200.Addresses) != 1 {
		t.Errorf("customer read back as %+v", got.JSON200)
	}
	taken := must(self.UpdateCustomerWithResponse(ctx, w.asha.Id, client.CustomerPatch{Email: ptr("RAVI@example.com")}))
	status(t, 409, taken, taken.Body)

	h.order(w.asha.Id, w.biryaniOrder(1), "")
	history := must(self.ListCustomerOrdersWithResponse(ctx, w.asha.Id, nil))
	status(t, 200, history, history.Body)
	if len(history.JSON200.Items) != 1 || history.JSON200.Items[0].CustomerId != w.asha.Id {
		t.Errorf("order history: %+v", history.JSON200.Items)
	}

	del := must(self.DeleteCustomerWithResponse(ctx, w.asha.Id))
	status(t, 204, del, del.Body)
	gone := must(h.admin().GetCustomerWithResponse(ctx, w.asha.Id))
	status(t, 404, gone, gone.Body)
	again := h.customer("Asha Rao", "asha@example.com")
	if again.Id == w.asha.Id {
		t.Error("a closed account's ID was reused")
	}
}

func TestCourierLifecycle(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	self := h.as(store.RoleCourier, w.courier.Id)
	if w.courier.Status != "offline" {
		t.Errorf("new courier is %s, want offline", w.courier.Status)
	}
	online := must(self.UpdateCourierWithResponse(ctx, w.courier.Id, client.CourierPatch{Status: ptr(client.CourierPatchStatus("available"))}))
	status(t, 200, online, online.Body)
	list := must(h.admin().ListCouriersWithResponse(ctx, &client.ListCouriersParams{Status: ptr("available")}))
	status(t, 200, list, list.Body)
	if len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Id != w.courier.Id {
		t.Errorf("available couriers: %+v", list.JSON200.Items)
	}
}

func TestReviewLifecycle(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	o := h.order(w.asha.Id, w.biryaniOrder(1), "")
	asha := h.as(store.RoleCustomer, w.asha.Id)

	early := must(asha.CreateReviewWithResponse(ctx, client.ReviewInput{OrderId: o.Id, Rating: 5}))
	status(t, 409, early, early.Body)

	h.deliver(o.Id, w.courier.Id)
	rev := must(asha.CreateReviewWithResponse(ctx, client.ReviewInput{OrderId: o.Id, Rating: 4, Text: ptr("Hot and on time")}))
	status(t, 201, rev, rev.Body)
	twice := must(asha.CreateReviewWithResponse(ctx, client.ReviewInput{OrderId: o.Id, Rating: 5}))
	status(t, 409, twice, twice.Body)
	notHers := must(h.as(store.RoleCustomer, w.ravi.Id).CreateReviewWithResponse(ctx, client.ReviewInput{OrderId: o.Id, Rating: 1}))
	status(t, 404, notHers, notHers.Body)

	r := must(asha.GetRestaurantWithResponse(ctx, w.restaurant.Id))
	if r.JSON200.Rating.Count != 1 || r.JSON200.Rating.Average != 4 {
		t.Errorf("rating after one 4-star review: %+v", r.JSON200.Rating)
	}
	selfModerate := must(asha.UpdateReviewWithResponse(ctx, rev.JSON201.Id, client.ReviewPatch{Status: ptr(client.ReviewPatchStatus("rejected"))}))
	status(t, 403, selfModerate, selfModerate.Body)
	moderated := must(h.admin().UpdateReviewWithResponse(ctx, rev.JSON201.Id, client.ReviewPatch{Status: ptr(client.ReviewPatchStatus("rejected"))}))
	status(t, 200, moderated, moderated.Body)
	hidden := must(h.as(store.RoleCustomer, w.ravi.Id).GetReviewWithResponse(ctx, rev.JSON201.Id))
	status(t, 404, hidden, hidden.Body)
	list := must(asha.ListReviewsWithResponse(ctx, w.restaurant.Id, nil))
	if len(list.JSON200.Items) != 0 {
		t.Errorf("a rejected review is listed publicly: %+v", list.JSON200.Items)
	}
	withRejected := must(h.as(store.RoleRestaurant, w.restaurant.Id).ListReviewsWithResponse(ctx, w.restaurant.Id, &client.ListReviewsParams{IncludeRejected: ptr(true)}))
	if len(withRejected.JSON200.Items) != 1 {
		t.Errorf("the restaurant does not see its rejected review: %+v", withRejected.JSON200)
	}
	del := must(asha.DeleteReviewWithResponse(ctx, rev.JSON201.Id))
	status(t, 204, del, del.Body)
}

// deliver walks an order through the kitchen and the road to delivered,
// through the store (the status API belongs to the tracking engine).
func (h *harness) deliver(orderID, courierID int64) {
	h.t.Helper()
	orders := h.db.Services().Orders
	kitchen := store.Principal{Role: store.RoleRestaurant}
	if _, _, err := orders.AssignCourier(ctx, orderID, courierID, store.System()); err != nil {
		h.t.Fatal(err)
	}
	o, err := orders.Order(ctx, orderID)
	if err != nil {
		h.t.Fatal(err)
	}
	kitchen.ID = o.RestaurantID
	rider := store.Principal{Role: store.RoleCourier, ID: courierID}
	for _, step := range []struct {
		to store.OrderStatus
		by store.Principal
	}{{store.StatusAccepted, kitchen}, {store.StatusPreparing, kitchen}, {store.StatusReady, kitchen}, {store.StatusPickedUp, rider}, {store.StatusDelivered, rider}} {
		if _, _, err := orders.ChangeStatus(ctx, store.StatusChange{OrderID: orderID, To: step.to, By: step.by}); err != nil {
			h.t.Fatalf("move order %d to %s: %v", orderID, step.to, err)
		}
	}
}

func TestRoleBoundaries(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	ashaOrder := h.order(w.asha.Id, w.biryaniOrder(1), "")
	asha := h.as(store.RoleCustomer, w.asha.Id)
	ravi := h.as(store.RoleCustomer, w.ravi.Id)
	kitchen := h.as(store.RoleRestaurant, w.restaurant.Id)
	otherKitchen := h.as(store.RoleRestaurant, w.otherRestaurant.Id)
	courier := h.as(store.RoleCourier, w.courier.Id)

	cases := []struct {
		name string
		call func() (interface{ StatusCode() int }, []byte, error)
		want int
	}{
		{"customer reads another customer's order", call(ravi.GetOrderWithResponse(ctx, ashaOrder.Id)), 404},
		{"customer reads own order", call(asha.GetOrderWithResponse(ctx, ashaOrder.Id)), 200},
		{"restaurant reads its order", call(kitchen.GetOrderWithResponse(ctx, ashaOrder.Id)), 200},
		{"other restaurant reads the order", call(otherKitchen.GetOrderWithResponse(ctx, ashaOrder.Id)), 404},
		{"unassigned courier reads the order", call(courier.GetOrderWithResponse(ctx, ashaOrder.Id)), 404},
		{"customer reads another customer", call(ravi.GetCustomerWithResponse(ctx, w.asha.Id)), 404},
		{"customer reads another's history", call(ravi.ListCustomerOrdersWithResponse(ctx, w.asha.Id, nil)), 404},
		{"restaurant reads a customer", call(kitchen.GetCustomerWithResponse(ctx, w.asha.Id)), 403},
		{"customer lists customers", call(asha.ListCustomersWithResponse(ctx, nil)), 403},
		{"customer creates a restaurant", call(asha.CreateRestaurantWithResponse(ctx, client.RestaurantInput{})), 403},
		{"restaurant changes another restaurant", call(otherKitchen.UpdateRestaurantWithResponse(ctx, w.restaurant.Id, client.RestaurantPatch{Name: ptr("x")})), 404},
		{"restaurant adds to another's menu", call(otherKitchen.CreateMenuItemWithResponse(ctx, w.restaurant.Id, client.MenuItemInput{Name: "x", Category: "x", Price: inr(1)})), 404},
		{"restaurant changes another's menu item", call(otherKitchen.UpdateMenuItemWithResponse(ctx, w.biryani.Id, client.MenuItemPatch{Name: ptr("x")})), 404},
		{"customer changes a menu item", call(asha.UpdateMenuItemWithResponse(ctx, w.biryani.Id, client.MenuItemPatch{Name: ptr("x")})), 403},
		{"restaurant deletes a restaurant", call(kitchen.DeleteRestaurantWithResponse(ctx, w.restaurant.Id)), 403},
		{"restaurant places an order", call(kitchen.PlaceOrderWithResponse(ctx, nil, w.biryaniOrder(1))), 403},
		{"courier reads another courier", call(h.as(store.RoleCourier, w.courier.Id+1).GetCourierWithResponse(ctx, w.courier.Id)), 404},
		{"customer lists couriers", call(asha.ListCouriersWithResponse(ctx, nil)), 403},
		{"customer filters orders by customer", call(asha.ListOrdersWithResponse(ctx, &client.ListOrdersParams{CustomerId: &w.ravi.Id})), 400},
		{"restaurant writes a review", call(kitchen.CreateReviewWithResponse(ctx, client.ReviewInput{OrderId: ashaOrder.Id, Rating: 5})), 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body, err := c.call()
			if err != nil {
				t.Fatal(err)
			}
			status(t, c.want, res, body)
		})
	}

	// Lists are scoped to the caller whatever they ask.
	for name, cl := range map[string]*client.ClientWithResponses{"ravi": ravi, "other restaurant": otherKitchen, "courier": courier} {
		res := must(cl.ListOrdersWithResponse(ctx, nil))
		status(t, 200, res, res.Body)
		if len(res.JSON200.Items) != 0 {
			t.Errorf("%s sees orders that are not theirs: %+v", name, res.JSON200.Items)
		}
	}
	mine := must(asha.ListOrdersWithResponse(ctx, nil))
	if len(mine.JSON200.Items) != 1 {
		t.Errorf("asha sees %d orders, want her 1", len(mine.JSON200.Items))
	}
}

// call adapts a generated client call for a table of cases.
func call[R interface {
	StatusCode() int
}](res R, err error) func() (interface{ StatusCode() int }, []byte, error) {
	return func() (interface{ StatusCode() int }, []byte, error) {
		if err != nil {
			return nil, nil, err
		}
		return res, bodyOf(res), nil
	}
}

// bodyOf reads the raw Body field every generated response carries.
func bodyOf(res any) []byte {
	v := reflect.ValueOf(res)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	b, _ := v.FieldByName("Body").Interface().([]byte)
	return b
}
