package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/store"
)

func TestKitchenShowsNewOrdersLiveAndMovesThemByTheTable(t *testing.T) {
	w := newWorld(t)
	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleRestaurant, w.restaurant.Id))
	b.open("/app/kitchen")
	b.waitFor("the menu", `document.querySelectorAll("#menu tbody tr").length === 2`)
	b.waitFor("an empty kitchen", `document.querySelector("#load").value === 0`)

	// Placed after the page loaded: only the websocket can bring it.
	first := w.srv.PlaceOrder(w.customer.Id, w.order(1), "")
	card := fmt.Sprintf("#order-%d", first.Id)
	b.waitFor("the new order in the New lane", fmt.Sprintf(`!!document.querySelector("#lane-placed %s")`, card))
	b.waitFor("the kitchen's load, live", `document.querySelector("#load").value === 1`)
	moves := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll("%s [data-move]")].map(b => b.dataset.move)`, card))
	if fmt.Sprint(moves) != "[accepted rejected cancelled]" {
		t.Errorf("a placed order offers the restaurant the moves %v, want accept, reject and cancel", moves)
	}

	b.click(card + ` button[data-move="accepted"]`)
	b.waitFor("the order in the Accepted lane", fmt.Sprintf(`!!document.querySelector("#lane-accepted %s")`, card))
	got, err := w.srv.Admin().GetOrderWithResponse(ctx, first.Id)
	apitest.Expect(t, http.StatusOK, got, err, func() []byte { return got.Body })
	if got.JSON200.Status != "accepted" {
		t.Errorf("the API has the accepted order %s", got.JSON200.Status)
	}

	second := w.srv.PlaceOrder(w.customer.Id, w.order(3), "")
	card = fmt.Sprintf("#order-%d", second.Id)
	b.waitFor("the second order", fmt.Sprintf(`!!document.querySelector("#lane-placed %s")`, card))
	b.click(card + ` button[data-move="rejected"]`)
	b.do("pick a reason", chromedp.SetValue(chromedp.CSS(card+` select[name="reason"]`), "kitchen_busy"))
	b.click(card + ` button[data-confirm="rejected"]`)
	b.waitFor("the rejection among the finished orders", fmt.Sprintf(`document.querySelector("#finished-%d")?.dataset.status === "rejected"`, second.Id))
	got, err = w.srv.Admin().GetOrderWithResponse(ctx, second.Id)
	apitest.Expect(t, http.StatusOK, got, err, func() []byte { return got.Body })
	if got.JSON200.Status != "rejected" || got.JSON200.Reason == nil || *got.JSON200.Reason != "kitchen_busy" {
		t.Errorf("the API has the rejected order %s (%v)", got.JSON200.Status, got.JSON200.Reason)
	}
	b.noErrorsShown()
}

func TestKitchenSetsCapacityPausesAndTogglesDishes(t *testing.T) {
	w := newWorld(t)
	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleRestaurant, w.restaurant.Id))
	b.open("/app/kitchen")
	kitchen := w.srv.As(store.RoleRestaurant, w.restaurant.Id)

	toggle := fmt.Sprintf(`#menu input[data-item="%d"]`, w.biryani.Id)
	b.click(toggle)
	b.waitFor("the dish saved as unavailable", fmt.Sprintf(`!document.querySelector(%s).disabled && !document.querySelector(%s).checked`, js(toggle), js(toggle)))
	item, err := kitchen.GetMenuItemWithResponse(ctx, w.biryani.Id)
	apitest.Expect(t, http.StatusOK, item, err, func() []byte { return item.Body })
	if item.JSON200.Available {
		t.Error("the dish switched off in the kitchen is still available")
	}

	b.do("set the capacity",
		chromedp.SetValue(chromedp.CSS(`#capacity input[name="max_active_orders"]`), "3"),
		chromedp.Click(chromedp.CSS(`#capacity input[name="busy"]`)),
		chromedp.Click(chromedp.CSS(`#capacity button[type="submit"]`)),
	)
	b.waitFor("the new limit", `document.querySelector("#load").max === 3`)
	capacity, err := kitchen.GetRestaurantCapacityWithResponse(ctx, w.restaurant.Id)
	apitest.Expect(t, http.StatusOK, capacity, err, func() []byte { return capacity.Body })
	if capacity.JSON200.MaxActiveOrders != 3 || !capacity.JSON200.Busy {
		t.Errorf("the API has the capacity %+v", capacity.JSON200)
	}

	b.do("pause", chromedp.SetValue(chromedp.CSS(`#pause input[name="reason"]`), "deep clean"), chromedp.Click(chromedp.CSS(`#pause button[type="submit"]`)))
	b.waitFor("the pause", `document.querySelector("#kitchen-state").dataset.accepting === "false"`)
	b.click("#resume")
	b.waitFor("the kitchen taking orders again", `document.querySelector("#kitchen-state").dataset.accepting === "true"`)
	b.noErrorsShown()
}

func TestAdminsOpenTheKitchenOfAnyRestaurant(t *testing.T) {
	w := newWorld(t)
	o := w.srv.PlaceOrder(w.customer.Id, w.order(1), "")
	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleAdmin, 0))
	b.do("open the kitchen without a restaurant", chromedp.Navigate(w.srv.URL()+"/app/kitchen"))
	b.waitFor("the question which restaurant", `!document.querySelector("#pick-restaurant").hidden`)

	b.open(fmt.Sprintf("/app/kitchen?restaurant=%d", w.restaurant.Id))
	b.waitFor("the restaurant's order", fmt.Sprintf(`!!document.querySelector("#lane-placed #order-%d")`, o.Id))
	if got := eval[string](b, `document.querySelector("#kitchen-title").textContent`); got != "Meghana Foods — kitchen" {
		t.Errorf("title %q", got)
	}
	b.noErrorsShown()
}
