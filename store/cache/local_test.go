package cache

import (
	"context"
	"strings"
	"testing"
	"time"
)

// waitServing waits until the nodes' local tiers serve: two flush intervals
// after subscribing, when every node has learnt that they listen.
func waitServing(t *testing.T, nodes ...*Cache) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range nodes {
		for !c.local.serving.Load() || !c.listeners.Load() {
			if time.Now().After(deadline) {
				t.Fatal("local tier never started serving")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestLocalTier_WaitsForTheFleetToLearnOfItBeforeServing(t *testing.T) {
	c, _ := newCache(t, func(cfg *Config) {
		cfg.Local = LocalConfig{Classes: map[Class]time.Duration{ClassRestaurants: time.Minute}}
	})
	src := newRecord()
	src.set("1", 1)
	for range 3 {
		mustGet(t, c, RestaurantKey(1), src.loader("1"))
	}
	if n := c.stats.ns[NamespaceRestaurants].counters[cLocalHits].Load(); n != 0 {
		t.Fatalf("served %d reads from a tier the fleet does not know of yet", n)
	}
}

func TestPublish_SkippedWhileNobodyListens(t *testing.T) {
	ctx := context.Background()
	c, rdb := newCache(t)
	if err := c.flush(ctx); err != nil {
		t.Fatal(err)
	}
	sub := rdb.Subscribe(ctx, c.invalidationChannel())
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if c.listeners.Load() {
		t.Fatal("a node believes someone listens before any flush saw a subscriber")
	}
	if err := c.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.listeners.Load() {
		t.Fatal("a flush did not notice the subscriber")
	}
	if _, err := c.InvalidateRestaurant(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil || !strings.Contains(msg.Payload, "restaurant:1") {
		t.Fatalf("message = %v, %v; want the invalidation of restaurant 1", msg, err)
	}
}

func TestLocalTier_ServesHotReadsAndFollowsWritesOnEveryNode(t *testing.T) {
	ctx := context.Background()
	local := func(cfg *Config) {
		cfg.Local = LocalConfig{Classes: map[Class]time.Duration{ClassRestaurants: time.Minute}}
		cfg.FlushInterval = 20 * time.Millisecond
	}
	a, rdb := newCache(t, local)
	b := newCacheOn(t, rdb, a.cfg.Prefix, local)
	waitServing(t, a, b)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, a, RestaurantKey(1), src.loader("1"))
	mustGet(t, b, RestaurantKey(1), src.loader("1"))
	mustGet(t, a, RestaurantKey(1), src.loader("1"))
	if n := a.stats.ns[NamespaceRestaurants].counters[cLocalHits].Load(); n != 1 {
		t.Fatalf("local hits on node a = %d, want 1", n)
	}

	if _, err := WriteThrough(ctx, b, RestaurantKey(1), src.write("1", 2)); err != nil {
		t.Fatal(err)
	}
	if v := mustGet(t, b, RestaurantKey(1), src.loader("1")); v.Version != 2 {
		t.Fatalf("the writing node read %d after its write, want 2", v.Version)
	}
	// The other node hears of the write by pub/sub, long before its
	// one-minute staleness cap.
	deadline := time.Now().Add(5 * time.Second)
	for mustGet(t, a, RestaurantKey(1), src.loader("1")).Version != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the other node's local tier never dropped the old value")
		}
		time.Sleep(10 * time.Millisecond)
	}

	if _, err := a.ClearRestaurants(ctx); err != nil {
		t.Fatal(err)
	}
	if st := a.DetailedHealth(ctx).LocalTier; st == nil || st.Entries != 0 || st.MaxEntries != 10000 || len(st.Classes) != 1 {
		t.Fatalf("local tier after a clear = %+v, want empty", st)
	}
}

func TestLocalTier_EntryExpiresAtItsStalenessCap(t *testing.T) {
	c, _ := newCache(t, func(cfg *Config) {
		cfg.Local = LocalConfig{Classes: map[Class]time.Duration{ClassMenuItems: 50 * time.Millisecond}}
		cfg.FlushInterval = 20 * time.Millisecond
	})
	waitServing(t, c)
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, MenuItemKey(1), src.loader("1"))
	time.Sleep(80 * time.Millisecond)
	mustGet(t, c, MenuItemKey(1), src.loader("1"))

	if n := c.stats.ns[NamespaceStatic].counters[cLocalHits].Load(); n != 0 {
		t.Fatalf("served %d reads from an entry past its staleness cap", n)
	}
}
