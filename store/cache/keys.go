package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dabba/dabba/store"
)

// The keys of dabba's data, in one place. Invalidation plans (event.go) and
// the decorators (services*.go) use these and nothing else, so a key read in
// one place is the key invalidated in another.

// The groups entries are renewed by.
const (
	// groupLists gathers every restaurant list and search result, and every
	// customer list: any change to a restaurant or customer may move it in
	// or out of any list.
	groupLists = "lists"
	// groupAllOrders gathers order lists filtered by neither customer nor
	// restaurant (courier queues, admin views).
	groupAllOrders = "all"
	// groupPlatform gathers platform-wide analytics.
	groupPlatform = "platform"
)

func restaurantGroup(id int64) string { return "restaurant-" + itoa(id) }
func customerGroup(id int64) string   { return "customer-" + itoa(id) }
func itoa(n int64) string             { return strconv.FormatInt(n, 10) }

// filterHash identifies a normalised list filter: the hex SHA-256 (first 16
// bytes) of its JSON. Filters are plain structs, so marshalling cannot fail.
func filterHash(normalised any) string {
	b, _ := json.Marshal(normalised)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// pageOf normalises a page request: the effective limit and the cursor.
func pageOf(p store.PageRequest) [2]string {
	limit := p.Limit
	if limit == 0 {
		limit = store.DefaultPageLimit
	}
	return [2]string{strconv.Itoa(limit), p.Cursor}
}

// RestaurantKey is the cache key of restaurant id's details.
func RestaurantKey(restaurantID int64) Key {
	return Key{Class: ClassRestaurants, Type: "restaurant", ID: itoa(restaurantID)}
}

// RestaurantListKey is the cache key of a restaurant list or search. The
// filter is normalised first: cuisine lower-cased and trimmed, the open-at
// instant truncated to the minute (opening hours are minute-granular, so the
// answer is the same within a minute), the page's limit made explicit. Lists
// asked "open at" live in the restaurant_availability class (60 s) because
// the clock changes their answer; others in restaurants (1 h).
func RestaurantListKey(f store.RestaurantFilter) Key {
	n := struct {
		Cuisine string     `json:"c,omitempty"`
		OpenAt  *time.Time `json:"o,omitempty"`
		Near    *store.Point
		RadiusM int       `json:"r,omitempty"`
		Page    [2]string `json:"p"`
	}{Cuisine: strings.ToLower(strings.TrimSpace(f.Cuisine)), Near: f.Near, RadiusM: f.RadiusM, Page: pageOf(f.Page)}
	class := ClassRestaurants
	if f.OpenAt != nil {
		t := f.OpenAt.UTC().Truncate(time.Minute)
		n.OpenAt = &t
		class = ClassRestaurantAvailability
	}
	return Key{Class: class, Group: groupLists, Type: "restaurant_list", ID: filterHash(n)}
}

// RestaurantAvailabilityKey is the cache key of whether restaurant id is
// taking orders (open, paused, closed), as the restaurant actor writes it.
func RestaurantAvailabilityKey(restaurantID int64) Key {
	return Key{Class: ClassRestaurantAvailability, Type: "availability", ID: itoa(restaurantID)}
}

// RestaurantCapacityKey is the cache key of restaurant id's kitchen capacity.
func RestaurantCapacityKey(restaurantID int64) Key {
	return Key{Class: ClassRestaurantCapacity, Type: "capacity", ID: itoa(restaurantID)}
}

// DeliverySlotsKey is the cache key of restaurant id's delivery slots on a
// day ("2025-06-01", in the restaurant's zone).
func DeliverySlotsKey(restaurantID int64, day string) Key {
	return Key{Class: ClassDeliverySlots, Group: restaurantGroup(restaurantID), Type: "slots", ID: day}
}

// DynamicPricingKey is the cache key of restaurant id's current surge.
func DynamicPricingKey(restaurantID int64) Key {
	return Key{Class: ClassDynamicPricing, Type: "surge", ID: itoa(restaurantID)}
}

// MenuItemKey is the cache key of one menu item.
func MenuItemKey(menuItemID int64) Key {
	return Key{Class: ClassMenuItems, Type: "menu_item", ID: itoa(menuItemID)}
}

// MenuKey is the cache key of one page of restaurant id's menu under filter
// f; every page of a restaurant's menu is in the restaurant's group.
func MenuKey(restaurantID int64, f store.MenuFilter) Key {
	n := struct {
		Category  string    `json:"c,omitempty"`
		Available bool      `json:"a,omitempty"`
		Page      [2]string `json:"p"`
	}{strings.ToLower(strings.TrimSpace(f.Category)), f.AvailableOnly, pageOf(f.Page)}
	return Key{Class: ClassMenuItems, Group: restaurantGroup(restaurantID), Type: "menu", ID: filterHash(n)}
}

// SessionKey is the key of a per-customer entry (session-based caching):
// every entry of one customer is in the customer's group, so
// InvalidateSession drops them all at once. class should be one of the
// sessions namespace's classes (sessions, customer_profiles).
func SessionKey(customerID int64, class Class, typ, entryID string) Key {
	return Key{Class: class, Group: customerGroup(customerID), Type: typ, ID: entryID}
}

// CustomerProfileKey is the session-based key of customer id's profile.
func CustomerProfileKey(customerID int64) Key {
	return SessionKey(customerID, ClassCustomerProfiles, "profile", itoa(customerID))
}

// CustomerListKey is the cache key of one page of the customer list.
func CustomerListKey(p store.PageRequest) Key {
	return Key{Class: ClassCustomers, Group: groupLists, Type: "customer_list", ID: filterHash(pageOf(p))}
}

// OrderKey is the cache key of an order record. Its lifetime is chosen per
// value (conditional caching): see orderClass.
func OrderKey(orderID int64) Key {
	return Key{Class: ClassOrders, Type: "order", ID: itoa(orderID)}
}

// OrderStatusKey is the cache key of an order's hot status as the order
// actor writes it through.
func OrderStatusKey(orderID int64) Key {
	return Key{Class: ClassOrderStatus, Type: "order_status", ID: itoa(orderID)}
}

// OrderListKey is the cache key of an order list. A list filtered by
// customer is in the customer's group (customer history), else one filtered
// by restaurant in the restaurant's group (the kitchen's queue), else in the
// "all" group; every order change renews the groups it can appear in.
func OrderListKey(f store.OrderFilter) Key {
	statuses := slices.Clone(f.Statuses)
	slices.Sort(statuses)
	n := struct {
		Customer   int64               `json:"c,omitempty"`
		Restaurant int64               `json:"r,omitempty"`
		Courier    int64               `json:"k,omitempty"`
		Statuses   []store.OrderStatus `json:"s,omitempty"`
		Page       [2]string           `json:"p"`
	}{f.CustomerID, f.RestaurantID, f.CourierID, slices.Compact(statuses), pageOf(f.Page)}
	group := groupAllOrders
	switch {
	case f.CustomerID != 0:
		group = customerGroup(f.CustomerID)
	case f.RestaurantID != 0:
		group = restaurantGroup(f.RestaurantID)
	}
	return Key{Class: ClassOrders, Group: group, Type: "order_list", ID: filterHash(n)}
}

// LiveTrackingKey is the cache key of an order's latest courier position.
func LiveTrackingKey(orderID int64) Key {
	return Key{Class: ClassLiveTracking, Type: "live", ID: itoa(orderID)}
}

// DeliveryTrackingKey is the cache key of an order's delivery progress
// (courier, ETA, pickup and drop-off times).
func DeliveryTrackingKey(orderID int64) Key {
	return Key{Class: ClassDeliveryTracking, Type: "tracking", ID: itoa(orderID)}
}

// ReviewKey is the cache key of one review.
func ReviewKey(reviewID int64) Key {
	return Key{Class: ClassReviews, Type: "review", ID: itoa(reviewID)}
}

// ReviewListKey is the cache key of one page of restaurant id's reviews.
func ReviewListKey(restaurantID int64, f store.ReviewFilter) Key {
	n := struct {
		Rejected bool      `json:"x,omitempty"`
		Page     [2]string `json:"p"`
	}{f.IncludeRejected, pageOf(f.Page)}
	return Key{Class: ClassReviews, Group: restaurantGroup(restaurantID), Type: "review_list", ID: filterHash(n)}
}

// NotificationsKey is the cache key of customer id's notification feed.
func NotificationsKey(customerID int64) Key {
	return Key{Class: ClassNotifications, Group: customerGroup(customerID), Type: "feed", ID: itoa(customerID)}
}

// PopularItemsKey is the cache key of the trending menu items of a
// restaurant, or of the whole platform when restaurantID is 0.
func PopularItemsKey(restaurantID int64) Key {
	return analyticsKey(ClassPopularItems, "popular_items", restaurantID, "top")
}

// RevenueKey is the cache key of revenue metrics of a restaurant (or the
// platform when restaurantID is 0) over a period such as "2025-06-01" or
// "2025-W22".
func RevenueKey(restaurantID int64, period string) Key {
	return analyticsKey(ClassRevenueMetrics, "revenue", restaurantID, period)
}

// RestaurantPerformanceKey is the cache key of a restaurant's operational
// report (acceptance, preparation times, ratings).
func RestaurantPerformanceKey(restaurantID int64) Key {
	return analyticsKey(ClassRestaurantPerformance, "performance", restaurantID, "report")
}

// DailyReportKey is the cache key of the platform's report for a day.
func DailyReportKey(day string) Key {
	return analyticsKey(ClassDailyReports, "daily_report", 0, day)
}

// CustomerPreferencesKey is the cache key of customer id's preferences
// (favourite cuisines, restaurants, order times).
func CustomerPreferencesKey(customerID int64) Key {
	return Key{Class: ClassCustomerPrefs, Group: customerGroup(customerID), Type: "preferences", ID: itoa(customerID)}
}

// CustomerInsightsKey is the cache key of customer id's behavioural insights.
func CustomerInsightsKey(customerID int64) Key {
	return Key{Class: ClassCustomerInsights, Group: customerGroup(customerID), Type: "insights", ID: itoa(customerID)}
}

// analyticsKey is an analytics entry about a restaurant (in its group) or
// about the platform (restaurantID 0, in the platform group).
func analyticsKey(class Class, typ string, restaurantID int64, entryID string) Key {
	group := groupPlatform
	if restaurantID != 0 {
		group = restaurantGroup(restaurantID)
	}
	return Key{Class: class, Group: group, Type: typ, ID: entryID}
}
