package cache

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// scanKeys lists the keys matching pattern.
func scanKeys(t *testing.T, rdb *redis.Client, pattern string) []string {
	t.Helper()
	var out []string
	iter := rdb.Scan(context.Background(), 0, pattern, 500).Iterator()
	for iter.Next(context.Background()) {
		out = append(out, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fill caches one entry per key.
func fill(t *testing.T, c *Cache, src *record, keys ...Key) {
	t.Helper()
	for _, k := range keys {
		src.set(k.ID, 1)
		mustGet(t, c, k, src.loader(k.ID))
	}
}

func TestClear_MakesOnlyItsNamespaceUnreachable(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	menuItem, menu := MenuItemKey(301), MenuKey(12, store.MenuFilter{})
	restaurant, order := RestaurantKey(12), OrderKey(1042)
	fill(t, c, src, menuItem, menu, restaurant, order)
	loads := src.loads.Load()

	res, err := c.ClearMenuItems(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if len(res.Namespaces) != 1 || res.Namespaces[0] != (NamespaceClear{Namespace: NamespaceStatic, PreviousGeneration: 0, Generation: 1}) {
		t.Fatalf("clear result = %+v, want static renewed from generation 0 to 1", res.Namespaces)
	}
	for _, k := range []Key{restaurant, order} {
		mustGet(t, c, k, src.loader(k.ID))
	}
	if n := src.loads.Load() - loads; n != 0 {
		t.Fatalf("clearing menu items made %d other entries miss", n)
	}
	for _, k := range []Key{menuItem, menu} {
		mustGet(t, c, k, src.loader(k.ID))
	}
	if n := src.loads.Load() - loads; n != 2 {
		t.Fatalf("after clearing menu items %d menu entries missed, want 2", n)
	}
}

func TestClear_IsSeenByEveryNode(t *testing.T) {
	ctx := context.Background()
	a, rdb := newCache(t)
	b := newCacheOn(t, rdb, a.cfg.Prefix)
	src := newRecord()
	fill(t, b, src, RestaurantKey(1))

	if _, err := a.ClearRestaurants(ctx); err != nil {
		t.Fatal(err)
	}
	src.set("1", 2)

	if v := mustGet(t, b, RestaurantKey(1), src.loader("1")); v.Version != 2 {
		t.Fatalf("the other node read version %d after the clear, want 2", v.Version)
	}
}

func TestClear_UnknownNamespaceIsNotFound(t *testing.T) {
	c, _ := newCache(t)
	_, err := c.Clear(context.Background(), "menus", "test")
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
}

func TestReclaim_UnlinksOldGenerationsOnly(t *testing.T) {
	ctx := context.Background()
	c, rdb := newCache(t)
	src := newRecord()
	for i := range 30 {
		fill(t, c, src, RestaurantKey(int64(i)))
	}
	fill(t, c, src, OrderKey(1))
	if _, err := c.InvalidateRestaurant(ctx, 5); err != nil { // renews the lists group
		t.Fatal(err)
	}
	fill(t, c, src, RestaurantListKey(store.RestaurantFilter{Cuisine: "biryani"}))
	if _, err := c.Clear(ctx, NamespaceRestaurants, "test"); err != nil {
		t.Fatal(err)
	}
	fill(t, c, src, RestaurantKey(99))

	// The clear already asked the background loop for a pass; this one
	// makes sure it has happened.
	if _, err := c.Reclaim(ctx); err != nil {
		t.Fatal(err)
	}

	left := scanKeys(t, rdb, c.cfg.Prefix+":restaurants:v*")
	if len(left) != 1 || !strings.HasSuffix(left[0], ":v1:restaurant:99") {
		t.Fatalf("keys left in restaurants = %v, want only the new entry", left)
	}
	if n := rdb.Exists(ctx, physicalKey(t, c, OrderKey(1))).Val(); n != 1 {
		t.Fatal("reclaim removed an entry of another namespace")
	}
}

func TestKeys_ListsTheCurrentGenerationPageByPage(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	for i := range 5 {
		fill(t, c, src, RestaurantKey(int64(i)))
	}
	if _, err := c.ClearRestaurants(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		fill(t, c, src, RestaurantKey(int64(100+i)))
	}

	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("the scan did not end")
		}
		page, err := c.Keys(ctx, NamespaceRestaurants, cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.Keys {
			if k.State != "value" || k.TTLSeconds <= 0 || page.Generation != 1 {
				t.Fatalf("key %+v in generation %d, want a live value in generation 1", k, page.Generation)
			}
			seen[k.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for i := range 25 {
		if !seen[fmt.Sprint(100+i)] {
			t.Errorf("restaurant %d missing from the listing", 100+i)
		}
	}
	if len(seen) != 25 {
		t.Fatalf("listed %d keys, want the 25 of the current generation", len(seen))
	}
}

func TestKeys_RefusesBadInput(t *testing.T) {
	c, _ := newCache(t)
	_, err := c.Keys(context.Background(), "nope", "", 10)
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
	_, err = c.Keys(context.Background(), NamespaceOrders, "x", 10)
	wantKind(t, err, store.EINVALID, "")
	_, err = c.Keys(context.Background(), NamespaceOrders, "", 1000)
	wantKind(t, err, store.EINVALID, "")
}

func TestClearExpired_ReclaimsRenewedGroups(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	fill(t, c, src, MenuKey(12, store.MenuFilter{}), MenuKey(12, store.MenuFilter{Category: "mains"}), MenuKey(13, store.MenuFilter{}))
	if _, err := c.InvalidateRestaurant(ctx, 12); err != nil {
		t.Fatal(err)
	}

	res, err := c.ClearExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != "clear_expired" || res.KeysReclaimed != 2 {
		t.Fatalf("result = %+v, want the 2 menu pages of restaurant 12 reclaimed", res)
	}
}
