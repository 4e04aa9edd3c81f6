package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// fixture is a fresh database with helpers that make the records a test
// needs. Every helper fails the test when the store refuses.
type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *postgres.DB
	store.Services
	seq atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.New(t)
	return &fixture{t: t, ctx: t.Context(), db: db, Services: db.Services()}
}

// Places used across the tests: a kitchen in central Bengaluru, a home
// about 700 m from it and an office about 12 km away.
var (
	kitchen = store.Point{Lat: 12.9716, Lng: 77.5946}
	home    = store.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: store.Point{Lat: 12.9750, Lng: 77.6000}}
	faraway = store.Address{Label: "work", Line: "Electronic City Phase 1", Location: store.Point{Lat: 12.8456, Lng: 77.6603}}
)

func inr(amount int64) store.Money { return store.Money{Amount: amount, Currency: "INR"} }

func (f *fixture) restaurant(edit ...func(*store.RestaurantInput)) *store.Restaurant {
	f.t.Helper()
	in := store.RestaurantInput{
		Name: fmt.Sprintf("Kitchen %d", f.seq.Add(1)), Cuisine: "biryani", Address: "124 Residency Rd",
		Location: kitchen, Timezone: "Asia/Kolkata",
		OpeningHours:    []store.OpeningHours{{Weekday: 1, Opens: "11:00", Closes: "23:00"}},
		DeliveryRadiusM: 5000, MinimumOrder: inr(10000), DeliveryFee: inr(4000),
	}
	for _, e := range edit {
		e(&in)
	}
	r, err := f.Restaurants.CreateRestaurant(f.ctx, in)
	if err != nil {
		f.t.Fatalf("create restaurant: %v", err)
	}
	return r
}

func (f *fixture) menuItem(restaurantID, price int64, edit ...func(*store.MenuItemInput)) *store.MenuItem {
	f.t.Helper()
	in := store.MenuItemInput{Name: fmt.Sprintf("Dish %d", f.seq.Add(1)), Category: "Mains", Price: inr(price)}
	for _, e := range edit {
		e(&in)
	}
	m, err := f.Menus.CreateMenuItem(f.ctx, restaurantID, in)
	if err != nil {
		f.t.Fatalf("create menu item: %v", err)
	}
	return m
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

func (f *fixture) courier() *store.Courier {
	f.t.Helper()
	c, err := f.Couriers.CreateCourier(f.ctx, store.CourierInput{
		Name: fmt.Sprintf("Courier %d", f.seq.Add(1)), Phone: "+919900112233", Vehicle: store.VehicleScooter,
	})
	if err != nil {
		f.t.Fatalf("create courier: %v", err)
	}
	return c
}

// request asks restaurant r for the given lines, delivered home.
func request(r *store.Restaurant, lines ...store.OrderLine) store.OrderRequest {
	return store.OrderRequest{RestaurantID: r.ID, Items: lines, DeliveryAddress: home}
}

// order places an order of one dish of a fresh restaurant for a fresh customer.
func (f *fixture) order() *store.Order {
	f.t.Helper()
	return f.orderFrom(f.restaurant(), f.customer().ID)
}

// orderFrom places an order of a new dish of r for the customer.
func (f *fixture) orderFrom(r *store.Restaurant, customerID int64) *store.Order {
	f.t.Helper()
	m := f.menuItem(r.ID, 25000)
	return f.place(customerID, request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1}))
}

func (f *fixture) place(customerID int64, req store.OrderRequest) *store.Order {
	f.t.Helper()
	o, _, err := f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customerID, Request: req})
	if err != nil {
		f.t.Fatalf("place order: %v", err)
	}
	return o
}

var admin = store.Principal{Role: store.RoleAdmin}

// advance moves an order through the given statuses as an admin.
func (f *fixture) advance(orderID int64, statuses ...store.OrderStatus) *store.Order {
	f.t.Helper()
	var o *store.Order
	for _, s := range statuses {
		var err error
		o, _, err = f.Orders.ChangeStatus(f.ctx, store.StatusChange{OrderID: orderID, To: s, By: admin, At: time.Now()})
		if err != nil {
			f.t.Fatalf("move order %d to %s: %v", orderID, s, err)
		}
	}
	return o
}

// delivered is an order that went all the way.
func (f *fixture) delivered() *store.Order {
	f.t.Helper()
	return f.deliver(f.order().ID)
}

// deliver moves a placed order all the way to delivered.
func (f *fixture) deliver(orderID int64) *store.Order {
	f.t.Helper()
	return f.advance(orderID, store.StatusAccepted, store.StatusPreparing, store.StatusReady,
		store.StatusPickedUp, store.StatusDelivered)
}

// wantKind fails the test unless err is a store error of the given kind
// and, when code is not empty, code.
func wantKind(t *testing.T, err error, kind store.ErrorKind, code string) {
	t.Helper()
	if store.KindOf(err) != kind || (code != "" && store.CodeOf(err) != code) {
		t.Fatalf("error = %v (kind %q, code %q), want kind %q code %q", err, store.KindOf(err), store.CodeOf(err), kind, code)
	}
}
