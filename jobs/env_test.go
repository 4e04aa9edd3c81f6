package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/jobs/jobstest"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// env is a node's background work over a fresh database and the test
// Redis, on queues of the test's own.
type env struct {
	t         *testing.T
	ctx       context.Context
	db        *postgres.DB
	rdb       *redis.Client
	cache     *cache.Cache
	analytics *jobs.Analytics
	rollups   *postgres.Analytics
	metrics   *prometheus.Registry
	cfg       jobs.Config
	client    *jobs.Client
}

// newEnv builds the env; edit adjusts the cache and jobs configuration
// before anything starts.
func newEnv(t *testing.T, edit func(*cache.Config, *jobs.Config)) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), db: pgtest.New(t), metrics: prometheus.NewRegistry()}
	var prefix string
	e.rdb, prefix = redistest.New(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ccfg := cache.Config{Redis: e.rdb, Prefix: prefix + ":cache", Source: e.db.Services(), Logger: quiet}
	e.cfg = jobstest.Config(t, e.rdb, prefix)
	e.cfg.Tracking, e.cfg.Registerer = e.db, e.metrics
	if edit != nil {
		edit(&ccfg, &e.cfg)
	}
	var err error
	if e.cache, err = cache.New(ccfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.cache.Close() })
	e.rollups = e.db.Analytics(postgres.AnalyticsConfig{})
	e.analytics = jobs.NewAnalytics(e.cache, e.rollups)
	e.cache.HandleWarm(cache.NamespaceAnalytics, e.analytics)
	e.cfg.Cache, e.cfg.Analytics, e.cfg.Rollups = e.cache, e.analytics, e.rollups
	if e.client, err = jobs.NewClient(e.cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// startWorker starts a worker of the env, stopped when the test ends.
func (e *env) startWorker() {
	e.t.Helper()
	w, err := jobs.NewWorker(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(w.Shutdown)
}

// waitFor polls the job until it reaches the state, and fails the test if
// it does not within half a minute.
func (e *env) waitFor(id, state string) *jobs.Job {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := e.client.Job(e.ctx, id)
		if err != nil {
			e.t.Fatalf("read job %s: %v", id, err)
		}
		if j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s (%s) is %s, never %s; last error %q", id, j.Type, j.State, state, j.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stats returns the namespace's fleet-wide cache counts.
func (e *env) stats(ns cache.Namespace) cache.NamespaceStats {
	e.t.Helper()
	rep, err := e.cache.NamespaceStats(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range rep.Namespaces {
		if s.Namespace == ns {
			return s
		}
	}
	e.t.Fatalf("no stats for namespace %s", ns)
	return cache.NamespaceStats{}
}

// world is a restaurant with a dish that one customer ordered.
type world struct {
	restaurant *store.Restaurant
	dish       *store.MenuItem
	customer   *store.Customer
}

func (e *env) world() world {
	e.t.Helper()
	svc := e.db.Services()
	var w world
	var err error
	w.restaurant, err = svc.Restaurants.CreateRestaurant(e.ctx, store.RestaurantInput{
		Name: "Meghana Foods", Cuisine: "biryani", Address: "124 Residency Rd", Location: store.Point{Lat: 12.9716, Lng: 77.5946},
		Timezone: "Asia/Kolkata", OpeningHours: []store.OpeningHours{{Weekday: 1, Opens: "11:00", Closes: "23:00"}},
		DeliveryRadiusM: 5000, MinimumOrder: inr(10000), DeliveryFee: inr(4000),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if w.dish, err = svc.Menus.CreateMenuItem(e.ctx, w.restaurant.ID, store.MenuItemInput{Name: "Chicken Biryani", Category: "Mains", Price: inr(32050)}); err != nil {
		e.t.Fatal(err)
	}
	if w.customer, err = svc.Customers.CreateCustomer(e.ctx, store.CustomerInput{Name: "Asha Rao", Email: "asha@example.com", Phone: "+919812345678"}); err != nil {
		e.t.Fatal(err)
	}
	home := store.Address{Label: "home", Line: "42 4th Cross", Location: store.Point{Lat: 12.9750, Lng: 77.6000}}
	_, _, err = svc.Orders.PlaceOrder(e.ctx, store.NewOrder{CustomerID: w.customer.ID, Request: store.OrderRequest{
		RestaurantID: w.restaurant.ID, Items: []store.OrderLine{{MenuItemID: w.dish.ID, Quantity: 2}}, DeliveryAddress: home}})
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// rollUp runs every rollup once.
func (e *env) rollUp() {
	e.t.Helper()
	for _, r := range store.Rollups() {
		if _, err := e.rollups.RunRollup(e.ctx, r, false); err != nil {
			e.t.Fatal(err)
		}
	}
}

// metric returns the series of the named metric on this node.
func (e *env) metric(name string) []*dto.Metric {
	e.t.Helper()
	families, err := e.metrics.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	return nil
}

// series counts the series of the named metric.
func (e *env) series(name string) int { return len(e.metric(name)) }

// failures is the count of failed runs of the task type on this node.
func (e *env) failures(typ string) float64 {
	for _, m := range e.metric("dabba_jobs_task_failures_total") {
		for _, l := range m.GetLabel() {
			if l.GetName() == "type" && l.GetValue() == typ {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func inr(amount int64) store.Money { return store.Money{Amount: amount, Currency: "INR"} }
