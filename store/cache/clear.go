package cache

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// Clearing a namespace is O(1): its generation is bumped, so every key of
// the old generation is unreachable at once on every node (each read checks
// the generation in the same round trip). The old keys are reclaimed in the
// background with SCAN and UNLINK; KEYS is never used.

// NamespaceClear is one namespace's generation change.
type NamespaceClear struct {
	// Namespace cleared.
	Namespace Namespace `json:"namespace" example:"static"`
	// PreviousGeneration is the generation whose keys became unreachable.
	PreviousGeneration int64 `json:"previous_generation" example:"2"`
	// Generation is the new generation.
	Generation int64 `json:"generation" example:"3"`
}

// ClearResult is the answer of the DELETE /cache/clear/... endpoints.
type ClearResult struct {
	// Action is "clear" (namespaces renewed) or "clear_expired" (old
	// generations reclaimed).
	Action string `json:"action" example:"clear"`
	// Namespaces renewed, or scanned by clear_expired.
	Namespaces []NamespaceClear `json:"namespaces"`
	// KeysScanned is how many keys clear_expired visited.
	KeysScanned int64 `json:"keys_scanned" example:"5120"`
	// KeysReclaimed is how many unreachable keys clear_expired unlinked.
	KeysReclaimed int64 `json:"keys_reclaimed" example:"830"`
	// ReclaimScheduled is true when the old keys of a clear will be
	// unlinked in the background.
	ReclaimScheduled bool `json:"reclaim_scheduled" example:"true"`
	// Reason recorded in the audit log.
	Reason string `json:"reason" example:"DELETE /cache/clear/menu-items"`
	// DurationMS is how long the operation took.
	DurationMS float64 `json:"duration_ms" example:"1.2"`
	// At is when it ran, UTC.
	At time.Time `json:"at" example:"2025-06-01T12:00:00Z"`
}

// Clear renews namespace ns: every entry in it becomes unreachable at once
// and is reclaimed in the background. An unknown namespace is ENOTFOUND
// "unknown_namespace"; an unreachable Redis is EUNAVAILABLE, and the
// namespace is then renewed as soon as Redis returns.
func (c *Cache) Clear(ctx context.Context, ns Namespace, reason string) (ClearResult, error) {
	if _, err := ParseNamespace(string(ns)); err != nil {
		return ClearResult{}, err
	}
	start := time.Now()
	if !c.usable(ctx) {
		c.undelivered(ns, errUnusable)
		return ClearResult{}, errUnusable
	}
	renewed, err := c.renewAs(ctx, []Namespace{ns}, AuditClear, reason)
	if err != nil {
		c.undelivered(ns, err)
		return ClearResult{}, fmt.Errorf("clear cache namespace %s: %w", ns, err)
	}
	c.reclaimSoon()
	return ClearResult{Action: "clear", Namespaces: renewed, ReclaimScheduled: true, Reason: reason,
		DurationMS: round3(float64(time.Since(start).Microseconds()) / 1000), At: start.UTC()}, nil
}

// ClearMenuItems serves DELETE /cache/clear/menu-items: it clears the
// static namespace, which holds menus and menu items and nothing else.
func (c *Cache) ClearMenuItems(ctx context.Context) (ClearResult, error) {
	return c.Clear(ctx, NamespaceStatic, "DELETE /cache/clear/menu-items")
}

// ClearRestaurants serves DELETE /cache/clear/restaurants: it clears the
// restaurants namespace (details, lists and search, availability).
func (c *Cache) ClearRestaurants(ctx context.Context) (ClearResult, error) {
	return c.Clear(ctx, NamespaceRestaurants, "DELETE /cache/clear/restaurants")
}

// ClearOrders serves DELETE /cache/clear/orders: it clears the orders
// namespace (orders, statuses, order lists).
func (c *Cache) ClearOrders(ctx context.Context) (ClearResult, error) {
	return c.Clear(ctx, NamespaceOrders, "DELETE /cache/clear/orders")
}

// ClearAnalytics serves DELETE /cache/clear/analytics: it clears the
// analytics namespace (rollups and reports).
func (c *Cache) ClearAnalytics(ctx context.Context) (ClearResult, error) {
	return c.Clear(ctx, NamespaceAnalytics, "DELETE /cache/clear/analytics")
}

// renew bumps the generation of each namespace as the cache's own
// decision (recovery, restart).
func (c *Cache) renew(ctx context.Context, nss []Namespace, reason string) ([]NamespaceClear, error) {
	return c.renewAs(ctx, nss, AuditRenew, reason)
}

// renewAs bumps each namespace's generation, then audits it with the new
// generation and drops the namespaces from the local tiers.
func (c *Cache) renewAs(ctx context.Context, nss []Namespace, action AuditAction, reason string) ([]NamespaceClear, error) {
	incr := make([]*redis.IntCmd, len(nss))
	err := c.pipelined(ctx, "", "clear", func(p redis.Pipeliner) {
		for i, ns := range nss {
			incr[i] = p.Incr(ctx, c.keys.nsGen(ns))
		}
		c.publish(ctx, p, invalidationMessage{Namespaces: nss})
	})
	if err != nil {
		return nil, err
	}
	out := make([]NamespaceClear, len(nss))
	for i, ns := range nss {
		g := incr[i].Val()
		c.gens.Store(c.keys.nsGen(ns), g)
		out[i] = NamespaceClear{Namespace: ns, PreviousGeneration: g - 1, Generation: g}
		c.stats.add(ns, cInvalidations, 1)
	}
	err = c.pipelined(ctx, "", "audit", func(p redis.Pipeliner) {
		for _, nc := range out {
			c.appendAudit(ctx, p, auditRecord{action: action, reason: reason, ns: nc.Namespace, generation: nc.Generation})
		}
	})
	if err != nil {
		c.log.Warn("cache clear not audited", "error", err)
	}
	c.local.apply(invalidationMessage{Namespaces: nss})
	return out, nil
}

// reclaimSoon asks the reclaim loop for a pass, without waiting.
func (c *Cache) reclaimSoon() {
	select {
	case c.reclaimCh <- struct{}{}:
	default:
	}
}

func (c *Cache) reclaimLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.bg.Done():
			return
		case <-c.reclaimCh:
			if _, err := c.Reclaim(c.bg); err != nil {
				c.log.Debug("cache reclaim failed", "error", err)
			}
		}
	}
}

// ReclaimResult reports one reclamation pass.
type ReclaimResult struct {
	// KeysScanned is how many keys the SCAN visited.
	KeysScanned int64 `json:"keys_scanned" example:"5120"`
	// KeysReclaimed is how many unreachable keys were unlinked.
	KeysReclaimed int64 `json:"keys_reclaimed" example:"830"`
	// Namespaces lists each namespace's current generation.
	Namespaces []NamespaceClear `json:"namespaces"`
}

// Reclaim unlinks every key of an old namespace or group generation: SCAN
// per namespace, UNLINK in batches. It never blocks Redis for long and is
// safe to run on several nodes at once. The jobs worker schedules it; a
// clear also triggers it.
func (c *Cache) Reclaim(ctx context.Context) (ReclaimResult, error) {
	var res ReclaimResult
	gens, err := c.Generations(ctx)
	if err != nil {
		return res, fmt.Errorf("reclaim cache keys: %w", err)
	}
	groupGens := map[string]int64{}
	groupGen := func(ns Namespace, group string) (int64, error) {
		key := c.keys.groupGen(ns, group)
		if g, ok := groupGens[key]; ok {
			return g, nil
		}
		var s string
		err := c.call(ctx, ns, "reclaim", func(ctx context.Context) error {
			var err error
			s, err = c.rdb.Get(ctx, key).Result()
			return err
		})
		if err != nil && err != redis.Nil {
			return 0, err
		}
		g, _ := strconv.ParseInt(s, 10, 64)
		groupGens[key] = g
		return g, nil
	}
	for _, ng := range gens {
		ns, current := ng.Namespace, ng.Generation
		res.Namespaces = append(res.Namespaces, NamespaceClear{Namespace: ns, PreviousGeneration: current - 1, Generation: current})
		var cursor uint64
		for {
			var keys []string
			err := c.call(ctx, ns, "reclaim", func(ctx context.Context) error {
				var err error
				keys, cursor, err = c.rdb.Scan(ctx, cursor, c.keys.entriesPattern(ns), scanBatch).Result()
				return err
			})
			if err != nil {
				return res, fmt.Errorf("reclaim cache keys in %s: %w", ns, err)
			}
			res.KeysScanned += int64(len(keys))
			var old []string
			for _, k := range keys {
				p, ok := c.keys.parse(k)
				if !ok {
					continue
				}
				stale := p.gen < current
				if !stale && p.group != "" {
					g, err := groupGen(ns, p.group)
					if err != nil {
						return res, fmt.Errorf("reclaim cache keys in %s: %w", ns, err)
					}
					stale = p.groupGen < g
				}
				if stale {
					old = append(old, k)
				}
			}
			if len(old) > 0 {
				var n int64
				err := c.call(ctx, ns, "reclaim", func(ctx context.Context) error {
					var err error
					n, err = c.rdb.Unlink(ctx, old...).Result()
					return err
				})
				if err != nil {
					return res, fmt.Errorf("reclaim cache keys in %s: %w", ns, err)
				}
				res.KeysReclaimed += n
			}
			if cursor == 0 {
				break
			}
		}
	}
	return res, nil
}

// ClearExpired serves DELETE /cache/clear/expired: Redis drops entries
// whose TTL ran out by itself, so what is left to remove are the entries
// of old generations (cleared namespaces, renewed groups). It reclaims
// them now.
func (c *Cache) ClearExpired(ctx context.Context) (ClearResult, error) {
	start := time.Now()
	if !c.usable(ctx) {
		return ClearResult{}, errUnusable
	}
	r, err := c.Reclaim(ctx)
	if err != nil {
		return ClearResult{}, err
	}
	return ClearResult{Action: "clear_expired", Namespaces: r.Namespaces, KeysScanned: r.KeysScanned,
		KeysReclaimed: r.KeysReclaimed, Reason: "DELETE /cache/clear/expired",
		DurationMS: round3(float64(time.Since(start).Microseconds()) / 1000), At: start.UTC()}, nil
}

// KeyInfo describes one cached entry.
type KeyInfo struct {
	// Key is the physical Redis key.
	Key string `json:"key" example:"zomato-enterprise-cache:restaurants:v3:restaurant:12"`
	// Type of entry.
	Type string `json:"type" example:"restaurant"`
	// Group the entry belongs to, if any.
	Group string `json:"group,omitempty" example:"lists"`
	// ID of the entry within its type.
	ID string `json:"id" example:"12"`
	// State is "value", "negative" (a remembered not-found) or "loading"
	// (a lease: someone is filling it).
	State string `json:"state" example:"value"`
	// TTLSeconds is the time left before Redis drops the entry.
	TTLSeconds float64 `json:"ttl_seconds" example:"3412.5"`
}

// KeyPage is one page of a namespace's keys (GET /cache/keys/{namespace}).
type KeyPage struct {
	// Namespace listed.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Generation listed: only reachable keys are shown.
	Generation int64 `json:"generation" example:"3"`
	// Keys on this page. SCAN's COUNT is a hint, so a page holds about
	// limit keys, never fewer unless the scan ended.
	Keys []KeyInfo `json:"keys"`
	// NextCursor continues the scan; empty when it is complete.
	NextCursor string `json:"next_cursor,omitempty" example:"1792"`
}

// maxScanRounds bounds the SCAN calls of one page, so a sparse namespace
// in a big keyspace cannot make one request scan everything.
const maxScanRounds = 64

// Keys lists one page of the reachable keys of namespace ns with SCAN.
// cursor is the NextCursor of the previous page ("" or "0" to start);
// limit is 1..100 (0 means 20). Unknown namespace is ENOTFOUND; a bad
// cursor or limit EINVALID.
func (c *Cache) Keys(ctx context.Context, ns Namespace, cursor string, limit int) (KeyPage, error) {
	if _, err := ParseNamespace(string(ns)); err != nil {
		return KeyPage{}, err
	}
	limit, err := store.PageRequest{Limit: limit}.EffectiveLimit()
	if err != nil {
		return KeyPage{}, err
	}
	var cur uint64
	if cursor != "" {
		if cur, err = strconv.ParseUint(cursor, 10, 64); err != nil {
			return KeyPage{}, store.Invalid(store.FieldError{Field: "cursor", Reason: "is not a cursor returned by this list"})
		}
	}
	gens, err := c.Generations(ctx)
	if err != nil {
		return KeyPage{}, fmt.Errorf("list cache keys: %w", err)
	}
	page := KeyPage{Namespace: ns, Keys: []KeyInfo{}}
	for _, g := range gens {
		if g.Namespace == ns {
			page.Generation = g.Generation
		}
	}
	var found []string
	for round := 0; round < maxScanRounds && len(found) < limit; round++ {
		var keys []string
		err := c.call(ctx, ns, "scan", func(ctx context.Context) error {
			var err error
			keys, cur, err = c.rdb.Scan(ctx, cur, c.keys.generationPattern(ns, page.Generation), int64(limit)).Result()
			return err
		})
		if err != nil {
			return KeyPage{}, fmt.Errorf("list cache keys: %w", err)
		}
		found = append(found, keys...)
		if cur == 0 {
			break
		}
	}
	if cur != 0 {
		page.NextCursor = strconv.FormatUint(cur, 10)
	}
	page.Keys, err = c.describe(ctx, ns, found)
	return page, err
}

// describe reads the state and TTL of keys, dropping those of old group
// generations.
func (c *Cache) describe(ctx context.Context, ns Namespace, keys []string) ([]KeyInfo, error) {
	type probe struct {
		p        parsedEntry
		key      string
		ttl      *redis.DurationCmd
		tag      *redis.StringCmd
		groupGen *redis.StringCmd
	}
	probes := make([]probe, 0, len(keys))
	for _, k := range keys {
		if p, ok := c.keys.parse(k); ok {
			probes = append(probes, probe{p: p, key: k})
		}
	}
	err := c.pipelined(ctx, ns, "scan", func(pipe redis.Pipeliner) {
		for i := range probes {
			probes[i].ttl = pipe.PTTL(ctx, probes[i].key)
			probes[i].tag = pipe.GetRange(ctx, probes[i].key, 0, 0)
			if probes[i].p.group != "" {
				probes[i].groupGen = pipe.Get(ctx, c.keys.groupGen(ns, probes[i].p.group))
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("describe cache keys: %w", err)
	}
	out := []KeyInfo{}
	for _, pr := range probes {
		if pr.groupGen != nil {
			g, _ := strconv.ParseInt(pr.groupGen.Val(), 10, 64)
			if pr.p.groupGen != g {
				continue
			}
		}
		ttl := pr.ttl.Val()
		if ttl < 0 {
			continue
		}
		state := "value"
		switch pr.tag.Val() {
		case string(rune(slotNegative)):
			state = "negative"
		case string(rune(slotLease)):
			state = "loading"
		}
		out = append(out, KeyInfo{Key: pr.key, Type: pr.p.typ, Group: pr.p.group, ID: pr.p.id, State: state,
			TTLSeconds: round3(ttl.Seconds())})
	}
	return out, nil
}
