package e2e

import (
	"context"
	"testing"

	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// Bengaluru: the restaurant is on MG Road, the customer in Indiranagar.
var (
	mgRoad      = client.Point{Lat: 12.9756, Lng: 77.6050}
	indiranagar = client.Point{Lat: 12.9784, Lng: 77.6408}
	home        = client.Address{Label: "home", Line: "42 4th Cross, Indiranagar", Location: indiranagar}
)

// world is a dabba node with a restaurant and its menu, a customer and a
// courier.
type world struct {
	srv            *apitest.Server
	restaurant     client.Restaurant
	biryani, raita client.MenuItem
	customer       client.Customer
	courier        client.Courier
}

func newWorld(t *testing.T) world {
	t.Helper()
	srv := apitest.New(t)
	w := world{srv: srv, restaurant: srv.Restaurant("Meghana Foods", mgRoad)}
	w.biryani = srv.MenuItem(w.restaurant.Id, "Chicken Biryani", 32050, true)
	w.raita = srv.MenuItem(w.restaurant.Id, "Raita", 4925, true)
	w.customer = srv.Customer("Asha Rao", "asha@example.com", home)
	w.courier = srv.Courier("Kiran")
	return w
}

// order is qty biryanis and a raita to the customer's home.
func (w world) order(qty int) client.OrderRequest {
	return client.OrderRequest{
		RestaurantId:    w.restaurant.Id,
		Items:           []client.OrderLine{{MenuItemId: w.biryani.Id, Quantity: qty}, {MenuItemId: w.raita.Id, Quantity: 1}},
		DeliveryAddress: home,
	}
}

// token is a bearer token for the role and subject.
func (w world) token(role store.Role, id int64) string { return w.srv.Token(role, id) }

var ctx = context.Background()
