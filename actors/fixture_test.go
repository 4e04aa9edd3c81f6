package actors_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// fixture is a tracking engine over a fresh PostgreSQL database and the
// shared test Redis (under a key prefix of the test's own), with helpers
// that make the records a test needs. Every helper fails the test when
// something refuses.
type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *postgres.DB
	store.Services
	rdb    *redis.Client
	prefix string
	cache  *cache.Cache
	broker *realtime.Broker
	// publisher is the engine's: the broker, unless a test puts a fault
	// in between.
	publisher realtime.Publisher
	cfg       actors.Config
	engine    *actors.Engine
	seq       *atomic.Int64
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newFixture starts an engine configured by edit.
func newFixture(t *testing.T, edit ...func(*actors.Config)) *fixture {
	t.Helper()
	db := pgtest.New(t)
	rdb, prefix := redistest.New(t)
	// Surge quotes live a second instead of two minutes, so a test sees
	// demand move the price without waiting.
	c, err := cache.New(cache.Config{Redis: rdb, Prefix: prefix + ":cache", Logger: quietLogger(),
		TTLOverrides: map[cache.Class]time.Duration{cache.ClassDynamicPricing: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	f := &fixture{t: t, ctx: t.Context(), db: db, Services: db.Services(), rdb: rdb, prefix: prefix, cache: c,
		broker: realtime.NewBroker(rdb, realtime.BrokerConfig{KeyPrefix: prefix + ":realtime"}), seq: new(atomic.Int64)}
	f.publisher = f.broker
	f.cfg.Dispatch.PositionsKey = prefix + ":couriers"
	for _, e := range edit {
		e(&f.cfg)
	}
	f.start()
	return f
}

// in returns the fixture for subtest t, whose helpers fail t.
func (f *fixture) in(t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

// deps are the engine's dependencies over the fixture's database and Redis.
func (f *fixture) deps() actors.Deps {
	return actors.Deps{Store: f.Services, Kitchens: f.db.Kitchens(), Dispatch: f.db.Dispatch(),
		Cache: f.cache, Redis: f.rdb, Publisher: f.publisher, Logger: quietLogger()}
}

// start starts a new engine over the fixture's dependencies.
func (f *fixture) start() {
	f.t.Helper()
	e, err := actors.Start(f.ctx, f.cfg, f.deps())
	if err != nil {
		f.t.Fatalf("start engine: %v", err)
	}
	f.engine = e
	f.t.Cleanup(e.Stop)
}

// crashAndRestart kills the engine as a crashed process would die and
// starts a new one; before runs in between.
func (f *fixture) crashAndRestart(before func()) {
	f.t.Helper()
	f.engine.Crash()
	if before != nil {
		before()
	}
	f.start()
}

// Places used across the tests: a kitchen in central Bengaluru, a home
// about 700 m from it, and couriers' positions at about 1 km and 3 km.
var (
	kitchen   = store.Point{Lat: 12.9716, Lng: 77.5946}
	home      = store.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: store.Point{Lat: 12.9750, Lng: 77.6000}}
	nearby    = store.Point{Lat: 12.9800, Lng: 77.5990}
	further   = store.Point{Lat: 12.9950, Lng: 77.6100}
	farAway   = store.Point{Lat: 13.1986, Lng: 77.7066}
	everyHour = func() []store.OpeningHours {
		var hours []store.OpeningHours
		for d := range 7 {
			hours = append(hours, store.OpeningHours{Weekday: d, Opens: "00:00", Closes: "24:00"})
		}
		return hours
	}()
)

func inr(amount int64) store.Money { return store.Money{Amount: amount, Currency: "INR"} }

// kitchenFixture is a restaurant open around the clock with one dish.
type kitchenFixture struct {
	*store.Restaurant
	dish *store.MenuItem
}

func (f *fixture) restaurant(edit ...func(*store.RestaurantInput)) kitchenFixture {
	f.t.Helper()
	in := store.RestaurantInput{
		Name: fmt.Sprintf("Kitchen %d", f.seq.Add(1)), Cuisine: "biryani", Address: "124 Residency Rd",
		Location: kitchen, Timezone: "Asia/Kolkata", OpeningHours: everyHour,
		DeliveryRadiusM: 5000, MinimumOrder: inr(10000), DeliveryFee: inr(4000),
	}
	for _, e := range edit {
		e(&in)
	}
	r, err := f.Restaurants.CreateRestaurant(f.ctx, in)
	if err != nil {
		f.t.Fatalf("create restaurant: %v", err)
	}
	m, err := f.Menus.CreateMenuItem(f.ctx, r.ID, store.MenuItemInput{Name: "Biryani", Category: "Mains", Price: inr(25000)})
	if err != nil {
		f.t.Fatalf("create menu item: %v", err)
	}
	return kitchenFixture{r, m}
}

// limits sets a kitchen's capacity settings.
func (f *fixture) limits(r kitchenFixture, s store.CapacitySettings) {
	f.t.Helper()
	if _, err := f.engine.SetCapacity(f.ctx, r.ID, s); err != nil {
		f.t.Fatalf("set capacity: %v", err)
	}
}

func (f *fixture) customer() *store.Customer {
	f.t.Helper()
	n := f.seq.Add(1)
	c, err := f.Customers.CreateCustomer(f.ctx, store.CustomerInput{
		Name: fmt.Sprintf("Customer %d", n), Email: fmt.Sprintf("customer%d@example.com", n),
		Phone: "+919812345678", Addresses: []store.Address{home},
	})
	if err != nil {
		f.t.Fatalf("create customer: %v", err)
	}
	return c
}

// courier is a courier on shift (available) at the given position.
func (f *fixture) courier(at store.Point) *store.Courier {
	f.t.Helper()
	c, err := f.Couriers.CreateCourier(f.ctx, store.CourierInput{
		Name: fmt.Sprintf("Courier %d", f.seq.Add(1)), Phone: "+919900112233", Vehicle: store.VehicleScooter,
	})
	if err != nil {
		f.t.Fatalf("create courier: %v", err)
	}
	available := store.CourierAvailable
	if c, err = f.Couriers.UpdateCourier(f.ctx, c.ID, store.CourierPatch{Status: &available}); err != nil {
		f.t.Fatalf("put courier on shift: %v", err)
	}
	if err := f.engine.LocateCourier(f.ctx, c.ID, at); err != nil {
		f.t.Fatalf("locate courier: %v", err)
	}
	return c
}

// request asks for one biryani from r, delivered home.
func request(r kitchenFixture) store.OrderRequest {
	return store.OrderRequest{RestaurantID: r.ID, Items: []store.OrderLine{{MenuItemID: r.dish.ID, Quantity: 1}}, DeliveryAddress: home}
}

// place places an order through the engine and fails the test unless it is taken.
func (f *fixture) place(customerID int64, req store.OrderRequest) *store.Order {
	f.t.Helper()
	o, _, err := f.engine.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customerID, Request: req})
	if err != nil {
		f.t.Fatalf("place order: %v", err)
	}
	return o
}

// order places an order of r for a new customer.
func (f *fixture) order(r kitchenFixture) *store.Order {
	f.t.Helper()
	return f.place(f.customer().ID, request(r))
}

var admin = store.Principal{Role: store.RoleAdmin}

// move changes an order's status as by and fails the test unless it moves.
func (f *fixture) move(orderID int64, by store.Principal, to store.OrderStatus, reason string) *store.Order {
	f.t.Helper()
	o, err := f.engine.ChangeStatus(f.ctx, store.StatusChange{OrderID: orderID, To: to, Reason: reason, By: by})
	if err != nil {
		f.t.Fatalf("move order %d to %s: %v", orderID, to, err)
	}
	return o
}

// stored reads an order from PostgreSQL.
func (f *fixture) stored(orderID int64) *store.Order {
	f.t.Helper()
	o, err := f.Orders.Order(f.ctx, orderID)
	if err != nil {
		f.t.Fatalf("read order %d: %v", orderID, err)
	}
	return o
}

// timeline reads an order's events and fails the test unless their
// sequence numbers run 1, 2, 3, … without a gap.
func (f *fixture) timeline(orderID int64) []store.OrderEvent {
	f.t.Helper()
	events, err := f.Orders.Timeline(f.ctx, orderID, 0)
	if err != nil {
		f.t.Fatalf("read timeline of %d: %v", orderID, err)
	}
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			f.t.Fatalf("timeline of order %d: event %d has seq %d; want contiguous sequences from 1: %+v", orderID, i, ev.Seq, events)
		}
	}
	return events
}

// eventually polls cond until it holds, failing the test after a generous
// bound: the engine's timers and batches act on their own schedule.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: did not happen within 20 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// code returns the store error code of err, or "<nil>".
func code(err error) string {
	if err == nil {
		return "<nil>"
	}
	return string(store.KindOf(err)) + "/" + store.CodeOf(err)
}
