package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/postgres"
)

// benchCacheConfig is what `dabba bench cache` measures.
type benchCacheConfig struct {
	// Restaurants to seed; requests pick among them uniformly.
	Restaurants int
	// Requests per mode in the measured phase.
	Requests int
	// Concurrency is how many clients send requests at once.
	Concurrency int
	// LocalStaleness, when positive, adds a mode whose cache also holds
	// restaurant details in the in-process tier with this staleness cap
	// (dabba serve runs without the tier).
	LocalStaleness time.Duration
}

// runBenchCache is `dabba bench cache`: GET /restaurants/{id} end to end
// over HTTP with the cache on and off, the measurement of issue 3 (target:
// cached reads at least 10× faster than uncached at p50). It runs API
// servers in this process over one database — one straight from
// PostgreSQL, as with --no-cache; one reading through the cache, as `dabba
// serve` does; and one whose cache also keeps restaurants in process — and
// prints p50, p99, mean, throughput and hit ratio of each, and the
// speed-ups. It needs real servers: DATABASE_URL (it seeds a scratch schema
// there and drops it after) and REDIS_URL (it writes under a key prefix of
// its own and removes it after).
func runBenchCache(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dabba bench cache", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	var bench benchCacheConfig
	fs.IntVar(&bench.Restaurants, "restaurants", 300, "restaurants to seed and read")
	fs.IntVar(&bench.Requests, "requests", 20000, "requests per mode in the measured phase")
	fs.IntVar(&bench.Concurrency, "concurrency", 4, "clients sending requests at once")
	fs.DurationVar(&bench.LocalStaleness, "local-staleness", 5*time.Second,
		"staleness cap of the mode with the in-process tier; 0 leaves that mode out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" || cfg.RedisURL == "" {
		return errors.New("bench cache: set DATABASE_URL and REDIS_URL (or --database-url and --redis-url) to the servers to measure")
	}
	if bench.Restaurants < 1 || bench.Requests < 1 || bench.Concurrency < 1 {
		return errors.New("bench cache: -restaurants, -requests and -concurrency must be positive")
	}
	// The servers log every request at info level; the measurement should
	// not pay for that.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

	db, dropSchema, err := scratchDatabase(ctx, cfg.DatabaseURL, "dabba_bench_"+randomHex(4), int32(max(cfg.DBMaxConns, 2*bench.Concurrency)))
	if err != nil {
		return err
	}
	defer dropSchema()
	ids, err := seedRestaurants(ctx, db.Services().Restaurants, bench.Restaurants)
	if err != nil {
		return err
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("bench cache: parse REDIS_URL: %w", err)
	}
	opt.PoolSize = max(opt.PoolSize, 2*bench.Concurrency)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	prefix := "dabba-bench-" + randomHex(4)
	defer unlinkPrefix(context.WithoutCancel(ctx), rdb, prefix)

	modes := []*benchMode{{name: "no cache", services: db.Services()}}
	caches := []cache.LocalConfig{{}}
	if bench.LocalStaleness > 0 {
		caches = append(caches, cache.LocalConfig{Classes: map[cache.Class]time.Duration{cache.ClassRestaurants: bench.LocalStaleness}})
	}
	for i, local := range caches {
		// Keys of their own, so each mode's figures are its own.
		c, err := cache.New(cache.Config{Redis: rdb, Prefix: fmt.Sprintf("%s-%d", prefix, i), Source: db.Services(), Local: local,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return fmt.Errorf("bench cache: %w", err)
		}
		defer c.Close()
		name := "cache"
		if len(local.Classes) > 0 {
			name = "cache+local"
		}
		modes = append(modes, &benchMode{name: name, services: c.Services(), cache: c})
	}
	tokens, err := api.NewTokens([]byte(randomHex(32)))
	if err != nil {
		return err
	}
	token, err := tokens.Mint(store.Principal{Role: store.RoleCustomer, ID: 1}, time.Hour)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: bench.Concurrency}}
	for _, m := range modes {
		stop, err := m.serve(ctx, tokens)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Fprintf(stdout, "dabba bench cache: GET /restaurants/{id} over HTTP, %d restaurants, %d requests per mode, %d concurrent\n\n",
		bench.Restaurants, bench.Requests, bench.Concurrency)
	// Every mode reads every restaurant once first: connections open, the
	// caches fill, PostgreSQL's own caches warm. Then all read the same
	// random sequence.
	for _, m := range modes {
		if _, err := m.measure(ctx, client, token, ids, 1); err != nil {
			return err
		}
	}
	pick := rand.New(rand.NewPCG(1, 2))
	sequence := make([]int64, bench.Requests)
	for i := range sequence {
		sequence[i] = ids[pick.IntN(len(ids))]
	}
	results := make([]benchResult, len(modes))
	for i, m := range modes {
		if results[i], err = m.measure(ctx, client, token, sequence, bench.Concurrency); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%-12s %10s %10s %10s %8s %10s\n", "mode", "p50", "p99", "mean", "req/s", "hit ratio")
	for i, m := range modes {
		r := results[i]
		hits := "-"
		if m.cache != nil {
			hits = fmt.Sprintf("%.1f%%", 100*r.hitRatio)
		}
		fmt.Fprintf(stdout, "%-12s %10s %10s %10s %8.0f %10s\n", m.name, ms3(r.p50), ms3(r.p99), ms3(r.mean), r.perSecond, hits)
	}
	fmt.Fprintln(stdout)
	off := results[0]
	for i, m := range modes[1:] {
		on := results[i+1]
		fmt.Fprintf(stdout, "speed-up of %s: %.1f× at p50, %.1f× at p99\n", m.name, ratioOf(off.p50, on.p50), ratioOf(off.p99, on.p99))
	}
	fmt.Fprintln(stdout, "target (issue 3): cached reads at least 10× faster than uncached at p50")
	return nil
}

// benchMode is one API server under measurement.
type benchMode struct {
	name     string
	services store.Services
	// cache is set when the server reads through it.
	cache *cache.Cache
	base  string
}

// serve starts the mode's API server on a free local port.
func (m *benchMode) serve(ctx context.Context, tokens *api.Tokens) (stop func(), err error) {
	deps := api.Deps{Services: m.services, Tokens: tokens, Metrics: prometheus.NewRegistry()}
	if m.cache != nil {
		deps.Cache = m.cache
	}
	handler, err := api.New(api.DefaultConfig(), deps)
	if err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench cache: listen: %w", err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() { _ = srv.Serve(ln) }()
	m.base = "http://" + ln.Addr().String()
	return func() { _ = srv.Close() }, nil
}

// benchResult is one mode's measured figures.
type benchResult struct {
	p50, p99, mean time.Duration
	perSecond      float64
	// hitRatio is the share of the restaurant reads the cache served.
	hitRatio float64
}

// measure reads the restaurants of sequence, in order, from concurrency
// clients, and summarises the latencies and the cache's hit ratio.
func (m *benchMode) measure(ctx context.Context, client *http.Client, token string, sequence []int64, concurrency int) (benchResult, error) {
	before, err := m.restaurantStats(ctx)
	if err != nil {
		return benchResult{}, err
	}
	latencies := make([]time.Duration, len(sequence))
	var next atomic.Int64
	var failed error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(sequence) || ctx.Err() != nil {
					return
				}
				d, err := m.get(ctx, client, token, sequence[i])
				if err != nil {
					once.Do(func() { failed = err })
					return
				}
				latencies[i] = d
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed != nil {
		return benchResult{}, failed
	}
	if err := ctx.Err(); err != nil {
		return benchResult{}, err
	}
	after, err := m.restaurantStats(ctx)
	if err != nil {
		return benchResult{}, err
	}
	slices.Sort(latencies)
	var sum time.Duration
	for _, d := range latencies {
		sum += d
	}
	reads, hits := after.Reads-before.Reads, after.Hits+after.LocalHits-before.Hits-before.LocalHits
	return benchResult{p50: latencies[len(latencies)/2], p99: latencies[len(latencies)*99/100],
		mean: sum / time.Duration(len(latencies)), perSecond: float64(len(sequence)) / elapsed.Seconds(),
		hitRatio: float64(hits) / float64(max(reads, 1))}, nil
}

// get reads one restaurant and returns how long the whole exchange took.
func (m *benchMode) get(ctx context.Context, client *http.Client, token string, id int64) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.base+"/restaurants/"+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench cache: GET restaurant %d (%s): %w", id, m.name, err)
	}
	_, err = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("bench cache: read restaurant %d (%s): %w", id, m.name, err)
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("bench cache: GET restaurant %d (%s): status %d", id, m.name, res.StatusCode)
	}
	return d, nil
}

// scratchDatabase creates schema on the PostgreSQL at serverURL, migrates
// it and opens a pool whose connections use it; drop removes it again.
func scratchDatabase(ctx context.Context, serverURL, schema string, maxConns int32) (*postgres.DB, func(), error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, nil, errors.New("bench cache: DATABASE_URL must be a postgres:// URL")
	}
	admin, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return nil, nil, fmt.Errorf("bench cache: connect to PostgreSQL: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		return nil, nil, fmt.Errorf("bench cache: create schema %s: %w", schema, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench cache: schema %s left behind: %v\n", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "bench cache: schema %s left behind: %v\n", schema, err)
		}
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String(), postgres.Config{MaxConns: maxConns, ApplicationName: "dabba-bench"})
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("bench cache: %w", err)
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		db.Close()
		drop()
		return nil, nil, fmt.Errorf("bench cache: migrate schema %s: %w", schema, err)
	}
	return db, func() { db.Close(); drop() }, nil
}

// seedRestaurants opens n restaurants around Bengaluru, open all week.
func seedRestaurants(ctx context.Context, svc store.RestaurantService, n int) ([]int64, error) {
	hours := make([]store.OpeningHours, 0, 7)
	for d := range 7 {
		hours = append(hours, store.OpeningHours{Weekday: d, Opens: "00:00", Closes: "24:00"})
	}
	cuisines := []string{"biryani", "south indian", "chinese", "pizza", "desserts", "north indian"}
	ids := make([]int64, 0, n)
	for i := range n {
		r, err := svc.CreateRestaurant(ctx, store.RestaurantInput{
			Name: fmt.Sprintf("Bench Kitchen %d", i+1), Cuisine: cuisines[i%len(cuisines)],
			Address:  fmt.Sprintf("%d Residency Rd, Bengaluru 560025", i+1),
			Location: store.Point{Lat: 12.90 + float64(i%100)/1000, Lng: 77.55 + float64(i/100)/100},
			Timezone: "Asia/Kolkata", OpeningHours: hours, DeliveryRadiusM: 5000,
			MinimumOrder: store.Money{Amount: 20000, Currency: "INR"}, DeliveryFee: store.Money{Amount: 3000, Currency: "INR"},
		})
		if err != nil {
			return nil, fmt.Errorf("bench cache: seed restaurant %d: %w", i+1, err)
		}
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// restaurantStats reads the restaurants namespace's fleet-wide counts; zero
// without a cache.
func (m *benchMode) restaurantStats(ctx context.Context) (cache.NamespaceStats, error) {
	if m.cache == nil {
		return cache.NamespaceStats{}, nil
	}
	report, err := m.cache.NamespaceStats(ctx)
	if err != nil {
		return cache.NamespaceStats{}, fmt.Errorf("bench cache: read cache stats: %w", err)
	}
	for _, s := range report.Namespaces {
		if s.Namespace == cache.NamespaceRestaurants {
			return s, nil
		}
	}
	return cache.NamespaceStats{}, errors.New("bench cache: no restaurants namespace in the cache stats")
}

// unlinkPrefix removes every key starting with prefix, with SCAN and UNLINK.
func unlinkPrefix(ctx context.Context, rdb *redis.Client, prefix string) {
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 1000 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// ms3 renders d in milliseconds with three decimals.
func ms3(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }

// ratioOf is how many times slower is than fast.
func ratioOf(slow, fast time.Duration) float64 {
	if fast <= 0 {
		return 0
	}
	return float64(slow) / float64(fast)
}
