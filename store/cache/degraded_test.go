package cache

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache/redistest"
)

// privateCache is a cache over a private, persistent redis-server the test
// may stop and restart, with a quick breaker, and a client of the server
// of the test's own, which no breaker guards, to look at what it holds.
func privateCache(t *testing.T) (*Cache, *redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.StartServer(t, redistest.Persistent())
	client := func() *redis.Client {
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1,
			DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
		t.Cleanup(func() { _ = rdb.Close() })
		return rdb
	}
	rdb := client()
	c := newCacheOn(t, rdb, "degraded", func(cfg *Config) {
		cfg.Breaker = Guard(rdb, BreakerConfig{Failures: 3, OpenFor: 300 * time.Millisecond})
	})
	return c, srv, client()
}

func TestRedisOutage_ReadsFallBackWritesSucceedAndNothingStaleAfterwards(t *testing.T) {
	ctx := context.Background()
	c, srv, rdb := privateCache(t)
	src := newRecord()
	src.set("1", 1)
	key := thingKey("1")
	mustGet(t, c, key, src.loader("1"))
	cachedAt := physicalKey(t, c, key)

	srv.Stop()

	if _, err := WriteThrough(ctx, c, key, src.write("1", 2)); err != nil {
		t.Fatalf("write during the outage failed: %v", err)
	}
	for range 10 {
		if v := mustGet(t, c, key, src.loader("1")); v.Version != 2 {
			t.Fatalf("read during the outage = %d, want 2 from the source", v.Version)
		}
	}
	if got := c.breaker.State(); got != gobreaker.StateOpen {
		t.Fatalf("breaker = %s after repeated failures, want open", got)
	}
	if h := c.Health(ctx); h.Status != "degraded" || h.Redis != "down" {
		t.Fatalf("health = %+v, want degraded with Redis down", h)
	}
	_, err := c.NamespaceStats(ctx)
	wantKind(t, err, store.EUNAVAILABLE, "cache_unavailable")
	_, err = c.ClearOrders(ctx)
	wantKind(t, err, store.EUNAVAILABLE, "cache_unavailable")
	failures := c.stats.ns[NamespaceRestaurants].counters[cRedisErrors].Load()
	for range 20 {
		mustGet(t, c, key, src.loader("1"))
	}
	if after := c.stats.ns[NamespaceRestaurants].counters[cRedisErrors].Load(); after != failures {
		t.Fatalf("Redis was called %d more times with the breaker open", after-failures)
	}

	srv.Start()
	if raw := rdb.Get(ctx, cachedAt).Val(); raw == "" {
		t.Fatal("the restarted Redis lost the old entry; the test could not catch a stale read")
	}

	deadline := time.Now().Add(5 * time.Second)
	for c.Health(ctx).Status != "healthy" || c.breaker.State() != gobreaker.StateClosed {
		if v := mustGet(t, c, key, src.loader("1")); v.Version != 2 {
			t.Fatalf("read after Redis returned = %d, want 2: the entry from before the outage was served", v.Version)
		}
		if time.Now().After(deadline) {
			t.Fatalf("cache did not recover: %+v", c.DetailedHealth(ctx))
		}
		time.Sleep(20 * time.Millisecond)
	}
	loads := src.loads.Load()
	for range 3 {
		if v := mustGet(t, c, key, src.loader("1")); v.Version != 2 {
			t.Fatalf("read after recovery = %d, want 2", v.Version)
		}
	}
	if src.loads.Load() > loads+1 {
		t.Fatalf("after recovery reads are not served from the cache (%d loads for 3 reads)", src.loads.Load()-loads)
	}
	audit, err := c.Audit(ctx, AuditQuery{Namespace: NamespaceRestaurants})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit.Entries) == 0 || audit.Entries[0].Action != AuditRenew {
		t.Fatalf("audit = %+v, want the recovery's renewal first", audit.Entries)
	}
}

func TestRedisRestart_RenewsEveryNamespace(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := privateCache(t)
	c.monitor(ctx) // learns the server's run_id

	srv.Stop()
	srv.Start()
	c.monitor(ctx)

	gens, err := c.Generations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		if g.Generation != 1 {
			t.Errorf("namespace %s at generation %d after a restart, want 1", g.Namespace, g.Generation)
		}
	}
}
