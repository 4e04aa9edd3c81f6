package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
)

// privateClient is a client of a private Redis that gives up at once, so a
// stopped server shows as errors rather than as slow requests.
func privateClient(t *testing.T, s *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestARedisOutageDegradesTheCacheButNeverTheAPI(t *testing.T) {
	// Persistent: the restarted Redis still holds the entries cached before
	// the outage, which are stale by then.
	server := redistest.StartServer(t, redistest.Persistent())
	h := newHarness(t, func(cfg *cache.Config) {
		cfg.Redis = privateClient(t, server)
		cfg.Breaker = cache.Guard(cfg.Redis, cache.BreakerConfig{Failures: 2, OpenFor: 200 * time.Millisecond})
		cfg.MonitorInterval = 300 * time.Millisecond
	})
	w := h.world()
	id := w.restaurant.Id
	asha := h.as(store.RoleCustomer, w.asha.Id)
	listed := func() []string {
		t.Helper()
		res := must(asha.ListRestaurantsWithResponse(ctx, nil))
		status(t, http.StatusOK, res, res.Body)
		var names []string
		for _, r := range res.JSON200.Items {
			names = append(names, r.Name)
		}
		return names
	}
	h.readRestaurant(id)
	h.readRestaurant(id)
	listed()

	server.Stop()
	if got := h.readRestaurant(id); got != w.restaurant.Name {
		t.Fatalf("read %q from PostgreSQL while Redis is down, want %q", got, w.restaurant.Name)
	}
	renamed := "Meghana Foods (renamed during the outage)"
	patched := must(h.as(store.RoleRestaurant, id).UpdateRestaurantWithResponse(ctx, id, client.RestaurantPatch{Name: &renamed}))
	status(t, http.StatusOK, patched, patched.Body)
	if got := h.readRestaurant(id); got != renamed {
		t.Errorf("read %q after a write during the outage, want %q", got, renamed)
	}
	health := must(h.admin().GetCacheHealthWithResponse(ctx))
	status(t, http.StatusOK, health, health.Body)
	if health.JSON200.Status != "degraded" || health.JSON200.Redis != "down" {
		t.Errorf("cache health during the outage: %+v", health.JSON200)
	}
	ready := must(h.admin().ReadyzWithResponse(ctx))
	status(t, http.StatusOK, ready, ready.Body)
	if ready.JSON200.Status != "degraded" {
		t.Errorf("readiness during the outage: %s", ready.Body)
	}
	stats := must(h.admin().GetCacheNamespaceStatsWithResponse(ctx))
	status(t, http.StatusServiceUnavailable, stats, stats.Body)
	if p := stats.ApplicationproblemJSON503; p == nil || p.Code != "cache_unavailable" {
		t.Errorf("statistics during the outage: %s", problemCode(p))
	}
	for _, ep := range cacheEndpoints(w) {
		// The warms are enqueued (202): the job queue is another Redis here.
		if a := ep.call(h.admin()); a.status != http.StatusOK && a.status != http.StatusAccepted && a.status != http.StatusServiceUnavailable {
			t.Errorf("%s during the outage: %d %s, want 200, 202 or 503", ep.name, a.status, a.body)
		}
	}

	server.Start()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got := h.readRestaurant(id); got != renamed {
			t.Fatalf("read %q while Redis came back, want %q", got, renamed)
		}
		if names := listed(); !slices.Contains(names, renamed) {
			t.Fatalf("the restaurant list shows %q while Redis came back, want %q among them", names, renamed)
		}
		res := must(h.admin().GetCacheHealthWithResponse(ctx))
		status(t, http.StatusOK, res, res.Body)
		if res.JSON200.Status == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache is still %s after Redis came back: %s", res.JSON200.Status, res.Body)
		}
	}
	// The cache serves reads again (once it has also renewed what a restarted
	// Redis may hold), and what it serves is fresh.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		before := h.stats("restaurants")
		if got := h.readRestaurant(id); got != renamed {
			t.Fatalf("read %q from the recovered cache, want %q", got, renamed)
		}
		if after := h.stats("restaurants"); after.Hits > before.Hits {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache serves no read from Redis after it came back")
		}
	}
}
