package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/dabba/dabba/store"
)

// Cache is dabba's enterprise cache over a Redis shared by every node. It is
// safe for concurrent use. Create it with New and stop it with Close.
type Cache struct {
	cfg     Config
	rdb     redis.UniversalClient
	keys    keyspace
	classes map[Class]classEntry
	// nsGenKeys are the namespaces' generation keys, spelled once (as the
	// one-element lists ungrouped entries read; never appended to).
	nsGenKeys map[Namespace][]string
	log       *slog.Logger

	breaker *Breaker
	// unwatchBreaker stops following the breaker (Close).
	unwatchBreaker func()
	// gens holds the namespace and group generations this node last saw,
	// by generation key. Every read checks them against Redis in the same
	// round trip, so a stale one costs a retry, never a stale read.
	gens    sync.Map
	flights flights
	// listeners is whether any node has a local tier listening for
	// invalidation messages; until the first flush says otherwise, assume so.
	listeners atomic.Bool
	seen      seenKeys
	tokens    *tokens

	stats   *recorder
	alerts  *alerter
	dirty   dirtySet
	warmers warmers
	local   *localTier

	recoverMu sync.Mutex
	runID     string // last Redis run_id seen by the monitor; monitor goroutine only

	// fills are the fills running behind their callers, at most
	// maxFillsBehind at once (fillSlots).
	fills     sync.WaitGroup
	fillSlots chan struct{}

	// bg lives as long as the cache; Close cancels it to stop the loops.
	bg        context.Context
	stopBg    context.CancelFunc
	reclaimCh chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// classEntry is a TTL class as this cache applies it.
type classEntry struct {
	ClassInfo
	// ttl is the lifetime after the profile and overrides.
	ttl time.Duration
}

// New starts a cache: it subscribes the local tier (when configured) and
// starts the background flush, monitor and reclaim loops. Redis being
// unreachable is not an error: the cache starts degraded.
func New(cfg Config) (*Cache, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cache{
		cfg:       cfg,
		rdb:       cfg.Redis,
		keys:      keyspace{prefix: cfg.Prefix},
		classes:   map[Class]classEntry{},
		nsGenKeys: map[Namespace][]string{},
		log:       cfg.Logger.With("component", "cache"),
		tokens:    newTokens(),
		reclaimCh: make(chan struct{}, 1),
		fillSlots: make(chan struct{}, maxFillsBehind),
	}
	c.listeners.Store(true)
	for _, ns := range Namespaces() {
		c.nsGenKeys[ns] = []string{c.keys.nsGen(ns)}
	}
	for _, ci := range Classes() {
		ttl := cfg.Profile.apply(ci.TTL)
		if d, ok := cfg.TTLOverrides[ci.Class]; ok {
			ttl = d
		}
		c.classes[ci.Class] = classEntry{ClassInfo: ci, ttl: ttl}
	}
	for class := range cfg.TTLOverrides {
		if _, ok := c.classes[class]; !ok {
			return nil, fmt.Errorf("cache: TTL override for unknown class %q", class)
		}
	}
	metrics, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("cache: register metrics: %w", err)
	}
	c.stats = newRecorder(metrics)
	c.alerts = newAlerter(c, metrics)
	c.breaker = cfg.Breaker
	if c.breaker == nil {
		c.breaker = Guard(cfg.Redis, BreakerConfig{})
	}
	c.unwatchBreaker = c.breaker.onChange(c.breakerChanged)
	if cfg.Source.Restaurants != nil {
		c.HandleWarm(NamespaceRestaurants, restaurantWarmer{cfg.Source.Restaurants})
		if cfg.Probe == nil {
			c.cfg.Probe = restaurantProbe{cfg.Source.Restaurants}
		}
		if cfg.Source.Menus != nil {
			c.HandleWarm(NamespaceStatic, menuWarmer{cfg.Source.Restaurants, cfg.Source.Menus})
		}
	}
	c.bg, c.stopBg = context.WithCancel(context.Background())
	if len(cfg.Local.Classes) > 0 {
		c.local = newLocalTier(c, cfg.Local)
	}
	c.wg.Add(3)
	go c.flushLoop()
	go c.monitorLoop()
	go c.reclaimLoop()
	return c, nil
}

// Close stops the background loops, waits for the fills still running and
// adds this node's last counters to the fleet figures. It does not close the Redis client, which the caller
// owns.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		c.unwatchBreaker()
		c.stopBg()
		c.wg.Wait()
		c.fills.Wait()
		c.local.close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.flush(ctx)
	})
	return nil
}

// TTL returns the lifetime of class under this cache's profile and
// overrides, before jitter.
func (c *Cache) TTL(class Class) (time.Duration, error) {
	ce, ok := c.classes[class]
	if !ok {
		return 0, store.Errorf(store.ENOTFOUND, "unknown_ttl_class", "cache TTL class %q does not exist", class)
	}
	return ce.ttl, nil
}

// jittered spreads d by ±Jitter.
func (c *Cache) jittered(d time.Duration) time.Duration {
	if c.cfg.Jitter <= 0 {
		return d
	}
	f := 1 + c.cfg.Jitter*(2*rand.Float64()-1)
	return time.Duration(float64(d) * f)
}

// errUnusable reports that the cache could not use Redis (unreachable,
// breaker open or recovery pending); readers fall back to the source, the
// endpoints answer EUNAVAILABLE.
var errUnusable = store.Errorf(store.EUNAVAILABLE, "cache_unavailable", "the cache is degraded: Redis is unreachable or recovering")

// Unreachable reports whether err says that Redis could not be used: it
// did not answer, or its breaker is open. Callers that only lose speed by
// it (hot state, events that are sent again) log it quietly: the cache
// reports the outage once, when the breaker opens.
func Unreachable(err error) bool {
	return errors.Is(err, ErrRedisUnavailable) || errors.Is(err, errUnusable)
}

// call runs one Redis interaction for namespace ns ("" for internal
// structures), which the client's breaker guards, and records its latency
// and failure.
func (c *Cache) call(ctx context.Context, ns Namespace, op string, fn func(context.Context) error) error {
	start := time.Now()
	err := fn(ctx)
	d := time.Since(start)
	if errors.Is(err, ErrRedisUnavailable) {
		return fmt.Errorf("cache %s: %w (%w)", op, err, errUnusable)
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		c.stats.add(ns, cRedisErrors, 1)
		// Both in the chain: the Redis error for logs, EUNAVAILABLE for
		// the HTTP layer.
		return fmt.Errorf("cache %s: %w (%w)", op, err, errUnusable)
	}
	if d > c.cfg.Alerts.SlowOperation {
		c.alerts.raise(Alert{Kind: AlertSlowOperation, Namespace: ns, Value: float64(d.Microseconds()) / 1000,
			Threshold: float64(c.cfg.Alerts.SlowOperation.Microseconds()) / 1000,
			Message:   fmt.Sprintf("cache %s took %s, above the %s target", op, d.Round(time.Microsecond), c.cfg.Alerts.SlowOperation)})
	}
	return err
}

// pipelined runs fn's commands in one round trip. A nil
// reply (redis.Nil) of a command is not a failure of the pipeline.
func (c *Cache) pipelined(ctx context.Context, ns Namespace, op string, fn func(redis.Pipeliner)) error {
	return c.call(ctx, ns, op, func(ctx context.Context) error {
		pipe := c.rdb.Pipeline()
		fn(pipe)
		_, err := pipe.Exec(ctx)
		if errors.Is(err, redis.Nil) {
			return nil
		}
		return err
	})
}

// usable reports whether reads may use Redis now: every namespace whose
// invalidation could not be delivered has been renewed (it runs that
// recovery when needed). An open breaker is noticed by the call itself.
func (c *Cache) usable(ctx context.Context) bool {
	return c.dirty.empty() || c.recover(ctx) == nil
}

// breakerChanged follows the breaker: opening is an alert; closing again
// flushes the local tier, whose invalidation messages may have been lost.
func (c *Cache) breakerChanged(from, to gobreaker.State) {
	c.stats.metrics.degraded.Set(boolFloat(to != gobreaker.StateClosed))
	switch to {
	case gobreaker.StateOpen:
		c.log.Warn("redis unreachable; serving from the source", "from", from.String())
		c.alerts.raise(Alert{Kind: AlertRedisUnavailable, Value: 1, Threshold: 0,
			Message: "Redis is unreachable; reads fall back to the source and writes are remembered for recovery"})
	case gobreaker.StateClosed:
		c.log.Info("redis reachable again")
		c.local.flushAll()
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// target is a key resolved against this cache's classes.
type target struct {
	key   Key
	class classEntry
	// nsGenKey and groupGenKey ("" when ungrouped) are the generation
	// counters the entry's physical key depends on; genKeys lists them.
	nsGenKey, groupGenKey string
	genKeys               []string
}

func (c *Cache) target(k Key) (target, error) {
	ce, ok := c.classes[k.Class]
	if !ok {
		return target{}, store.Errorf(store.EINVALID, "unknown_ttl_class", "cache TTL class %q does not exist", k.Class)
	}
	if err := k.validate(); err != nil {
		return target{}, err
	}
	t := target{key: k, class: ce, nsGenKey: c.nsGenKeys[ce.Namespace][0], genKeys: c.nsGenKeys[ce.Namespace]}
	if k.Group != "" {
		t.groupGenKey = c.keys.groupGen(ce.Namespace, k.Group)
		t.genKeys = []string{t.nsGenKey, t.groupGenKey}
	}
	return t, nil
}

func (t target) ns() Namespace { return t.class.Namespace }

// generations are the namespace and group generations an entry was
// addressed with.
type generations struct{ ns, group int64 }

func (c *Cache) gen(key string) int64 {
	if v, ok := c.gens.Load(key); ok {
		return v.(int64)
	}
	return 0
}

// believed returns the generations this node believes current for t.
func (c *Cache) believed(t target) generations {
	g := generations{ns: c.gen(t.nsGenKey)}
	if t.groupGenKey != "" {
		g.group = c.gen(t.groupGenKey)
	}
	return g
}

func (c *Cache) physical(t target, g generations) string {
	return c.keys.entry(t.ns(), t.key, g.ns, g.group)
}

// confirm compares the generations Redis returned (by MGET of genKeys) with
// those used, stores what Redis said, and reports whether they matched.
func (c *Cache) confirm(t target, used generations, vals []any) bool {
	got := generations{ns: parseGen(vals, 0)}
	if t.groupGenKey != "" {
		got.group = parseGen(vals, 1)
	}
	if got == used {
		return true
	}
	c.gens.Store(t.nsGenKey, got.ns)
	if t.groupGenKey != "" {
		c.gens.Store(t.groupGenKey, got.group)
	}
	return false
}

func parseGen(vals []any, i int) int64 {
	if i >= len(vals) {
		return 0
	}
	s, _ := vals[i].(string)
	if s == "" { // no counter yet: generation 0
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// maxGenerationRetries bounds how often an operation chases generations
// that keep moving under it (namespace clears in a tight loop).
const maxGenerationRetries = 4

var errGenerationsMoving = errors.New("generations kept moving")

// observe reads t's slot at the current generations in one round trip.
// Without a lease it is one MGET of the slot and the generations. With a
// lease it reads with SET NX GET, which claims an empty slot for the caller
// in the same command (found is false then).
func (c *Cache) observe(ctx context.Context, t target, lease string) (raw string, found bool, g generations, err error) {
	if lease != "" {
		var slotCmd *redis.StatusCmd
		g, err = c.atCurrent(ctx, t, "claim", func(p redis.Pipeliner, g generations) {
			slotCmd = p.SetArgs(ctx, c.physical(t, g), lease, redis.SetArgs{Mode: "NX", Get: true, TTL: c.cfg.LeaseTTL})
		})
		if err != nil {
			return "", false, g, err
		}
		raw, err = slotCmd.Result()
		if errors.Is(err, redis.Nil) {
			return "", false, g, nil
		}
		return raw, err == nil, g, err
	}
	for range maxGenerationRetries {
		g = c.believed(t)
		var vals []any
		err = c.call(ctx, t.ns(), "read", func(ctx context.Context) error {
			var err error
			vals, err = c.rdb.MGet(ctx, append([]string{c.physical(t, g)}, t.genKeys...)...).Result()
			return err
		})
		if err != nil {
			return "", false, g, err
		}
		if c.confirm(t, g, vals[1:]) {
			raw, found = vals[0].(string)
			return raw, found, g, nil
		}
	}
	return "", false, g, fmt.Errorf("cache read %s: %w", t.key, errGenerationsMoving)
}

// The slot script: replace or release a slot only if it still holds what
// the caller put or saw there (its header). With mode "commit" (a writer) a
// slot that changed hands is deleted, so of two racing writers neither can
// leave its value behind. KEYS[2], when given, is the entry's
// stale-if-error copy (see grace.go), stored with a stored value (for
// ARGV[5] ms) and deleted with a lost commit. It is kept to two Redis calls: Lua's per-call
// overhead is most of a fill's cost. Generations are not checked here: a
// reader's fill into a generation cleared meanwhile is unreachable anyway,
// and a writer reads them in the same round trip (see replace).
var slotScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, 1, #ARGV[1]) == ARGV[1] then
  if ARGV[2] == 'release' then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
    if KEYS[2] then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5]) end
  end
  return 1
end
if ARGV[2] == 'commit' then redis.call('DEL', unpack(KEYS)) end
return 0
`)

// slotMode says what to do with a slot that still holds the expected header.
type slotMode string

const (
	// modeFill stores the value; a lost slot is left alone (a reader).
	modeFill slotMode = "fill"
	// modeCommit stores the value; a lost slot is deleted (a writer).
	modeCommit slotMode = "commit"
	// modeRelease deletes the slot (a reader giving up its lease).
	modeRelease slotMode = "release"
)

// slotOutcome is what the slot script did.
type slotOutcome int

const (
	slotStored slotOutcome = iota
	// slotLost: the slot no longer held the expected header: an
	// invalidation or a writer came in between.
	slotLost
	// slotMoved: a writer's slot was handled, but the generations changed
	// meanwhile; the entry must be dropped at the new ones.
	slotMoved
)

// replace runs the slot script on t's slot at generations g. A commit also
// reads the generations in the same round trip.
func (c *Cache) replace(ctx context.Context, t target, g generations, expect string, mode slotMode, value []byte, ttl time.Duration) (slotOutcome, error) {
	keys := []string{c.physical(t, g)}
	args := []any{expect, string(mode), value, ttl.Milliseconds()}
	if mode != modeRelease && len(value) > 0 && value[0] == slotValue {
		keys = c.slotKeys(t, g)
		args = append(args, c.graceTTL(ttl).Milliseconds())
	}
	var code int64
	var genCmd *redis.SliceCmd
	var err error
	if mode == modeCommit {
		var cmd *redis.Cmd
		err = c.pipelined(ctx, t.ns(), "commit", func(p redis.Pipeliner) {
			cmd = slotScript.Eval(ctx, p, keys, args...)
			genCmd = p.MGet(ctx, t.genKeys...)
		})
		if err == nil {
			code, err = cmd.Int64()
		}
	} else {
		err = c.call(ctx, t.ns(), "fill", func(ctx context.Context) error {
			var err error
			code, err = slotScript.Run(ctx, c.rdb, keys, args...).Int64()
			return err
		})
	}
	switch {
	case err != nil:
		return slotLost, err
	case genCmd != nil && !c.confirm(t, g, genCmd.Val()):
		return slotMoved, nil
	case code == 1:
		return slotStored, nil
	}
	return slotLost, nil
}

// atCurrent runs cmds on t's slot at the generations this node believes,
// pipelined with a read of the generations, and runs them again at the
// real ones until the two agree. It returns the generations used.
func (c *Cache) atCurrent(ctx context.Context, t target, op string, cmds func(p redis.Pipeliner, g generations)) (generations, error) {
	for range maxGenerationRetries {
		g := c.believed(t)
		var genCmd *redis.SliceCmd
		err := c.pipelined(ctx, t.ns(), op, func(p redis.Pipeliner) {
			cmds(p, g)
			genCmd = p.MGet(ctx, t.genKeys...)
		})
		if err != nil {
			return g, err
		}
		if c.confirm(t, g, genCmd.Val()) {
			return g, nil
		}
	}
	return generations{}, fmt.Errorf("cache %s %s: %w", op, t.key, errGenerationsMoving)
}

// drop deletes t's slot (value, negative entry or lease) at the current
// generations.
func (c *Cache) drop(ctx context.Context, t target) error {
	_, err := c.atCurrent(ctx, t, "invalidate", func(p redis.Pipeliner, g generations) { p.Del(ctx, c.slotKeys(t, g)...) })
	return err
}

// dirtySet remembers namespaces whose invalidation could not be delivered;
// they are renewed (generation bump) before Redis serves reads again.
type dirtySet struct {
	mu sync.Mutex
	ns map[Namespace]bool
	// some mirrors len(ns) > 0 for the read path, which asks on every read.
	some atomic.Bool
}

// mark adds ns and reports whether it was not in the set yet.
func (d *dirtySet) mark(ns Namespace) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ns == nil {
		d.ns = map[Namespace]bool{}
	}
	added := !d.ns[ns]
	d.ns[ns] = true
	d.some.Store(true)
	return added
}

func (d *dirtySet) empty() bool { return !d.some.Load() }

func (d *dirtySet) list() []Namespace {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Namespace, 0, len(d.ns))
	for _, ns := range Namespaces() {
		if d.ns[ns] {
			out = append(out, ns)
		}
	}
	return out
}

func (d *dirtySet) clear(done []Namespace) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ns := range done {
		delete(d.ns, ns)
	}
	d.some.Store(len(d.ns) > 0)
}

// undelivered records that an invalidation in ns did not reach Redis: the
// namespace is renewed on recovery, and until then reads skip Redis.
// Only the first in each namespace is a warning: an outage makes one per
// write.
func (c *Cache) undelivered(ns Namespace, err error) {
	level := slog.LevelDebug
	if c.dirty.mark(ns) {
		level = slog.LevelWarn
	}
	c.log.Log(context.Background(), level, "cache invalidation not delivered; namespace will be renewed on recovery", "namespace", ns, "error", err)
}

// recover renews every namespace with an undelivered invalidation by
// bumping its generation, so nothing written before the outage is served
// again. It is the only way out of the dirty state.
func (c *Cache) recover(ctx context.Context) error {
	c.recoverMu.Lock()
	defer c.recoverMu.Unlock()
	pending := c.dirty.list()
	if len(pending) == 0 {
		return nil
	}
	ctx = store.WithPrincipal(ctx, store.System())
	renewed, err := c.renew(ctx, pending, "recovery: invalidations not delivered while Redis was unreachable")
	if err != nil {
		return err
	}
	c.dirty.clear(pending)
	c.log.Info("cache recovered: namespaces renewed", "namespaces", renewed)
	return nil
}
