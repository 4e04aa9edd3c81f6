package cache

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// Stale-if-error (RFC 5861, as Varnish's grace and sturdyc do): while the
// source is unavailable, a read whose entry merely expired is answered
// from the entry's last copy, for Config.StaleIfError after it expired,
// and marked stale (ServedStale) instead of failing. The copy is a second
// key, written by the slot script in the same call as the entry and
// deleted with it by every invalidation, so an entry invalidated by a
// write is never served stale: only expiry leaves the copy behind.
//
// Only the catalogue keeps copies: restaurants, menus and reviews, read by
// everyone and the same for everyone. A principal's own records and the
// realtime classes are better refused than stale, and the copies double
// the memory of the entries they follow.

// graceful reports whether t's entries keep a stale-if-error copy.
func (c *Cache) graceful(t target) bool {
	if c.cfg.StaleIfError <= 0 || t.class.Realtime {
		return false
	}
	switch t.ns() {
	case NamespaceStatic, NamespaceRestaurants, NamespaceReviews:
		return true
	}
	return false
}

// graceKey is where t's copy at generations g lives: outside the
// namespaces' key space, so listings, key counts and reclaims of the
// namespace do not see it.
func (c *Cache) graceKey(t target, g generations) string {
	return c.keys.internal("grace", c.physical(t, g))
}

// slotKeys are the keys the slot script and the invalidations of t's
// entry at generations g touch: the entry, and its copy when t keeps one.
func (c *Cache) slotKeys(t target, g generations) []string {
	if c.graceful(t) {
		return []string{c.physical(t, g), c.graceKey(t, g)}
	}
	return []string{c.physical(t, g)}
}

// stale answers t from its copy after load failed with err, when the
// source is unavailable and t keeps a copy that has not run out.
func (c *Cache) stale(ctx context.Context, t target, g generations, err error) (fetched, bool) {
	if !store.IsKind(err, store.EUNAVAILABLE) || !c.graceful(t) {
		return fetched{}, false
	}
	var raw string
	rerr := c.call(ctx, t.ns(), "read stale", func(ctx context.Context) error {
		var err error
		raw, err = c.rdb.Get(ctx, c.graceKey(t, g)).Result()
		return err
	})
	if errors.Is(rerr, redis.Nil) || rerr != nil {
		return fetched{}, false
	}
	s := decodeSlot(raw)
	if s.tag != slotValue {
		return fetched{}, false
	}
	c.stats.add(t.ns(), cStaleServed, 1)
	markStale(ctx)
	return fetched{payload: []byte(s.payload), hit: true, stale: true}, true
}

type staleNoticeKey struct{}

// WithStaleNotice returns a context in which the cache records whether a
// read was answered from an expired copy; ServedStale tells. The HTTP
// layer marks such answers in a header.
func WithStaleNotice(ctx context.Context) context.Context {
	return context.WithValue(ctx, staleNoticeKey{}, new(atomic.Bool))
}

// ServedStale reports whether a read under ctx (see WithStaleNotice) was
// answered from an expired copy because the source was unavailable.
func ServedStale(ctx context.Context) bool {
	n, _ := ctx.Value(staleNoticeKey{}).(*atomic.Bool)
	return n != nil && n.Load()
}

func markStale(ctx context.Context) {
	if n, _ := ctx.Value(staleNoticeKey{}).(*atomic.Bool); n != nil {
		n.Store(true)
	}
}

// graceTTL is how long a copy of an entry living ttl is kept.
func (c *Cache) graceTTL(ttl time.Duration) time.Duration { return ttl + c.cfg.StaleIfError }
