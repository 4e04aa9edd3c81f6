package cache

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// Key popularity is tracked per namespace in a Redis sorted set: each node
// adds its access counts in the periodic flush, and once per half-life one
// node halves every score, so a score is an exponentially decayed access
// count. Hot keys drive the pattern analysis and predictive warming.

// HotKey is a frequently read key.
type HotKey struct {
	// Key without generations, "type:id".
	Key string `json:"key" example:"restaurant:12"`
	// Namespace of the key.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Class is the key's TTL class.
	Class Class `json:"class" example:"restaurants"`
	// Score is the decayed access count: recent reads count fully, reads a
	// half-life ago half.
	Score float64 `json:"score" example:"1520.5"`
	// Cached is true when the entry is in Redis now.
	Cached bool `json:"cached" example:"true"`
	// TTLSeconds is the entry's time left; 0 when not cached.
	TTLSeconds float64 `json:"ttl_seconds" example:"1204.2"`
	// Entry is the key, for warming it.
	Entry Key `json:"-"`
}

// HotKeys returns the n most popular keys of namespace ns, most popular
// first, with whether each is cached and its time left. Unknown namespace
// is ENOTFOUND.
func (c *Cache) HotKeys(ctx context.Context, ns Namespace, n int) ([]HotKey, error) {
	if _, err := ParseNamespace(string(ns)); err != nil {
		return nil, err
	}
	if n <= 0 {
		n = 10
	}
	_ = c.flush(ctx)
	var zs []redis.Z
	err := c.call(ctx, ns, "hot_keys", func(ctx context.Context) error {
		var err error
		zs, err = c.rdb.ZRevRangeWithScores(ctx, c.keys.internal("hot", string(ns)), 0, int64(n-1)).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read hot keys of %s: %w", ns, err)
	}
	type probe struct {
		hk   HotKey
		t    target
		gens *redis.SliceCmd
		ttl  *redis.DurationCmd
		tag  *redis.StringCmd
	}
	probes := make([]probe, 0, len(zs))
	for _, z := range zs {
		member, _ := z.Member.(string)
		k, ok := parseMember(member)
		if !ok {
			continue
		}
		t, err := c.target(k)
		if err != nil {
			continue
		}
		probes = append(probes, probe{hk: HotKey{Key: k.String(), Namespace: ns, Class: k.Class, Score: round3(z.Score), Entry: k}, t: t})
	}
	err = c.pipelined(ctx, ns, "hot_keys", func(p redis.Pipeliner) {
		for i := range probes {
			probes[i].gens = p.MGet(ctx, probes[i].t.genKeys...)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read hot keys of %s: %w", ns, err)
	}
	err = c.pipelined(ctx, ns, "hot_keys", func(p redis.Pipeliner) {
		for i := range probes {
			vals := probes[i].gens.Val()
			g := generations{ns: parseGen(vals, 0), group: parseGen(vals, 1)}
			key := c.physical(probes[i].t, g)
			probes[i].ttl = p.PTTL(ctx, key)
			probes[i].tag = p.GetRange(ctx, key, 0, 0)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read hot keys of %s: %w", ns, err)
	}
	out := make([]HotKey, 0, len(probes))
	for _, pr := range probes {
		if tag := pr.tag.Val(); tag == string(rune(slotValue)) || tag == string(rune(slotNegative)) {
			pr.hk.Cached = true
			pr.hk.TTLSeconds = round3(max(pr.ttl.Val(), 0).Seconds())
		}
		out = append(out, pr.hk)
	}
	return out, nil
}

// PredictionKind is what a prediction expects.
type PredictionKind string

// The predictions.
const (
	// PredictionKeyMissing: a hot key is not cached; its next read misses.
	PredictionKeyMissing PredictionKind = "key_missing"
	// PredictionKeyExpiring: a hot key has less than a quarter of its TTL
	// left; it will miss soon.
	PredictionKeyExpiring PredictionKind = "key_expiring"
	// PredictionNamespaceCold: a namespace serves fewer reads from the
	// cache than the hit-ratio target.
	PredictionNamespaceCold PredictionKind = "namespace_cold"
)

// Prediction is one expected future cache need.
type Prediction struct {
	// Kind of prediction.
	Kind PredictionKind `json:"kind" example:"key_expiring"`
	// Namespace concerned.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Key concerned ("type:id"); empty for a namespace prediction.
	Key string `json:"key,omitempty" example:"restaurant:12"`
	// Score is the key's popularity, or the namespace's read count.
	Score float64 `json:"score" example:"1520.5"`
	// TTLSeconds is the key's time left (0 when missing).
	TTLSeconds float64 `json:"ttl_seconds" example:"42"`
	// Reason explains the prediction with its numbers.
	Reason string `json:"reason" example:"read 1520 times recently and expires in 42s (of 3600s)"`
	// Warmable is true when the namespace has a warmer to act on it.
	Warmable bool `json:"warmable" example:"true"`
	// Entry is the key, for warming it.
	Entry Key `json:"-"`
}

// hotKeysPerPrediction is how many hot keys per namespace PredictNeeds looks at.
const hotKeysPerPrediction = 25

// minPredictionScore ignores keys read about once: not worth warming.
const minPredictionScore = 2

// PredictNeeds predicts what the cache will be asked for soon from the hot
// keys and the hit ratios: hot keys that are missing or have less than a
// quarter of their TTL left, and namespaces below the hit-ratio target.
func (c *Cache) PredictNeeds(ctx context.Context) ([]Prediction, error) {
	fleet, _, err := c.fleet(ctx)
	if err != nil {
		return nil, err
	}
	out := []Prediction{}
	for _, ns := range Namespaces() {
		_, warmable := c.warmer(ns)
		hot, err := c.HotKeys(ctx, ns, hotKeysPerPrediction)
		if err != nil {
			return nil, err
		}
		for _, hk := range hot {
			ttl := c.classes[hk.Class].ttl
			p := Prediction{Namespace: ns, Key: hk.Key, Score: hk.Score, TTLSeconds: hk.TTLSeconds, Warmable: warmable, Entry: hk.Entry}
			switch {
			case hk.Score < minPredictionScore:
				continue
			case !hk.Cached:
				p.Kind = PredictionKeyMissing
				p.Reason = fmt.Sprintf("read about %.0f times recently and not cached", hk.Score)
			case hk.TTLSeconds < ttl.Seconds()/4:
				p.Kind = PredictionKeyExpiring
				p.Reason = fmt.Sprintf("read about %.0f times recently and expires in %.0fs (of %.0fs)", hk.Score, hk.TTLSeconds, ttl.Seconds())
			default:
				continue
			}
			out = append(out, p)
		}
		d := fleet[ns]
		if d.reads() >= c.cfg.Alerts.MinReads && d.hitRatio() < c.cfg.Alerts.HitRatioTarget {
			out = append(out, Prediction{Kind: PredictionNamespaceCold, Namespace: ns, Score: float64(d.reads()), Warmable: warmable,
				Reason: fmt.Sprintf("hit ratio %.1f%% over %d reads, below the %.0f%% target", 100*d.hitRatio(), d.reads(), 100*c.cfg.Alerts.HitRatioTarget)})
		}
	}
	return out, nil
}

// PatternAnalysis is the answer of GET /enterprise/analytics/patterns: how
// the cache is used and what it will need.
type PatternAnalysis struct {
	// Reads counts reads through the cache, fleet-wide.
	Reads int64 `json:"reads" example:"120000"`
	// Writes counts write-throughs and Sets.
	Writes int64 `json:"writes" example:"3100"`
	// Fills counts values stored after misses and writes.
	Fills int64 `json:"fills" example:"9800"`
	// Invalidations counts entries dropped and groups renewed.
	Invalidations int64 `json:"invalidations" example:"4200"`
	// ReadWriteRatio is reads per write; 0 without writes.
	ReadWriteRatio float64 `json:"read_write_ratio" example:"38.7"`
	// HitRatio is the share of reads served from the cache.
	HitRatio float64 `json:"hit_ratio" example:"0.91"`
	// Namespaces breaks the mix down per namespace, busiest first.
	Namespaces []NamespacePattern `json:"namespaces"`
	// HottestNamespaces lists namespaces with reads, busiest first.
	HottestNamespaces []Namespace `json:"hottest_namespaces" example:"restaurants,static"`
	// Patterns is how often each caching pattern was used.
	Patterns []PatternUsage `json:"patterns"`
	// Predictions are the needs PredictNeeds expects.
	Predictions []Prediction `json:"predictions"`
	// GeneratedAt is when the analysis ran, UTC.
	GeneratedAt time.Time `json:"generated_at" example:"2025-06-01T12:00:00Z"`
}

// NamespacePattern is one namespace's usage.
type NamespacePattern struct {
	// Namespace analysed.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Reads through the cache.
	Reads int64 `json:"reads" example:"80000"`
	// Writes (write-through and Set).
	Writes int64 `json:"writes" example:"120"`
	// Invalidations (entries dropped, groups renewed).
	Invalidations int64 `json:"invalidations" example:"300"`
	// ReadShare is the namespace's share of all reads.
	ReadShare float64 `json:"read_share" example:"0.66"`
	// ReadWriteRatio is reads per write; 0 without writes.
	ReadWriteRatio float64 `json:"read_write_ratio" example:"666.7"`
	// HitRatio is the share of reads served from the cache.
	HitRatio float64 `json:"hit_ratio" example:"0.95"`
	// HotKeys are the namespace's five most popular keys.
	HotKeys []HotKey `json:"hot_keys"`
}

// PatternUsage is how often one pattern was used.
type PatternUsage struct {
	// Pattern used.
	Pattern Pattern `json:"pattern" example:"cache_aside"`
	// Calls of the pattern, fleet-wide.
	Calls int64 `json:"calls" example:"110000"`
	// Share of all pattern calls.
	Share float64 `json:"share" example:"0.9"`
}

// AnalyzePatterns reports the fleet's read/write mix, hot keys and
// namespaces, pattern usage and predicted needs.
func (c *Cache) AnalyzePatterns(ctx context.Context) (PatternAnalysis, error) {
	fleet, figs, err := c.fleet(ctx)
	if err != nil {
		return PatternAnalysis{}, err
	}
	a := PatternAnalysis{Namespaces: []NamespacePattern{}, HottestNamespaces: []Namespace{}, GeneratedAt: time.Now().UTC()}
	var total delta
	for _, ns := range Namespaces() {
		total = total.add(fleet[ns])
	}
	a.Reads, a.Writes, a.Fills, a.Invalidations = total.reads(), total.counters[cWrites], total.counters[cFills], total.counters[cInvalidations]
	a.ReadWriteRatio, a.HitRatio = ratio(a.Reads, a.Writes), round3(total.hitRatio())
	for _, ns := range Namespaces() {
		d := fleet[ns]
		hot, err := c.HotKeys(ctx, ns, 5)
		if err != nil {
			return a, err
		}
		a.Namespaces = append(a.Namespaces, NamespacePattern{Namespace: ns, Reads: d.reads(), Writes: d.counters[cWrites],
			Invalidations: d.counters[cInvalidations], ReadShare: ratio(d.reads(), a.Reads),
			ReadWriteRatio: ratio(d.reads(), d.counters[cWrites]), HitRatio: round3(d.hitRatio()), HotKeys: hot})
	}
	slices.SortStableFunc(a.Namespaces, func(x, y NamespacePattern) int { return cmp.Compare(y.Reads, x.Reads) })
	for _, np := range a.Namespaces {
		if np.Reads > 0 {
			a.HottestNamespaces = append(a.HottestNamespaces, np.Namespace)
		}
	}
	var calls int64
	for _, p := range Patterns() {
		calls += figs[figure(p)]
	}
	for _, p := range Patterns() {
		a.Patterns = append(a.Patterns, PatternUsage{Pattern: p, Calls: figs[figure(p)], Share: ratio(figs[figure(p)], calls)})
	}
	if a.Predictions, err = c.PredictNeeds(ctx); err != nil {
		return a, err
	}
	return a, nil
}

// ratio is n/d rounded to three places, 0 when d is 0.
func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return round3(float64(n) / float64(d))
}
