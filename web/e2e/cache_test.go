package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

func TestCacheConsoleShowsTheStatsAndAuditsAClear(t *testing.T) {
	w := newWorld(t)
	admin := w.srv.Admin()
	// A miss that fills the cache, then a hit.
	for range 2 {
		res, err := admin.GetRestaurantWithResponse(ctx, w.restaurant.Id)
		apitest.Expect(t, http.StatusOK, res, err, func() []byte { return res.Body })
	}

	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleAdmin, 0))
	b.open("/app/cache")
	b.waitFor("the cache healthy", `document.querySelector("#health").dataset.status === "healthy"`)
	b.waitFor("the restaurants namespace's hit", `Number(document.querySelector("#ns-restaurants [data-field=hits]").textContent) >= 1`)
	if got := eval[string](b, `document.querySelector("#ns-restaurants [data-field=hit_ratio]").textContent`); got == "" || got == "no reads" {
		t.Errorf("the restaurants namespace shows no hit ratio: %q", got)
	}
	if !eval[bool](b, `document.querySelector("#memory").textContent.includes("Used")`) {
		t.Error("the console shows no memory figures")
	}

	clear := `#actions button[data-path="/cache/clear/restaurants"]`
	b.click(clear)
	b.waitFor("the clear asking for confirmation", `document.querySelector(`+js(clear)+`).textContent.includes("again")`)
	b.click(clear)
	b.waitFor("the clear in the audit log", `[...document.querySelectorAll("#audit tbody tr[data-action=clear]")].some(r => r.textContent.includes("restaurants"))`)
	b.noErrorsShown()
}

func TestCacheConsoleAppliesTheFiguresAndAlertsOfItsTopic(t *testing.T) {
	w := newWorld(t)
	b := openBrowser(t, w.srv.URL())
	b.signIn(w.token(store.RoleAdmin, 0))
	b.open("/app/cache")

	// As cmd/dabba's console feed publishes them.
	publish := func(typ string, data string, delivery realtime.Delivery, seq int64) {
		t.Helper()
		p := realtime.Publication{Type: typ, Data: json.RawMessage(data), Delivery: delivery, Seq: seq}
		if _, err := w.srv.Broker.Publish(ctx, "cache:console", p); err != nil {
			t.Fatal(err)
		}
	}
	publish("cache.stats", `{"at": "2025-06-01T12:00:00Z", "health": "degraded",
		"total": {"reads": 1000, "hit_ratio": 0.9, "misses": 100, "writes": 5, "invalidations": 7, "fallbacks": 0},
		"namespaces": [{"namespace": "orders", "reads": 1000, "hit_ratio": 0.9, "misses": 100, "writes": 5, "invalidations": 7, "fallbacks": 0}],
		"alert_counts": [{"kind": "hit_ratio_low", "count": 2}]}`, realtime.LatestWins, 0)
	b.waitFor("the live figures", `document.querySelector("#ns-orders [data-field=reads]").textContent === "1,000"`)
	if got := eval[string](b, `document.querySelector("#ns-orders [data-field=hits]").textContent`); got != "900" {
		t.Errorf("orders hits %q after 1000 reads and 100 misses, want 900", got)
	}
	if got := eval[string](b, `document.querySelector("#health").dataset.status`); got != "degraded" {
		t.Errorf("health %q, want the degraded the feed reported", got)
	}
	publish("cache.alert", `{"at": "2025-06-01T12:00:01Z", "kind": "hit_ratio_low", "namespace": "orders", "value": 0.62,
		"threshold": 0.8, "message": "hit ratio 62.0% in orders", "node": "n1"}`, realtime.Ordered, 1748779201000000)
	b.waitFor("the alert", `document.querySelector("#alerts li[data-kind=hit_ratio_low]")?.textContent.includes("62.0%")`)
	b.noErrorsShown()
}
