package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

func TestTrackingPageFollowsTheOrderAndItsCourierWithoutReloading(t *testing.T) {
	w := newWorld(t)
	o := w.srv.PlaceOrder(w.customer.Id, w.order(2), "")
	kitchen := w.srv.As(store.RoleRestaurant, w.restaurant.Id)
	courier := w.srv.As(store.RoleCourier, w.courier.Id)

	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleCustomer, w.customer.Id))
	b.open(fmt.Sprintf("/app/track/%d", o.Id))
	// Survives only as long as the page is never reloaded.
	eval[bool](b, `window.sameDocument = true`)

	b.waitFor("the order shown as placed", `document.querySelector("#status").dataset.status === "placed"`)
	total := eval[string](b, `document.querySelector("#items tfoot tr.total td").textContent`)
	want := eval[string](b, fmt.Sprintf(`new Intl.NumberFormat(undefined, {style: "currency", currency: "INR"}).format(%s)`,
		js(fmt.Sprintf("%d.%02d", o.Total.Amount/100, o.Total.Amount%100))))
	if total != want {
		t.Errorf("the total reads %q, want %q (from %d paise)", total, want, o.Total.Amount)
	}
	if !eval[bool](b, `!document.querySelector("#cancel").hidden`) {
		t.Error("a placed order offers its customer no cancel button")
	}

	res, err := kitchen.ChangeOrderStatusWithResponse(ctx, o.Id, client.StatusChangeRequest{Status: "accepted"})
	apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
	b.waitFor("the acceptance, live", `document.querySelector("#status").dataset.status === "accepted"`)
	b.waitFor("the acceptance on the timeline", `document.querySelectorAll("#timeline li[data-type='order.status_changed']").length === 1`)
	if eval[bool](b, `!document.querySelector("#cancel").hidden`) {
		t.Error("an accepted order still offers its customer to cancel, which the transition table forbids")
	}

	on := client.CourierPatchStatus("available")
	up, err := courier.UpdateCourierWithResponse(ctx, w.courier.Id, client.CourierPatch{Status: &on})
	apitest.Expect(t, http.StatusOK, up, err, func() []byte { return up.Body })
	put, err := kitchen.AssignCourierWithResponse(ctx, o.Id, client.DeliveryAssignment{CourierId: w.courier.Id})
	apitest.Expect(t, http.StatusOK, put, err, func() []byte { return put.Body })
	b.waitFor("the courier's assignment on the timeline", `!!document.querySelector("#timeline li[data-type='delivery.assigned']")`)

	for i, fix := range []client.LocationReport{
		{Lat: 12.9770, Lng: 77.6200, Heading: 90, Speed: 6},
		{Lat: 12.9775, Lng: 77.6300, Heading: 80, Speed: 7},
	} {
		loc, err := courier.ReportCourierLocationWithResponse(ctx, o.Id, fix)
		apitest.Expect(t, http.StatusOK, loc, err, func() []byte { return loc.Body })
		b.waitFor(fmt.Sprintf("position %d on the map", i+1),
			fmt.Sprintf(`document.querySelector("#courier")?.dataset.lat === %s && document.querySelector("#courier")?.dataset.lng === %s`,
				js(fmt.Sprint(fix.Lat)), js(fmt.Sprint(fix.Lng))))
	}
	b.waitFor("the ETA", `document.querySelector("#eta").dataset.eta !== ""`)
	if !eval[bool](b, `!!document.querySelector("#map polyline.trail")`) {
		t.Error("the courier's earlier position is not drawn as a trail")
	}
	if !eval[bool](b, `!!document.querySelector("#map .scale text")?.textContent`) {
		t.Error("the map has no scale bar")
	}
	if !eval[bool](b, `window.sameDocument === true`) {
		t.Error("the page reloaded to show the changes")
	}
	b.noErrorsShown()
}

func TestCustomerCancelsAPlacedOrderFromTheTrackingPage(t *testing.T) {
	w := newWorld(t)
	o := w.srv.PlaceOrder(w.customer.Id, w.order(1), "")
	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleCustomer, w.customer.Id))
	b.open(fmt.Sprintf("/app/track/%d", o.Id))

	if got := eval[string](b, `document.querySelector("#cancel-reason").value`); got != "customer_request" {
		t.Errorf("the cancel reason offered first is %q, want customer_request", got)
	}
	b.click(`#cancel button[type="submit"]`)
	b.waitFor("the cancellation", `document.querySelector("#status").dataset.status === "cancelled"`)
	b.waitFor("the cancel button gone", `document.querySelector("#cancel").hidden`)
	b.noErrorsShown()

	got, err := w.srv.Admin().GetOrderWithResponse(ctx, o.Id)
	apitest.Expect(t, http.StatusOK, got, err, func() []byte { return got.Body })
	if got.JSON200.Status != "cancelled" || got.JSON200.Reason == nil || *got.JSON200.Reason != "customer_request" {
		t.Errorf("the order after cancelling: status %s, reason %v", got.JSON200.Status, got.JSON200.Reason)
	}
}
