package cache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// Loader reads a value from the system of record. A loader that returns an
// ENOTFOUND error has the absence cached for Config.NegativeTTL.
type Loader[T any] func(ctx context.Context) (T, error)

// Option adjusts one pattern call.
type Option[T any] func(*options[T])

type options[T any] struct {
	decide func(T) (Class, bool)
	then   func(T) Event
}

// When makes caching conditional: decide looks at the loaded (or written)
// value and says whether to cache it and under which TTL class. Only the
// class's lifetime is used; the entry stays in its key's namespace. For
// example an order is cached under the orders class once delivered and
// under the short order_status class before.
func When[T any](decide func(v T) (ttl Class, cache bool)) Option[T] {
	return func(o *options[T]) { o.decide = decide }
}

// Then names the domain event a write-through caused, so its cascade
// (event.go) runs right after the new value is stored. The written key
// itself is kept, not invalidated again.
func Then[T any](event func(v T) Event) Option[T] {
	return func(o *options[T]) { o.then = event }
}

func collect[T any](opts []Option[T]) options[T] {
	if len(opts) == 0 {
		return options[T]{}
	}
	o := &options[T]{}
	for _, opt := range opts {
		opt(o)
	}
	return *o
}

// Pattern names a caching pattern, for the live figures of each.
type Pattern string

// The patterns.
const (
	PatternCacheAside   Pattern = "cache_aside"
	PatternReadThrough  Pattern = "read_through"
	PatternWriteThrough Pattern = "write_through"
	PatternSession      Pattern = "session"
	PatternConditional  Pattern = "conditional"
)

// Patterns lists the patterns.
func Patterns() []Pattern {
	return []Pattern{PatternCacheAside, PatternReadThrough, PatternWriteThrough, PatternSession, PatternConditional}
}

// readPattern classifies a cache-aside read for the live figures.
func readPattern(t target, conditional bool) Pattern {
	switch {
	case conditional:
		return PatternConditional
	case t.ns() == NamespaceSessions && strings.HasPrefix(t.key.Group, "customer-"):
		return PatternSession
	}
	return PatternCacheAside
}

// loaded is a value read from the source, encoded and judged.
type loaded struct {
	payload []byte
	ttl     time.Duration
	cache   bool
	// value is the value itself, returned as is to the caller that loaded
	// it (no decode of what was just encoded).
	value any
}

// loadFunc is a Loader whose value is encoded and judged.
type loadFunc func(ctx context.Context) (loaded, error)

// judge encodes v and applies conditional caching.
func judge[T any](c *Cache, t target, v T, decide func(T) (Class, bool)) (loaded, error) {
	b, err := encodeValue(v)
	if err != nil {
		return loaded{}, fmt.Errorf("cache encode %s: %w", t.key, err)
	}
	l := loaded{payload: b, ttl: t.class.ttl, cache: true, value: v}
	if decide != nil {
		class, ok := decide(v)
		l.cache = ok
		if ce, known := c.classes[class]; ok && known {
			l.ttl = ce.ttl
		}
	}
	return l, nil
}

func adapt[T any](c *Cache, t target, load Loader[T], decide func(T) (Class, bool)) loadFunc {
	return func(ctx context.Context) (loaded, error) {
		v, err := load(ctx)
		if err != nil {
			return loaded{}, err
		}
		return judge(c, t, v, decide)
	}
}

// Get is the cache-aside pattern: the entry at key if cached, else load's
// value, stored for the key's TTL class (or as When decides). Concurrent
// misses for one key, on this node and across nodes, run load once; the
// others wait for the fill. A fill is refused if the key was invalidated
// or written after the miss, so no read after an acknowledged write
// returns older data. When Redis is unusable Get calls load.
func Get[T any](ctx context.Context, c *Cache, key Key, load Loader[T], opts ...Option[T]) (T, error) {
	var zero T
	o := collect(opts)
	t, err := c.target(key)
	if err != nil {
		return zero, err
	}
	c.stats.pattern(readPattern(t, o.decide != nil))
	f, err := c.read(ctx, t, adapt(c, t, load, o.decide))
	if err != nil {
		return zero, err
	}
	if v, ok := f.value.(T); ok {
		return v, nil
	}
	var v T
	if err := decodeValue(f.payload, &v); err != nil {
		// An entry this build cannot decode (its type changed): drop it
		// and serve the source.
		if derr := c.drop(ctx, t); derr != nil {
			c.undelivered(t.ns(), derr)
		}
		return load(ctx)
	}
	return v, nil
}

// fetched is the outcome of one read.
type fetched struct {
	payload []byte
	// value is set when this caller loaded the value itself.
	value any
	// negative is the remembered (or freshly loaded) ENOTFOUND.
	negative error
	hit      bool
	// stale is set when the value is an expired copy, served because the
	// source was unavailable (see grace.go).
	stale bool
}

// read serves t from the local tier or Redis, or loads it.
func (c *Cache) read(ctx context.Context, t target, load loadFunc) (fetched, error) {
	start := time.Now()
	ns := t.ns()
	c.stats.touch(ns, t.key)
	if payload, ok := c.local.get(t); ok {
		c.stats.read(ns, layerLocal, true, time.Since(start))
		return fetched{payload: payload, hit: true}, nil
	}
	epoch := c.local.begin()
	f, err := c.fetch(ctx, t, load)
	c.stats.read(ns, layerRedis, err == nil && f.hit, time.Since(start))
	if err != nil {
		return fetched{}, err
	}
	if f.negative != nil {
		if f.hit {
			c.stats.add(ns, cNegativeHits, 1)
		}
		return fetched{}, f.negative
	}
	if !f.stale {
		c.local.put(t, f.payload, epoch)
	}
	return f, nil
}

// fetch is one read of t: a hit; a load and fill after this caller claimed
// the empty slot; or, while someone else fills it, a wait followed by
// another look. Waiting callers never take the filler's value: it may be
// older than a write acknowledged after they arrived (the filler's own
// read overlapped that write; theirs did not). They read the slot again
// instead, and find the fill, or an empty slot if the fill was refused.
// When Redis is unusable, or the filler takes longer than LeaseWait, the
// caller loads by itself without filling.
func (c *Cache) fetch(ctx context.Context, t target, load loadFunc) (fetched, error) {
	if !c.usable(ctx) {
		return c.loadOnly(ctx, t, load)
	}
	// A key this node found cached recently is expected to hit: it is read
	// with one MGET. Any other key is read with SET NX GET, which claims it
	// in the same round trip when it is missing.
	if c.seen.has(t.key) {
		raw, found, _, err := c.observe(ctx, t, "")
		if err != nil {
			return c.loadOnly(ctx, t, load)
		}
		switch s := decodeSlot(raw); {
		case found && s.tag == slotValue:
			return fetched{payload: []byte(s.payload), hit: true}, nil
		case found && s.tag == slotNegative:
			return fetched{negative: decodeNegative(s.payload), hit: true}, nil
		}
		c.seen.forget(t.key)
	}
	lease := c.tokens.header(slotLease)
	var waitStart time.Time
	backoff := 2 * time.Millisecond
	for {
		raw, found, g, err := c.observe(ctx, t, lease)
		if err != nil {
			return c.loadOnly(ctx, t, load)
		}
		if !found {
			return c.loadAndFill(ctx, t, g, lease, load)
		}
		s := decodeSlot(raw)
		switch s.tag {
		case slotValue:
			c.seen.add(t.key)
			return fetched{payload: []byte(s.payload), hit: true}, nil
		case slotNegative:
			c.seen.add(t.key)
			return fetched{negative: decodeNegative(s.payload), hit: true}, nil
		case slotLease:
			if waitStart.IsZero() {
				waitStart = time.Now()
				c.stats.add(t.ns(), cLeaseWaits, 1)
			}
			left := c.cfg.LeaseWait - time.Since(waitStart)
			if left <= 0 {
				return c.loadOnly(ctx, t, load)
			}
			// A fill on this node is awaited in process; one elsewhere is
			// polled with backoff.
			if err := c.flights.wait(ctx, t.key, min(backoff, left)); err != nil {
				return fetched{}, err
			}
			backoff = min(2*backoff, 50*time.Millisecond)
		default:
			// Something dabba did not write: replace exactly it.
			return c.loadAndFill(ctx, t, g, s.header, load)
		}
	}
}

// seenKeys remembers keys this node recently found or put in the cache, to
// pick the cheaper read for them. It is bounded by starting afresh when
// full: forgetting only costs a claim instead of a plain read.
type seenKeys struct {
	mu sync.Mutex
	m  map[Key]struct{}
}

const maxSeenKeys = 1 << 16

func (s *seenKeys) has(k Key) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[k]
	return ok
}

func (s *seenKeys) add(k Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxSeenKeys {
		s.m = map[Key]struct{}{}
	}
	s.m[k] = struct{}{}
}

func (s *seenKeys) forget(k Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
}

// flights tracks the fills in progress on this node, so that callers who
// find the slot leased by this node wait for the fill to end instead of
// polling Redis. It is not x/sync/singleflight on purpose: singleflight
// hands the leader's value to callers who arrive later, and that value may
// be older than a write acknowledged in between; here followers only wait.
type flights struct {
	mu sync.Mutex
	m  map[Key]chan struct{}
}

// start registers a fill of k; the returned func ends it.
func (f *flights) start(k Key) func() {
	ch := make(chan struct{})
	f.mu.Lock()
	if f.m == nil {
		f.m = map[Key]chan struct{}{}
	}
	f.m[k] = ch
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		if f.m[k] == ch {
			delete(f.m, k)
		}
		f.mu.Unlock()
		close(ch)
	}
}

// wait returns when this node's fill of k ends, or after d when there is
// none (the filler is another node), or when ctx ends.
func (f *flights) wait(ctx context.Context, k Key, d time.Duration) error {
	f.mu.Lock()
	ch := f.m[k]
	f.mu.Unlock()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ch:
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// settle waits until this node's fill of k, if one runs, has landed.
func (f *flights) settle(ctx context.Context, k Key) error {
	f.mu.Lock()
	ch := f.m[k]
	f.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// timedLoad runs load and records it.
func (c *Cache) timedLoad(ctx context.Context, t target, load loadFunc) (loaded, error) {
	start := time.Now()
	l, err := load(ctx)
	c.stats.load(t.ns(), time.Since(start), err)
	return l, err
}

// loadOnly loads without touching Redis.
func (c *Cache) loadOnly(ctx context.Context, t target, load loadFunc) (fetched, error) {
	c.stats.add(t.ns(), cFallbacks, 1)
	l, err := c.timedLoad(ctx, t, load)
	if store.IsKind(err, store.ENOTFOUND) {
		return fetched{negative: err}, nil
	}
	if err != nil {
		return fetched{}, err
	}
	return fetched{payload: l.payload, value: l.value}, nil
}

// loadAndFill loads and stores the value in t's slot if the slot still
// holds expect (this reader's lease, or the foreign value it saw). The
// caller gets its value as soon as it is loaded; the fill runs behind it
// (see fillBehind), and callers on this node that wait for the slot wait
// for the fill.
func (c *Cache) loadAndFill(ctx context.Context, t target, g generations, expect string, load loadFunc) (fetched, error) {
	done := c.flights.start(t.key)
	l, err := c.timedLoad(ctx, t, load)
	switch {
	case store.IsKind(err, store.ENOTFOUND):
		c.fillBehind(t, g, expect, slotNegative, encodeNegative(err), c.cfg.NegativeTTL, done)
		return fetched{negative: err}, nil
	case err != nil:
		c.releaseDetached(ctx, t, g, expect, done)
		if f, ok := c.stale(ctx, t, g, err); ok {
			return f, nil
		}
		return fetched{}, err
	case !l.cache:
		c.releaseDetached(ctx, t, g, expect, done)
	default:
		c.fillBehind(t, g, expect, slotValue, l.payload, c.jittered(l.ttl), done)
	}
	return fetched{payload: l.payload, value: l.value}, nil
}

// maxFillsBehind bounds the fills running behind their callers; beyond it
// callers fill before they return.
const maxFillsBehind = 256

// fillBehind stores the value in a goroutine of its own, so a miss costs its
// caller one round trip and the load. The slot stays leased until the fill
// lands, so the fleet still loads once and waiters find the value; the fill
// is still a compare-and-set, so it still never overwrites a newer write.
// done ends the flight when the fill has run.
func (c *Cache) fillBehind(t target, g generations, expect string, tag byte, payload []byte, ttl time.Duration, done func()) {
	run := func() {
		defer done()
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.LeaseTTL)
		defer cancel()
		if c.fill(ctx, t, g, expect, tag, payload, ttl) {
			c.seen.add(t.key)
		}
	}
	select {
	case c.fillSlots <- struct{}{}:
		c.fills.Go(func() {
			defer func() { <-c.fillSlots }()
			run()
		})
	default:
		run()
	}
}

// releaseDetached frees this reader's lease even if its caller gave up
// meanwhile, so waiters are not left waiting for the lease to expire.
func (c *Cache) releaseDetached(ctx context.Context, t target, g generations, expect string, done func()) {
	defer done()
	c.release(context.WithoutCancel(ctx), t, g, expect)
}

// fill stores a value or negative entry in t's slot if it still holds
// expect, and reports whether it did.
func (c *Cache) fill(ctx context.Context, t target, g generations, expect string, tag byte, payload []byte, ttl time.Duration) bool {
	value := append([]byte(c.tokens.header(tag)), payload...)
	outcome, err := c.replace(ctx, t, g, expect, modeFill, value, ttl)
	if err != nil || outcome != slotStored {
		c.stats.add(t.ns(), cFillsRefused, 1)
		return false
	}
	c.stats.add(t.ns(), cFills, 1)
	c.stats.add(t.ns(), cBytesWritten, int64(len(value)))
	return true
}

// release frees t's slot if it still holds this reader's lease.
func (c *Cache) release(ctx context.Context, t target, g generations, expect string) {
	if expect == "" || expect[0] != slotLease {
		return
	}
	_, _ = c.replace(ctx, t, g, expect, modeRelease, nil, 0)
}

// ReadThrough is the read-through pattern: it always loads from the source
// and refreshes the cache with what it read, unless the key was invalidated
// or written since the refresh began.
func ReadThrough[T any](ctx context.Context, c *Cache, key Key, load Loader[T], opts ...Option[T]) (T, error) {
	var zero T
	o := collect(opts)
	t, err := c.target(key)
	if err != nil {
		return zero, err
	}
	c.stats.pattern(PatternReadThrough)
	c.stats.touch(t.ns(), t.key)
	var v T
	_, err = c.refresh(ctx, t, func(ctx context.Context) (loaded, error) {
		var err error
		if v, err = load(ctx); err != nil {
			return loaded{}, err
		}
		return judge(c, t, v, o.decide)
	})
	if err != nil {
		return zero, err
	}
	return v, nil
}

// refresh observes t's slot, loads, and replaces what it observed with the
// loaded value: the shape shared by read-through and warming. A slot
// another reader is filling is left to that reader. It reports whether the
// value was stored.
func (c *Cache) refresh(ctx context.Context, t target, load loadFunc) (bool, error) {
	expect, g := "", generations{}
	if c.usable(ctx) {
		lease := c.tokens.header(slotLease)
		raw, found, gens, err := c.observe(ctx, t, lease)
		switch s := decodeSlot(raw); {
		case err != nil:
		case !found:
			expect, g = lease, gens
		case s.tag != slotLease:
			expect, g = s.header, gens
		}
	}
	l, err := c.timedLoad(ctx, t, load)
	switch {
	case expect == "":
		return false, err
	case store.IsKind(err, store.ENOTFOUND):
		c.fill(ctx, t, g, expect, slotNegative, encodeNegative(err), c.cfg.NegativeTTL)
		return false, err
	case err != nil || !l.cache:
		c.release(ctx, t, g, expect)
		return false, err
	}
	return c.fill(ctx, t, g, expect, slotValue, l.payload, c.jittered(l.ttl)), nil
}

// WriteThrough is the write-through pattern: write changes the source and
// returns the new value, which is then stored at key in the same call; the
// event named by Then cascades to dependent entries. Readers that miss
// while the write runs wait for it. If two writers race, or an
// invalidation comes in between, the entry is dropped instead of stored, so
// it can never hold a value older than the source. A failed write drops
// the entry too (the source may have changed). When Redis is unusable the
// write still succeeds; the namespace is renewed when Redis returns.
func WriteThrough[T any](ctx context.Context, c *Cache, key Key, write Loader[T], opts ...Option[T]) (T, error) {
	var zero T
	o := collect(opts)
	t, err := c.target(key)
	if err != nil {
		return zero, err
	}
	c.stats.pattern(PatternWriteThrough)
	lease := c.tokens.header(slotLease)
	g, prev, began := c.begin(ctx, t, lease)
	v, err := write(ctx)
	if err != nil {
		if began {
			c.abandon(ctx, t, g, lease, prev, store.Unapplied(err))
		}
		return v, err
	}
	c.stats.add(t.ns(), cWrites, 1)
	l, err := judge(c, t, v, o.decide)
	if err != nil {
		return v, err
	}
	c.commit(ctx, t, g, began, lease, l)
	if o.then == nil {
		c.announce(ctx, t)
		return v, nil
	}
	ev := o.then(v)
	ev.keep = &t.key
	if _, err := c.OnEvent(ctx, ev); err != nil {
		c.log.Error("cache cascade after write failed", "event", ev.Type, "error", err)
	}
	return v, nil
}

// replaced is the value a writer's lease took the place of, and how long
// it had left to live; raw is "" when the slot held no value.
type replaced struct {
	raw string
	ttl time.Duration
}

// begin puts a writer's lease in t's slot, at the current generations, and
// returns what it replaced.
func (c *Cache) begin(ctx context.Context, t target, lease string) (generations, replaced, bool) {
	if !c.usable(ctx) {
		c.undelivered(t.ns(), errUnusable)
		return generations{}, replaced{}, false
	}
	var ttl *redis.DurationCmd
	var old *redis.StatusCmd
	g, err := c.atCurrent(ctx, t, "write", func(p redis.Pipeliner, g generations) {
		slot := c.physical(t, g)
		ttl = p.PTTL(ctx, slot)
		old = p.SetArgs(ctx, slot, lease, redis.SetArgs{TTL: c.cfg.LeaseTTL, Get: true})
	})
	if err != nil {
		c.undelivered(t.ns(), err)
		return g, replaced{}, false
	}
	var prev replaced
	if raw, err := old.Result(); err == nil && decodeSlot(raw).tag == slotValue && ttl.Val() > 0 {
		prev = replaced{raw: raw, ttl: ttl.Val()}
	}
	return g, prev, true
}

// abandon ends the lease of a write that failed. A write that never
// reached the source (store.Unapplied: the database could not be
// connected to) changed nothing, so the value its lease replaced is put
// back — unless an invalidation or another writer took the slot meanwhile
// — and readers keep being served from the cache while the database is
// away; so does the stale-if-error copy of an entry that had expired. Any
// other failed write may have been committed, so the entry and its copy go.
func (c *Cache) abandon(ctx context.Context, t target, g generations, lease string, prev replaced, unapplied bool) {
	switch {
	case unapplied && prev.raw != "":
		if _, err := c.replace(ctx, t, g, lease, modeFill, []byte(prev.raw), prev.ttl); err == nil {
			return
		}
	case unapplied:
		// The entry had expired: free the slot, and keep its stale copy.
		c.release(ctx, t, g, lease)
		return
	}
	if err := c.drop(ctx, t); err != nil {
		c.undelivered(t.ns(), err)
	}
}

// commit stores a writer's value if its lease survived, and otherwise makes
// sure the entry is gone at the current generations.
func (c *Cache) commit(ctx context.Context, t target, g generations, began bool, lease string, l loaded) {
	if began && l.cache {
		value := append([]byte(c.tokens.header(slotValue)), l.payload...)
		outcome, err := c.replace(ctx, t, g, lease, modeCommit, value, c.jittered(l.ttl))
		switch {
		case err == nil && outcome == slotStored:
			c.stats.add(t.ns(), cFills, 1)
			c.stats.add(t.ns(), cBytesWritten, int64(len(value)))
			c.stats.count(writeThroughStored)
			return
		case err == nil && outcome == slotLost:
			// The script already deleted the slot.
			c.stats.add(t.ns(), cFillsRefused, 1)
			c.stats.count(writeThroughDropped)
			return
		}
	}
	c.stats.count(writeThroughDropped)
	if err := c.drop(ctx, t); err != nil {
		c.undelivered(t.ns(), err)
	}
}

// announce tells every node's local tier that t changed: dropped here at
// once, elsewhere by one pub/sub message. Realtime classes are never held
// locally and need no message.
func (c *Cache) announce(ctx context.Context, t target) {
	c.local.drop(t)
	if !t.class.Realtime && c.listeners.Load() {
		_ = c.pipelined(ctx, t.ns(), "announce", func(p redis.Pipeliner) { c.publishChange(ctx, p, t) })
	}
}

// publishChange queues the pub/sub message that t changed, unless its class
// is realtime (never held locally).
func (c *Cache) publishChange(ctx context.Context, p redis.Pipeliner, t target) {
	if !t.class.Realtime {
		c.publish(ctx, p, invalidationMessage{Members: []string{t.key.member()}})
	}
}

// Set stores v at key unconditionally, replacing any value or lease. It is
// for data with a single writer, such as an actor's hot state; data that
// several callers may write goes through WriteThrough. When Redis is
// unusable the namespace is renewed once it returns.
func Set[T any](ctx context.Context, c *Cache, key Key, v T) error {
	t, err := c.target(key)
	if err != nil {
		return err
	}
	l, err := judge(c, t, v, nil)
	if err != nil {
		return err
	}
	c.stats.add(t.ns(), cWrites, 1)
	if !c.usable(ctx) {
		c.undelivered(t.ns(), errUnusable)
		return nil
	}
	value := append([]byte(c.tokens.header(slotValue)), l.payload...)
	ttl := c.jittered(l.ttl)
	_, err = c.atCurrent(ctx, t, "write", func(p redis.Pipeliner, g generations) {
		p.Set(ctx, c.physical(t, g), value, ttl)
		if c.graceful(t) {
			// Not a copy of value: two commands, unlike the slot script,
			// could land around another writer's and leave an older copy
			// than its entry. Without one, this entry is not served stale.
			p.Del(ctx, c.graceKey(t, g))
		}
		c.publishChange(ctx, p, t)
	})
	c.local.drop(t)
	if err != nil {
		c.undelivered(t.ns(), err)
		return nil
	}
	c.stats.add(t.ns(), cBytesWritten, int64(len(value)))
	return nil
}
