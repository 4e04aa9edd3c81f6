package postgres_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/postgres"
)

// step moves an order to a status some time after it was placed.
type step struct {
	to     store.OrderStatus
	after  time.Duration
	reason string
}

// placeAt places an order for the customer at the given instant, at the
// given surge (0: none), and moves it through the steps.
func (f *fixture) placeAt(at time.Time, customerID int64, surge int, req store.OrderRequest, steps ...step) *store.Order {
	f.t.Helper()
	o, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customerID, Request: req, SurgeBasisPoints: surge, At: at})
	if err != nil {
		f.t.Fatalf("place order: %v", err)
	}
	for _, s := range steps {
		if o, _, err = f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: o.ID, To: s.to, Reason: s.reason, By: admin, At: at.Add(s.after)}); err != nil {
			f.t.Fatalf("move order %d to %s: %v", o.ID, s.to, err)
		}
	}
	return o
}

// delivery is the timeline of an order accepted, ready and delivered at
// the given times after placing.
func delivery(accepted, ready, delivered time.Duration) []step {
	return []step{
		{to: store.StatusAccepted, after: accepted}, {to: store.StatusPreparing, after: accepted},
		{to: store.StatusReady, after: ready}, {to: store.StatusPickedUp, after: ready},
		{to: store.StatusDelivered, after: delivered},
	}
}

func line(m *store.MenuItem, qty int) store.OrderLine {
	return store.OrderLine{MenuItemID: m.ID, Quantity: qty}
}

// revenueWorld is a hand-built month: two restaurants, two customers, six
// orders over two days, with the figures they must roll up to worked out
// by hand in the tests.
type revenueWorld struct {
	*fixture
	analytics        *postgres.Analytics
	biryani, pizza   *store.Restaurant
	dum, raita, marg *store.MenuItem
	asha, ravi       *store.Customer
	day, nextDay     time.Time
	accepted         *store.Order // o4: accepted, cancelled by some tests
}

func newRevenueWorld(t *testing.T) *revenueWorld {
	f := newFixture(t)
	w := &revenueWorld{fixture: f, analytics: f.db.Analytics(postgres.AnalyticsConfig{DeliveryPromise: 45 * time.Minute})}
	w.biryani = f.restaurant(func(in *store.RestaurantInput) { in.Cuisine = "biryani" })
	w.pizza = f.restaurant(func(in *store.RestaurantInput) { in.Cuisine = "pizza" })
	w.dum = f.menuItem(w.biryani.ID, 25000)
	w.raita = f.menuItem(w.biryani.ID, 10000)
	w.marg = f.menuItem(w.pizza.ID, 30000)
	w.asha, w.ravi = f.customer(), f.customer()
	// Two days ago and yesterday, at 10:00 UTC: inside the performance
	// window, on days of their own.
	w.day = time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2).Add(10 * time.Hour)
	w.nextDay = w.day.AddDate(0, 0, 1)
	b := w.biryani
	// o1: 2 dum + 1 raita = 60000 + 4000 fee; accepted 90 s, ready 20 min, delivered 40 min (on time).
	f.placeAt(w.day, w.asha.ID, 0, request(b, line(w.dum, 2), line(w.raita, 1)), delivery(90*time.Second, 20*time.Minute, 40*time.Minute)...)
	// o2: 3 raita = 30000 + 4000 fee + 1000 surge (×1.25); accepted 30 s, ready 25.5 min, delivered 60 min (late).
	f.placeAt(w.day.Add(5*time.Minute), w.ravi.ID, 12500, request(b, line(w.raita, 3)), delivery(30*time.Second, 25*time.Minute+30*time.Second, time.Hour)...)
	// o3: rejected.
	f.placeAt(w.day.Add(10*time.Minute), w.asha.ID, 0, request(b, line(w.dum, 1)), step{to: store.StatusRejected, after: time.Minute, reason: "kitchen_busy"})
	// o4: accepted after 60 s, then left there.
	w.accepted = f.placeAt(w.day.Add(15*time.Minute), w.ravi.ID, 0, request(b, line(w.dum, 1)), step{to: store.StatusAccepted, after: time.Minute})
	// o5: 1 margherita = 30000 + 4000 at the pizzeria, delivered.
	f.placeAt(w.day.Add(20*time.Minute), w.asha.ID, 0, request(w.pizza, line(w.marg, 1)), delivery(time.Minute, 10*time.Minute, 30*time.Minute)...)
	// o6, the next day: 1 raita = 10000 + 4000; accepted 60 s, ready 15 min, delivered 30 min.
	f.placeAt(w.nextDay, w.asha.ID, 0, request(b, line(w.raita, 1)), delivery(time.Minute, 15*time.Minute, 30*time.Minute)...)
	return w
}

func (w *revenueWorld) rollAll(full bool) {
	w.t.Helper()
	for _, r := range store.Rollups() {
		if _, err := w.analytics.RunRollup(w.ctx, r, full); err != nil {
			w.t.Fatalf("run rollup %s: %v", r, err)
		}
	}
}

func (w *revenueWorld) revenue(restaurantID int64, from, to time.Time) *store.RevenueReport {
	w.t.Helper()
	rep, err := w.analytics.Revenue(w.ctx, store.RevenueFilter{RestaurantID: restaurantID,
		From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)})
	if err != nil {
		w.t.Fatalf("read revenue: %v", err)
	}
	return rep
}

func figures(orders, delivered, cancelled, rejected, gross, items, fees, surge, average int64) store.RevenueFigures {
	return store.RevenueFigures{Currency: "INR", Orders: orders, Delivered: delivered, Cancelled: cancelled, Rejected: rejected,
		GrossRevenue: inr(gross), ItemSales: inr(items), DeliveryFees: inr(fees), SurgeFees: inr(surge), AverageOrderValue: inr(average)}
}

func TestRevenueRollupMatchesHandComputedFigures(t *testing.T) {
	w := newRevenueWorld(t)
	w.rollAll(false)

	rep := w.revenue(w.biryani.ID, w.day, w.nextDay)
	want := []store.RevenueDay{
		{Day: w.day.Format(time.DateOnly), RevenueFigures: figures(4, 2, 0, 1, 99000, 90000, 8000, 1000, 49500)},
		{Day: w.nextDay.Format(time.DateOnly), RevenueFigures: figures(1, 1, 0, 0, 14000, 10000, 4000, 0, 14000)},
	}
	if !reflect.DeepEqual(rep.Days, want) {
		t.Errorf("biryani days:\n got %+v\nwant %+v", rep.Days, want)
	}
	// 113000 over 3 deliveries is 37666.67: rounded half up to 37667.
	if total := figures(5, 3, 0, 1, 113000, 100000, 12000, 1000, 37667); !reflect.DeepEqual(rep.Totals, []store.RevenueFigures{total}) {
		t.Errorf("biryani totals:\n got %+v\nwant %+v", rep.Totals, total)
	}

	platform := w.revenue(0, w.day, w.day)
	// 133000 over 3 deliveries is 44333.33: 44333.
	if day := figures(5, 3, 0, 1, 133000, 120000, 12000, 1000, 44333); !reflect.DeepEqual(platform.Totals, []store.RevenueFigures{day}) {
		t.Errorf("platform on the first day:\n got %+v\nwant %+v", platform.Totals, day)
	}
}

func TestRollupRecomputesTheBucketsOfOrdersChangedSinceItsLastRun(t *testing.T) {
	w := newRevenueWorld(t)
	w.rollAll(false)
	if _, _, err := w.Orders.ChangeStatus(w.ctx, store.StatusChange{OrderID: w.accepted.ID, To: store.StatusCancelled,
		Reason: "kitchen_issue", By: admin, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	res, err := w.analytics.RunRollup(w.ctx, store.RollupRestaurantDays, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Buckets != 1 || !reflect.DeepEqual(res.Restaurants, []int64{w.biryani.ID}) {
		t.Errorf("the incremental run recomputed %d buckets of %v, want the one day of the cancelled order", res.Buckets, res.Restaurants)
	}
	day := w.revenue(w.biryani.ID, w.day, w.day).Days[0]
	if day.Cancelled != 1 || day.Orders != 4 || day.GrossRevenue != inr(99000) {
		t.Errorf("after the cancellation the day reads %+v", day)
	}
}

func TestRestaurantPerformanceDerivesTimingsFromTheTimeline(t *testing.T) {
	w := newRevenueWorld(t)
	w.rollAll(false)
	p, err := w.analytics.RestaurantPerformance(w.ctx, w.biryani.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Accepted: o1 90 s, o2 30 s, o4 60 s, o6 60 s → 60 s. Prepared: o1
	// 1110 s, o2 1500 s, o6 840 s → 1150 s. On time: o1 and o6 of 3.
	got := *p
	got.AsOf, got.From, got.To = time.Time{}, "", ""
	want := store.RestaurantPerformance{RestaurantID: w.biryani.ID, Orders: 5, Accepted: 4, Rejected: 1, Delivered: 3,
		AcceptanceRate: 0.8, AverageAcceptSeconds: 60, AveragePrepSeconds: 1150, OnTimeDeliveries: 2, OnTimeRate: 0.667}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("performance:\n got %+v\nwant %+v", got, want)
	}
	if _, err := w.analytics.RestaurantPerformance(w.ctx, 999999); store.KindOf(err) != store.ENOTFOUND {
		t.Errorf("performance of an unknown restaurant: %v, want ENOTFOUND", err)
	}
}

func TestCustomerPreferencesRollUpTheOrdersTheCustomerGot(t *testing.T) {
	w := newRevenueWorld(t)
	w.rollAll(false)
	p, err := w.analytics.CustomerPreferences(w.ctx, w.asha.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Asha got o1, o5 and o6 (o3 was rejected): subtotals 60000 + 30000 +
	// 10000 over 3 orders is 33333.33, a day between the first and last.
	if p.Orders != 3 || !p.FirstOrderAt.Equal(w.day) || !p.LastOrderAt.Equal(w.nextDay) ||
		p.DaysBetweenOrders == nil || *p.DaysBetweenOrders != 0.5 {
		t.Errorf("orders %d from %v to %v, %v days apart", p.Orders, p.FirstOrderAt, p.LastOrderAt, p.DaysBetweenOrders)
	}
	if !reflect.DeepEqual(p.AverageBasket, []store.Money{inr(33333)}) {
		t.Errorf("average basket %v, want 333.33 INR", p.AverageBasket)
	}
	if want := []store.CuisinePreference{{Cuisine: "biryani", Orders: 2}, {Cuisine: "pizza", Orders: 1}}; !reflect.DeepEqual(p.FavouriteCuisines, want) {
		t.Errorf("cuisines %+v, want %+v", p.FavouriteCuisines, want)
	}
	// Raita: 2 portions in 2 orders; dum: 2 in 1; margherita: 1 in 1.
	want := []store.ItemPreference{
		{MenuItemID: w.raita.ID, RestaurantID: w.biryani.ID, Name: w.raita.Name, Quantity: 2, Orders: 2},
		{MenuItemID: w.dum.ID, RestaurantID: w.biryani.ID, Name: w.dum.Name, Quantity: 2, Orders: 1},
		{MenuItemID: w.marg.ID, RestaurantID: w.pizza.ID, Name: w.marg.Name, Quantity: 1, Orders: 1},
	}
	if !reflect.DeepEqual(p.FavouriteItems, want) {
		t.Errorf("items:\n got %+v\nwant %+v", p.FavouriteItems, want)
	}

	newcomer := w.customer()
	fresh, err := w.analytics.CustomerPreferences(w.ctx, newcomer.ID)
	if err != nil || fresh.Orders != 0 || fresh.AsOf != nil || len(fresh.FavouriteItems) != 0 {
		t.Errorf("a customer without orders: %+v, %v", fresh, err)
	}
}

// snapshot reads every figure the rollups feed, without read times.
func (w *revenueWorld) snapshot() []any {
	w.t.Helper()
	rev := w.revenue(0, w.day, w.nextDay)
	rev.AsOf = time.Time{}
	perf, err := w.analytics.RestaurantPerformance(w.ctx, w.biryani.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	perf.AsOf = time.Time{}
	prefs, err := w.analytics.CustomerPreferences(w.ctx, w.ravi.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	prefs.AsOf = nil
	trend, err := w.analytics.Trending(w.ctx, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	trend.AsOf = time.Time{}
	for i := range trend.Windows {
		trend.Windows[i].AsOf, trend.Windows[i].Since = time.Time{}, time.Time{}
	}
	return []any{rev, perf, prefs, trend}
}

func TestRollupsRunTwiceOrConcurrentlyGiveTheSameFigures(t *testing.T) {
	w := newRevenueWorld(t)
	w.rollAll(false)
	once := w.snapshot()
	if len(once[3].(*store.Trending).Windows[2].Items) == 0 {
		t.Fatal("the week's ranking is empty: the comparison would prove nothing")
	}

	w.rollAll(true)
	if twice := w.snapshot(); !reflect.DeepEqual(once, twice) {
		t.Errorf("a second, full run changed the figures:\n once %+v\ntwice %+v", once, twice)
	}

	var wg sync.WaitGroup
	for range 2 {
		for _, r := range store.Rollups() {
			wg.Go(func() {
				if _, err := w.analytics.RunRollup(w.ctx, r, true); err != nil {
					t.Errorf("concurrent run of %s: %v", r, err)
				}
			})
		}
	}
	wg.Wait()
	if concurrent := w.snapshot(); !reflect.DeepEqual(once, concurrent) {
		t.Errorf("concurrent runs changed the figures:\n      once %+v\nconcurrent %+v", once, concurrent)
	}
}

func TestTrendingRanksDishesPerWindow(t *testing.T) {
	f := newFixture(t)
	a := f.db.Analytics(postgres.AnalyticsConfig{})
	r := f.restaurant()
	kebab, naan := f.menuItem(r.ID, 20000), f.menuItem(r.ID, 5000)
	c := f.customer().ID
	now := time.Now().UTC()
	f.placeAt(now.Add(-10*time.Minute), c, 0, request(r, line(kebab, 2)))
	f.placeAt(now.Add(-5*time.Hour), c, 0, request(r, line(naan, 3), line(kebab, 1)))
	f.placeAt(now.Add(-72*time.Hour), c, 0, request(r, line(naan, 4)))
	f.placeAt(now.Add(-9*24*time.Hour), c, 0, request(r, line(kebab, 10)))
	f.placeAt(now.Add(-20*time.Minute), c, 0, request(r, line(naan, 5)), step{to: store.StatusCancelled, reason: "customer_request"})
	if _, err := a.RunRollup(f.ctx, store.RollupPopularItems, false); err != nil {
		t.Fatal(err)
	}
	got, err := a.Trending(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	type rank struct {
		id, qty, orders, revenue int64
	}
	want := map[store.AnalyticsWindow][]rank{
		store.WindowHour: {{kebab.ID, 2, 1, 40000}},
		// Three portions each: kebab in two orders ranks first.
		store.WindowDay:  {{kebab.ID, 3, 2, 60000}, {naan.ID, 3, 1, 15000}},
		store.WindowWeek: {{naan.ID, 7, 2, 35000}, {kebab.ID, 3, 2, 60000}},
	}
	for _, w := range store.AnalyticsWindows() {
		var ranks []rank
		for i, it := range got.Window(w).Items {
			if it.Rank != i+1 || it.RestaurantID != r.ID || it.Revenue.Currency != "INR" {
				t.Errorf("%s item %d: %+v", w, i, it)
			}
			ranks = append(ranks, rank{it.MenuItemID, it.Quantity, it.Orders, it.Revenue.Amount})
		}
		if !reflect.DeepEqual(ranks, want[w]) {
			t.Errorf("%s: got %v, want %v", w, ranks, want[w])
		}
	}
	if _, err := a.Trending(f.ctx, 999999); store.KindOf(err) != store.ENOTFOUND {
		t.Errorf("trending of an unknown restaurant: %v, want ENOTFOUND", err)
	}
}

func TestCompactTrackingThinsThenDeletesFinishedDeliveries(t *testing.T) {
	f := newFixture(t)
	courier := f.courier()
	old := time.Now().UTC().AddDate(0, 0, -10).Truncate(time.Minute)
	r := f.restaurant()
	m := f.menuItem(r.ID, 25000)
	finished := f.placeAt(old, f.customer().ID, 0, request(r, line(m, 1)), delivery(time.Minute, 2*time.Minute, 10*time.Minute)...)
	recent := f.placeAt(time.Now().UTC().Add(-time.Hour), f.customer().ID, 0, request(r, line(m, 1)), delivery(time.Minute, 2*time.Minute, 10*time.Minute)...)
	// Thirty positions 10 s apart over five minutes of each delivery.
	var points []store.TrackingPoint
	for _, o := range []*store.Order{finished, recent} {
		for i := range 30 {
			points = append(points, store.TrackingPoint{OrderID: o.ID, CourierID: courier.ID, Location: kitchen,
				At: o.PlacedAt.Add(time.Duration(i) * 10 * time.Second)})
		}
	}
	if err := f.Orders.AddTrackingPoints(f.ctx, points); err != nil {
		t.Fatal(err)
	}
	count := func(o *store.Order) int {
		pts, err := f.Orders.TrackingPoints(f.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(pts)
	}
	thin := store.TrackingCompaction{FinishedBefore: time.Now().AddDate(0, 0, -7), Resolution: time.Minute}

	res, err := f.db.CompactTracking(f.ctx, thin)
	if err != nil {
		t.Fatal(err)
	}
	// Five one-minute stretches keep their first position, and the last
	// position (4:50) stays too.
	if res.Orders != 1 || res.PointsDeleted != 24 || count(finished) != 6 || count(recent) != 30 {
		t.Errorf("thinning: %+v, %d and %d positions left", res, count(finished), count(recent))
	}
	if again, err := f.db.CompactTracking(f.ctx, thin); err != nil || again.PointsDeleted != 0 {
		t.Errorf("thinning again deleted %+v (%v)", again, err)
	}
	res, err = f.db.CompactTracking(f.ctx, store.TrackingCompaction{FinishedBefore: thin.FinishedBefore})
	if err != nil || res.PointsDeleted != 6 || count(finished) != 0 || count(recent) != 30 {
		t.Errorf("deleting: %+v (%v), %d and %d positions left", res, err, count(finished), count(recent))
	}
}
