package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dabba/dabba/store"
)

// loader creates the planned records that are missing. It recognises the
// ones a previous, interrupted load made by their natural keys: restaurants
// by name, menu items by name within their restaurant, customers by email,
// couriers by phone, orders by idempotency key, reviews by order.
type loader struct {
	svc  store.Services
	plan *plan
	now  time.Time
	// times draws the moments orders were placed and moved; it is apart
	// from the plan's source so the data stays the same whenever it loads.
	times *rand.Rand
	zone  *time.Location
	// IDs of the planned records, by plan index.
	restaurants []int64
	menus       [][]int64
	customers   []int64
	couriers    []int64
	orders      []*store.Order
}

func load(ctx context.Context, svc store.Services, p *plan, opt Options) error {
	zone, err := time.LoadLocation(cityZone)
	if err != nil {
		zone = time.FixedZone("IST", 5*3600+1800) // Kolkata keeps no daylight saving time
	}
	l := &loader{svc: svc, plan: p, now: opt.Now, times: rand.New(rand.NewPCG(opt.Seed, 0x74696d65)), zone: zone}
	phases := []struct {
		name string
		run  func(context.Context) error
	}{
		{"open restaurants", l.openRestaurants},
		{"sign up customers", l.signUpCustomers},
		{"hire couriers", l.hireCouriers},
		{"place orders", l.placeOrders},
		{"start courier shifts", l.startShifts},
		// Last: a restaurant with reviews tells Seed the load is complete.
		{"write reviews", l.writeReviews},
	}
	for _, ph := range phases {
		if err := ph.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", ph.name, err)
		}
		opt.Logger.Debug("demo data", "done", ph.name)
	}
	return nil
}

func (l *loader) openRestaurants(ctx context.Context) error {
	existing, err := all(func(p store.PageRequest) (store.Page[store.RestaurantListing], error) {
		return l.svc.Restaurants.Restaurants(ctx, store.RestaurantFilter{Page: p})
	})
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, r := range existing {
		byName[r.Name] = r.ID
	}
	for _, r := range l.plan.restaurants {
		id, found := byName[r.input.Name]
		if !found {
			created, err := l.svc.Restaurants.CreateRestaurant(ctx, r.input)
			if err != nil {
				return fmt.Errorf("%s: %w", r.input.Name, err)
			}
			id = created.ID
		}
		items, err := l.stockMenu(ctx, id, r.menu, found)
		if err != nil {
			return fmt.Errorf("menu of %s: %w", r.input.Name, err)
		}
		l.restaurants = append(l.restaurants, id)
		l.menus = append(l.menus, items)
	}
	return nil
}

// stockMenu creates the dishes missing from restaurant id's menu and returns
// the IDs of all of them. A restaurant just opened has none to look for.
func (l *loader) stockMenu(ctx context.Context, id int64, menu []store.MenuItemInput, existed bool) ([]int64, error) {
	byName := map[string]int64{}
	if existed {
		items, err := all(func(p store.PageRequest) (store.Page[store.MenuItem], error) {
			return l.svc.Menus.MenuItems(ctx, id, store.MenuFilter{Page: p})
		})
		if err != nil {
			return nil, err
		}
		for _, m := range items {
			byName[m.Name] = m.ID
		}
	}
	ids := make([]int64, len(menu))
	for i, m := range menu {
		if itemID, ok := byName[m.Name]; ok {
			ids[i] = itemID
			continue
		}
		created, err := l.svc.Menus.CreateMenuItem(ctx, id, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		ids[i] = created.ID
	}
	return ids, nil
}

func (l *loader) signUpCustomers(ctx context.Context) error {
	existing, err := all(func(p store.PageRequest) (store.Page[store.Customer], error) {
		return l.svc.Customers.Customers(ctx, p)
	})
	if err != nil {
		return err
	}
	byEmail := map[string]int64{}
	for _, c := range existing {
		byEmail[strings.ToLower(c.Email)] = c.ID
	}
	for _, in := range l.plan.customers {
		id, ok := byEmail[strings.ToLower(in.Email)]
		if !ok {
			c, err := l.svc.Customers.CreateCustomer(ctx, in)
			if err != nil {
				return fmt.Errorf("%s: %w", in.Email, err)
			}
			id = c.ID
		}
		l.customers = append(l.customers, id)
	}
	return nil
}

func (l *loader) hireCouriers(ctx context.Context) error {
	existing, err := all(func(p store.PageRequest) (store.Page[store.Courier], error) {
		return l.svc.Couriers.Couriers(ctx, store.CourierFilter{Page: p})
	})
	if err != nil {
		return err
	}
	byPhone := map[string]int64{}
	for _, c := range existing {
		byPhone[c.Phone] = c.ID
	}
	for _, in := range l.plan.couriers {
		id, ok := byPhone[in.Phone]
		if !ok {
			c, err := l.svc.Couriers.CreateCourier(ctx, in)
			if err != nil {
				return fmt.Errorf("%s: %w", in.Name, err)
			}
			id = c.ID
		}
		l.couriers = append(l.couriers, id)
	}
	return nil
}

// placeOrders places every planned order (a replay under its idempotency
// key returns the one placed before) and moves it on to where the plan
// says it is, from wherever it got to.
func (l *loader) placeOrders(ctx context.Context) error {
	for _, po := range l.plan.orders {
		placed, at := l.timeline(&po)
		lines := make([]store.OrderLine, len(po.lines))
		for i, pl := range po.lines {
			lines[i] = store.OrderLine{MenuItemID: l.menus[po.restaurant][pl.item], Quantity: pl.quantity}
		}
		o, _, err := l.svc.Orders.PlaceOrder(ctx, store.NewOrder{
			CustomerID:     l.customers[po.customer],
			IdempotencyKey: po.key,
			Request: store.OrderRequest{
				RestaurantID:    l.restaurants[po.restaurant],
				Items:           lines,
				DeliveryAddress: po.address,
				Notes:           po.notes,
			},
			SurgeBasisPoints: po.surge,
			At:               placed,
		})
		if err != nil {
			return fmt.Errorf("order %s: %w", po.key, err)
		}
		for i := po.progress(o.Status); i < len(po.steps); i++ {
			s := po.steps[i]
			if s.to == store.StatusReady && po.courier >= 0 && o.CourierID == nil {
				// Dispatch finds a courier while the kitchen finishes the food.
				id := o.ID
				if o, _, err = l.svc.Orders.AssignCourier(ctx, id, l.couriers[po.courier], store.System()); err != nil {
					return fmt.Errorf("assign a courier to order %d: %w", id, err)
				}
			}
			change := store.StatusChange{OrderID: o.ID, To: s.to, Reason: s.reason, By: l.actor(&po, s.by), At: at[i]}
			if o, _, err = l.svc.Orders.ChangeStatus(ctx, change); err != nil {
				return fmt.Errorf("move order %d to %s: %w", change.OrderID, s.to, err)
			}
		}
		l.orders = append(l.orders, o)
	}
	return nil
}

// progress returns how many of the order's steps an order in status has
// made; len(steps) for one that moved elsewhere, which is left as it is.
func (o *plannedOrder) progress(status store.OrderStatus) int {
	if status == store.StatusPlaced {
		return 0
	}
	for i, s := range o.steps {
		if s.to == status {
			return i + 1
		}
	}
	return len(o.steps)
}

// actor is who makes a move of the order in the given role.
func (l *loader) actor(o *plannedOrder, role store.Role) store.Principal {
	switch role {
	case store.RoleRestaurant:
		return store.Principal{Role: role, ID: l.restaurants[o.restaurant]}
	case store.RoleCourier:
		return store.Principal{Role: role, ID: l.couriers[o.courier]}
	case store.RoleCustomer:
		return store.Principal{Role: role, ID: l.customers[o.customer]}
	}
	return store.System()
}

// timeline returns when the order was placed and when each step happened:
// past orders on a day of the last three weeks while the restaurant was
// open, live ones within the hour before now.
func (l *loader) timeline(o *plannedOrder) (time.Time, []time.Time) {
	gaps := make([]time.Duration, len(o.steps))
	var total time.Duration
	for i, s := range o.steps {
		lo, hi := stepDuration(s.to)
		gaps[i] = lo + time.Duration(l.times.Int64N(int64(hi-lo)))
		total += gaps[i]
	}
	var placed time.Time
	if o.live() {
		placed = l.now.Add(-total - time.Duration(l.times.Int64N(int64(4*time.Minute))))
	} else {
		placed = l.openMoment(l.plan.restaurants[o.restaurant].input.OpeningHours)
	}
	placed = placed.UTC().Truncate(time.Second)
	at := make([]time.Time, len(o.steps))
	t := placed
	for i, g := range gaps {
		t = t.Add(g)
		at[i] = t.Truncate(time.Second)
	}
	return placed, at
}

// stepDuration bounds how long an order takes to reach status from the
// step before.
func stepDuration(status store.OrderStatus) (lo, hi time.Duration) {
	switch status {
	case store.StatusAccepted:
		return 1 * time.Minute, 5 * time.Minute
	case store.StatusPreparing:
		return 1 * time.Minute, 3 * time.Minute
	case store.StatusReady:
		return 10 * time.Minute, 20 * time.Minute
	case store.StatusPickedUp:
		return 3 * time.Minute, 8 * time.Minute
	case store.StatusDelivered:
		return 12 * time.Minute, 30 * time.Minute
	}
	return 2 * time.Minute, 10 * time.Minute // rejected, cancelled
}

// openMoment returns a moment of the last three weeks when a restaurant
// with these hours takes orders.
func (l *loader) openMoment(hours []store.OpeningHours) time.Time {
	var t time.Time
	for range 50 {
		y, m, d := l.now.In(l.zone).AddDate(0, 0, -1-l.times.IntN(21)).Date()
		t = time.Date(y, m, d, 0, 0, 0, 0, l.zone).Add(time.Duration(l.times.IntN(24*60)) * time.Minute)
		if store.OpenAt(hours, l.zone, t) {
			break
		}
	}
	return t
}

// startShifts puts couriers on their shifts: those carrying a live order
// are busy, two in three of the others available, the rest offline.
func (l *loader) startShifts(ctx context.Context) error {
	carrying := map[int]bool{}
	for _, po := range l.plan.orders {
		if po.courier >= 0 && po.live() {
			carrying[po.courier] = true
		}
	}
	for i, id := range l.couriers {
		status := store.CourierAvailable
		switch {
		case carrying[i]:
			status = store.CourierBusy
		case i%3 == 2:
			status = store.CourierOffline
		}
		if _, err := l.svc.Couriers.UpdateCourier(ctx, id, store.CourierPatch{Status: &status}); err != nil {
			return fmt.Errorf("courier %d: %w", id, err)
		}
	}
	return nil
}

func (l *loader) writeReviews(ctx context.Context) error {
	for i, po := range l.plan.orders {
		o := l.orders[i]
		if po.rating == 0 || o.Status != store.StatusDelivered {
			continue
		}
		_, err := l.svc.Reviews.CreateReview(ctx, o.CustomerID, store.ReviewInput{OrderID: o.ID, Rating: po.rating, Text: po.review})
		if err != nil && store.CodeOf(err) != "review_exists" {
			return fmt.Errorf("review of order %d: %w", o.ID, err)
		}
	}
	return nil
}
