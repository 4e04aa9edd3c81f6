package api_test

import (
	"net/http"
	"testing"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/postgres"
)

// rollUp runs every analytics rollup over the harness's database.
func (h *harness) rollUp() {
	h.t.Helper()
	rollups := h.db.Analytics(postgres.AnalyticsConfig{})
	for _, r := range store.Rollups() {
		if _, err := rollups.RunRollup(ctx, r, false); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestAnalyticsAccessPerRole(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.order(w.asha.Id, w.biryaniOrder(2), "analytics-access")
	h.rollUp()

	var (
		asha    = h.as(store.RoleCustomer, w.asha.Id)
		ravi    = h.as(store.RoleCustomer, w.ravi.Id)
		own     = h.as(store.RoleRestaurant, w.restaurant.Id)
		other   = h.as(store.RoleRestaurant, w.otherRestaurant.Id)
		courier = h.as(store.RoleCourier, w.courier.Id)
		admin   = h.admin()
		mine    = &w.restaurant.Id
		theirs  = &w.otherRestaurant.Id
		aDay    = ptr("day")
		popular = func(c *client.ClientWithResponses, id *int64) reply {
			r := must(c.GetPopularItemsWithResponse(ctx, &client.GetPopularItemsParams{RestaurantId: id, Window: aDay}))
			return reply{r.StatusCode(), r.Body}
		}
		revenue = func(c *client.ClientWithResponses, id *int64) reply {
			r := must(c.GetRevenueWithResponse(ctx, &client.GetRevenueParams{RestaurantId: id}))
			return reply{r.StatusCode(), r.Body}
		}
		perf = func(c *client.ClientWithResponses, id int64) reply {
			r := must(c.GetRestaurantPerformanceWithResponse(ctx, id))
			return reply{r.StatusCode(), r.Body}
		}
		prefsOf = func(c *client.ClientWithResponses, id int64) reply {
			r := must(c.GetCustomerPreferencesWithResponse(ctx, id))
			return reply{r.StatusCode(), r.Body}
		}
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	for _, tc := range []struct {
		name string
		want int
		got  reply
	}{
		{"a customer sees the platform's popular items", 200, popular(asha, nil)},
		{"a customer sees a restaurant's popular items", 200, popular(asha, mine)},
		{"a courier sees popular items", 200, popular(courier, mine)},
		{"a restaurant sees its own popular items", 200, popular(own, mine)},
		{"a restaurant does not see another's popular items", notFound, popular(other, mine)},
		{"an admin sees the platform's popular items", 200, popular(admin, nil)},
		{"a restaurant sees its own revenue", 200, revenue(own, nil)},
		{"a restaurant does not see another's revenue", notFound, revenue(own, theirs)},
		{"an admin sees the platform's revenue", 200, revenue(admin, nil)},
		{"a customer may not see revenue", forbidden, revenue(asha, mine)},
		{"a courier may not see revenue", forbidden, revenue(courier, nil)},
		{"a restaurant sees its own performance", 200, perf(own, *mine)},
		{"a restaurant does not see another's performance", notFound, perf(other, *mine)},
		{"a customer may not see performance", forbidden, perf(asha, *mine)},
		{"an admin sees any restaurant's performance", 200, perf(admin, *theirs)},
		{"a customer sees their own preferences", 200, prefsOf(asha, w.asha.Id)},
		{"a customer does not see another's preferences", notFound, prefsOf(ravi, w.asha.Id)},
		{"a restaurant may not see preferences", forbidden, prefsOf(own, w.asha.Id)},
		{"an admin sees any customer's preferences", 200, prefsOf(admin, w.ravi.Id)},
		{"an unknown customer has no preferences", notFound, prefsOf(admin, 999999)},
	} {
		if tc.got.status != tc.want {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, tc.got.status, tc.want, tc.got.body)
		}
	}

	// The figures behind the statuses: Asha's order of two biryanis and a raita.
	items := must(own.GetPopularItemsWithResponse(ctx, &client.GetPopularItemsParams{Window: ptr("hour")}))
	status(t, 200, items, items.Body)
	if p := items.JSON200; p.RestaurantId == nil || *p.RestaurantId != w.restaurant.Id || len(p.Items) != 2 ||
		p.Items[0].MenuItemId != w.biryani.Id || p.Items[0].Quantity != 2 || p.Items[0].Revenue != inr(64100) {
		t.Errorf("the restaurant's popular items this hour: %+v", p)
	}
	rev := must(own.GetRevenueWithResponse(ctx, &client.GetRevenueParams{}))
	status(t, 200, rev, rev.Body)
	if r := rev.JSON200; len(r.Totals) != 1 || r.Totals[0].Orders != 1 || r.Totals[0].Delivered != 0 || r.Totals[0].GrossRevenue != inr(0) {
		t.Errorf("the restaurant's revenue this week: %+v", r)
	}
	prefs := must(asha.GetCustomerPreferencesWithResponse(ctx, w.asha.Id))
	status(t, 200, prefs, prefs.Body)
	if p := prefs.JSON200; p.Orders != 1 || len(p.FavouriteItems) != 2 || len(p.AverageBasket) != 1 || p.AverageBasket[0] != inr(69025) {
		t.Errorf("Asha's preferences: %+v", p)
	}
	bad := must(admin.GetRevenueWithResponse(ctx, &client.GetRevenueParams{From: ptr("2025-06-02"), To: ptr("2025-06-01")}))
	status(t, http.StatusBadRequest, bad, bad.Body)
}

// reply is the status and body of an answer, whatever the operation.
type reply struct {
	status int
	body   []byte
}
