package api_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

func TestPlaceOrderPricesFromTheCurrentMenu(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	o := h.order(w.asha.Id, w.biryaniOrder(3), "")
	// 3 × 320.50 + 1 × 49.25 = 1010.75, plus the 30.00 delivery fee.
	if o.Subtotal != inr(3*32050+4925) || o.DeliveryFee != inr(3000) || o.Total != inr(3*32050+4925+3000) {
		t.Errorf("totals: subtotal %v fee %v total %v", o.Subtotal, o.DeliveryFee, o.Total)
	}
	if o.Status != "placed" || o.Seq != 1 || o.Topic != "order:"+itoa(o.Id) || len(o.Items) != 2 {
		t.Errorf("order: %+v", o)
	}
	if o.Items[0].LineTotal != inr(3*32050) || o.Items[0].Name != "Chicken Biryani" {
		t.Errorf("first line: %+v", o.Items[0])
	}

	// A later price change does not touch the order.
	up := must(h.as(store.RoleRestaurant, w.restaurant.Id).UpdateMenuItemWithResponse(ctx, w.biryani.Id, client.MenuItemPatch{Price: ptr(inr(99900))}))
	status(t, 200, up, up.Body)
	again := must(h.as(store.RoleCustomer, w.asha.Id).GetOrderWithResponse(ctx, o.Id))
	if again.JSON200.Total != o.Total {
		t.Errorf("order total changed with the menu: %v → %v", o.Total, again.JSON200.Total)
	}
}

func TestPlaceOrderRefusals(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	line := func(id int64, qty int) []client.OrderLine { return []client.OrderLine{{MenuItemId: id, Quantity: qty}} }
	cases := []struct {
		name   string
		edit   func(*client.OrderRequest)
		status int
		code   string
	}{
		{"unavailable item", func(r *client.OrderRequest) { r.Items = line(w.soldOut.Id, 1) }, 422, "menu_item_unavailable"},
		{"item of another restaurant", func(r *client.OrderRequest) { r.Items = line(w.foreign.Id, 1) }, 422, "menu_item_not_on_menu"},
		{"unknown item", func(r *client.OrderRequest) { r.Items = line(987654, 1) }, 422, "menu_item_not_on_menu"},
		{"under the minimum", func(r *client.OrderRequest) { r.Items = line(w.raita.Id, 1) }, 422, "below_minimum_order"},
		{"outside the delivery radius", func(r *client.OrderRequest) { r.DeliveryAddress.Location = mysore }, 422, "outside_delivery_area"},
		{"unknown restaurant", func(r *client.OrderRequest) { r.RestaurantId = 987654 }, 404, "restaurant_not_found"},
		{"same item twice", func(r *client.OrderRequest) {
			r.Items = append(line(w.biryani.Id, 1), line(w.biryani.Id, 1)...)
		}, 400, "validation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := w.biryaniOrder(1)
			c.edit(&req)
			res := must(h.as(store.RoleCustomer, w.asha.Id).PlaceOrderWithResponse(ctx, nil, req))
			status(t, c.status, res, res.Body)
			p := res.ApplicationproblemJSON422
			if p == nil {
				p = res.ApplicationproblemJSON404
			}
			if p == nil {
				p = res.ApplicationproblemJSON400
			}
			if p == nil || p.Code != c.code {
				t.Errorf("problem %s, want %s", problemCode(p), c.code)
			}
		})
	}
	if list := must(h.admin().ListOrdersWithResponse(ctx, nil)); len(list.JSON200.Items) != 0 {
		t.Errorf("refused orders were stored: %+v", list.JSON200.Items)
	}
}

func TestIdempotentRetriesYieldExactlyOneOrder(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	asha := h.as(store.RoleCustomer, w.asha.Id)
	key := "7c1d2a4e-retry-me"
	const retries = 20
	var wg sync.WaitGroup
	results := make([]*client.PlaceOrderResponse, retries)
	errs := make([]error, retries)
	for i := range retries {
		wg.Go(func() {
			results[i], errs[i] = asha.PlaceOrderWithResponse(ctx, &client.PlaceOrderParams{IdempotencyKey: &key}, w.biryaniOrder(2))
		})
	}
	wg.Wait()
	ids := map[int64]bool{}
	replays := 0
	for i, res := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		status(t, http.StatusCreated, res, res.Body)
		ids[res.JSON201.Id] = true
		if res.HTTPResponse.Header.Get("Idempotent-Replayed") == "true" {
			replays++
		}
	}
	if len(ids) != 1 || replays != retries-1 {
		t.Errorf("%d retries gave orders %v with %d replays; want one order and %d replays", retries, ids, replays, retries-1)
	}
	list := must(h.admin().ListOrdersWithResponse(ctx, nil))
	if len(list.JSON200.Items) != 1 {
		t.Errorf("%d orders stored, want 1", len(list.JSON200.Items))
	}

	reused := must(asha.PlaceOrderWithResponse(ctx, &client.PlaceOrderParams{IdempotencyKey: &key}, w.biryaniOrder(5)))
	status(t, http.StatusUnprocessableEntity, reused, reused.Body)
	if reused.ApplicationproblemJSON422.Code != "idempotency_key_reused" {
		t.Errorf("problem %s", problemCode(reused.ApplicationproblemJSON422))
	}
	// Keys are per customer: Ravi may use the same one.
	h.order(w.ravi.Id, w.biryaniOrder(1), key)
}
