// Package demo loads the demo data `make run` starts with: restaurants of
// Bengaluru with real-looking menus, hundreds of customers, couriers, and
// orders in every state of their life, some delivered and reviewed. It works
// through the store's services only, so any implementation of them takes it.
//
// The data is deterministic (a seed decides every record) and the load is
// idempotent: when demo data is there, Seed changes nothing; when a previous
// load was interrupted, Seed completes it.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dabba/dabba/store"
)

// Options says how much demo data to make.
type Options struct {
	// Seed decides every record; the same seed makes the same data. 0 means 1.
	Seed uint64
	// Restaurants to open, at most 48; 0 means 48.
	Restaurants int
	// Customers to sign up; 0 means 320.
	Customers int
	// Couriers to hire; 0 means 64.
	Couriers int
	// Orders to place; 0 means 160.
	Orders int
	// Now is the moment the demo starts: past orders lie in the three weeks
	// before it, live ones in the hour before it. Zero means time.Now().
	Now time.Time
	// Logger is told what the load does; nil discards.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Restaurants == 0 {
		o.Restaurants = 48
	}
	if o.Customers == 0 {
		o.Customers = 320
	}
	if o.Couriers == 0 {
		o.Couriers = 64
	}
	if o.Orders == 0 {
		o.Orders = 160
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Summary is what the database holds once the demo data is there.
type Summary struct {
	// Loaded is true when this call loaded (or completed) the demo data,
	// false when it was there already.
	Loaded bool
	// Restaurants, MenuItems, Customers, Couriers, Orders and Reviews count
	// the records the store lists (reviews: the published ones).
	Restaurants, MenuItems, Customers, Couriers, Orders, Reviews int
	// Showcase names records worth opening first.
	Showcase Showcase
}

// Showcase is a delivery on its way: the order, its customer, its
// restaurant and its courier, the subjects of the demo tokens. Zero IDs when
// no order is on its way.
type Showcase struct {
	OrderID, CustomerID, RestaurantID, CourierID int64
}

// Seed loads the demo data unless it is there already, which it tells by a
// restaurant with reviews among the first listed (reviews are loaded last).
func Seed(ctx context.Context, svc store.Services, opt Options) (Summary, error) {
	opt = opt.withDefaults()
	first, err := svc.Restaurants.Restaurants(ctx, store.RestaurantFilter{Page: store.PageRequest{Limit: store.MaxPageLimit}})
	if err != nil {
		return Summary{}, fmt.Errorf("look for demo data: %w", err)
	}
	for _, r := range first.Items {
		if r.Rating.Count > 0 {
			return summarize(ctx, svc)
		}
	}
	p, err := newPlan(opt)
	if err != nil {
		return Summary{}, fmt.Errorf("plan demo data: %w", err)
	}
	begin := time.Now()
	opt.Logger.Info("loading demo data", "restaurants", len(p.restaurants), "customers", len(p.customers),
		"couriers", len(p.couriers), "orders", len(p.orders))
	if err := load(ctx, svc, p, opt); err != nil {
		return Summary{}, fmt.Errorf("load demo data: %w", err)
	}
	sum, err := summarize(ctx, svc)
	sum.Loaded = true
	opt.Logger.Info("demo data loaded", "took", time.Since(begin).Round(time.Millisecond))
	return sum, err
}

// summarize counts what the store holds and finds the showcase delivery.
func summarize(ctx context.Context, svc store.Services) (Summary, error) {
	var sum Summary
	restaurants, err := all(func(p store.PageRequest) (store.Page[store.RestaurantListing], error) {
		return svc.Restaurants.Restaurants(ctx, store.RestaurantFilter{Page: p})
	})
	if err != nil {
		return sum, fmt.Errorf("count restaurants: %w", err)
	}
	sum.Restaurants = len(restaurants)
	for _, r := range restaurants {
		sum.Reviews += r.Rating.Count
		items, err := all(func(p store.PageRequest) (store.Page[store.MenuItem], error) {
			return svc.Menus.MenuItems(ctx, r.ID, store.MenuFilter{Page: p})
		})
		if err != nil {
			return sum, fmt.Errorf("count the menu of restaurant %d: %w", r.ID, err)
		}
		sum.MenuItems += len(items)
	}
	customers, err := all(func(p store.PageRequest) (store.Page[store.Customer], error) {
		return svc.Customers.Customers(ctx, p)
	})
	if err != nil {
		return sum, fmt.Errorf("count customers: %w", err)
	}
	sum.Customers = len(customers)
	couriers, err := all(func(p store.PageRequest) (store.Page[store.Courier], error) {
		return svc.Couriers.Couriers(ctx, store.CourierFilter{Page: p})
	})
	if err != nil {
		return sum, fmt.Errorf("count couriers: %w", err)
	}
	sum.Couriers = len(couriers)
	orders, err := all(func(p store.PageRequest) (store.Page[store.Order], error) {
		return svc.Orders.Orders(ctx, store.OrderFilter{Page: p})
	})
	if err != nil {
		return sum, fmt.Errorf("count orders: %w", err)
	}
	sum.Orders = len(orders)
	for _, o := range orders {
		if o.Status == store.StatusPickedUp && o.CourierID != nil {
			sum.Showcase = Showcase{OrderID: o.ID, CustomerID: o.CustomerID, RestaurantID: o.RestaurantID, CourierID: *o.CourierID}
			break
		}
	}
	return sum, nil
}

// all collects every page of a list.
func all[T any](list func(store.PageRequest) (store.Page[T], error)) ([]T, error) {
	var items []T
	req := store.PageRequest{Limit: store.MaxPageLimit}
	for {
		page, err := list(req)
		if err != nil {
			return nil, err
		}
		items = append(items, page.Items...)
		if page.Next == "" {
			return items, nil
		}
		req.Cursor = page.Next
	}
}
