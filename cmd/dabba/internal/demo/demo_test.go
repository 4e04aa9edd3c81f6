package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dabba/dabba/cmd/dabba/internal/demo"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// crashingOrders is the real order service of a process that dies after
// placing a number of orders.
type crashingOrders struct {
	store.OrderService
	left int
}

var errCrash = errors.New("the process died")

func (c *crashingOrders) PlaceOrder(ctx context.Context, n store.NewOrder) (*store.Order, bool, error) {
	if c.left == 0 {
		return nil, false, errCrash
	}
	c.left--
	return c.OrderService.PlaceOrder(ctx, n)
}

func TestSeed_LoadsACityOnceAndCompletesAnInterruptedLoad(t *testing.T) {
	ctx := t.Context()
	svc := pgtest.New(t).Services()
	now := time.Date(2026, 11, 20, 13, 30, 0, 0, time.UTC) // a Friday, 19:00 in Bengaluru
	opt := demo.Options{Now: now}

	crashing := svc
	crashing.Orders = &crashingOrders{OrderService: svc.Orders, left: 70}
	if _, err := demo.Seed(ctx, crashing, opt); !errors.Is(err, errCrash) {
		t.Fatalf("interrupted seed: err = %v, want the crash", err)
	}

	sum, err := demo.Seed(ctx, svc, opt)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	want := demo.Summary{Loaded: true, Restaurants: 48, Customers: 320, Couriers: 64, Orders: 160,
		MenuItems: sum.MenuItems, Reviews: sum.Reviews, Showcase: sum.Showcase}
	if sum != want {
		t.Errorf("summary after completing an interrupted load = %+v, want %+v", sum, want)
	}
	t.Logf("summary: %+v", sum)
	if sum.Reviews == 0 || sum.Showcase.OrderID == 0 || sum.Showcase.CourierID == 0 {
		t.Errorf("summary = %+v, want reviews and a delivery on its way", sum)
	}

	again, err := demo.Seed(ctx, svc, opt)
	want.Loaded = false
	if err != nil || again != want {
		t.Errorf("seeding a loaded database = %+v, %v; want %+v and nothing created", again, err, want)
	}

	checkRestaurants(t, svc)
	checkPeople(t, svc)
	checkOrders(t, svc, now)
}

func checkRestaurants(t *testing.T, svc store.Services) {
	t.Helper()
	ctx := t.Context()
	page, err := svc.Restaurants.Restaurants(ctx, store.RestaurantFilter{Page: store.PageRequest{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	cuisines := map[string]bool{}
	var overnight, closedADay, unavailable int
	for _, r := range page.Items {
		cuisines[r.Cuisine] = true
		if r.Timezone != "Asia/Kolkata" || r.Location.Lat < 12.8 || r.Location.Lat > 13.15 || r.Location.Lng < 77.45 || r.Location.Lng > 77.8 {
			t.Errorf("%s is not in Bengaluru: %v in %s", r.Name, r.Location, r.Timezone)
		}
		if r.MinimumOrder.Currency != "INR" || r.DeliveryFee.Amount <= 0 {
			t.Errorf("%s charges %v minimum and %v delivery, want rupees", r.Name, r.MinimumOrder, r.DeliveryFee)
		}
		days := map[int]bool{}
		for _, h := range r.OpeningHours {
			days[h.Weekday] = true
			if h.Closes < h.Opens {
				overnight++
			}
		}
		if len(days) < 7 {
			closedADay++
		}
		menu, err := svc.Menus.MenuItems(ctx, r.ID, store.MenuFilter{Page: store.PageRequest{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(menu.Items); n < 8 || n > 25 {
			t.Errorf("%s has %d dishes, want 8 to 25", r.Name, n)
		}
		for _, m := range menu.Items {
			if !m.Available {
				unavailable++
			}
			if m.Price.Currency != "INR" || m.Price.Amount%100 != 0 || m.Category == "" || m.Description == "" {
				t.Errorf("%s sells %q at %v in %q: want whole rupees, a category and a description", r.Name, m.Name, m.Price, m.Category)
			}
		}
	}
	if len(cuisines) < 10 || overnight == 0 || closedADay == 0 || unavailable == 0 {
		t.Errorf("%d cuisines, %d overnight periods, %d restaurants closed a day a week, %d unavailable dishes: want variety in each",
			len(cuisines), overnight, closedADay, unavailable)
	}
}

func checkPeople(t *testing.T, svc store.Services) {
	t.Helper()
	emails, phones := map[string]bool{}, map[string]bool{}
	for cursor := ""; ; {
		page, err := svc.Customers.Customers(t.Context(), store.PageRequest{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			if emails[c.Email] || phones[c.Phone] || len(c.Addresses) == 0 {
				t.Errorf("customer %+v repeats an email or phone, or has no address", c)
			}
			emails[c.Email], phones[c.Phone] = true, true
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	couriers, err := svc.Couriers.Couriers(t.Context(), store.CourierFilter{Status: store.CourierBusy, Page: store.PageRequest{Limit: 100}})
	if err != nil || len(couriers.Items) == 0 {
		t.Errorf("busy couriers: %d, %v; want the ones carrying live orders", len(couriers.Items), err)
	}
}

func checkOrders(t *testing.T, svc store.Services, now time.Time) {
	t.Helper()
	statuses := map[store.OrderStatus]int{}
	for cursor := ""; ; {
		page, err := svc.Orders.Orders(t.Context(), store.OrderFilter{Page: store.PageRequest{Limit: 100, Cursor: cursor}})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Items {
			statuses[o.Status]++
			if o.PlacedAt.After(now) || o.PlacedAt.Before(now.AddDate(0, 0, -23)) {
				t.Errorf("order %d placed at %v, want within the three weeks before %v", o.ID, o.PlacedAt, now)
			}
			if (o.Status == store.StatusPickedUp || o.Status == store.StatusDelivered) && o.CourierID == nil {
				t.Errorf("order %d is %s without a courier", o.ID, o.Status)
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	for _, s := range store.OrderStatuses() {
		if statuses[s] == 0 {
			t.Errorf("no demo order is %s (%v)", s, statuses)
		}
	}
}
