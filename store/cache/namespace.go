package cache

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dabba/dabba/store"
)

// Namespace is one branch of the spec's key tree. Every cached entry lives in
// exactly one namespace; clearing a namespace makes all of its entries
// unreachable at once.
type Namespace string

// The spec's namespace tree, in the spec's order.
const (
	// NamespaceStatic holds menus and menu items, and nothing else, so that
	// DELETE /cache/clear/menu-items clears exactly the menu data.
	NamespaceStatic Namespace = "static"
	// NamespaceDynamic holds short-lived derived data such as surge pricing.
	NamespaceDynamic Namespace = "dynamic"
	// NamespaceRealtime holds the 30-second state of kitchens: capacity and
	// delivery slots.
	NamespaceRealtime Namespace = "realtime"
	// NamespaceAnalytics holds rollups and reports: popular items, revenue,
	// preferences, daily reports.
	NamespaceAnalytics Namespace = "analytics"
	// NamespaceSessions holds per-customer entries (session-based caching),
	// among them the customer profile.
	NamespaceSessions Namespace = "sessions"
	// NamespaceCustomers holds customer lists.
	NamespaceCustomers Namespace = "customers"
	// NamespaceRestaurants holds restaurant details, restaurant lists and
	// search results, and restaurant availability.
	NamespaceRestaurants Namespace = "restaurants"
	// NamespaceOrders holds orders, their status and order lists (customer
	// history, restaurant queues).
	NamespaceOrders Namespace = "orders"
	// NamespaceDeliveries holds delivery tracking and live courier positions.
	NamespaceDeliveries Namespace = "deliveries"
	// NamespaceReviews holds reviews and review lists.
	NamespaceReviews Namespace = "reviews"
	// NamespaceNotifications holds customer notification feeds.
	NamespaceNotifications Namespace = "notifications"
)

// Namespaces lists every namespace in the spec's order.
func Namespaces() []Namespace {
	return []Namespace{NamespaceStatic, NamespaceDynamic, NamespaceRealtime, NamespaceAnalytics,
		NamespaceSessions, NamespaceCustomers, NamespaceRestaurants, NamespaceOrders,
		NamespaceDeliveries, NamespaceReviews, NamespaceNotifications}
}

// ParseNamespace returns the namespace named s. An unknown name is an
// ENOTFOUND error with code "unknown_namespace".
func ParseNamespace(s string) (Namespace, error) {
	ns := Namespace(s)
	if !slices.Contains(Namespaces(), ns) {
		return "", store.Errorf(store.ENOTFOUND, "unknown_namespace",
			"cache namespace %q does not exist; the namespaces are %s", s, namespaceNames())
	}
	return ns, nil
}

func namespaceNames() string {
	names := make([]string, 0, len(Namespaces()))
	for _, ns := range Namespaces() {
		names = append(names, string(ns))
	}
	return strings.Join(names, ", ")
}

// Class is a TTL class of the spec's ENTERPRISE_TTL table: how long one kind
// of data may be served from the cache. Each class belongs to exactly one
// namespace.
type Class string

// The TTL classes. The first sixteen are the spec's ENTERPRISE_TTL table; the
// rest are the other lifetimes the spec names (sessions, reviews,
// notifications, availability, pricing, the reporting classes) and the
// customers namespace's "1 hour".
const (
	ClassStatic             Class = "static"
	ClassRestaurants        Class = "restaurants"
	ClassMenuItems          Class = "menu_items"
	ClassCustomerProfiles   Class = "customer_profiles"
	ClassDynamic            Class = "dynamic"
	ClassOrders             Class = "orders"
	ClassOrderStatus        Class = "order_status"
	ClassDeliveryTracking   Class = "delivery_tracking"
	ClassRealtime           Class = "realtime"
	ClassDeliverySlots      Class = "delivery_slots"
	ClassRestaurantCapacity Class = "restaurant_capacity"
	ClassLiveTracking       Class = "live_tracking"
	ClassAnalytics          Class = "analytics"
	ClassPopularItems       Class = "popular_items"
	ClassCustomerPrefs      Class = "customer_preferences"
	ClassRevenueMetrics     Class = "revenue_metrics"

	ClassSessions               Class = "sessions"
	ClassCustomers              Class = "customers"
	ClassReviews                Class = "reviews"
	ClassNotifications          Class = "notifications"
	ClassRestaurantAvailability Class = "restaurant_availability"
	ClassDynamicPricing         Class = "dynamic_pricing"
	ClassDailyReports           Class = "daily_reports"
	ClassCustomerInsights       Class = "customer_insights"
	ClassRestaurantPerformance  Class = "restaurant_performance"
	ClassRevenueAnalytics       Class = "revenue_analytics"
)

// ClassInfo describes one TTL class: the one TTL table of dabba.
type ClassInfo struct {
	// Class is the TTL class.
	Class Class `json:"class" example:"restaurants"`
	// Namespace is where entries of the class live.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// TTL is the spec's lifetime for the class, before profile and overrides.
	TTL time.Duration `json:"-"`
	// Realtime classes change faster than any cross-node message could
	// reliably chase; they are never held in an in-process tier.
	Realtime bool `json:"realtime" example:"false"`
}

// Classes returns the TTL table: the spec's ENTERPRISE_TTL values and the
// namespace each class belongs to. It is the only place lifetimes are
// written down.
func Classes() []ClassInfo {
	const s, m, h = time.Second, time.Minute, time.Hour
	return []ClassInfo{
		// Static data (30+ minutes).
		{ClassStatic, NamespaceStatic, 1800 * s, false},
		{ClassRestaurants, NamespaceRestaurants, 3600 * s, false},
		{ClassMenuItems, NamespaceStatic, 3600 * s, false},
		{ClassCustomerProfiles, NamespaceSessions, 1800 * s, false},
		// Dynamic data (2–5 minutes).
		{ClassDynamic, NamespaceDynamic, 300 * s, false},
		{ClassOrders, NamespaceOrders, 300 * s, false},
		{ClassOrderStatus, NamespaceOrders, 120 * s, true},
		{ClassDeliveryTracking, NamespaceDeliveries, 120 * s, true},
		// Real-time data (30 seconds).
		{ClassRealtime, NamespaceRealtime, 30 * s, true},
		{ClassDeliverySlots, NamespaceRealtime, 30 * s, true},
		{ClassRestaurantCapacity, NamespaceRealtime, 30 * s, true},
		{ClassLiveTracking, NamespaceDeliveries, 30 * s, true},
		// Analytics data (15 minutes).
		{ClassAnalytics, NamespaceAnalytics, 900 * s, false},
		{ClassPopularItems, NamespaceAnalytics, 900 * s, false},
		{ClassCustomerPrefs, NamespaceAnalytics, 900 * s, false},
		{ClassRevenueMetrics, NamespaceAnalytics, 900 * s, false},
		// The namespace tree's other lifetimes.
		{ClassSessions, NamespaceSessions, 30 * m, false},
		{ClassCustomers, NamespaceCustomers, 1 * h, false},
		{ClassReviews, NamespaceReviews, 10 * m, false},
		{ClassNotifications, NamespaceNotifications, 2 * m, true},
		// Real-time features.
		{ClassRestaurantAvailability, NamespaceRestaurants, 60 * s, true},
		{ClassDynamicPricing, NamespaceDynamic, 2 * m, true},
		// Analytics and reporting.
		{ClassDailyReports, NamespaceAnalytics, 24 * h, false},
		{ClassCustomerInsights, NamespaceAnalytics, 6 * h, false},
		{ClassRestaurantPerformance, NamespaceAnalytics, 4 * h, false},
		{ClassRevenueAnalytics, NamespaceAnalytics, 12 * h, false},
	}
}

// ParseClass returns the TTL class named s, or an ENOTFOUND error with code
// "unknown_ttl_class".
func ParseClass(s string) (Class, error) {
	for _, ci := range Classes() {
		if string(ci.Class) == s {
			return ci.Class, nil
		}
	}
	return "", store.Errorf(store.ENOTFOUND, "unknown_ttl_class", "cache TTL class %q does not exist", s)
}

// Profile is the deployment environment (DABBA_ENV); it decides how the TTL
// table is applied.
type Profile string

// The profiles.
const (
	// ProfileProduction serves the TTL table as written: PRODUCTION_TTL
	// (1800 s) is the table's own static default and needs no scaling.
	ProfileProduction Profile = "production"
	// ProfileDevelopment caps every lifetime at DEVELOPMENT_TTL (60 s), so a
	// developer sees a change within a minute without clearing anything;
	// classes already shorter keep their own TTL.
	ProfileDevelopment Profile = "development"
)

// DevelopmentTTL is the spec's DEVELOPMENT_TTL: the longest any entry lives
// under ProfileDevelopment.
const DevelopmentTTL = 60 * time.Second

// ParseProfile reads DABBA_ENV: "development" (also "dev") or "production"
// (also "prod"); empty means production. Anything else is EINVALID.
func ParseProfile(s string) (Profile, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "production", "prod":
		return ProfileProduction, nil
	case "development", "dev":
		return ProfileDevelopment, nil
	}
	return "", store.Invalid(store.FieldError{Field: "DABBA_ENV", Reason: "must be development or production"})
}

// apply returns the lifetime of a class whose table TTL is ttl under p.
func (p Profile) apply(ttl time.Duration) time.Duration {
	if p == ProfileDevelopment && ttl > DevelopmentTTL {
		return DevelopmentTTL
	}
	return ttl
}

// ParseTTLOverrides reads per-class TTL overrides written as
// "class=duration,class=duration", e.g. DABBA_CACHE_TTL_OVERRIDES=
// "restaurants=600s,orders=2m". Durations use Go syntax; a bare number is
// seconds. Unknown classes and non-positive durations are EINVALID.
func ParseTTLOverrides(s string) (map[Class]time.Duration, error) {
	out := map[Class]time.Duration{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, overrideError(part, "must be written class=duration")
		}
		class, err := ParseClass(strings.TrimSpace(name))
		if err != nil {
			return nil, overrideError(part, "names no TTL class")
		}
		value = strings.TrimSpace(value)
		if value != "" && strings.Trim(value, "0123456789") == "" {
			value += "s"
		}
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return nil, overrideError(part, "must have a positive duration such as 600s or 10m")
		}
		out[class] = d
	}
	return out, nil
}

func overrideError(part, reason string) error {
	return store.Invalid(store.FieldError{Field: "DABBA_CACHE_TTL_OVERRIDES", Reason: fmt.Sprintf("%q %s", part, reason)})
}
