package cache

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

// readN reads k n times.
func readN(t *testing.T, c *Cache, src *record, k Key, n int) {
	t.Helper()
	src.set(k.ID, 1)
	for range n {
		mustGet(t, c, k, src.loader(k.ID))
	}
}

func TestHotKeys_RankByReadsWithTheirTTL(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	readN(t, c, src, RestaurantKey(1), 10)
	readN(t, c, src, RestaurantKey(2), 4)
	readN(t, c, src, RestaurantKey(3), 1)

	hot, err := c.HotKeys(ctx, NamespaceRestaurants, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(hot) != 2 || hot[0].Key != "restaurant:1" || hot[0].Score != 10 || hot[1].Key != "restaurant:2" ||
		!hot[0].Cached || hot[0].TTLSeconds < 3000 || hot[0].Entry != RestaurantKey(1) {
		t.Fatalf("hot keys = %+v, want restaurant:1 (10 reads, cached) then restaurant:2", hot)
	}

	if _, err := c.ClearRestaurants(ctx); err != nil {
		t.Fatal(err)
	}
	hot, err = c.HotKeys(ctx, NamespaceRestaurants, 1)
	if err != nil {
		t.Fatal(err)
	}
	if hot[0].Cached || hot[0].TTLSeconds != 0 {
		t.Fatalf("after a clear hot key = %+v, want not cached", hot[0])
	}
}

func TestHotKeys_DecayOncePerHalfLife(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t, func(cfg *Config) { cfg.HotKeys.HalfLife = 100 * time.Millisecond })
	src := newRecord()
	readN(t, c, src, RestaurantKey(1), 8)
	if err := c.flush(ctx); err != nil { // the first turn starts the clock
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if err := c.flush(ctx); err != nil { // a half-life later: halve
		t.Fatal(err)
	}
	if err := c.flush(ctx); err != nil { // not again within the half-life
		t.Fatal(err)
	}

	hot, err := c.HotKeys(ctx, NamespaceRestaurants, 1)
	if err != nil {
		t.Fatal(err)
	}
	if hot[0].Score != 4 {
		t.Fatalf("score = %v, want 8 halved once", hot[0].Score)
	}
}

func TestPredictNeeds_AndPredictiveWarmingRefillMissingHotKeys(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	c.HandleWarm(NamespaceRestaurants, WarmerFunc(func(ctx context.Context, c *Cache, keys []Key) (int, error) {
		return WarmKeys(ctx, c, keys, func(ctx context.Context, k Key) (versioned, error) { return src.loader(k.ID)(ctx) })
	}))
	readN(t, c, src, RestaurantKey(1), 6)
	readN(t, c, src, OrderKey(9), 6)
	if _, err := c.InvalidateRestaurant(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InvalidateOrder(ctx, 9, 7, 12); err != nil {
		t.Fatal(err)
	}

	preds, err := c.PredictNeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range preds {
		if p.Kind == PredictionKeyMissing {
			keys = append(keys, p.Key)
			if p.Warmable != (p.Namespace == NamespaceRestaurants) || p.Score != 6 {
				t.Errorf("prediction = %+v", p)
			}
		}
	}
	if !slices.Equal(keys, []string{"restaurant:1", "order:9"}) {
		t.Fatalf("missing hot keys predicted = %v, want restaurant:1 and order:9", keys)
	}

	res, err := c.WarmPredictive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Predictions != 2 || len(res.Namespaces) != 1 || res.Namespaces[0].KeysWarmed != 1 || !slices.Equal(res.Skipped, []Namespace{NamespaceOrders}) {
		t.Fatalf("predictive warm = %+v, want restaurant:1 warmed and orders skipped (no warmer)", res)
	}
	loads := src.loads.Load()
	mustGet(t, c, RestaurantKey(1), src.loader("1"))
	if src.loads.Load() != loads {
		t.Fatal("the warmed key missed")
	}
}

func TestWarmKeys_NeverOverwriteAValueWrittenSinceTheWarmBegan(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	loaded, resume := make(chan struct{}), make(chan struct{})
	slowLoad := func(ctx context.Context, k Key) (versioned, error) {
		v, err := src.loader(k.ID)(ctx)
		close(loaded)
		<-resume
		return v, err
	}
	var wg sync.WaitGroup
	var warmed int
	wg.Go(func() {
		var err error
		warmed, err = WarmKeys(ctx, c, []Key{RestaurantKey(1)}, slowLoad)
		if err != nil {
			t.Error(err)
		}
	})
	<-loaded
	if _, err := WriteThrough(ctx, c, RestaurantKey(1), src.write("1", 2)); err != nil {
		t.Fatal(err)
	}
	close(resume)
	wg.Wait()

	if warmed != 0 {
		t.Fatalf("warm stored %d entries over a newer write", warmed)
	}
	if v := mustGet(t, c, RestaurantKey(1), src.loader("1")); v.Version != 2 {
		t.Fatalf("read after the warm = %d, want the written 2", v.Version)
	}
}

func TestWarm_NeedsAKnownNamespaceWithAWarmer(t *testing.T) {
	c, _ := newCache(t)
	_, err := c.Warm(context.Background(), "pizzas")
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
	_, err = c.WarmMenuItems(context.Background())
	wantKind(t, err, store.EUNPROCESSABLE, "no_warmer")
}

func TestAnalyzePatterns_ReportsTheReadWriteMix(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	readN(t, c, src, RestaurantKey(1), 8)
	readN(t, c, src, MenuItemKey(1), 2)
	if _, err := WriteThrough(ctx, c, RestaurantKey(1), src.write("1", 2)); err != nil {
		t.Fatal(err)
	}

	a, err := c.AnalyzePatterns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Reads != 10 || a.Writes != 1 || a.ReadWriteRatio != 10 || a.HitRatio != 0.8 {
		t.Fatalf("mix = reads %d writes %d ratio %v hit %v; want 10, 1, 10, 0.8", a.Reads, a.Writes, a.ReadWriteRatio, a.HitRatio)
	}
	if !slices.Equal(a.HottestNamespaces, []Namespace{NamespaceRestaurants, NamespaceStatic}) {
		t.Fatalf("hottest = %v", a.HottestNamespaces)
	}
	top := a.Namespaces[0]
	if top.Namespace != NamespaceRestaurants || top.ReadShare != 0.8 || len(top.HotKeys) != 1 || top.HotKeys[0].Key != "restaurant:1" {
		t.Fatalf("busiest namespace = %+v", top)
	}
	var cacheAside PatternUsage
	for _, p := range a.Patterns {
		if p.Pattern == PatternCacheAside {
			cacheAside = p
		}
	}
	if cacheAside.Calls != 10 || cacheAside.Share != round3(10.0/11) {
		t.Fatalf("cache-aside usage = %+v, want 10 of 11 calls", cacheAside)
	}
}
