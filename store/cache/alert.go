package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// AlertKind is what an alert is about.
type AlertKind string

// The alert kinds.
const (
	// AlertMemoryHigh: Redis uses more memory than Alerts.MemoryBytes.
	AlertMemoryHigh AlertKind = "memory_high"
	// AlertHitRatioLow: a namespace's hit ratio over the last monitor
	// interval is below Alerts.HitRatioTarget.
	AlertHitRatioLow AlertKind = "hit_ratio_low"
	// AlertSlowOperation: a cache operation took longer than
	// Alerts.SlowOperation.
	AlertSlowOperation AlertKind = "slow_operation"
	// AlertRedisUnavailable: the circuit breaker opened.
	AlertRedisUnavailable AlertKind = "redis_unavailable"
)

// AlertKinds lists the alert kinds.
func AlertKinds() []AlertKind {
	return []AlertKind{AlertMemoryHigh, AlertHitRatioLow, AlertSlowOperation, AlertRedisUnavailable}
}

// Alert is one condition the cache noticed that needs an operator's eye.
type Alert struct {
	// At is when the condition was noticed, UTC.
	At time.Time `json:"at" example:"2025-06-01T12:00:00Z"`
	// Kind of alert.
	Kind AlertKind `json:"kind" example:"hit_ratio_low"`
	// Namespace concerned, empty for Redis-wide alerts.
	Namespace Namespace `json:"namespace,omitempty" example:"orders"`
	// Value measured: bytes, a ratio, milliseconds, or 1 for an outage.
	Value float64 `json:"value" example:"0.62"`
	// Threshold the value crossed, in the same unit.
	Threshold float64 `json:"threshold" example:"0.8"`
	// Message explains the alert in one sentence.
	Message string `json:"message" example:"hit ratio 62.0% in orders over the last 15s, below the 80% target"`
	// Node is the node that raised it.
	Node string `json:"node" example:"3f9a0c1b22de"`
}

// AlertCount is how often one kind of alert was raised.
type AlertCount struct {
	// Kind of alert.
	Kind AlertKind `json:"kind" example:"slow_operation"`
	// Count of alerts of the kind raised by the fleet since the counts began.
	Count int64 `json:"count" example:"3"`
}

// AlertReport is the recent alerts and how often each kind occurred.
type AlertReport struct {
	// Recent alerts, newest first, at most Alerts.Keep.
	Recent []Alert `json:"recent"`
	// Counts per kind, every kind listed.
	Counts []AlertCount `json:"counts"`
}

// alerter queues alerts for the next flush and rate-limits repeats: one
// alert per kind and namespace per monitor interval enters the list, but
// every occurrence is counted.
type alerter struct {
	c       *Cache
	metrics *metrics

	mu      sync.Mutex
	pending []Alert
	counts  map[AlertKind]int64
	last    map[string]time.Time
}

func newAlerter(c *Cache, m *metrics) *alerter {
	return &alerter{c: c, metrics: m, counts: map[AlertKind]int64{}, last: map[string]time.Time{}}
}

func (a *alerter) raise(al Alert) {
	al.At = time.Now().UTC()
	al.Node = a.c.tokens.node
	a.metrics.alerts.WithLabelValues(string(al.Kind)).Inc()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counts[al.Kind]++
	key := string(al.Kind) + "|" + string(al.Namespace)
	if at, ok := a.last[key]; ok && al.At.Sub(at) < a.c.cfg.MonitorInterval {
		return
	}
	a.last[key] = al.At
	if int64(len(a.pending)) >= a.c.cfg.Alerts.Keep {
		a.pending = a.pending[1:]
	}
	a.pending = append(a.pending, al)
}

// alertBatch is what one flush writes.
type alertBatch struct {
	alerts []Alert
	counts map[AlertKind]int64
}

func (a *alerter) take() alertBatch {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := alertBatch{alerts: a.pending, counts: a.counts}
	a.pending, a.counts = nil, map[AlertKind]int64{}
	return b
}

func (a *alerter) putBack(b alertBatch) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = append(b.alerts, a.pending...)
	if over := int64(len(a.pending)) - a.c.cfg.Alerts.Keep; over > 0 {
		a.pending = a.pending[over:]
	}
	for k, n := range b.counts {
		a.counts[k] += n
	}
}

func (b alertBatch) empty() bool { return len(b.alerts) == 0 && len(b.counts) == 0 }

// write adds a batch to the fleet's bounded alert list and counts.
func (a *alerter) write(ctx context.Context, p redis.Pipeliner, b alertBatch) {
	if b.empty() {
		return
	}
	list := a.c.keys.internal("alerts")
	for _, al := range b.alerts {
		raw, _ := json.Marshal(al)
		p.LPush(ctx, list, raw)
	}
	p.LTrim(ctx, list, 0, a.c.cfg.Alerts.Keep-1)
	for k, n := range b.counts {
		p.HIncrBy(ctx, a.c.keys.internal("alerts", "counts"), string(k), n)
	}
}

// Alerts returns the fleet's recent alerts (newest first, at most limit;
// 0 means all kept) and the count of each kind.
func (c *Cache) Alerts(ctx context.Context, limit int64) (AlertReport, error) {
	_ = c.flush(ctx)
	if limit <= 0 || limit > c.cfg.Alerts.Keep {
		limit = c.cfg.Alerts.Keep
	}
	var listCmd *redis.StringSliceCmd
	var countCmd *redis.MapStringStringCmd
	err := c.pipelined(ctx, "", "alerts", func(p redis.Pipeliner) {
		listCmd = p.LRange(ctx, c.keys.internal("alerts"), 0, limit-1)
		countCmd = p.HGetAll(ctx, c.keys.internal("alerts", "counts"))
	})
	if err != nil {
		return AlertReport{}, fmt.Errorf("read cache alerts: %w", err)
	}
	r := AlertReport{Recent: []Alert{}}
	for _, raw := range listCmd.Val() {
		var al Alert
		if json.Unmarshal([]byte(raw), &al) == nil {
			r.Recent = append(r.Recent, al)
		}
	}
	for _, k := range AlertKinds() {
		var n int64
		_, _ = fmt.Sscan(countCmd.Val()[string(k)], &n)
		r.Counts = append(r.Counts, AlertCount{Kind: k, Count: n})
	}
	slices.SortStableFunc(r.Recent, func(x, y Alert) int { return y.At.Compare(x.At) })
	return r, nil
}
