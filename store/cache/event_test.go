package cache

import (
	"context"
	"slices"
	"testing"

	"github.com/dabba/dabba/store"
)

// missesAfter reports which keys miss (load again) when read now.
func missesAfter(t *testing.T, c *Cache, src *record, keys ...Key) []Key {
	t.Helper()
	var missed []Key
	for _, k := range keys {
		before := src.loads.Load()
		mustGet(t, c, k, src.loader(k.ID))
		if src.loads.Load() != before {
			missed = append(missed, k)
		}
	}
	return missed
}

func TestInvalidateMenuItem_CascadesToMenuRestaurantListsAndAnalytics(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	stale := []Key{MenuItemKey(301), MenuKey(12, store.MenuFilter{}), MenuKey(12, store.MenuFilter{AvailableOnly: true}),
		RestaurantKey(12), RestaurantListKey(store.RestaurantFilter{}), RestaurantListKey(store.RestaurantFilter{Cuisine: "Biryani"}),
		PopularItemsKey(12), PopularItemsKey(0), RevenueKey(12, "2025-06-01")}
	fresh := []Key{MenuItemKey(302), MenuKey(13, store.MenuFilter{}), RestaurantKey(13), PopularItemsKey(13), OrderKey(1)}
	fill(t, c, src, append(stale, fresh...)...)

	res, err := c.InvalidateMenuItem(ctx, 301, 12)
	if err != nil {
		t.Fatal(err)
	}

	if missed := missesAfter(t, c, src, append(stale, fresh...)...); !slices.Equal(missed, stale) {
		t.Fatalf("entries that missed after the cascade = %v, want exactly %v", missed, stale)
	}
	wantNS := []Namespace{NamespaceStatic, NamespaceAnalytics, NamespaceRestaurants}
	if !res.Delivered || res.Entity != "menu_item" || res.ID != 301 || !slices.Equal(res.Namespaces, wantNS) {
		t.Fatalf("result = %+v, want menu_item 301 delivered to %v", res, wantNS)
	}
}

func TestInvalidateOrder_DropsTheOrderHistoriesAndAnalytics(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	stale := []Key{OrderKey(1042), OrderListKey(store.OrderFilter{CustomerID: 7}),
		OrderListKey(store.OrderFilter{RestaurantID: 12, Statuses: []store.OrderStatus{store.StatusPlaced}}),
		OrderListKey(store.OrderFilter{CourierID: 31}), NotificationsKey(7), CustomerPreferencesKey(7), RestaurantPerformanceKey(12)}
	fresh := []Key{OrderKey(1043), OrderListKey(store.OrderFilter{CustomerID: 8}), RestaurantKey(12), CustomerProfileKey(7)}
	fill(t, c, src, append(stale, fresh...)...)

	if _, err := c.InvalidateOrder(ctx, 1042, 7, 12); err != nil {
		t.Fatal(err)
	}

	if missed := missesAfter(t, c, src, append(stale, fresh...)...); !slices.Equal(missed, stale) {
		t.Fatalf("entries that missed = %v, want exactly %v", missed, stale)
	}
}

func TestInvalidateReview_DropsRatingsAndReviewLists(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	stale := []Key{ReviewKey(88), ReviewListKey(12, store.ReviewFilter{}), RestaurantKey(12), RestaurantListKey(store.RestaurantFilter{})}
	fresh := []Key{ReviewKey(89), ReviewListKey(13, store.ReviewFilter{}), MenuKey(12, store.MenuFilter{})}
	fill(t, c, src, append(stale, fresh...)...)

	if _, err := c.InvalidateReview(ctx, 88, 12); err != nil {
		t.Fatal(err)
	}

	if missed := missesAfter(t, c, src, append(stale, fresh...)...); !slices.Equal(missed, stale) {
		t.Fatalf("entries that missed = %v, want exactly %v", missed, stale)
	}
}

func TestInvalidateSession_DropsEveryEntryOfTheCustomer(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	stale := []Key{CustomerProfileKey(7), SessionKey(7, ClassSessions, "cart", "current")}
	fresh := []Key{CustomerProfileKey(8)}
	fill(t, c, src, append(stale, fresh...)...)

	c.InvalidateSession(context.Background(), 7)

	if missed := missesAfter(t, c, src, append(stale, fresh...)...); !slices.Equal(missed, stale) {
		t.Fatalf("entries that missed = %v, want exactly %v", missed, stale)
	}
}

func TestOnEvent_RefusesUnknownEventsAndMissingIDs(t *testing.T) {
	c, _ := newCache(t)
	_, err := c.OnEvent(context.Background(), Event{Type: "restaurant.renamed", RestaurantID: 1})
	wantKind(t, err, store.EINVALID, "unknown_event")
	_, err = c.OnEvent(context.Background(), Event{Type: EventReviewCreated, RestaurantID: 1})
	wantKind(t, err, store.EINVALID, "event_without_id")
}

func TestCascade_ChecksItsRequest(t *testing.T) {
	c, _ := newCache(t)
	ctx := context.Background()
	_, err := c.Cascade(ctx, CascadeRequest{Entity: "courier", ID: 1})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = c.Cascade(ctx, CascadeRequest{Entity: "restaurant", ID: 0})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = c.Cascade(ctx, CascadeRequest{Entity: "menu_item", ID: 1})
	wantKind(t, err, store.EUNAVAILABLE, "no_source")

	res, err := c.Cascade(ctx, CascadeRequest{Entity: "restaurant", ID: 12, Reason: "menu photo changed"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != "cascade requested: menu photo changed" || len(res.Groups) == 0 {
		t.Fatalf("result = %+v, want the restaurant cascade with the reason", res)
	}
}

func TestAudit_RecordsWhoWhatWhereNewestFirst(t *testing.T) {
	c, _ := newCache(t)
	admin := store.WithPrincipal(context.Background(), store.Principal{Role: store.RoleAdmin})
	kitchen := store.WithPrincipal(context.Background(), store.Principal{Role: store.RoleRestaurant, ID: 12})
	if _, err := c.InvalidateRestaurant(kitchen, 12); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ClearOrders(admin); err != nil {
		t.Fatal(err)
	}

	page, err := c.Audit(context.Background(), AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	first := page.Entries[0]
	if first.Action != AuditClear || first.Who != "admin" || first.Namespace != NamespaceOrders || first.Generation != 1 ||
		first.Reason != "DELETE /cache/clear/orders" {
		t.Fatalf("newest entry = %+v, want the admin's clear of orders to generation 1", first)
	}
	var restaurantEntry *AuditEntry
	for i, e := range page.Entries {
		if e.Namespace == NamespaceRestaurants {
			restaurantEntry = &page.Entries[i]
		}
	}
	if restaurantEntry == nil || restaurantEntry.Who != "restaurant:12" || restaurantEntry.Entity != "restaurant" ||
		restaurantEntry.EntityID != 12 || !slices.Contains(restaurantEntry.Keys, "restaurant:12") ||
		!slices.Contains(restaurantEntry.Groups, "lists") || restaurantEntry.Reason != "event restaurant.updated" {
		t.Fatalf("restaurants entry = %+v, want who, entity, keys and groups of the restaurant cascade", restaurantEntry)
	}
}

func TestAudit_FiltersByNamespaceAndPaginates(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	for i := range 7 {
		if _, err := c.InvalidateOrder(ctx, int64(100+i), 7, 12); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ClearAnalytics(ctx); err != nil {
		t.Fatal(err)
	}

	var ids []int64
	cursor := ""
	for {
		page, err := c.Audit(ctx, AuditQuery{Namespace: NamespaceOrders, Cursor: cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) > 3 {
			t.Fatalf("page of %d entries, limit 3", len(page.Entries))
		}
		for _, e := range page.Entries {
			if e.Namespace != NamespaceOrders {
				t.Fatalf("entry of %s in a listing of orders", e.Namespace)
			}
			ids = append(ids, e.EntityID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(ids, []int64{106, 105, 104, 103, 102, 101, 100}) {
		t.Fatalf("order entries = %v, want the seven orders newest first", ids)
	}
	_, err := c.Audit(ctx, AuditQuery{Namespace: "nope"})
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
	_, err = c.Audit(ctx, AuditQuery{Cursor: "garbage"})
	wantKind(t, err, store.EINVALID, "")
}
