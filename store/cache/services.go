package cache

import (
	"context"
	"time"

	"github.com/dabba/dabba/store"
)

// The caching decorators: store's services over the system of record, with
// every cacheable read going through the cache and every write going to
// the source first, then writing through (the record itself) and
// cascading (everything derived from it), so no read after an acknowledged
// write returns older data.

// Services returns Config.Source with the cache in front of it:
//
//   - restaurants: details and lists/search cache-aside (restaurants
//     namespace; lists asked "open at" in the 60 s restaurant_availability
//     class); updates write through, every change cascades.
//   - menus: items and menu pages cache-aside (static namespace);
//     updates write through and cascade to the restaurant.
//   - customers: the profile session-based (sessions namespace, the
//     customer's group); lists in customers; updates write through.
//   - orders: orders conditionally (orders class once terminal, the short
//     order_status class before) and order lists; status changes and
//     courier assignments write through and cascade.
//   - reviews: reviews and review lists; changes cascade to the rating.
//   - couriers, timelines, deliveries and tracking points, and any service
//     added to store.Services later, pass through.
//
// Services of Source that are nil stay nil.
func (c *Cache) Services() store.Services {
	src := c.cfg.Source
	s := src
	if src.Restaurants != nil {
		s.Restaurants = restaurants{c, src.Restaurants}
	}
	if src.Menus != nil {
		s.Menus = menus{c, src.Menus}
	}
	if src.Customers != nil {
		s.Customers = customers{c, src.Customers}
	}
	if src.Orders != nil {
		s.Orders = orders{c, src.Orders}
	}
	if src.Reviews != nil {
		s.Reviews = reviews{c, src.Reviews}
	}
	return s
}

// after runs the cascade of a change the source acknowledged. A failure to
// reach Redis is handled inside (the namespaces renew on recovery); an
// error here is a programming error in the event, worth a log line but not
// the caller's failure.
func (c *Cache) after(ctx context.Context, ev Event) {
	if _, err := c.OnEvent(ctx, ev); err != nil {
		c.log.Error("cache cascade failed", "event", ev.Type, "error", err)
	}
}

type restaurants struct {
	c   *Cache
	src store.RestaurantService
}

func (s restaurants) Restaurant(ctx context.Context, id int64) (*store.Restaurant, error) {
	return Get(ctx, s.c, RestaurantKey(id), func(ctx context.Context) (*store.Restaurant, error) {
		return s.src.Restaurant(ctx, id)
	})
}

func (s restaurants) Restaurants(ctx context.Context, f store.RestaurantFilter) (store.Page[store.RestaurantListing], error) {
	return Get(ctx, s.c, RestaurantListKey(f), func(ctx context.Context) (store.Page[store.RestaurantListing], error) {
		return s.src.Restaurants(ctx, f)
	})
}

func (s restaurants) CreateRestaurant(ctx context.Context, in store.RestaurantInput) (*store.Restaurant, error) {
	r, err := s.src.CreateRestaurant(ctx, in)
	if err == nil {
		s.c.after(ctx, Event{Type: EventRestaurantCreated, RestaurantID: r.ID})
	}
	return r, err
}

func (s restaurants) UpdateRestaurant(ctx context.Context, id int64, p store.RestaurantPatch) (*store.Restaurant, error) {
	return WriteThrough(ctx, s.c, RestaurantKey(id), func(ctx context.Context) (*store.Restaurant, error) {
		return s.src.UpdateRestaurant(ctx, id, p)
	}, Then(func(r *store.Restaurant) Event { return Event{Type: EventRestaurantUpdated, RestaurantID: r.ID} }))
}

func (s restaurants) DeleteRestaurant(ctx context.Context, id int64) error {
	err := s.src.DeleteRestaurant(ctx, id)
	if err == nil {
		s.c.after(ctx, Event{Type: EventRestaurantDeleted, RestaurantID: id})
	}
	return err
}

type menus struct {
	c   *Cache
	src store.MenuService
}

func (s menus) MenuItem(ctx context.Context, id int64) (*store.MenuItem, error) {
	return Get(ctx, s.c, MenuItemKey(id), func(ctx context.Context) (*store.MenuItem, error) {
		return s.src.MenuItem(ctx, id)
	})
}

func (s menus) MenuItems(ctx context.Context, restaurantID int64, f store.MenuFilter) (store.Page[store.MenuItem], error) {
	return Get(ctx, s.c, MenuKey(restaurantID, f), func(ctx context.Context) (store.Page[store.MenuItem], error) {
		return s.src.MenuItems(ctx, restaurantID, f)
	})
}

func (s menus) CreateMenuItem(ctx context.Context, restaurantID int64, in store.MenuItemInput) (*store.MenuItem, error) {
	m, err := s.src.CreateMenuItem(ctx, restaurantID, in)
	if err == nil {
		s.c.after(ctx, Event{Type: EventMenuItemCreated, MenuItemID: m.ID, RestaurantID: m.RestaurantID})
	}
	return m, err
}

func (s menus) UpdateMenuItem(ctx context.Context, id int64, p store.MenuItemPatch) (*store.MenuItem, error) {
	return WriteThrough(ctx, s.c, MenuItemKey(id), func(ctx context.Context) (*store.MenuItem, error) {
		return s.src.UpdateMenuItem(ctx, id, p)
	}, Then(func(m *store.MenuItem) Event {
		return Event{Type: EventMenuItemUpdated, MenuItemID: m.ID, RestaurantID: m.RestaurantID}
	}))
}

func (s menus) DeleteMenuItem(ctx context.Context, id int64) error {
	m, err := s.MenuItem(ctx, id)
	if err != nil {
		return err
	}
	if err := s.src.DeleteMenuItem(ctx, id); err != nil {
		return err
	}
	s.c.after(ctx, Event{Type: EventMenuItemDeleted, MenuItemID: id, RestaurantID: m.RestaurantID})
	return nil
}

type customers struct {
	c   *Cache
	src store.CustomerService
}

func (s customers) Customer(ctx context.Context, id int64) (*store.Customer, error) {
	return Get(ctx, s.c, CustomerProfileKey(id), func(ctx context.Context) (*store.Customer, error) {
		return s.src.Customer(ctx, id)
	})
}

func (s customers) Customers(ctx context.Context, page store.PageRequest) (store.Page[store.Customer], error) {
	return Get(ctx, s.c, CustomerListKey(page), func(ctx context.Context) (store.Page[store.Customer], error) {
		return s.src.Customers(ctx, page)
	})
}

func (s customers) CreateCustomer(ctx context.Context, in store.CustomerInput) (*store.Customer, error) {
	cu, err := s.src.CreateCustomer(ctx, in)
	if err == nil {
		s.c.after(ctx, Event{Type: EventCustomerCreated, CustomerID: cu.ID})
	}
	return cu, err
}

func (s customers) UpdateCustomer(ctx context.Context, id int64, p store.CustomerPatch) (*store.Customer, error) {
	return WriteThrough(ctx, s.c, CustomerProfileKey(id), func(ctx context.Context) (*store.Customer, error) {
		return s.src.UpdateCustomer(ctx, id, p)
	}, Then(func(cu *store.Customer) Event { return Event{Type: EventCustomerUpdated, CustomerID: cu.ID} }))
}

func (s customers) DeleteCustomer(ctx context.Context, id int64) error {
	err := s.src.DeleteCustomer(ctx, id)
	if err == nil {
		s.c.after(ctx, Event{Type: EventCustomerDeleted, CustomerID: id})
	}
	return err
}

type orders struct {
	c   *Cache
	src store.OrderService
}

// orderClass is the conditional caching of orders: a terminal order never
// changes again and is kept for the orders class; a live one for the short
// order_status class.
func orderClass(o *store.Order) (Class, bool) {
	if o.Status.Terminal() {
		return ClassOrders, true
	}
	return ClassOrderStatus, true
}

func orderEvent(typ EventType) func(*store.Order) Event {
	return func(o *store.Order) Event {
		return Event{Type: typ, OrderID: o.ID, CustomerID: o.CustomerID, RestaurantID: o.RestaurantID}
	}
}

func (s orders) PlaceOrder(ctx context.Context, n store.NewOrder) (*store.Order, bool, error) {
	o, replayed, err := s.src.PlaceOrder(ctx, n)
	if err == nil && !replayed {
		s.c.after(ctx, orderEvent(EventOrderPlaced)(o))
	}
	return o, replayed, err
}

func (s orders) Order(ctx context.Context, id int64) (*store.Order, error) {
	return Get(ctx, s.c, OrderKey(id), func(ctx context.Context) (*store.Order, error) {
		return s.src.Order(ctx, id)
	}, When(orderClass))
}

func (s orders) Orders(ctx context.Context, f store.OrderFilter) (store.Page[store.Order], error) {
	return Get(ctx, s.c, OrderListKey(f), func(ctx context.Context) (store.Page[store.Order], error) {
		return s.src.Orders(ctx, f)
	})
}

func (s orders) ChangeStatus(ctx context.Context, ch store.StatusChange) (*store.Order, *store.OrderEvent, error) {
	var ev *store.OrderEvent
	o, err := WriteThrough(ctx, s.c, OrderKey(ch.OrderID), func(ctx context.Context) (*store.Order, error) {
		var (
			o   *store.Order
			err error
		)
		o, ev, err = s.src.ChangeStatus(ctx, ch)
		return o, err
	}, When(orderClass), Then(orderEvent(EventOrderStatusChanged)))
	return o, ev, err
}

func (s orders) AssignCourier(ctx context.Context, orderID, courierID int64, by store.Principal) (*store.Order, *store.OrderEvent, error) {
	var ev *store.OrderEvent
	o, err := WriteThrough(ctx, s.c, OrderKey(orderID), func(ctx context.Context) (*store.Order, error) {
		var (
			o   *store.Order
			err error
		)
		o, ev, err = s.src.AssignCourier(ctx, orderID, courierID, by)
		return o, err
	}, When(orderClass), Then(orderEvent(EventCourierAssigned)))
	return o, ev, err
}

func (s orders) SetETA(ctx context.Context, orderID int64, eta time.Time) error {
	if err := s.src.SetETA(ctx, orderID, eta); err != nil {
		return err
	}
	ev := Event{Type: EventOrderETAChanged, OrderID: orderID}
	// An order's customer and restaurant never change, so a cached copy
	// names them as well as the source.
	if o, err := s.Order(ctx, orderID); err == nil {
		ev.CustomerID, ev.RestaurantID = o.CustomerID, o.RestaurantID
	}
	s.c.after(ctx, ev)
	return nil
}

func (s orders) Timeline(ctx context.Context, orderID, afterSeq int64) ([]store.OrderEvent, error) {
	return s.src.Timeline(ctx, orderID, afterSeq)
}

func (s orders) Delivery(ctx context.Context, orderID int64) (*store.Delivery, error) {
	return s.src.Delivery(ctx, orderID)
}

func (s orders) AddTrackingPoints(ctx context.Context, points []store.TrackingPoint) error {
	return s.src.AddTrackingPoints(ctx, points)
}

func (s orders) TrackingPoints(ctx context.Context, orderID int64) ([]store.TrackingPoint, error) {
	return s.src.TrackingPoints(ctx, orderID)
}

type reviews struct {
	c   *Cache
	src store.ReviewService
}

func (s reviews) Review(ctx context.Context, id int64) (*store.Review, error) {
	return Get(ctx, s.c, ReviewKey(id), func(ctx context.Context) (*store.Review, error) {
		return s.src.Review(ctx, id)
	})
}

func (s reviews) Reviews(ctx context.Context, restaurantID int64, f store.ReviewFilter) (store.Page[store.Review], error) {
	return Get(ctx, s.c, ReviewListKey(restaurantID, f), func(ctx context.Context) (store.Page[store.Review], error) {
		return s.src.Reviews(ctx, restaurantID, f)
	})
}

func reviewEvent(typ EventType) func(*store.Review) Event {
	return func(r *store.Review) Event { return Event{Type: typ, ReviewID: r.ID, RestaurantID: r.RestaurantID} }
}

func (s reviews) CreateReview(ctx context.Context, customerID int64, in store.ReviewInput) (*store.Review, error) {
	r, err := s.src.CreateReview(ctx, customerID, in)
	if err == nil {
		s.c.after(ctx, reviewEvent(EventReviewCreated)(r))
	}
	return r, err
}

func (s reviews) UpdateReview(ctx context.Context, id int64, p store.ReviewPatch) (*store.Review, error) {
	return WriteThrough(ctx, s.c, ReviewKey(id), func(ctx context.Context) (*store.Review, error) {
		return s.src.UpdateReview(ctx, id, p)
	}, Then(reviewEvent(EventReviewUpdated)))
}

func (s reviews) DeleteReview(ctx context.Context, id int64) error {
	r, err := s.Review(ctx, id)
	if err != nil {
		return err
	}
	if err := s.src.DeleteReview(ctx, id); err != nil {
		return err
	}
	s.c.after(ctx, reviewEvent(EventReviewDeleted)(r))
	return nil
}
