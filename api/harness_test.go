package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// harness is a dabba API over a fresh PostgreSQL database, served on a
// real socket, spoken to through the generated OpenAPI client — as an
// integrator would.
type harness struct {
	t      *testing.T
	srv    *httptest.Server
	tokens *api.Tokens
	db     *postgres.DB
	broker *realtime.Broker
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db := pgtest.New(t)
	tokens, err := api.NewTokens([]byte("test-secret-test-secret-test-secret!"))
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := redistest.New(t)
	broker := realtime.NewBroker(rdb, realtime.BrokerConfig{KeyPrefix: prefix})
	hub, err := realtime.New(realtime.Config{Broker: broker, Authenticator: api.NewSocketAuthenticator(tokens, db.Services().Orders)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := api.New(api.DefaultConfig(), api.Deps{
		Services: db.Services(),
		Tokens:   tokens,
		Metrics:  prometheus.NewRegistry(),
		Checks:   []api.Check{{Name: "postgres", Probe: db.Ping}},
		Socket:   hub,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = hub.Shutdown(context.Background())
		srv.Close()
	})
	return &harness{t: t, srv: srv, tokens: tokens, db: db, broker: broker}
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
	c, err := client.NewClientWithResponses(h.srv.URL, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		return nil
	}))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

var ctx = context.Background()

// status fails the test unless the response has the wanted status.
func status(t *testing.T, want int, got interface{ StatusCode() int }, body []byte) {
	t.Helper()
	if got.StatusCode() != want {
		t.Fatalf("status %d, want %d; body: %s", got.StatusCode(), want, body)
	}
}

func inr(amount int64) client.Money { return client.Money{Amount: amount, Currency: "INR"} }

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
	res, err := h.admin().CreateCourierWithResponse(ctx, client.CourierInput{Name: "Kiran", Phone: "+919900112233", Vehicle: "scooter"})
	if err != nil {
		h.t.Fatal(err)
	}
	status(h.t, 201, res, res.Body)
	w.courier = *res.JSON201
	return w
}

func (h *harness) restaurant(name string, at client.Point) client.Restaurant {
	h.t.Helper()
	hours := []client.OpeningHours{}
	for d := range 7 {
		hours = append(hours, client.OpeningHours{Weekday: d, Opens: "00:00", Closes: "24:00"})
	}
	res, err := h.admin().CreateRestaurantWithResponse(ctx, client.RestaurantInput{
		Name: name, Cuisine: "biryani", Address: name + ", Bengaluru", Location: at,
		Timezone: ptr("Asia/Kolkata"), OpeningHours: &hours, DeliveryRadiusM: 8000,
		MinimumOrder: inr(20000), DeliveryFee: inr(3000),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	status(h.t, 201, res, res.Body)
	return *res.JSON201
}

func (h *harness) menuItem(restaurantID int64, name string, price int64, available bool) client.MenuItem {
	h.t.Helper()
	res, err := h.as(store.RoleRestaurant, restaurantID).CreateMenuItemWithResponse(ctx, restaurantID, client.MenuItemInput{
		Name: name, Category: "Mains", Price: inr(price), Available: &available,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	status(h.t, 201, res, res.Body)
	return *res.JSON201
}

func (h *harness) customer(name, email string) client.Customer {
	h.t.Helper()
	res, err := h.admin().CreateCustomerWithResponse(ctx, client.CustomerInput{
		Name: name, Email: email, Phone: "+919812345678",
		Addresses: &[]client.Address{{Label: "home", Line: "42 4th Cross, Indiranagar", Location: indiranagar}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	status(h.t, 201, res, res.Body)
	return *res.JSON201
}

// order places an order for the customer and fails the test unless it is created.
func (h *harness) order(customerID int64, req client.OrderRequest, key string) client.OrderView {
	h.t.Helper()
	res, err := h.as(store.RoleCustomer, customerID).PlaceOrderWithResponse(ctx, &client.PlaceOrderParams{IdempotencyKey: optional(key)}, req)
	if err != nil {
		h.t.Fatal(err)
	}
	status(h.t, 201, res, res.Body)
	return *res.JSON201
}

func (w world) biryaniOrder(qty int) client.OrderRequest {
	return client.OrderRequest{
		RestaurantId:    w.restaurant.Id,
		Items:           []client.OrderLine{{MenuItemId: w.biryani.Id, Quantity: qty}, {MenuItemId: w.raita.Id, Quantity: 1}},
		DeliveryAddress: client.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: indiranagar},
	}
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

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
