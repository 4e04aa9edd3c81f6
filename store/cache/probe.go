package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// The pattern endpoints (GET /enterprise/patterns/write-through and
// /cache-aside) report the live figures of the pattern and run a
// self-check: a round trip through the pattern with a real record of the
// system of record, confirming that cache and source agree, with timings.

// Probe gives the self-checks a record of the system of record they may
// read and rewrite without changing what users see.
type Probe interface {
	// ProbeRecord picks the record to check.
	ProbeRecord(ctx context.Context) (ProbeRecord, error)
}

// ProbeRecord is one record the self-checks use.
type ProbeRecord struct {
	// Name describes the record, e.g. "restaurant 12".
	Name string
	// Key is the record's cache key.
	Key Key
	// Load reads the record from the source, as JSON.
	Load Loader[json.RawMessage]
	// Rewrite writes the record back unchanged in substance (only
	// bookkeeping such as its update time moves) and returns it as stored.
	Rewrite Loader[json.RawMessage]
	// Event is the change a rewrite makes, for its cascade.
	Event Event
}

// PatternFigures are a pattern's live, fleet-wide figures.
type PatternFigures struct {
	// Calls of the pattern.
	Calls int64 `json:"calls" example:"110000"`
	// Reads through the cache by every read pattern.
	Reads int64 `json:"reads" example:"120000"`
	// HitRatio of those reads.
	HitRatio float64 `json:"hit_ratio" example:"0.91"`
	// HitP50MS is the median cached read.
	HitP50MS float64 `json:"hit_p50_ms" example:"0.35"`
	// LoadP50MS is the median load from the source.
	LoadP50MS float64 `json:"load_p50_ms" example:"9.8"`
	// WritesStored counts write-throughs whose value was stored.
	WritesStored int64 `json:"writes_stored" example:"118"`
	// WritesDropped counts write-throughs that dropped the entry instead.
	WritesDropped int64 `json:"writes_dropped" example:"2"`
	// FillsRefused counts fills refused because the entry changed meanwhile.
	FillsRefused int64 `json:"fills_refused" example:"3"`
}

// CheckStep is one timed step of a self-check.
type CheckStep struct {
	// Step performed.
	Step string `json:"step" example:"write_through"`
	// DurationMS is how long it took.
	DurationMS float64 `json:"duration_ms" example:"4.2"`
	// Outcome says what happened.
	Outcome string `json:"outcome" example:"stored in the cache"`
}

// SelfCheck is a round trip through a pattern with a probe record.
type SelfCheck struct {
	// Performed is false when there is no probe record (see Problem).
	Performed bool `json:"performed" example:"true"`
	// Record checked.
	Record string `json:"record,omitempty" example:"restaurant 12"`
	// Key checked, "type:id".
	Key string `json:"key,omitempty" example:"restaurant:12"`
	// Consistent is true when the cache holds exactly what the source
	// holds after the round trip.
	Consistent bool `json:"consistent" example:"true"`
	// Steps performed, in order.
	Steps []CheckStep `json:"steps"`
	// Problem explains a check not performed or a disagreement.
	Problem string `json:"problem,omitempty" example:""`
}

// PatternCheck is the answer of the pattern endpoints.
type PatternCheck struct {
	// Pattern checked.
	Pattern Pattern `json:"pattern" example:"write_through"`
	// Description of the pattern as dabba implements it.
	Description string `json:"description" example:"write the source, then the cache, in one call path"`
	// Figures are the pattern's live figures.
	Figures PatternFigures `json:"figures"`
	// SelfCheck is the round trip just performed.
	SelfCheck SelfCheck `json:"self_check"`
	// CheckedAt is when the check ran, UTC.
	CheckedAt time.Time `json:"checked_at" example:"2025-06-01T12:00:00Z"`
}

func (c *Cache) figures(ctx context.Context, p Pattern) (PatternFigures, error) {
	fleet, figs, err := c.fleet(ctx)
	if err != nil {
		return PatternFigures{}, err
	}
	var total delta
	for _, ns := range Namespaces() {
		total = total.add(fleet[ns])
	}
	l := c.latencies(total)
	return PatternFigures{Calls: figs[figure(p)], Reads: total.reads(), HitRatio: round3(total.hitRatio()),
		HitP50MS: l.Hit.P50MS, LoadP50MS: l.Load.P50MS, WritesStored: figs[writeThroughStored],
		WritesDropped: figs[writeThroughDropped], FillsRefused: total.counters[cFillsRefused]}, nil
}

// checker runs the timed steps of one self-check.
type checker struct{ sc *SelfCheck }

func (ck checker) step(name string, fn func() (string, error)) error {
	start := time.Now()
	outcome, err := fn()
	if err != nil {
		outcome = "failed: " + err.Error()
		ck.sc.Problem = fmt.Sprintf("%s failed: %v", name, err)
	}
	ck.sc.Steps = append(ck.sc.Steps, CheckStep{Step: name, DurationMS: ms(time.Since(start)), Outcome: outcome})
	return err
}

// CheckWriteThrough reports the write-through pattern's figures and
// rewrites the probe record through it: write the source, store in the
// cache, then read both back and compare.
func (c *Cache) CheckWriteThrough(ctx context.Context) (PatternCheck, error) {
	pc := PatternCheck{Pattern: PatternWriteThrough, CheckedAt: time.Now().UTC(),
		Description: "write the source, then store the new value in the cache in the same call path; a racing writer or invalidation drops the entry instead"}
	c.selfCheckWriteThrough(ctx, &pc.SelfCheck)
	var err error
	pc.Figures, err = c.figures(ctx, PatternWriteThrough)
	return pc, err
}

func (c *Cache) selfCheckWriteThrough(ctx context.Context, sc *SelfCheck) {
	rec, ok := c.probeRecord(ctx, sc)
	if !ok {
		return
	}
	ck := checker{sc}
	var written, cached, source json.RawMessage
	if ck.step("write_through", func() (string, error) {
		var err error
		written, err = WriteThrough(ctx, c, rec.Key, rec.Rewrite, Then(func(json.RawMessage) Event { return rec.Event }))
		return "source written, then the cache", err
	}) != nil {
		return
	}
	if ck.step("read_cache", func() (string, error) {
		var err error
		cached, err = c.peek(ctx, rec.Key)
		if cached == nil && err == nil {
			return "not in the cache", nil
		}
		return "read the cached value", err
	}) != nil {
		return
	}
	if ck.step("read_source", func() (string, error) {
		var err error
		source, err = rec.Load(ctx)
		return "read the source", err
	}) != nil {
		return
	}
	switch {
	case cached == nil:
		sc.Problem = "the written value is not in the cache (a concurrent write or invalidation dropped it, or Redis is unusable)"
	case !sameJSON(cached, source):
		sc.Problem = "the cache and the source disagree"
	case !sameJSON(written, source):
		sc.Problem = "the source changed after the write (a concurrent writer)"
	default:
		sc.Consistent = true
	}
}

// CheckCacheAside reports the cache-aside pattern's figures and reads the
// probe record through it: drop the entry, read (a miss that fills), read
// again (a hit), and compare with the source.
func (c *Cache) CheckCacheAside(ctx context.Context) (PatternCheck, error) {
	pc := PatternCheck{Pattern: PatternCacheAside, CheckedAt: time.Now().UTC(),
		Description: "read the cache first; on a miss load the source once (across nodes) and fill, unless the entry changed meanwhile"}
	c.selfCheckCacheAside(ctx, &pc.SelfCheck)
	var err error
	pc.Figures, err = c.figures(ctx, PatternCacheAside)
	return pc, err
}

func (c *Cache) selfCheckCacheAside(ctx context.Context, sc *SelfCheck) {
	rec, ok := c.probeRecord(ctx, sc)
	if !ok {
		return
	}
	ck := checker{sc}
	t, err := c.target(rec.Key)
	if err != nil {
		sc.Problem = "the probe record's key is invalid: " + err.Error()
		return
	}
	if ck.step("invalidate", func() (string, error) { return "entry dropped", c.drop(ctx, t) }) != nil {
		return
	}
	if ck.step("get_miss", func() (string, error) {
		_, err := Get(ctx, c, rec.Key, rec.Load)
		return "loaded from the source and filled", err
	}) != nil {
		return
	}
	var hit, source json.RawMessage
	if ck.step("get_hit", func() (string, error) {
		if err := c.flights.settle(ctx, rec.Key); err != nil {
			return "", err
		}
		cached, err := c.peek(ctx, rec.Key)
		if err != nil {
			return "", err
		}
		hit, err = Get(ctx, c, rec.Key, rec.Load)
		if cached == nil {
			return "not cached: loaded from the source again", err
		}
		return "served from the cache", err
	}) != nil {
		return
	}
	if ck.step("read_source", func() (string, error) {
		var err error
		source, err = rec.Load(ctx)
		return "read the source", err
	}) != nil {
		return
	}
	if sc.Consistent = sameJSON(hit, source); !sc.Consistent {
		sc.Problem = "the cache and the source disagree"
	}
}

func (c *Cache) probeRecord(ctx context.Context, sc *SelfCheck) (ProbeRecord, bool) {
	sc.Steps = []CheckStep{}
	if c.cfg.Probe == nil {
		sc.Problem = "no probe record: the cache was given no system of record"
		return ProbeRecord{}, false
	}
	rec, err := c.cfg.Probe.ProbeRecord(ctx)
	if err != nil {
		sc.Problem = "no probe record: " + err.Error()
		return ProbeRecord{}, false
	}
	sc.Performed, sc.Record, sc.Key = true, rec.Name, rec.Key.String()
	return rec, true
}

// peek returns the value cached at k, nil when there is none.
func (c *Cache) peek(ctx context.Context, k Key) (json.RawMessage, error) {
	t, err := c.target(k)
	if err != nil {
		return nil, err
	}
	raw, found, _, err := c.observe(ctx, t, "")
	if err != nil || !found {
		return nil, err
	}
	if s := decodeSlot(raw); s.tag == slotValue {
		return json.RawMessage(s.payload), nil
	}
	return nil, nil
}

// sameJSON compares two JSON documents by value.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
