package apitest

import (
	"context"
	"net/http"
	"testing"

	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
)

// The fixtures create records through the API as their owners would, and
// fail the test unless the API answers 201.

// Expect fails the test unless a call of the generated client succeeded
// with the wanted status. body reads the response's body for the failure
// message (the generated responses keep it in a field).
func Expect(t testing.TB, want int, res interface{ StatusCode() int }, err error, body func() []byte) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != want {
		t.Fatalf("status %d, want %d; body: %s", res.StatusCode(), want, body())
	}
}

// INR is an amount of paise.
func INR(paise int64) client.Money { return client.Money{Amount: paise, Currency: "INR"} }

// Restaurant creates a biryani restaurant at the point, open around the
// clock, delivering 8 km, with a ₹200 minimum and a ₹30 delivery fee.
func (s *Node) Restaurant(name string, at client.Point) client.Restaurant {
	s.t.Helper()
	hours := []client.OpeningHours{}
	for d := range 7 {
		hours = append(hours, client.OpeningHours{Weekday: d, Opens: "00:00", Closes: "24:00"})
	}
	tz := "Asia/Kolkata"
	res, err := s.Admin().CreateRestaurantWithResponse(context.Background(), client.RestaurantInput{
		Name: name, Cuisine: "biryani", Address: name + ", Bengaluru", Location: at,
		Timezone: &tz, OpeningHours: &hours, DeliveryRadiusM: 8000,
		MinimumOrder: INR(20000), DeliveryFee: INR(3000),
	})
	Expect(s.t, http.StatusCreated, res, err, func() []byte { return res.Body })
	return *res.JSON201
}

// MenuItem adds a main course to the restaurant's menu, as the restaurant.
func (s *Node) MenuItem(restaurantID int64, name string, paise int64, available bool) client.MenuItem {
	s.t.Helper()
	res, err := s.As(store.RoleRestaurant, restaurantID).CreateMenuItemWithResponse(context.Background(), restaurantID, client.MenuItemInput{
		Name: name, Category: "Mains", Price: INR(paise), Available: &available,
	})
	Expect(s.t, http.StatusCreated, res, err, func() []byte { return res.Body })
	return *res.JSON201
}

// Customer creates a customer whose home is at the address.
func (s *Node) Customer(name, email string, home client.Address) client.Customer {
	s.t.Helper()
	res, err := s.Admin().CreateCustomerWithResponse(context.Background(), client.CustomerInput{
		Name: name, Email: email, Phone: "+919812345678", Addresses: &[]client.Address{home},
	})
	Expect(s.t, http.StatusCreated, res, err, func() []byte { return res.Body })
	return *res.JSON201
}

// Courier creates a courier on a scooter; they start offline.
func (s *Node) Courier(name string) client.Courier {
	s.t.Helper()
	res, err := s.Admin().CreateCourierWithResponse(context.Background(), client.CourierInput{Name: name, Phone: "+919900112233", Vehicle: "scooter"})
	Expect(s.t, http.StatusCreated, res, err, func() []byte { return res.Body })
	return *res.JSON201
}

// PlaceOrder places an order as the customer, with the idempotency key
// when it is not empty.
func (s *Node) PlaceOrder(customerID int64, req client.OrderRequest, key string) client.OrderView {
	s.t.Helper()
	var params client.PlaceOrderParams
	if key != "" {
		params.IdempotencyKey = &key
	}
	res, err := s.As(store.RoleCustomer, customerID).PlaceOrderWithResponse(context.Background(), &params, req)
	Expect(s.t, http.StatusCreated, res, err, func() []byte { return res.Body })
	return *res.JSON201
}
