package cache

import (
	"context"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	gocache "github.com/go-redis/cache/v9"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache/redistest"
)

// The benchmarks run dabba's cache and github.com/go-redis/cache/v9 side by
// side on the same Redis, with the same value (a restaurant, ~600 bytes of
// JSON) and no in-process tier on either side:
//
//	go test -run '^$' -bench . -benchtime 20000x -count 6 ./store/cache/ | benchstat -col /impl -
//
// get-hit reads a cached key through each library's cache-aside call (Get
// with a loader; go-redis/cache's Once). get-miss-and-fill reads a new key
// each time, so every call loads and fills. set stores a value.
//
// On a busy machine the two columns drift apart with the load;
// BenchmarkCachePaired runs both in alternation within one loop and
// reports each one's median and their ratio, which the load cancels out of:
//
//	go test -run '^$' -bench CachePaired -benchtime 5000x ./store/cache/

func sampleRestaurant() *store.Restaurant {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return &store.Restaurant{ID: 12, Name: "Meghana Foods", Cuisine: "biryani", Address: "124 Residency Rd, Bengaluru 560025",
		Location: store.Point{Lat: 12.9716, Lng: 77.5946}, Timezone: "Asia/Kolkata",
		OpeningHours: []store.OpeningHours{{Weekday: 1, Opens: "11:00", Closes: "23:00"}, {Weekday: 2, Opens: "11:00", Closes: "23:00"},
			{Weekday: 5, Opens: "11:00", Closes: "01:00"}},
		DeliveryRadiusM: 5000, MinimumOrder: store.Money{Amount: 19900, Currency: "INR"},
		DeliveryFee: store.Money{Amount: 3900, Currency: "INR"}, Rating: store.Rating{Average: 4.4, Count: 1287},
		CreatedAt: at, UpdatedAt: at}
}

// contenders are dabba's cache and go-redis/cache on the same Redis, with
// the three operations of each.
type contenders struct {
	dabba, goRedis struct{ hit, missAndFill, set func() error }
}

func newContenders(b *testing.B) contenders {
	ctx := context.Background()
	rdb, prefix := redistest.New(b)
	c := newCacheOn(b, rdb, prefix)
	// A running node learns within one flush that no local tier listens
	// for invalidation messages.
	if err := c.flush(ctx); err != nil {
		b.Fatal(err)
	}
	gc := gocache.New(&gocache.Options{Redis: rdb})
	value := sampleRestaurant()
	load := func(context.Context) (*store.Restaurant, error) { return value, nil }
	goKey := func(id int64) string { return prefix + ":go-redis-cache:restaurant:" + strconv.FormatInt(id, 10) }
	goOnce := func(key string) error {
		var dst store.Restaurant
		return gc.Once(&gocache.Item{Ctx: ctx, Key: key, Value: &dst, TTL: time.Hour,
			Do: func(*gocache.Item) (any, error) { return value, nil }})
	}
	// Every miss is for a key no run has used: benchmarks may run several
	// times under one prefix.
	var next atomic.Int64
	next.Store(1000)
	var k contenders
	k.dabba.hit = func() error { _, err := Get(ctx, c, RestaurantKey(1), load); return err }
	k.dabba.missAndFill = func() error { _, err := Get(ctx, c, RestaurantKey(next.Add(1)), load); return err }
	k.dabba.set = func() error { return Set(ctx, c, RestaurantKey(2), value) }
	k.goRedis.hit = func() error { return goOnce(goKey(1)) }
	k.goRedis.missAndFill = func() error { return goOnce(goKey(next.Add(1))) }
	k.goRedis.set = func() error {
		return gc.Set(&gocache.Item{Ctx: ctx, Key: goKey(2), Value: value, TTL: time.Hour})
	}
	return k
}

// row is one operation of both contenders.
type row struct {
	op            string
	dabba, theirs func() error
}

func (k contenders) rows() []row {
	return []row{
		{"get-hit", k.dabba.hit, k.goRedis.hit},
		{"get-miss-and-fill", k.dabba.missAndFill, k.goRedis.missAndFill},
		{"set", k.dabba.set, k.goRedis.set},
	}
}

func BenchmarkCache(b *testing.B) {
	k := newContenders(b)
	for _, row := range k.rows() {
		for _, impl := range []struct {
			name string
			op   func() error
		}{{"dabba", row.dabba}, {"go-redis-cache", row.theirs}} {
			op := impl.op
			b.Run("op="+row.op+"/impl="+impl.name, func(b *testing.B) {
				if err := op(); err != nil { // warm: the key of get-hit is cached
					b.Fatal(err)
				}
				for b.Loop() {
					if err := op(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkCachePaired(b *testing.B) {
	k := newContenders(b)
	for _, row := range k.rows() {
		b.Run("op="+row.op, func(b *testing.B) {
			timed := func(op func() error, into *[]time.Duration) {
				start := time.Now()
				if err := op(); err != nil {
					b.Fatal(err)
				}
				*into = append(*into, time.Since(start))
			}
			var ours, theirs []time.Duration
			timed(row.dabba, &ours)
			timed(row.theirs, &theirs)
			for b.Loop() {
				timed(row.dabba, &ours)
				timed(row.theirs, &theirs)
			}
			median := func(d []time.Duration) float64 {
				slices.Sort(d)
				return float64(d[len(d)/2].Nanoseconds())
			}
			b.ReportMetric(median(ours), "dabba-p50-ns")
			b.ReportMetric(median(theirs), "go-redis-cache-p50-ns")
			b.ReportMetric(median(ours)/median(theirs), "ratio")
		})
	}
}
