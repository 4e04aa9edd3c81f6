package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache/redistest"
)

// newCache returns a cache over the shared test Redis under a prefix of the
// test's own, with its background loops slowed down so tests drive flushes
// themselves. adjust may change the config before New.
func newCache(t testing.TB, adjust ...func(*Config)) (*Cache, *redis.Client) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	return newCacheOn(t, rdb, prefix, adjust...), rdb
}

// newCacheOn returns a cache over rdb under prefix: a second node of the
// same fleet when prefix is shared.
func newCacheOn(t testing.TB, rdb redis.UniversalClient, prefix string, adjust ...func(*Config)) *Cache {
	t.Helper()
	cfg := Config{Redis: rdb, Prefix: prefix, FlushInterval: time.Hour, MonitorInterval: time.Hour,
		Secret: []byte("test-secret-test-secret-test-secret!"), Logger: slog.New(slog.DiscardHandler)}
	for _, a := range adjust {
		a(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("new cache: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// record is a tiny system of record: one versioned value per ID, with a
// count of reads. It stands for PostgreSQL in engine tests.
type record struct {
	mu     sync.Mutex
	values map[string]int
	loads  atomic.Int64
	onLoad func(id string) // runs inside the load, after the value is read
}

func newRecord() *record { return &record{values: map[string]int{}} }

type versioned struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

func (r *record) loader(id string) Loader[versioned] {
	return func(ctx context.Context) (versioned, error) {
		r.loads.Add(1)
		r.mu.Lock()
		v, ok := r.values[id]
		r.mu.Unlock()
		if r.onLoad != nil {
			r.onLoad(id)
		}
		if !ok {
			return versioned{}, store.NotFound("thing", 0)
		}
		return versioned{ID: id, Version: v}, nil
	}
}

func (r *record) write(id string, version int) Loader[versioned] {
	return func(ctx context.Context) (versioned, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.values[id] = version
		return versioned{ID: id, Version: version}, nil
	}
}

func (r *record) set(id string, version int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.values[id] = version
}

func (r *record) current(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.values[id]
}

// thingKey is a key in the restaurants namespace for engine tests.
func thingKey(id string) Key { return Key{Class: ClassRestaurants, Type: "thing", ID: id} }

func mustGet(t testing.TB, c *Cache, k Key, load Loader[versioned]) versioned {
	t.Helper()
	v, err := Get(context.Background(), c, k, load)
	if err != nil {
		t.Fatalf("get %s: %v", k, err)
	}
	c.fills.Wait() // the fill runs behind the read; tests look at Redis next
	return v
}

func wantKind(t testing.TB, err error, kind store.ErrorKind, code string) {
	t.Helper()
	var e *store.Error
	if !errors.As(err, &e) || e.Kind != kind || (code != "" && e.Code != code) {
		t.Fatalf("error = %v, want %s (%s)", err, kind, code)
	}
}

// physicalKey returns the Redis key of k at the generations Redis holds now.
func physicalKey(t testing.TB, c *Cache, k Key) string {
	t.Helper()
	tg, err := c.target(k)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := c.rdb.MGet(context.Background(), tg.genKeys...).Result()
	if err != nil {
		t.Fatal(err)
	}
	return c.physical(tg, generations{ns: parseGen(vals, 0), group: parseGen(vals, 1)})
}
