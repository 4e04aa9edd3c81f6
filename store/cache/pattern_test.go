package cache

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestGet_SecondReadIsServedFromTheCache(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 7)

	first := mustGet(t, c, thingKey("1"), src.loader("1"))
	second := mustGet(t, c, thingKey("1"), src.loader("1"))

	if first.Version != 7 || second != first {
		t.Fatalf("reads = %+v, %+v; want version 7 twice", first, second)
	}
	if n := src.loads.Load(); n != 1 {
		t.Fatalf("source loaded %d times, want 1", n)
	}
}

func TestGet_StoresUnderTheKeySchemeWithJitteredTTL(t *testing.T) {
	c, rdb := newCache(t)
	src := newRecord()
	src.set("12", 1)
	mustGet(t, c, thingKey("12"), src.loader("12"))

	key := c.cfg.Prefix + ":restaurants:v0:thing:12"
	ttl, err := rdb.PTTL(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 3240*time.Second || ttl > 3960*time.Second {
		t.Fatalf("TTL of %s = %s, want 3600s ± 10%%", key, ttl)
	}
}

func TestGet_ConditionalCachingFollowsThePredicate(t *testing.T) {
	c, rdb := newCache(t)
	src := newRecord()
	src.set("live", 1)
	src.set("done", 2)
	decide := When(func(v versioned) (Class, bool) {
		if v.Version == 2 {
			return ClassOrderStatus, true
		}
		return "", false
	})

	for range 2 {
		if _, err := Get(context.Background(), c, thingKey("live"), src.loader("live"), decide); err != nil {
			t.Fatal(err)
		}
		if _, err := Get(context.Background(), c, thingKey("done"), src.loader("done"), decide); err != nil {
			t.Fatal(err)
		}
	}
	c.fills.Wait()

	if n := src.loads.Load(); n != 3 {
		t.Fatalf("source loaded %d times, want 3 (the uncached value twice, the cached once)", n)
	}
	ttl := rdb.PTTL(context.Background(), physicalKey(t, c, thingKey("done"))).Val()
	if ttl > 132*time.Second || ttl < 100*time.Second {
		t.Fatalf("TTL = %s, want the order_status class's 120s ± 10%%", ttl)
	}
}

func TestReadThrough_AlwaysLoadsAndRefreshesTheCache(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, thingKey("1"), src.loader("1"))
	src.set("1", 2) // changed behind the cache's back

	v, err := ReadThrough(context.Background(), c, thingKey("1"), src.loader("1"))
	if err != nil {
		t.Fatal(err)
	}
	cached := mustGet(t, c, thingKey("1"), src.loader("1"))

	if v.Version != 2 || cached.Version != 2 {
		t.Fatalf("read-through = %d, then cached = %d; want 2 and 2", v.Version, cached.Version)
	}
	if n := src.loads.Load(); n != 2 {
		t.Fatalf("source loaded %d times, want 2", n)
	}
}

func TestWriteThrough_StoresTheWrittenValue(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, thingKey("1"), src.loader("1"))

	if _, err := WriteThrough(context.Background(), c, thingKey("1"), src.write("1", 2)); err != nil {
		t.Fatal(err)
	}
	v := mustGet(t, c, thingKey("1"), src.loader("1"))

	if v.Version != 2 {
		t.Fatalf("read after write = %d, want 2", v.Version)
	}
	if n := src.loads.Load(); n != 1 {
		t.Fatalf("source loaded %d times, want 1: the write-through value should be served", n)
	}
}

func TestWriteThrough_FailedWriteDropsTheEntry(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, thingKey("1"), src.loader("1"))

	failing := func(ctx context.Context) (versioned, error) {
		src.set("1", 2) // committed, then the connection broke
		return versioned{}, store.Errorf(store.EUNAVAILABLE, "", "connection lost")
	}
	if _, err := WriteThrough(context.Background(), c, thingKey("1"), failing); err == nil {
		t.Fatal("write error was swallowed")
	}

	if v := mustGet(t, c, thingKey("1"), src.loader("1")); v.Version != 2 {
		t.Fatalf("read after an ambiguous failed write = %d, want 2 from the source", v.Version)
	}
}

func TestWriteThrough_AWriteThatNeverReachedTheSourceKeepsTheEntry(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, thingKey("1"), src.loader("1"))

	unreached := func(ctx context.Context) (versioned, error) {
		return versioned{}, &store.Error{Kind: store.EUNAVAILABLE, Code: "database_unavailable", Message: "cannot connect", Unapplied: true}
	}
	if _, err := WriteThrough(context.Background(), c, thingKey("1"), unreached); !store.Unapplied(err) {
		t.Fatalf("write error %v, want the source's", err)
	}

	if v := mustGet(t, c, thingKey("1"), src.loader("1")); v.Version != 1 || src.loads.Load() != 1 {
		t.Fatalf("read after an unapplied write = %d after %d loads, want 1 from the cache", v.Version, src.loads.Load())
	}
}

func TestWriteThrough_AnUnappliedWriteDoesNotUndoAnInvalidation(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, thingKey("1"), src.loader("1"))
	tgt, err := c.target(thingKey("1"))
	if err != nil {
		t.Fatal(err)
	}

	unreached := func(ctx context.Context) (versioned, error) {
		// Another node's write lands and invalidates while this one fails.
		src.set("1", 2)
		if err := c.drop(ctx, tgt); err != nil {
			t.Fatal(err)
		}
		return versioned{}, &store.Error{Kind: store.EUNAVAILABLE, Message: "cannot connect", Unapplied: true}
	}
	if _, err := WriteThrough(context.Background(), c, thingKey("1"), unreached); err == nil {
		t.Fatal("write error was swallowed")
	}

	if v := mustGet(t, c, thingKey("1"), src.loader("1")); v.Version != 2 {
		t.Fatalf("read after an invalidation = %d, want 2 from the source", v.Version)
	}
}

func TestSet_ReplacesTheEntry(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	key := Key{Class: ClassLiveTracking, Type: "live", ID: "9"}
	if err := Set(context.Background(), c, key, versioned{ID: "9", Version: 5}); err != nil {
		t.Fatal(err)
	}
	if v := mustGet(t, c, key, src.loader("9")); v.Version != 5 || src.loads.Load() != 0 {
		t.Fatalf("read = %+v after %d loads; want the set value without loading", v, src.loads.Load())
	}
}

func TestGet_InvalidKeyIsRefused(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	for _, k := range []Key{
		{Class: "nope", Type: "thing", ID: "1"},
		{Class: ClassRestaurants, Type: "Thing", ID: "1"},
		{Class: ClassRestaurants, Type: "thing", ID: "@1"},
		{Class: ClassRestaurants, Type: "thing", ID: "a b"},
		{Class: ClassRestaurants, Group: "Bad:Group", Type: "thing", ID: "1"},
	} {
		if _, err := Get(context.Background(), c, k, src.loader("1")); !store.IsKind(err, store.EINVALID) {
			t.Errorf("key %+v: error = %v, want EINVALID", k, err)
		}
	}
}

func TestGet_UndecodableEntryIsReplacedFromTheSource(t *testing.T) {
	c, rdb := newCache(t)
	src := newRecord()
	src.set("1", 3)
	if err := rdb.Set(context.Background(), physicalKey(t, c, thingKey("1")), "garbage", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	if v := mustGet(t, c, thingKey("1"), src.loader("1")); v.Version != 3 {
		t.Fatalf("read = %d, want 3", v.Version)
	}
	raw := rdb.Get(context.Background(), physicalKey(t, c, thingKey("1"))).Val()
	if !strings.HasPrefix(raw, "V") || !strings.Contains(raw, `"version":3`) {
		t.Fatalf("slot = %q, want the loaded value", raw)
	}
}

func TestGet_NegativeEntryCostsOneLoadPerTTL(t *testing.T) {
	c, _ := newCache(t, func(cfg *Config) { cfg.NegativeTTL = 300 * time.Millisecond })
	src := newRecord()

	for range 50 {
		_, err := Get(context.Background(), c, thingKey("404"), src.loader("404"))
		wantKind(t, err, store.ENOTFOUND, "thing_not_found")
	}
	if n := src.loads.Load(); n != 1 {
		t.Fatalf("a flood of 50 reads for a missing ID loaded %d times, want 1", n)
	}
	if n := c.stats.ns[NamespaceRestaurants].counters[cNegativeHits].Load(); n != 49 {
		t.Fatalf("negative hits = %d, want 49", n)
	}

	time.Sleep(400 * time.Millisecond)
	_, err := Get(context.Background(), c, thingKey("404"), src.loader("404"))
	wantKind(t, err, store.ENOTFOUND, "")
	if n := src.loads.Load(); n != 2 {
		t.Fatalf("after the negative TTL the source loaded %d times in all, want 2", n)
	}
}

func TestGet_CreationEndsTheNegativeEntry(t *testing.T) {
	c, _ := newCache(t)
	src := newRecord()
	_, err := Get(context.Background(), c, RestaurantKey(77), src.loader("77"))
	wantKind(t, err, store.ENOTFOUND, "")

	src.set("77", 1)
	if _, err := c.OnEvent(context.Background(), Event{Type: EventRestaurantCreated, RestaurantID: 77}); err != nil {
		t.Fatal(err)
	}

	if v := mustGet(t, c, RestaurantKey(77), src.loader("77")); v.Version != 1 {
		t.Fatalf("read after creation = %+v, want the new record", v)
	}
}
