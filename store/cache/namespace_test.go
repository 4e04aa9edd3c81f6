package cache

import (
	"maps"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestClasses_AreTheSpecsTTLTable(t *testing.T) {
	want := map[Class]time.Duration{
		"static": 1800, "restaurants": 3600, "menu_items": 3600, "customer_profiles": 1800,
		"dynamic": 300, "orders": 300, "order_status": 120, "delivery_tracking": 120,
		"realtime": 30, "delivery_slots": 30, "restaurant_capacity": 30, "live_tracking": 30,
		"analytics": 900, "popular_items": 900, "customer_preferences": 900, "revenue_metrics": 900,
		"sessions": 1800, "customers": 3600, "reviews": 600, "notifications": 120,
		"restaurant_availability": 60, "dynamic_pricing": 120,
		"daily_reports": 86400, "customer_insights": 21600, "restaurant_performance": 14400, "revenue_analytics": 43200,
	}
	got := map[Class]time.Duration{}
	for _, ci := range Classes() {
		got[ci.Class] = ci.TTL / time.Second
		if _, err := ParseNamespace(string(ci.Namespace)); err != nil {
			t.Errorf("class %s lives in unknown namespace %q", ci.Class, ci.Namespace)
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("TTL table = %v\nwant %v", got, want)
	}
}

func TestNamespaces_StaticHoldsOnlyMenuData(t *testing.T) {
	for _, ci := range Classes() {
		if ci.Namespace == NamespaceStatic && ci.Class != ClassMenuItems && ci.Class != ClassStatic {
			t.Errorf("class %s shares the static namespace with menu items", ci.Class)
		}
	}
	for _, k := range []Key{MenuItemKey(1), MenuKey(1, store.MenuFilter{})} {
		if ns, _ := classNamespaceOf(k.Class); ns != NamespaceStatic {
			t.Errorf("%s lives in %s, want static", k, ns)
		}
	}
}

func classNamespaceOf(class Class) (Namespace, bool) {
	for _, ci := range Classes() {
		if ci.Class == class {
			return ci.Namespace, true
		}
	}
	return "", false
}

func TestParseNamespace_UnknownIsNotFound(t *testing.T) {
	if ns, err := ParseNamespace("orders"); err != nil || ns != NamespaceOrders {
		t.Fatalf("ParseNamespace(orders) = %q, %v", ns, err)
	}
	_, err := ParseNamespace("../orders")
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
}

func TestParseTTLOverrides(t *testing.T) {
	tests := []struct {
		in      string
		want    map[Class]time.Duration
		invalid bool
	}{
		{"", map[Class]time.Duration{}, false},
		{"restaurants=600s,orders=120s", map[Class]time.Duration{ClassRestaurants: 600 * time.Second, ClassOrders: 120 * time.Second}, false},
		{" menu_items = 10m , live_tracking=15 ", map[Class]time.Duration{ClassMenuItems: 10 * time.Minute, ClassLiveTracking: 15 * time.Second}, false},
		{"restaurants", nil, true},
		{"pizzas=10s", nil, true},
		{"orders=-5s", nil, true},
		{"orders=soon", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseTTLOverrides(tt.in)
		if tt.invalid {
			if !store.IsKind(err, store.EINVALID) {
				t.Errorf("ParseTTLOverrides(%q) error = %v, want EINVALID", tt.in, err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("ParseTTLOverrides(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestProfiles_AndOverridesShapeTheTTLs(t *testing.T) {
	tests := []struct {
		profile   Profile
		overrides map[Class]time.Duration
		class     Class
		want      time.Duration
	}{
		{ProfileProduction, nil, ClassRestaurants, time.Hour},
		{ProfileProduction, nil, ClassDailyReports, 24 * time.Hour},
		{ProfileDevelopment, nil, ClassRestaurants, DevelopmentTTL},
		{ProfileDevelopment, nil, ClassLiveTracking, 30 * time.Second},
		{ProfileDevelopment, map[Class]time.Duration{ClassRestaurants: 10 * time.Minute}, ClassRestaurants, 10 * time.Minute},
		{ProfileProduction, map[Class]time.Duration{ClassOrders: 2 * time.Minute}, ClassOrders, 2 * time.Minute},
	}
	for _, tt := range tests {
		c, _ := newCache(t, func(cfg *Config) { cfg.Profile, cfg.TTLOverrides = tt.profile, tt.overrides })
		if got, err := c.TTL(tt.class); err != nil || got != tt.want {
			t.Errorf("%s %v: TTL(%s) = %s, %v; want %s", tt.profile, tt.overrides, tt.class, got, err, tt.want)
		}
	}
}

func TestParseProfile(t *testing.T) {
	for in, want := range map[string]Profile{"": ProfileProduction, "production": ProfileProduction, "dev": ProfileDevelopment, "Development": ProfileDevelopment} {
		if got, err := ParseProfile(in); err != nil || got != want {
			t.Errorf("ParseProfile(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseProfile("staging"); !store.IsKind(err, store.EINVALID) {
		t.Errorf("ParseProfile(staging) error = %v, want EINVALID", err)
	}
}

func TestNew_RefusesBadConfig(t *testing.T) {
	_, rdb := newCache(t)
	for name, cfg := range map[string]Config{
		"no redis":            {},
		"short secret":        {Redis: rdb, Secret: []byte("short")},
		"unknown override":    {Redis: rdb, TTLOverrides: map[Class]time.Duration{"pizzas": time.Second}},
		"realtime local tier": {Redis: rdb, Local: LocalConfig{Classes: map[Class]time.Duration{ClassLiveTracking: time.Second}}},
	} {
		if c, err := New(cfg); err == nil {
			_ = c.Close()
			t.Errorf("%s: New accepted the config", name)
		}
	}
}

func TestKeyspace_SpellsAndParsesKeys(t *testing.T) {
	s := keyspace{prefix: "zomato-enterprise-cache"}
	tests := []struct {
		ns        Namespace
		key       Key
		gen, ggen int64
		want      string
	}{
		{NamespaceRestaurants, RestaurantKey(12), 3, 0, "zomato-enterprise-cache:restaurants:v3:restaurant:12"},
		{NamespaceStatic, Key{Class: ClassMenuItems, Group: "restaurant-12", Type: "menu", ID: "ab12"}, 1, 4,
			"zomato-enterprise-cache:static:v1:menu:@restaurant-12.4:ab12"},
	}
	for _, tt := range tests {
		got := s.entry(tt.ns, tt.key, tt.gen, tt.ggen)
		if got != tt.want {
			t.Errorf("entry = %q, want %q", got, tt.want)
		}
		p, ok := s.parse(got)
		if !ok || p.ns != tt.ns || p.gen != tt.gen || p.typ != tt.key.Type || p.group != tt.key.Group || p.id != tt.key.ID ||
			(tt.key.Group != "" && p.groupGen != tt.ggen) {
			t.Errorf("parse(%q) = %+v, %v", got, p, ok)
		}
	}
	for _, notEntry := range []string{"zomato-enterprise-cache:orders:gen", "zomato-enterprise-cache:_audit", "other:orders:v1:order:1"} {
		if _, ok := s.parse(notEntry); ok {
			t.Errorf("parse(%q) took a non-entry for an entry", notEntry)
		}
	}
}

func TestListKeys_NormaliseTheirFilters(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 30, 15, 0, time.UTC)
	later := at.Add(30 * time.Second)
	same := [][2]Key{
		{RestaurantListKey(store.RestaurantFilter{Cuisine: " Biryani"}), RestaurantListKey(store.RestaurantFilter{Cuisine: "biryani"})},
		{RestaurantListKey(store.RestaurantFilter{OpenAt: &at}), RestaurantListKey(store.RestaurantFilter{OpenAt: &later})},
		{RestaurantListKey(store.RestaurantFilter{}), RestaurantListKey(store.RestaurantFilter{Page: store.PageRequest{Limit: store.DefaultPageLimit}})},
		{OrderListKey(store.OrderFilter{Statuses: []store.OrderStatus{"ready", "placed"}}), OrderListKey(store.OrderFilter{Statuses: []store.OrderStatus{"placed", "ready", "placed"}})},
	}
	for _, pair := range same {
		if pair[0] != pair[1] {
			t.Errorf("%v and %v should be one key", pair[0], pair[1])
		}
	}
	if a, b := MenuKey(1, store.MenuFilter{}), MenuKey(2, store.MenuFilter{}); a.Group == b.Group {
		t.Error("menus of two restaurants share a group")
	}
	if k := RestaurantListKey(store.RestaurantFilter{OpenAt: &at}); k.Class != ClassRestaurantAvailability {
		t.Errorf("open-at list in class %s, want restaurant_availability", k.Class)
	}
}
