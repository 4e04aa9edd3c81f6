package cache

import (
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The local tier keeps hot entries of chosen static classes in process
// memory, in front of Redis. The guarantee, stated plainly: on the node
// that acknowledged a write, and in Redis, no read after the
// acknowledgement returns older data; another node's local tier may lag by
// the pub/sub delivery time, and never longer than the class's staleness
// cap. Every invalidation sends one pub/sub message (never one per fill);
// a lost subscription (reconnect) or a reopened breaker flushes the tier;
// realtime classes are refused.
//
// container/list is enough for a bounded LRU of this size; a full TinyLFU
// (as go-redis/cache uses) would add a dependency for no measured gain.

// LocalConfig configures the in-process tier.
type LocalConfig struct {
	// Classes enables the tier for these TTL classes, each with its
	// staleness cap: an entry is served from memory at most this long after
	// it was read from Redis. Realtime classes are refused.
	Classes map[Class]time.Duration
	// MaxEntries bounds the tier (least recently used go first); default
	// 10000.
	MaxEntries int
}

func (lc *LocalConfig) validate() error {
	if lc.MaxEntries == 0 {
		lc.MaxEntries = 10000
	}
	for class, staleness := range lc.Classes {
		i := slices.IndexFunc(Classes(), func(ci ClassInfo) bool { return ci.Class == class })
		switch {
		case i < 0:
			return fmt.Errorf("cache: local tier for unknown class %q", class)
		case Classes()[i].Realtime:
			return fmt.Errorf("cache: class %q is realtime and cannot be held in the local tier", class)
		case staleness <= 0:
			return fmt.Errorf("cache: local tier staleness cap of %q must be positive", class)
		}
	}
	return nil
}

// LocalTierStatus describes the in-process tier.
type LocalTierStatus struct {
	// Entries held now.
	Entries int `json:"entries" example:"412"`
	// MaxEntries is the bound.
	MaxEntries int `json:"max_entries" example:"10000"`
	// Classes held, with their staleness caps.
	Classes []LocalClass `json:"classes"`
	// Evictions counts entries pushed out by the bound.
	Evictions int64 `json:"evictions" example:"0"`
	// Flushes counts full flushes (reconnects, recoveries).
	Flushes int64 `json:"flushes" example:"1"`
}

// LocalClass is a class held in the local tier.
type LocalClass struct {
	// Class held.
	Class Class `json:"class" example:"menu_items"`
	// StalenessCapSeconds is the longest an entry is served from memory.
	StalenessCapSeconds float64 `json:"staleness_cap_seconds" example:"5"`
}

type localEntry struct {
	member  string
	ns      Namespace
	group   string
	payload []byte
	expires time.Time
}

type localTier struct {
	caps map[Class]time.Duration
	max  int

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     *list.List
	// epoch changes with every invalidation this node learns of; a read
	// may only put what it read if no invalidation came in between.
	epoch     atomic.Uint64
	evictions atomic.Int64
	flushes   atomic.Int64

	pubsub *redis.PubSub
	done   chan struct{}
	// warmup is how long after subscribing the tier starts serving;
	// serving is set once it has passed.
	warmup  time.Duration
	serving atomic.Bool
}

// invalidationMessage is the pub/sub message of one invalidation.
type invalidationMessage struct {
	// Members are the keys changed, as Key.member spells them.
	Members []string `json:"m,omitempty"`
	// Groups are the groups renewed, as [namespace, group].
	Groups [][2]string `json:"g,omitempty"`
	// Namespaces are the namespaces renewed.
	Namespaces []Namespace `json:"n,omitempty"`
}

func (c *Cache) invalidationChannel() string { return c.keys.internal("invalidations") }

func newLocalTier(c *Cache, cfg LocalConfig) *localTier {
	l := &localTier{caps: cfg.Classes, max: cfg.MaxEntries, entries: map[string]*list.Element{}, lru: list.New(),
		done: make(chan struct{}), warmup: 2 * c.cfg.FlushInterval}
	l.pubsub = c.rdb.Subscribe(c.bg, c.invalidationChannel())
	go l.listen(c)
	return l
}

// listen applies other nodes' invalidations. go-redis resubscribes after a
// lost connection; messages sent meanwhile are lost, so every
// resubscription flushes the tier.
func (l *localTier) listen(c *Cache) {
	defer close(l.done)
	subscribed := false
	for msg := range l.pubsub.ChannelWithSubscriptions() {
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				if subscribed {
					l.flushAll()
				} else {
					time.AfterFunc(l.warmup, func() { l.serving.Store(true) })
				}
				subscribed = true
			}
		case *redis.Message:
			var im invalidationMessage
			if err := json.Unmarshal([]byte(m.Payload), &im); err != nil {
				c.log.Warn("cache: unreadable invalidation message; flushing the local tier", "error", err)
				l.flushAll()
				continue
			}
			l.apply(im)
		}
	}
}

func (l *localTier) close() {
	if l == nil {
		return
	}
	_ = l.pubsub.Close()
	<-l.done
}

// begin returns the epoch a read starts in.
func (l *localTier) begin() uint64 {
	if l == nil {
		return 0
	}
	return l.epoch.Load()
}

func (l *localTier) get(t target) ([]byte, bool) {
	if l == nil {
		return nil, false
	}
	if _, ok := l.caps[t.key.Class]; !ok || !l.serving.Load() {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.entries[t.key.member()]
	if !ok {
		return nil, false
	}
	e := el.Value.(*localEntry)
	if time.Now().After(e.expires) {
		l.remove(el)
		return nil, false
	}
	l.lru.MoveToFront(el)
	return e.payload, true
}

// put keeps payload, read from Redis in epoch, unless an invalidation came
// in since.
func (l *localTier) put(t target, payload []byte, epoch uint64) {
	if l == nil {
		return
	}
	staleness, ok := l.caps[t.key.Class]
	if !ok || !l.serving.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.epoch.Load() != epoch {
		return
	}
	member := t.key.member()
	if el, ok := l.entries[member]; ok {
		l.remove(el)
	}
	e := &localEntry{member: member, ns: t.ns(), group: t.key.Group, payload: payload, expires: time.Now().Add(staleness)}
	l.entries[member] = l.lru.PushFront(e)
	for l.lru.Len() > l.max {
		l.remove(l.lru.Back())
		l.evictions.Add(1)
	}
}

func (l *localTier) remove(el *list.Element) {
	delete(l.entries, el.Value.(*localEntry).member)
	l.lru.Remove(el)
}

// drop forgets one entry this node just wrote or invalidated.
func (l *localTier) drop(t target) {
	if l == nil {
		return
	}
	l.apply(invalidationMessage{Members: []string{t.key.member()}})
}

func (l *localTier) apply(im invalidationMessage) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch.Add(1)
	for _, m := range im.Members {
		if el, ok := l.entries[m]; ok {
			l.remove(el)
		}
	}
	if len(im.Groups) == 0 && len(im.Namespaces) == 0 {
		return
	}
	for el := l.lru.Front(); el != nil; {
		next := el.Next()
		e := el.Value.(*localEntry)
		if slices.Contains(im.Namespaces, e.ns) || slices.Contains(im.Groups, [2]string{string(e.ns), e.group}) {
			l.remove(el)
		}
		el = next
	}
}

func (l *localTier) flushAll() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch.Add(1)
	l.entries = map[string]*list.Element{}
	l.lru.Init()
	l.flushes.Add(1)
}

func (l *localTier) status() LocalTierStatus {
	l.mu.Lock()
	n := l.lru.Len()
	l.mu.Unlock()
	st := LocalTierStatus{Entries: n, MaxEntries: l.max, Classes: []LocalClass{}, Evictions: l.evictions.Load(), Flushes: l.flushes.Load()}
	for _, ci := range Classes() {
		if d, ok := l.caps[ci.Class]; ok {
			st.Classes = append(st.Classes, LocalClass{Class: ci.Class, StalenessCapSeconds: d.Seconds()})
		}
	}
	return st
}

// message renders a plan as the pub/sub message other nodes apply.
func (p plan) message() invalidationMessage {
	im := invalidationMessage{}
	for _, k := range slices.Concat(p.keys, p.kept) {
		im.Members = append(im.Members, k.member())
	}
	for _, g := range p.groups {
		im.Groups = append(im.Groups, [2]string{string(g.ns), g.group})
	}
	return im
}

// publish queues the invalidation message in p, so other nodes' tiers hear
// of it in the invalidation's own round trip. Nothing is sent while no node
// listens (no local tier anywhere): every flush asks Redis how many listen,
// and a new tier waits two flush intervals before serving, by which time
// every node has learnt of it.
func (c *Cache) publish(ctx context.Context, p redis.Pipeliner, im invalidationMessage) {
	if !c.listeners.Load() {
		return
	}
	raw, _ := json.Marshal(im)
	p.Publish(ctx, c.invalidationChannel(), raw)
}
