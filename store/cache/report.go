package cache

import (
	"context"
	"fmt"
	"time"
)

// The stats endpoints report fleet-wide figures: every node's counts, added
// up in Redis (see stats.go).

// NamespaceStats are one namespace's fleet-wide counts.
type NamespaceStats struct {
	// Namespace counted.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Reads through the cache (hits + misses).
	Reads int64 `json:"reads" example:"80000"`
	// Hits served from Redis (negative hits included).
	Hits int64 `json:"hits" example:"71000"`
	// LocalHits served from an in-process tier.
	LocalHits int64 `json:"local_hits" example:"5000"`
	// NegativeHits answered "not found" from a remembered absence.
	NegativeHits int64 `json:"negative_hits" example:"40"`
	// Misses that loaded from the source.
	Misses int64 `json:"misses" example:"4000"`
	// HitRatio is (Hits + LocalHits) / Reads.
	HitRatio float64 `json:"hit_ratio" example:"0.95"`
	// Loads of the source (misses share loads when they coincide).
	Loads int64 `json:"loads" example:"1200"`
	// LoadErrors among them.
	LoadErrors int64 `json:"load_errors" example:"0"`
	// LeaseWaits counts reads that waited for another node's fill.
	LeaseWaits int64 `json:"lease_waits" example:"35"`
	// Fills counts values stored.
	Fills int64 `json:"fills" example:"1180"`
	// FillsRefused counts fills refused because of an invalidation or write
	// in between (each one a stale value kept out).
	FillsRefused int64 `json:"fills_refused" example:"3"`
	// Writes counts write-throughs and Sets.
	Writes int64 `json:"writes" example:"120"`
	// Invalidations counts entries dropped and groups renewed.
	Invalidations int64 `json:"invalidations" example:"300"`
	// BytesWritten to Redis.
	BytesWritten int64 `json:"bytes_written" example:"1048576"`
	// Fallbacks counts reads served from the source while Redis was unusable.
	Fallbacks int64 `json:"fallbacks" example:"0"`
	// RedisErrors counts failed Redis calls.
	RedisErrors int64 `json:"redis_errors" example:"0"`
}

func namespaceStats(ns Namespace, d delta) NamespaceStats {
	k := d.counters
	return NamespaceStats{Namespace: ns, Reads: d.reads(), Hits: k[cHits], LocalHits: k[cLocalHits], NegativeHits: k[cNegativeHits],
		Misses: k[cMisses], HitRatio: round3(d.hitRatio()), Loads: k[cLoads], LoadErrors: k[cLoadErrors],
		LeaseWaits: k[cLeaseWaits], Fills: k[cFills], FillsRefused: k[cFillsRefused], Writes: k[cWrites],
		Invalidations: k[cInvalidations], BytesWritten: k[cBytesWritten], Fallbacks: k[cFallbacks], RedisErrors: k[cRedisErrors]}
}

// NamespaceStatsReport is the answer of GET /cache/stats/namespaces.
type NamespaceStatsReport struct {
	// Namespaces in the spec's order.
	Namespaces []NamespaceStats `json:"namespaces"`
	// Total sums every namespace (its Namespace is empty).
	Total NamespaceStats `json:"total"`
}

// NamespaceStats reports each namespace's fleet-wide counts.
func (c *Cache) NamespaceStats(ctx context.Context) (NamespaceStatsReport, error) {
	fleet, _, err := c.fleet(ctx)
	if err != nil {
		return NamespaceStatsReport{}, err
	}
	r := NamespaceStatsReport{Namespaces: []NamespaceStats{}}
	var total delta
	for _, ns := range Namespaces() {
		r.Namespaces = append(r.Namespaces, namespaceStats(ns, fleet[ns]))
		total = total.add(fleet[ns])
	}
	r.Total = namespaceStats("", total)
	return r, nil
}

// LatencySummary summarises a latency distribution, in milliseconds.
type LatencySummary struct {
	// Count of samples.
	Count int64 `json:"count" example:"71000"`
	// MeanMS is the mean.
	MeanMS float64 `json:"mean_ms" example:"0.42"`
	// P50MS is the median (estimated from buckets).
	P50MS float64 `json:"p50_ms" example:"0.31"`
	// P95MS is the 95th percentile.
	P95MS float64 `json:"p95_ms" example:"0.9"`
	// P99MS is the 99th percentile.
	P99MS float64 `json:"p99_ms" example:"2.1"`
}

func (c *Cache) summary(h histSnapshot) LatencySummary {
	b := c.stats.bounds
	return LatencySummary{Count: h.count(), MeanMS: round3(h.meanMS()), P50MS: h.quantileMS(b, 0.50),
		P95MS: h.quantileMS(b, 0.95), P99MS: h.quantileMS(b, 0.99)}
}

// Latencies are a namespace's latency distributions.
type Latencies struct {
	// Hit is reads served from the cache, end to end.
	Hit LatencySummary `json:"hit"`
	// Miss is reads that loaded from the source, end to end.
	Miss LatencySummary `json:"miss"`
	// Load is the source alone (the uncached cost).
	Load LatencySummary `json:"load"`
}

func (c *Cache) latencies(d delta) Latencies {
	return Latencies{Hit: c.summary(d.hists[hHit]), Miss: c.summary(d.hists[hMiss]), Load: c.summary(d.hists[hLoad])}
}

// DetailedNamespaceStats are a namespace's counts and latencies.
type DetailedNamespaceStats struct {
	NamespaceStats
	// Latency of hits, misses and loads.
	Latency Latencies `json:"latency"`
}

// DetailedStats is the answer of GET /cache/stats/detailed.
type DetailedStats struct {
	// Total sums every namespace.
	Total DetailedNamespaceStats `json:"total"`
	// Namespaces in the spec's order.
	Namespaces []DetailedNamespaceStats `json:"namespaces"`
	// Patterns is how often each caching pattern was used.
	Patterns []PatternUsage `json:"patterns"`
	// WriteThroughsStored counts write-throughs whose value was stored.
	WriteThroughsStored int64 `json:"write_throughs_stored" example:"118"`
	// WriteThroughsDropped counts write-throughs that dropped the entry
	// instead (a racing writer or invalidation, or Redis trouble).
	WriteThroughsDropped int64 `json:"write_throughs_dropped" example:"2"`
	// Generations lists each namespace's current generation.
	Generations []NamespaceGeneration `json:"generations"`
	// TTLs is the TTL table in force (profile and overrides applied).
	TTLs []ClassTTL `json:"ttls"`
}

// ClassTTL is one TTL class as applied.
type ClassTTL struct {
	// Class of data.
	Class Class `json:"class" example:"restaurants"`
	// Namespace of the class.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// TTLSeconds is the lifetime in force, before ±jitter.
	TTLSeconds float64 `json:"ttl_seconds" example:"3600"`
	// SpecTTLSeconds is the spec's ENTERPRISE_TTL value.
	SpecTTLSeconds float64 `json:"spec_ttl_seconds" example:"3600"`
}

// TTLTable is the TTL table as this cache applies it.
func (c *Cache) TTLTable() []ClassTTL {
	out := make([]ClassTTL, 0, len(c.classes))
	for _, ci := range Classes() {
		out = append(out, ClassTTL{Class: ci.Class, Namespace: ci.Namespace, TTLSeconds: c.classes[ci.Class].ttl.Seconds(),
			SpecTTLSeconds: ci.TTL.Seconds()})
	}
	return out
}

// DetailedStats reports fleet-wide counts and latencies per namespace,
// pattern usage, generations and the TTL table.
func (c *Cache) DetailedStats(ctx context.Context) (DetailedStats, error) {
	fleet, figs, err := c.fleet(ctx)
	if err != nil {
		return DetailedStats{}, err
	}
	s := DetailedStats{Namespaces: []DetailedNamespaceStats{}, TTLs: c.TTLTable(),
		WriteThroughsStored: figs[writeThroughStored], WriteThroughsDropped: figs[writeThroughDropped]}
	var total delta
	for _, ns := range Namespaces() {
		d := fleet[ns]
		s.Namespaces = append(s.Namespaces, DetailedNamespaceStats{NamespaceStats: namespaceStats(ns, d), Latency: c.latencies(d)})
		total = total.add(d)
	}
	s.Total = DetailedNamespaceStats{NamespaceStats: namespaceStats("", total), Latency: c.latencies(total)}
	var calls int64
	for _, p := range Patterns() {
		calls += figs[figure(p)]
	}
	for _, p := range Patterns() {
		s.Patterns = append(s.Patterns, PatternUsage{Pattern: p, Calls: figs[figure(p)], Share: ratio(figs[figure(p)], calls)})
	}
	if s.Generations, err = c.Generations(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// NamespacePerformance is the answer of GET
// /cache/performance/namespace/{namespace}.
type NamespacePerformance struct {
	DetailedNamespaceStats
	// Generation is the namespace's current generation.
	Generation int64 `json:"generation" example:"3"`
	// ImprovementRatio is how much faster a hit is than a load at the
	// median: 1 − hit p50 / load p50 (0 without both).
	ImprovementRatio float64 `json:"improvement_ratio" example:"0.97"`
	// MeetsHitRatioTarget is HitRatio ≥ the target (false without reads).
	MeetsHitRatioTarget bool `json:"meets_hit_ratio_target" example:"true"`
	// MeetsLatencyTarget is hit p99 ≤ the response-time target.
	MeetsLatencyTarget bool `json:"meets_latency_target" example:"true"`
	// TTLs are the namespace's classes.
	TTLs []ClassTTL `json:"ttls"`
	// HotKeys are the namespace's ten most popular keys.
	HotKeys []HotKey `json:"hot_keys"`
}

// NamespacePerformance reports one namespace's fleet-wide performance.
// Unknown namespace is ENOTFOUND.
func (c *Cache) NamespacePerformance(ctx context.Context, ns Namespace) (NamespacePerformance, error) {
	if _, err := ParseNamespace(string(ns)); err != nil {
		return NamespacePerformance{}, err
	}
	fleet, _, err := c.fleet(ctx)
	if err != nil {
		return NamespacePerformance{}, err
	}
	d := fleet[ns]
	p := NamespacePerformance{DetailedNamespaceStats: DetailedNamespaceStats{NamespaceStats: namespaceStats(ns, d), Latency: c.latencies(d)},
		TTLs: []ClassTTL{}}
	p.ImprovementRatio = improvement(p.Latency)
	p.MeetsHitRatioTarget = d.reads() > 0 && d.hitRatio() >= c.cfg.Alerts.HitRatioTarget
	p.MeetsLatencyTarget = p.Latency.Hit.P99MS <= ms(c.cfg.Alerts.SlowOperation)
	for _, ct := range c.TTLTable() {
		if ct.Namespace == ns {
			p.TTLs = append(p.TTLs, ct)
		}
	}
	gens, err := c.Generations(ctx)
	if err != nil {
		return p, err
	}
	for _, g := range gens {
		if g.Namespace == ns {
			p.Generation = g.Generation
		}
	}
	p.HotKeys, err = c.HotKeys(ctx, ns, 10)
	return p, err
}

func improvement(l Latencies) float64 {
	if l.Hit.Count == 0 || l.Load.Count == 0 || l.Load.P50MS == 0 {
		return 0
	}
	return round3(1 - l.Hit.P50MS/l.Load.P50MS)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// The spec's performance targets.
const (
	// TargetImprovement is the spec's "> 70 % faster than uncached".
	TargetImprovement = 0.70
)

// PerformanceReport is the answer of GET /enterprise/performance/report:
// the measured figures against the spec's targets, with recommendations
// derived from them.
type PerformanceReport struct {
	// HitRatio measured against the target.
	HitRatio TargetCheck `json:"hit_ratio"`
	// CachedP50MS is the median cached response time against the target.
	CachedP50MS TargetCheck `json:"cached_p50_ms"`
	// CachedP99MS is the 99th percentile against the target.
	CachedP99MS TargetCheck `json:"cached_p99_ms"`
	// Improvement is 1 − cached p50 / uncached (load) p50 against 70 %.
	Improvement TargetCheck `json:"improvement"`
	// UncachedP50MS is the median load from the source.
	UncachedP50MS float64 `json:"uncached_p50_ms" example:"12.5"`
	// Namespaces are the per-namespace figures, busiest first.
	Namespaces []NamespaceReport `json:"namespaces"`
	// Alerts counts alerts per kind, and the most frequent kind.
	Alerts AlertAnalysis `json:"alerts"`
	// Recommendations say what to change, derived from the figures.
	Recommendations []Recommendation `json:"recommendations"`
	// GeneratedAt is when the report ran, UTC.
	GeneratedAt time.Time `json:"generated_at" example:"2025-06-01T12:00:00Z"`
}

// TargetCheck is one measured figure against its target.
type TargetCheck struct {
	// Measured value.
	Measured float64 `json:"measured" example:"0.91"`
	// Target value.
	Target float64 `json:"target" example:"0.8"`
	// Met says whether the target is met; false when nothing was measured.
	Met bool `json:"met" example:"true"`
	// Samples is how many observations the figure rests on.
	Samples int64 `json:"samples" example:"120000"`
}

// NamespaceReport is one namespace's line of the report.
type NamespaceReport struct {
	// Namespace reported.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Reads through the cache.
	Reads int64 `json:"reads" example:"80000"`
	// HitRatio measured.
	HitRatio float64 `json:"hit_ratio" example:"0.95"`
	// CachedP99MS is the 99th percentile of hits.
	CachedP99MS float64 `json:"cached_p99_ms" example:"1.9"`
	// UncachedP50MS is the median load.
	UncachedP50MS float64 `json:"uncached_p50_ms" example:"8.2"`
	// Improvement is 1 − hit p50 / load p50.
	Improvement float64 `json:"improvement" example:"0.96"`
}

// AlertAnalysis analyses alert types and frequencies.
type AlertAnalysis struct {
	// Counts per kind.
	Counts []AlertCount `json:"counts"`
	// MostFrequent is the kind raised most often; empty without alerts.
	MostFrequent AlertKind `json:"most_frequent,omitempty" example:"slow_operation"`
	// Total alerts raised.
	Total int64 `json:"total" example:"4"`
}

// Recommendation is one change the figures call for.
type Recommendation struct {
	// Severity is "critical", "warning" or "info".
	Severity string `json:"severity" example:"warning"`
	// Namespace concerned; empty for the whole cache.
	Namespace Namespace `json:"namespace,omitempty" example:"orders"`
	// Metric the recommendation rests on.
	Metric string `json:"metric" example:"hit_ratio"`
	// Measured value of the metric.
	Measured float64 `json:"measured" example:"0.62"`
	// Target value of the metric.
	Target float64 `json:"target" example:"0.8"`
	// Message says what to do and why, with the numbers.
	Message string `json:"message" example:"orders serves 62.0% of 10400 reads from the cache (target 80%): ..."`
}

// minReportReads is how many reads a namespace needs before the report
// judges it.
const minReportReads = 20

// PerformanceReport measures the fleet's figures against the spec's targets
// (hit ratio > 80 %, cached response < 100 ms, > 70 % faster than
// uncached) and derives recommendations from them.
func (c *Cache) PerformanceReport(ctx context.Context) (PerformanceReport, error) {
	fleet, _, err := c.fleet(ctx)
	if err != nil {
		return PerformanceReport{}, err
	}
	alerts, err := c.Alerts(ctx, 1)
	if err != nil {
		return PerformanceReport{}, err
	}
	mem, err := c.redisMemory(ctx)
	if err != nil {
		return PerformanceReport{}, err
	}
	target, slow := c.cfg.Alerts.HitRatioTarget, ms(c.cfg.Alerts.SlowOperation)
	var total delta
	for _, ns := range Namespaces() {
		total = total.add(fleet[ns])
	}
	lat := c.latencies(total)
	r := PerformanceReport{
		HitRatio:      TargetCheck{Measured: round3(total.hitRatio()), Target: target, Samples: total.reads(), Met: total.reads() > 0 && total.hitRatio() >= target},
		CachedP50MS:   TargetCheck{Measured: lat.Hit.P50MS, Target: slow, Samples: lat.Hit.Count, Met: lat.Hit.Count > 0 && lat.Hit.P50MS <= slow},
		CachedP99MS:   TargetCheck{Measured: lat.Hit.P99MS, Target: slow, Samples: lat.Hit.Count, Met: lat.Hit.Count > 0 && lat.Hit.P99MS <= slow},
		Improvement:   TargetCheck{Measured: improvement(lat), Target: TargetImprovement, Samples: min(lat.Hit.Count, lat.Load.Count)},
		UncachedP50MS: lat.Load.P50MS,
		Namespaces:    []NamespaceReport{}, Recommendations: []Recommendation{}, GeneratedAt: time.Now().UTC(),
		Alerts: AlertAnalysis{Counts: alerts.Counts},
	}
	r.Improvement.Met = r.Improvement.Samples > 0 && r.Improvement.Measured >= TargetImprovement
	for _, ac := range alerts.Counts {
		r.Alerts.Total += ac.Count
		if ac.Count > 0 && (r.Alerts.MostFrequent == "" || ac.Count > countOf(alerts.Counts, r.Alerts.MostFrequent)) {
			r.Alerts.MostFrequent = ac.Kind
		}
	}
	rec := func(sev string, ns Namespace, metric string, measured, tgt float64, format string, args ...any) {
		r.Recommendations = append(r.Recommendations, Recommendation{Severity: sev, Namespace: ns, Metric: metric,
			Measured: round3(measured), Target: tgt, Message: fmt.Sprintf(format, args...)})
	}
	for _, ns := range Namespaces() {
		d := fleet[ns]
		if d.reads() == 0 {
			continue
		}
		l := c.latencies(d)
		r.Namespaces = append(r.Namespaces, NamespaceReport{Namespace: ns, Reads: d.reads(), HitRatio: round3(d.hitRatio()),
			CachedP99MS: l.Hit.P99MS, UncachedP50MS: l.Load.P50MS, Improvement: improvement(l)})
		if d.reads() < minReportReads {
			continue
		}
		k := d.counters
		if hr := d.hitRatio(); hr < target {
			cause := c.missCause(ns, d)
			rec("warning", ns, "hit_ratio", hr, target,
				"%s serves %.1f%% of %d reads from the cache (target %.0f%%): %s",
				ns, 100*hr, d.reads(), 100*target, cause)
		}
		if l.Hit.P99MS > slow {
			rec("warning", ns, "cached_p99_ms", l.Hit.P99MS, slow,
				"cached reads in %s take %.1f ms at p99, above the %.0f ms target: check Redis latency and value sizes (%d bytes per fill on average)",
				ns, l.Hit.P99MS, slow, k[cBytesWritten]/max(k[cFills], 1))
		}
		if imp := improvement(l); l.Load.Count > 0 && imp < TargetImprovement {
			rec("info", ns, "improvement", imp, TargetImprovement,
				"in %s a hit (p50 %.2f ms) is only %.0f%% faster than a load (p50 %.2f ms): the source is cheap here; caching pays mainly in load shedding",
				ns, l.Hit.P50MS, 100*imp, l.Load.P50MS)
		}
		if refused := k[cFillsRefused]; refused > 0 && refused*10 > k[cFills] {
			rec("info", ns, "fills_refused", float64(refused), 0,
				"%d of %d fills in %s were refused because the entry changed meanwhile: heavy write contention; consider write-through for these writes",
				refused, refused+k[cFills], ns)
		}
		if k[cLoadErrors] > 0 {
			rec("warning", ns, "load_errors", float64(k[cLoadErrors]), 0,
				"%d loads from the source failed in %s: the system of record is erroring", k[cLoadErrors], ns)
		}
	}
	if fb := total.counters[cFallbacks]; fb > 0 {
		rec("critical", "", "fallbacks", float64(fb), 0,
			"%d reads bypassed the cache because Redis was unreachable or recovering: check Redis availability", fb)
	}
	if mem.UsedBytes > mem.AlertThresholdBytes {
		rec("critical", "", "memory_bytes", float64(mem.UsedBytes), float64(mem.AlertThresholdBytes),
			"Redis uses %s, above the %s threshold: shorten TTLs of the largest namespaces (see /cache/memory-usage) or raise maxmemory",
			mem.UsedHuman, humanBytes(mem.AlertThresholdBytes))
	}
	if total.reads() == 0 {
		rec("info", "", "reads", 0, 0, "no reads went through the cache yet: nothing to judge")
	}
	return r, nil
}

// missCause explains a low hit ratio from the namespace's counts.
func (c *Cache) missCause(ns Namespace, d delta) string {
	k := d.counters
	switch {
	case k[cFallbacks]*2 > k[cMisses]:
		return fmt.Sprintf("%d of %d misses happened while Redis was unusable", k[cFallbacks], k[cMisses])
	case k[cInvalidations]*2 > k[cMisses]:
		return fmt.Sprintf("%d invalidations against %d misses: entries are dropped faster than they are reused; prefer write-through for hot records", k[cInvalidations], k[cMisses])
	}
	ttls := ""
	for _, ct := range c.TTLTable() {
		if ct.Namespace == ns {
			ttls += fmt.Sprintf(" %s=%.0fs", ct.Class, ct.TTLSeconds)
		}
	}
	return fmt.Sprintf("entries expire before they are read again (TTLs:%s); warm the namespace or lengthen its TTLs", ttls)
}

func countOf(counts []AlertCount, k AlertKind) int64 {
	for _, ac := range counts {
		if ac.Kind == k {
			return ac.Count
		}
	}
	return 0
}
