package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/postgres"
)

// harness is a dabba API over a fresh PostgreSQL database, served on a
// real socket, spoken to through the generated OpenAPI client — as an
// integrator would. apitest builds the node (the browser tests of web/e2e
// use the same); the harness holds the fixtures of these tests.
type harness struct {
	t      *testing.T
	node   *apitest.Server
	srv    *httptest.Server
	tokens *api.Tokens
	db     *postgres.DB
	broker *realtime.Broker
	// cache is the enterprise cache the API reads through and administers.
	cache *cache.Cache
	// jobs configures the API's background queues and their workers.
	jobs jobs.Config
}

// newHarness starts a node; opts adjust the configuration of its cache.
func newHarness(t *testing.T, opts ...apitest.Option) *harness {
	t.Helper()
	n := apitest.New(t, opts...)
	return &harness{t: t, node: n, srv: n.HTTP, tokens: n.Tokens, db: n.DB, broker: n.Broker, cache: n.Cache, jobs: n.Jobs}
}

// as returns a client authenticated as the given role and subject.
func (h *harness) as(role store.Role, id int64) *client.ClientWithResponses {
	h.t.Helper()
	tok, err := h.tokens.Mint(store.Principal{Role: role, ID: id}, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.withToken(tok)
}

func (h *harness) admin() *client.ClientWithResponses { return h.as(store.RoleAdmin, 0) }

// withToken returns a client sending the given Authorization bearer token
// ("" sends none).
func (h *harness) withToken(tok string) *client.ClientWithResponses {
	h.t.Helper()
	return apitest.Client(h.t, h.srv.URL, tok)
}

var ctx = context.Background()

// status fails the test unless the response has the wanted status.
func status(t *testing.T, want int, got interface{ StatusCode() int }, body []byte) {
	t.Helper()
	if got.StatusCode() != want {
		t.Fatalf("status %d, want %d; body: %s", got.StatusCode(), want, body)
	}
}

func inr(amount int64) client.Money { return apitest.INR(amount) }

// Bengaluru points used by the fixtures.
var (
	mgRoad      = client.Point{Lat: 12.9756, Lng: 77.6050}
	indiranagar = client.Point{Lat: 12.9784, Lng: 77.6408}
	mysore      = client.Point{Lat: 12.2958, Lng: 76.6394}
)

// world is a small platform: one restaurant with a menu, two customers, a courier.
type world struct {
	restaurant      client.Restaurant
	otherRestaurant client.Restaurant
	biryani, raita  client.MenuItem
	soldOut         client.MenuItem
	foreign         client.MenuItem // on otherRestaurant's menu
	asha, ravi      client.Customer
	courier         client.Courier
}

func (h *harness) world() world {
	h.t.Helper()
	var w world
	w.restaurant = h.restaurant("Meghana Foods", mgRoad)
	w.otherRestaurant = h.restaurant("Truffles", indiranagar)
	w.biryani = h.menuItem(w.restaurant.Id, "Chicken Biryani", 32050, true)
	w.raita = h.menuItem(w.restaurant.Id, "Raita", 4925, true)
	w.soldOut = h.menuItem(w.restaurant.Id, "Mutton Biryani", 41000, false)
	w.foreign = h.menuItem(w.otherRestaurant.Id, "Burger", 25000, true)
	w.asha = h.customer("Asha Rao", "asha@example.com")
	w.ravi = h.customer("Ravi Iyer", "ravi@example.com")
	w.courier = h.node.Courier("Kiran")
	return w
}

func (h *harness) restaurant(name string, at client.Point) client.Restaurant {
	h.t.Helper()
	return h.node.Restaurant(name, at)
}

func (h *harness) menuItem(restaurantID int64, name string, price int64, available bool) client.MenuItem {
	h.t.Helper()
	return h.node.MenuItem(restaurantID, name, price, available)
}

func (h *harness) customer(name, email string) client.Customer {
	h.t.Helper()
	return h.node.Customer(name, email, client.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: indiranagar})
}

// order places an order for the customer and fails the test unless it is created.
func (h *harness) order(customerID int64, req client.OrderRequest, key string) client.OrderView {
	h.t.Helper()
	return h.node.PlaceOrder(customerID, req, key)
}

func (w world) biryaniOrder(qty int) client.OrderRequest {
	return client.OrderRequest{
		RestaurantId:    w.restaurant.Id,
		Items:           []client.OrderLine{{MenuItemId: w.biryani.Id, Quantity: qty}, {MenuItemId: w.raita.Id, Quantity: 1}},
		DeliveryAddress: client.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: indiranagar},
	}
}

func ptr[T any](v T) *T { return &v }

// must returns v, or stops the test binary when a call that cannot fail in
// a healthy test environment (building a request, reaching the test
// server) fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func problemCode(p *client.Problem) string {
	if p == nil {
		return "<no problem body>"
	}
	return fmt.Sprintf("%s (%s)", p.Code, p.Detail)
}
