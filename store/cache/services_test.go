package cache

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// The decorators against the real system of record: a fresh PostgreSQL
// database per test and the shared Redis.

// countingRestaurants counts the reads that reach PostgreSQL.
type countingRestaurants struct {
	store.RestaurantService
	reads atomic.Int64
}

func (c *countingRestaurants) Restaurant(ctx context.Context, id int64) (*store.Restaurant, error) {
	c.reads.Add(1)
	return c.RestaurantService.Restaurant(ctx, id)
}

func (c *countingRestaurants) Restaurants(ctx context.Context, f store.RestaurantFilter) (store.Page[store.RestaurantListing], error) {
	c.reads.Add(1)
	return c.RestaurantService.Restaurants(ctx, f)
}

// world is a cached store over a fresh database, with the fixtures a test
// needs. Nodes added with node share the database and Redis.
type world struct {
	t      *testing.T
	ctx    context.Context
	src    store.Services
	counts *countingRestaurants
	rdb    *redis.Client
	prefix string
	c      *Cache
	store.Services
	seq atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := pgtest.New(t)
	rdb, prefix := redistest.New(t)
	w := &world{t: t, ctx: store.WithPrincipal(context.Background(), store.Principal{Role: store.RoleAdmin}),
		src: db.Services(), rdb: rdb, prefix: prefix}
	w.counts = &countingRestaurants{RestaurantService: w.src.Restaurants}
	w.src.Restaurants = w.counts
	w.c = w.node()
	w.Services = w.c.Services()
	return w
}

// node is another dabba node of the same fleet.
func (w *world) node() *Cache {
	return newCacheOn(w.t, w.rdb, w.prefix, func(cfg *Config) { cfg.Source = w.src })
}

var (
	kitchenAt = store.Point{Lat: 12.9716, Lng: 77.5946}
	homeAt    = store.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: store.Point{Lat: 12.9750, Lng: 77.6000}}
	adminP    = store.Principal{Role: store.RoleAdmin}
)

func inr(amount int64) store.Money { return store.Money{Amount: amount, Currency: "INR"} }

func (w *world) restaurant() *store.Restaurant {
	w.t.Helper()
	r, err := w.Restaurants.CreateRestaurant(w.ctx, store.RestaurantInput{
		Name: fmt.Sprintf("Kitchen %d", w.seq.Add(1)), Cuisine: "biryani", Address: "124 Residency Rd",
		Location: kitchenAt, Timezone: "Asia/Kolkata", DeliveryRadiusM: 5000, MinimumOrder: inr(10000), DeliveryFee: inr(4000),
		OpeningHours: []store.OpeningHours{{Weekday: 1, Opens: "11:00", Closes: "23:00"}},
	})
	if err != nil {
		w.t.Fatalf("create restaurant: %v", err)
	}
	return r
}

func (w *world) menuItem(restaurantID int64) *store.MenuItem {
	w.t.Helper()
	m, err := w.Menus.CreateMenuItem(w.ctx, restaurantID, store.MenuItemInput{
		Name: fmt.Sprintf("Dish %d", w.seq.Add(1)), Category: "Mains", Price: inr(25000)})
	if err != nil {
		w.t.Fatalf("create menu item: %v", err)
	}
	return m
}

func (w *world) customer() *store.Customer {
	w.t.Helper()
	n := w.seq.Add(1)
	c, err := w.Customers.CreateCustomer(w.ctx, store.CustomerInput{Name: fmt.Sprintf("Customer %d", n),
		Email: fmt.Sprintf("customer%d@example.com", n), Phone: "+919812345678", Addresses: []store.Address{homeAt}})
	if err != nil {
		w.t.Fatalf("create customer: %v", err)
	}
	return c
}

func (w *world) order(r *store.Restaurant, customerID int64) *store.Order {
	w.t.Helper()
	m := w.menuItem(r.ID)
	o, _, err := w.Orders.PlaceOrder(w.ctx, store.NewOrder{CustomerID: customerID, At: time.Now(), Request: store.OrderRequest{
		RestaurantID: r.ID, Items: []store.OrderLine{{MenuItemID: m.ID, Quantity: 1}}, DeliveryAddress: homeAt}})
	if err != nil {
		w.t.Fatalf("place order: %v", err)
	}
	return o
}

func (w *world) advance(orderID int64, statuses ...store.OrderStatus) *store.Order {
	w.t.Helper()
	var o *store.Order
	for _, s := range statuses {
		var err error
		if o, _, err = w.Orders.ChangeStatus(w.ctx, store.StatusChange{OrderID: orderID, To: s, By: adminP, At: time.Now()}); err != nil {
			w.t.Fatalf("move order %d to %s: %v", orderID, s, err)
		}
	}
	return o
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestServices_RestaurantReadsAreCachedAndFollowUpdates(t *testing.T) {
	w := newWorld(t)
	r := w.restaurant()
	get := must[*store.Restaurant](t)
	get(w.Restaurants.Restaurant(w.ctx, r.ID))
	get(w.Restaurants.Restaurant(w.ctx, r.ID))
	if n := w.counts.reads.Load(); n != 1 {
		t.Fatalf("two reads reached PostgreSQL %d times, want 1", n)
	}
	list := must[store.Page[store.RestaurantListing]](t)(w.Restaurants.Restaurants(w.ctx, store.RestaurantFilter{}))
	if len(list.Items) != 1 {
		t.Fatalf("list = %+v", list)
	}

	name := "Renamed Kitchen"
	if _, err := w.Restaurants.UpdateRestaurant(w.ctx, r.ID, store.RestaurantPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	reads := w.counts.reads.Load()
	if got := get(w.Restaurants.Restaurant(w.ctx, r.ID)); got.Name != name {
		t.Fatalf("read after the update = %q, want %q", got.Name, name)
	}
	if w.counts.reads.Load() != reads {
		t.Fatal("the updated restaurant was not written through: the read went to PostgreSQL")
	}
	list = must[store.Page[store.RestaurantListing]](t)(w.Restaurants.Restaurants(w.ctx, store.RestaurantFilter{}))
	if list.Items[0].Name != name {
		t.Fatalf("list after the update shows %q, want %q", list.Items[0].Name, name)
	}
}

func TestServices_AnotherNodesWriteIsSeenAtOnce(t *testing.T) {
	w := newWorld(t)
	other := w.node().Services()
	r := w.restaurant()
	m := w.menuItem(r.ID)
	must[*store.Restaurant](t)(w.Restaurants.Restaurant(w.ctx, r.ID))
	must[store.Page[store.MenuItem]](t)(w.Menus.MenuItems(w.ctx, r.ID, store.MenuFilter{}))

	price := inr(31000)
	if _, err := other.Menus.UpdateMenuItem(w.ctx, m.ID, store.MenuItemPatch{Price: &price}); err != nil {
		t.Fatal(err)
	}

	menu := must[store.Page[store.MenuItem]](t)(w.Menus.MenuItems(w.ctx, r.ID, store.MenuFilter{}))
	if menu.Items[0].Price != price {
		t.Fatalf("menu read on this node after the other node's update shows %v, want %v", menu.Items[0].Price, price)
	}
	if got := must[*store.MenuItem](t)(w.Menus.MenuItem(w.ctx, m.ID)); got.Price != price {
		t.Fatalf("item read shows %v, want %v", got.Price, price)
	}
}

func TestServices_OrdersAreCachedByStatusAndFollowTheirLifecycle(t *testing.T) {
	w := newWorld(t)
	r, cu := w.restaurant(), w.customer()
	o := w.order(r, cu.ID)
	history := store.OrderFilter{CustomerID: cu.ID}
	must[*store.Order](t)(w.Orders.Order(w.ctx, o.ID))
	must[store.Page[store.Order]](t)(w.Orders.Orders(w.ctx, history))
	w.c.fills.Wait()
	if ttl := w.rdb.PTTL(w.ctx, physicalKey(t, w.c, OrderKey(o.ID))).Val(); ttl > 132*time.Second {
		t.Fatalf("a live order is cached for %s, want the order_status class's 120s", ttl)
	}

	w.advance(o.ID, store.StatusAccepted)
	if got := must[*store.Order](t)(w.Orders.Order(w.ctx, o.ID)); got.Status != store.StatusAccepted {
		t.Fatalf("order read after the status change = %s, want accepted", got.Status)
	}
	if got := must[store.Page[store.Order]](t)(w.Orders.Orders(w.ctx, history)); got.Items[0].Status != store.StatusAccepted {
		t.Fatalf("customer history after the status change shows %s, want accepted", got.Items[0].Status)
	}

	w.advance(o.ID, store.StatusPreparing, store.StatusReady, store.StatusPickedUp, store.StatusDelivered)
	if got := must[*store.Order](t)(w.Orders.Order(w.ctx, o.ID)); got.Status != store.StatusDelivered {
		t.Fatalf("order read = %s, want delivered", got.Status)
	}
	w.c.fills.Wait()
	if ttl := w.rdb.PTTL(w.ctx, physicalKey(t, w.c, OrderKey(o.ID))).Val(); ttl < 200*time.Second {
		t.Fatalf("a delivered order is cached for %s, want the orders class's 300s", ttl)
	}
}

func TestServices_ReviewsCascadeToTheRestaurantsRating(t *testing.T) {
	w := newWorld(t)
	r, cu := w.restaurant(), w.customer()
	o := w.order(r, cu.ID)
	w.advance(o.ID, store.StatusAccepted, store.StatusPreparing, store.StatusReady, store.StatusPickedUp, store.StatusDelivered)
	before := must[*store.Restaurant](t)(w.Restaurants.Restaurant(w.ctx, r.ID))
	must[store.Page[store.RestaurantListing]](t)(w.Restaurants.Restaurants(w.ctx, store.RestaurantFilter{}))
	must[store.Page[store.Review]](t)(w.Reviews.Reviews(w.ctx, r.ID, store.ReviewFilter{}))

	rev, err := w.Reviews.CreateReview(w.ctx, cu.ID, store.ReviewInput{OrderID: o.ID, Rating: 4, Text: "good"})
	if err != nil {
		t.Fatal(err)
	}

	after := must[*store.Restaurant](t)(w.Restaurants.Restaurant(w.ctx, r.ID))
	if before.Rating.Count != 0 || after.Rating.Count != 1 || after.Rating.Average != 4 {
		t.Fatalf("rating before %+v, after %+v; want 0 then one review of 4", before.Rating, after.Rating)
	}
	list := must[store.Page[store.RestaurantListing]](t)(w.Restaurants.Restaurants(w.ctx, store.RestaurantFilter{}))
	if list.Items[0].Rating.Count != 1 {
		t.Fatalf("list shows rating %+v, want the new review counted", list.Items[0].Rating)
	}
	reviews := must[store.Page[store.Review]](t)(w.Reviews.Reviews(w.ctx, r.ID, store.ReviewFilter{}))
	if len(reviews.Items) != 1 || reviews.Items[0].ID != rev.ID {
		t.Fatalf("review list = %+v, want the new review", reviews.Items)
	}

	if err := w.Reviews.DeleteReview(w.ctx, rev.ID); err != nil {
		t.Fatal(err)
	}
	if after := must[*store.Restaurant](t)(w.Restaurants.Restaurant(w.ctx, r.ID)); after.Rating.Count != 0 {
		t.Fatalf("rating after deleting the review = %+v, want none", after.Rating)
	}
}

func TestServices_CustomerProfileIsSessionBased(t *testing.T) {
	w := newWorld(t)
	cu := w.customer()
	must[*store.Customer](t)(w.Customers.Customer(w.ctx, cu.ID))
	w.c.fills.Wait()
	if n := w.rdb.Exists(w.ctx, physicalKey(t, w.c, CustomerProfileKey(cu.ID))).Val(); n != 1 {
		t.Fatal("the profile is not cached in the customer's session group")
	}

	name := "Asha R."
	if _, err := w.Customers.UpdateCustomer(w.ctx, cu.ID, store.CustomerPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if got := must[*store.Customer](t)(w.Customers.Customer(w.ctx, cu.ID)); got.Name != name {
		t.Fatalf("profile after the update = %q, want %q", got.Name, name)
	}

	if err := w.Customers.DeleteCustomer(w.ctx, cu.ID); err != nil {
		t.Fatal(err)
	}
	_, err := w.Customers.Customer(w.ctx, cu.ID)
	wantKind(t, err, store.ENOTFOUND, "")
}

func TestServices_MissingRestaurantCostsOneQueryPerNegativeTTL(t *testing.T) {
	w := newWorld(t)
	for range 20 {
		_, err := w.Restaurants.Restaurant(w.ctx, 999999)
		wantKind(t, err, store.ENOTFOUND, "")
	}
	if n := w.counts.reads.Load(); n != 1 {
		t.Fatalf("20 reads of a missing restaurant reached PostgreSQL %d times, want 1", n)
	}
}

func TestServices_CascadeLooksUpRelatedRecords(t *testing.T) {
	w := newWorld(t)
	r := w.restaurant()
	m := w.menuItem(r.ID)

	res, err := w.c.Cascade(w.ctx, CascadeRequest{Entity: "menu_item", ID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range res.Keys {
		found = found || k.Key == RestaurantKey(r.ID).String()
	}
	if !found || res.Entity != "menu_item" {
		t.Fatalf("cascade = %+v, want it to reach restaurant %d", res, r.ID)
	}
}

func TestServices_WarmersFillPopularRestaurantsAndMenus(t *testing.T) {
	w := newWorld(t)
	var restaurants []*store.Restaurant
	for range 3 {
		r := w.restaurant()
		w.menuItem(r.ID)
		restaurants = append(restaurants, r)
	}

	rw, err := w.c.WarmRestaurants(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	mw, err := w.c.WarmMenuItems(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rw.KeysWarmed != 4 || mw.KeysWarmed != 6 {
		t.Fatalf("warmed %d restaurant entries and %d menu entries, want 3 details + 1 list and 3 menus + 3 items", rw.KeysWarmed, mw.KeysWarmed)
	}
	reads := w.counts.reads.Load()
	for _, r := range restaurants {
		must[*store.Restaurant](t)(w.Restaurants.Restaurant(w.ctx, r.ID))
	}
	must[store.Page[store.RestaurantListing]](t)(w.Restaurants.Restaurants(w.ctx, store.RestaurantFilter{}))
	if w.counts.reads.Load() != reads {
		t.Fatal("reads after warming reached PostgreSQL")
	}
}

func TestServices_PatternChecksRoundTripARestaurant(t *testing.T) {
	w := newWorld(t)
	r := w.restaurant()

	wt, err := w.c.CheckWriteThrough(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := w.c.CheckCacheAside(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, pc := range []PatternCheck{wt, ca} {
		if !pc.SelfCheck.Performed || !pc.SelfCheck.Consistent || pc.SelfCheck.Record != fmt.Sprintf("restaurant %d", r.ID) {
			t.Errorf("%s self-check = %+v", pc.Pattern, pc.SelfCheck)
		}
	}
}
