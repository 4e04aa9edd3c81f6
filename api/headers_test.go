package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

func TestJSONAnswersSayHowTheyMayBeCachedAndAreNeverSniffed(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	asha := h.as(store.RoleCustomer, w.asha.Id)
	cases := []struct {
		name         string
		res          func() (*http.Response, error)
		cacheControl string
	}{
		{"a customer's own record", func() (*http.Response, error) { return asha.GetCustomer(ctx, w.asha.Id) }, "private, no-store"},
		{"a customer's orders", func() (*http.Response, error) { return asha.ListOrders(ctx, &client.ListOrdersParams{}) }, "private, no-store"},
		{"a restaurant", func() (*http.Response, error) { return asha.GetRestaurant(ctx, w.restaurant.Id) }, "private, max-age=10"},
		{"the restaurants", func() (*http.Response, error) { return asha.ListRestaurants(ctx, &client.ListRestaurantsParams{}) }, "private, max-age=10"},
		{"a menu", func() (*http.Response, error) {
			return asha.ListMenuItems(ctx, w.restaurant.Id, &client.ListMenuItemsParams{})
		}, "private, max-age=10"},
		{"a menu item", func() (*http.Response, error) { return asha.GetMenuItem(ctx, w.biryani.Id) }, "private, max-age=10"},
		{"the reviews", func() (*http.Response, error) {
			return asha.ListReviews(ctx, w.restaurant.Id, &client.ListReviewsParams{})
		}, "private, max-age=10"},
		{"a catalogue read that fails", func() (*http.Response, error) { return asha.GetRestaurant(ctx, 1<<40) }, "private, no-store"},
		{"a problem", func() (*http.Response, error) { return asha.GetCustomer(ctx, w.ravi.Id) }, "private, no-store"},
	}
	for _, c := range cases {
		res, err := c.res()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_ = res.Body.Close()
		if got := res.Header.Get("Cache-Control"); got != c.cacheControl {
			t.Errorf("%s (%d): Cache-Control %q, want %q", c.name, res.StatusCode, got, c.cacheControl)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s (%d): X-Content-Type-Options %q, want nosniff", c.name, res.StatusCode, got)
		}
	}
}

func TestAClientThatGoesAwayIsA499NotA500(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	// A transaction holding the restaurant's row keeps the rename waiting
	// until its client gives up.
	tx := must(h.db.Pool().Begin(ctx))
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT 1 FROM restaurants WHERE id = $1 FOR UPDATE", w.restaurant.Id); err != nil {
		t.Fatal(err)
	}
	impatient, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	name := "Renamed"
	if _, err := h.admin().UpdateRestaurant(impatient, w.restaurant.Id, client.RestaurantPatch{Name: &name}); err == nil {
		t.Fatal("the rename answered although its row was locked")
	}
	_ = tx.Rollback(ctx)

	route := `route="PATCH /restaurants/{id}"`
	var series []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		series = requestSeries(t, h, route)
		if len(series) > 0 {
			break
		}
	}
	if len(series) != 1 || !strings.Contains(series[0], `status="499"`) {
		t.Fatalf("the request duration series of the abandoned rename are %q, want one with status 499", series)
	}
}

// requestSeries returns the request-count lines of /metrics for route.
func requestSeries(t *testing.T, h *harness, route string) []string {
	t.Helper()
	res := must(http.Get(h.srv.URL + "/metrics"))
	defer res.Body.Close()
	b := must(io.ReadAll(res.Body))
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "dabba_http_request_duration_seconds_count{") && strings.Contains(line, route) {
			out = append(out, line)
		}
	}
	return out
}
