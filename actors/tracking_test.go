package actors_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// anyone lets every token watch every topic: authorization is the api
// package's business, not the engine's.
type anyone struct{}

func (anyone) Authenticate(context.Context, string) (realtime.Session, error) { return anyone{}, nil }
func (anyone) Authorize(context.Context, string) error                        { return nil }

// frame is a server frame of the realtime protocol.
type frame struct {
	Op    string          `json:"op"`
	Topic string          `json:"topic"`
	Seq   int64           `json:"seq"`
	Type  string          `json:"type"`
	Data  json.RawMessage `json:"data"`
}

// watch opens a websocket on a hub over the fixture's broker and
// subscribes to topic.
func (f *fixture) watch(topic string) *websocket.Conn {
	f.t.Helper()
	hub, err := realtime.New(realtime.Config{Broker: f.broker, Authenticator: anyone{}, Logger: quietLogger()})
	if err != nil {
		f.t.Fatal(err)
	}
	srv := httptest.NewServer(hub)
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
		srv.Close()
	})
	ws, _, err := websocket.Dial(f.ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"?token=t", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = ws.CloseNow() })
	if err := wsjson.Write(f.ctx, ws, map[string]string{"op": "subscribe", "topic": topic}); err != nil {
		f.t.Fatal(err)
	}
	if fr := f.next(ws); fr.Op != "subscribed" || fr.Topic != topic {
		f.t.Fatalf("subscribing answered %+v", fr)
	}
	return ws
}

// next reads the socket's next frame.
func (f *fixture) next(ws *websocket.Conn) frame {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 15*time.Second)
	defer cancel()
	var fr frame
	if err := wsjson.Read(ctx, ws, &fr); err != nil {
		f.t.Fatalf("read frame: %v", err)
	}
	return fr
}

// pttl returns the remaining lifetime of the one cache entry whose key
// ends in suffix within namespace ns.
func (f *fixture) pttl(ns, suffix string) time.Duration {
	f.t.Helper()
	var keys []string
	iter := f.rdb.Scan(f.ctx, 0, f.prefix+":cache:"+ns+":v*"+suffix, 1000).Iterator()
	for iter.Next(f.ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil || len(keys) != 1 {
		f.t.Fatalf("cache keys *%s in %s: %v (%v), want one", suffix, ns, keys, err)
	}
	d, err := f.rdb.PTTL(f.ctx, keys[0]).Result()
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// within fails the test unless d is ttl ± 10 % (the cache's jitter), less
// the moments the test took since the write.
func within(t *testing.T, what string, d, ttl time.Duration) {
	t.Helper()
	if lo, hi := ttl*9/10-5*time.Second, ttl*11/10; d < lo || d > hi {
		t.Errorf("%s lives %v, want %v ± 10 %%", what, d, ttl)
	}
}

// onTheWay is an order accepted by r and assigned the courier c.
func (f *fixture) onTheWay(r kitchenFixture, c *store.Courier) *store.Order {
	f.t.Helper()
	o := f.order(r)
	f.move(o.ID, store.Principal{Role: store.RoleRestaurant, ID: r.ID}, store.StatusAccepted, "")
	if _, err := f.engine.AssignCourier(f.ctx, o.ID, c.ID, admin); err != nil {
		f.t.Fatalf("assign courier: %v", err)
	}
	return f.stored(o.ID)
}

func TestReportLocation_ReachesAWebsocketSubscriberAndTheCache(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	c := f.courier(farAway)
	o := f.onTheWay(r, c)
	ws := f.watch(o.Topic())

	courier := store.Principal{Role: store.RoleCourier, ID: c.ID}
	tr, err := f.engine.ReportLocation(f.ctx, o.ID, courier, store.LocationReport{Lat: nearby.Lat, Lng: nearby.Lng, Heading: 180, Speed: 6})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Courier == nil || tr.Courier.Location != nearby || tr.EstimatedDeliveryAt == nil || tr.RemainingM == nil || *tr.RemainingM <= 0 {
		t.Fatalf("tracking after the ping: %+v", tr)
	}
	fr := f.next(ws)
	var pushed store.Tracking
	if err := json.Unmarshal(fr.Data, &pushed); err != nil {
		t.Fatal(err)
	}
	if fr.Op != "event" || fr.Type != "courier.location" || fr.Seq != o.Seq || pushed.Courier == nil || pushed.Courier.Location != nearby {
		t.Fatalf("the subscriber got %+v (%+v), want the position at seq %d", fr, pushed, o.Seq)
	}
	read, err := f.engine.Tracking(f.ctx, o.ID, store.Principal{Role: store.RoleCustomer, ID: o.CustomerID})
	if err != nil || read.Courier == nil || read.Courier.Location != nearby || !read.EstimatedDeliveryAt.Equal(*tr.EstimatedDeliveryAt) {
		t.Errorf("tracking read after the ping: %+v (%v)", read, err)
	}
	// The courier's position moved in the GEO index.
	pos, err := f.rdb.GeoPos(f.ctx, f.prefix+":couriers", strconv.FormatInt(c.ID, 10)).Result()
	if err != nil || len(pos) != 1 || pos[0] == nil || (store.Point{Lat: pos[0].Latitude, Lng: pos[0].Longitude}).DistanceM(nearby) > 1 {
		t.Errorf("courier GEO position %+v (%v), want %v", pos, err, nearby)
	}

	// The hot state lives for the spec's TTLs.
	id := strconv.FormatInt(o.ID, 10)
	within(t, "live_tracking", f.pttl("deliveries", ":live:"+id), 30*time.Second)
	within(t, "delivery_tracking", f.pttl("deliveries", ":tracking:"+id), 120*time.Second)
	within(t, "orders", f.pttl("orders", ":order:"+id), 300*time.Second)
	within(t, "order_status", f.pttl("orders", ":order_status:"+id), 120*time.Second)
	within(t, "restaurant_capacity", f.pttl("realtime", ":capacity:"+strconv.FormatInt(r.ID, 10)), 30*time.Second)

	// A status change reaches the subscriber in order, with the timeline's sequence.
	f.move(o.ID, store.Principal{Role: store.RoleRestaurant, ID: r.ID}, store.StatusPreparing, "")
	fr = f.next(ws)
	var update store.OrderUpdate
	if err := json.Unmarshal(fr.Data, &update); err != nil {
		t.Fatal(err)
	}
	if fr.Type != store.EventOrderStatus || fr.Seq != o.Seq+1 || update.Event.Seq != fr.Seq || update.Order.Status != store.StatusPreparing {
		t.Errorf("status event %+v (%+v), want preparing at seq %d", fr, update, o.Seq+1)
	}
}

func TestReportLocation_OnlyFromTheAssignedCourier(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	c, other := f.courier(farAway), f.courier(farAway)
	o := f.onTheWay(r, c)
	fix := store.LocationReport{Lat: nearby.Lat, Lng: nearby.Lng}
	for _, tc := range []struct {
		name string
		by   store.Principal
		fix  store.LocationReport
		want string
	}{
		{"another courier", store.Principal{Role: store.RoleCourier, ID: other.ID}, fix, "not_found/order_not_found"},
		{"the customer", store.Principal{Role: store.RoleCustomer, ID: o.CustomerID}, fix, "forbidden/not_assigned_courier"},
		{"the restaurant", store.Principal{Role: store.RoleRestaurant, ID: r.ID}, fix, "forbidden/not_assigned_courier"},
		{"an impossible fix", store.Principal{Role: store.RoleCourier, ID: c.ID}, store.LocationReport{Lat: 91, Lng: 0}, "invalid/validation"},
	} {
		if _, err := f.engine.ReportLocation(f.ctx, o.ID, tc.by, tc.fix); code(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	f.move(o.ID, admin, store.StatusCancelled, "other")
	if _, err := f.engine.ReportLocation(f.ctx, o.ID, store.Principal{Role: store.RoleCourier, ID: c.ID}, fix); code(err) != "conflict/order_not_in_delivery" {
		t.Errorf("a cancelled order: %v, want conflict/order_not_in_delivery", err)
	}
}

// TestReportLocation_StoresThinnedPositionsInBatches sends positions 50 m
// apart (each worth keeping) and 1 m apart (thinned away): nothing is
// stored until a batch is full, a full batch is stored at once, and the
// rest is stored when the engine stops.
func TestReportLocation_StoresThinnedPositionsInBatches(t *testing.T) {
	const batch = 5
	f := newFixture(t, func(c *actors.Config) {
		c.Tracking.BatchSize = batch
		c.Tracking.FlushInterval = time.Hour
	})
	r := f.restaurant()
	c := f.courier(farAway)
	o := f.onTheWay(r, c)
	courier := store.Principal{Role: store.RoleCourier, ID: c.ID}
	start := time.Now().Add(-time.Minute)
	ping := func(i int, metres float64) {
		at := start.Add(time.Duration(i) * time.Second)
		// 1° of latitude is about 111 km.
		fix := store.LocationReport{Lat: kitchen.Lat + metres/111_000, Lng: kitchen.Lng, Speed: 5, TS: &at}
		if _, err := f.engine.ReportLocation(f.ctx, o.ID, courier, fix); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() int {
		points, err := f.Orders.TrackingPoints(f.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(points)
	}
	for i := range batch - 1 {
		ping(2*i, float64(50*i))
		ping(2*i+1, float64(50*i)+1) // 1 m and 1 s later: thinned away
	}
	if n := stored(); n != 0 {
		t.Fatalf("%d positions stored before the batch filled, want 0", n)
	}
	ping(2*batch, float64(50*batch))
	if n := stored(); n != batch {
		t.Fatalf("%d positions stored once the batch filled, want %d", n, batch)
	}
	ping(2*batch+1, float64(50*batch+50))
	ping(2*batch+2, float64(50*batch+100))
	f.engine.Stop()
	if n := stored(); n != batch+2 {
		t.Errorf("%d positions stored after the engine stopped, want %d", n, batch+2)
	}
}

func TestDispatch_AcceptingAssignsTheNearestFreeCourier(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	far, near := f.courier(further), f.courier(nearby)
	f.courier(farAway) // beyond the dispatch radius
	kitchenStaff := store.Principal{Role: store.RoleRestaurant, ID: r.ID}

	first := f.move(f.order(r).ID, kitchenStaff, store.StatusAccepted, "")
	if first.CourierID == nil || *first.CourierID != near.ID {
		t.Fatalf("first order got courier %v, want the nearest, %d", first.CourierID, near.ID)
	}
	second := f.move(f.order(r).ID, kitchenStaff, store.StatusAccepted, "")
	if second.CourierID == nil || *second.CourierID != far.ID {
		t.Fatalf("second order got courier %v, want the next nearest free one, %d", second.CourierID, far.ID)
	}
	if c, _ := f.Couriers.Courier(f.ctx, near.ID); c.Status != store.CourierBusy {
		t.Errorf("the assigned courier is %s, want busy", c.Status)
	}
	events := f.timeline(first.ID)
	if last := events[len(events)-1]; last.Type != store.EventCourierAssigned {
		t.Errorf("the timeline ends with %s, want %s", last.Type, store.EventCourierAssigned)
	}

	// Nobody is free for a third order until the first is delivered.
	third := f.move(f.order(r).ID, kitchenStaff, store.StatusAccepted, "")
	if third.CourierID != nil {
		t.Fatalf("third order got courier %d while every courier nearby is busy", *third.CourierID)
	}
	nearCourier := store.Principal{Role: store.RoleCourier, ID: near.ID}
	f.move(first.ID, kitchenStaff, store.StatusPreparing, "")
	f.move(first.ID, kitchenStaff, store.StatusReady, "")
	f.move(first.ID, nearCourier, store.StatusPickedUp, "")
	f.move(first.ID, nearCourier, store.StatusDelivered, "")
	if c, _ := f.Couriers.Courier(f.ctx, near.ID); c.Status != store.CourierAvailable {
		t.Errorf("the courier who delivered is %s, want available", c.Status)
	}

	// By hand: the kitchen gives the third order to the courier now free.
	if _, err := f.engine.AssignCourier(f.ctx, third.ID, far.ID, kitchenStaff); code(err) != "conflict/courier_unavailable" {
		t.Errorf("assigning a busy courier: %v, want conflict/courier_unavailable", err)
	}
	if _, err := f.engine.AssignCourier(f.ctx, third.ID, near.ID, store.Principal{Role: store.RoleCustomer, ID: third.CustomerID}); code(err) != "forbidden/forbidden" {
		t.Errorf("a customer assigning: %v, want forbidden", err)
	}
	got, err := f.engine.AssignCourier(f.ctx, third.ID, near.ID, kitchenStaff)
	if err != nil || got.CourierID == nil || *got.CourierID != near.ID {
		t.Errorf("assigning the free courier by hand: %+v (%v)", got, err)
	}
}

func TestDispatch_FindsTheFreeCourierBehindACrowdOfBusyOnes(t *testing.T) {
	f := newFixture(t, func(c *actors.Config) { c.Dispatch.Candidates = 2 })
	r := f.restaurant()
	kitchenStaff := store.Principal{Role: store.RoleRestaurant, ID: r.ID}
	// Three couriers wait at the door and get the first three orders; the
	// only free one left stands a little further, beyond the first two
	// candidates of a search.
	for range 3 {
		f.courier(nearby)
	}
	for range 3 {
		if o := f.move(f.order(r).ID, kitchenStaff, store.StatusAccepted, ""); o.CourierID == nil {
			t.Fatal("an order found no courier while free ones waited at the door")
		}
	}
	free := f.courier(further)
	o := f.move(f.order(r).ID, kitchenStaff, store.StatusAccepted, "")
	if o.CourierID == nil || *o.CourierID != free.ID {
		t.Fatalf("the fourth order got courier %v, want the free one behind the busy crowd, %d", o.CourierID, free.ID)
	}
}
