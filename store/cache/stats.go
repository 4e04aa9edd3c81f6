package cache

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// Every node counts what it does in memory (atomics, no round trips) and
// adds the deltas to fleet-wide hashes in Redis once per FlushInterval, in
// one pipeline together with hot-key scores and new alerts. The stats
// endpoints read those hashes, so they report the whole fleet. The same
// counts feed this node's Prometheus metrics directly.

// counter is one per-namespace count.
type counter int

const (
	cHits          counter = iota // reads served from Redis
	cLocalHits                    // reads served from the in-process tier
	cNegativeHits                 // reads answered "not found" from the cache
	cMisses                       // reads that had to load
	cLoads                        // calls of a loader
	cLoadErrors                   // loader calls that failed (other than not found)
	cLeaseWaits                   // reads that waited for another node's fill
	cFills                        // values and negative entries stored
	cFillsRefused                 // fills refused: the entry was invalidated or written meanwhile
	cWrites                       // write-through and Set calls
	cInvalidations                // entries dropped and groups renewed
	cBytesWritten                 // bytes stored
	cFallbacks                    // reads served by the loader because Redis was unusable
	cRedisErrors                  // failed Redis calls
	cStaleServed                  // reads answered from an expired copy (stale-if-error)
	numCounters
)

func (k counter) name() string {
	return [...]string{"hits", "local_hits", "negative_hits", "misses", "loads", "load_errors",
		"lease_waits", "fills", "fills_refused", "writes", "invalidations", "bytes_written",
		"fallbacks", "redis_errors", "stale_served"}[k]
}

func (k counter) help() string {
	return [...]string{
		"Reads served from Redis.",
		"Reads served from the in-process tier.",
		"Reads answered not-found from a negative entry.",
		"Reads that had to load from the source.",
		"Loader calls.",
		"Loader calls that failed with an error other than not-found.",
		"Reads that waited for another node to fill the entry.",
		"Values and negative entries stored in Redis.",
		"Fills refused because the entry was invalidated or written since the miss.",
		"Write-through and Set calls.",
		"Entries dropped and groups renewed by invalidations.",
		"Bytes stored in Redis.",
		"Reads served by the loader because Redis was unusable.",
		"Failed Redis calls.",
		"Reads answered from an expired copy because the source was unavailable (stale-if-error).",
	}[k]
}

// histKind is one per-namespace latency distribution.
type histKind int

const (
	hHit  histKind = iota // reads served from the cache, end to end
	hMiss                 // reads that loaded, end to end
	hLoad                 // loader calls
	numHists
)

func (h histKind) name() string { return [...]string{"hit", "miss", "load"}[h] }

// latencyBoundsMS are the upper bounds of the latency buckets, shared by
// the fleet histograms and the Prometheus ones.
func latencyBoundsMS() []float64 {
	return []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000}
}

// Layer names where a read was served from.
const (
	layerRedis = "redis"
	layerLocal = "local"
)

type histogram struct {
	buckets []atomic.Int64 // len(bounds)+1, the last one is +Inf
	sumUS   atomic.Int64
}

type nsStats struct {
	counters [numCounters]atomic.Int64
	hists    [numHists]histogram
	prom     [numCounters]prometheus.Counter
	promHist [numHists]prometheus.Observer
}

// recorder holds this node's counts since the last flush.
type recorder struct {
	metrics *metrics
	bounds  []float64
	ns      map[Namespace]*nsStats // fixed at construction; "" is internal
	figures map[figure]*atomic.Int64

	patternCalls map[Pattern]prometheus.Counter

	hotMu sync.Mutex
	hot   map[Namespace]map[Key]float64
}

// maxHotPerFlush bounds the distinct keys one node tracks between flushes.
const maxHotPerFlush = 10000

func newRecorder(m *metrics) *recorder {
	r := &recorder{metrics: m, bounds: latencyBoundsMS(), ns: map[Namespace]*nsStats{},
		figures: map[figure]*atomic.Int64{}, hot: map[Namespace]map[Key]float64{}, patternCalls: map[Pattern]prometheus.Counter{}}
	for _, ns := range append(Namespaces(), "") {
		s := &nsStats{}
		for h := range s.hists {
			s.hists[h].buckets = make([]atomic.Int64, len(r.bounds)+1)
		}
		label := string(ns)
		if ns == "" {
			label = "_internal"
		}
		for k := range numCounters {
			s.prom[k] = m.counter(k, label)
		}
		for h := range numHists {
			s.promHist[h] = m.latency.WithLabelValues(label, h.name())
		}
		r.ns[ns] = s
	}
	for _, f := range figures() {
		r.figures[f] = &atomic.Int64{}
	}
	for _, p := range Patterns() {
		r.patternCalls[p] = m.patterns.WithLabelValues(string(p))
	}
	return r
}

func (r *recorder) add(ns Namespace, k counter, n int64) {
	s := r.ns[ns]
	s.counters[k].Add(n)
	s.prom[k].Add(float64(n))
}

func (r *recorder) observe(ns Namespace, h histKind, d time.Duration) {
	s := r.ns[ns]
	ms := float64(d.Microseconds()) / 1000
	i := len(r.bounds)
	for j, b := range r.bounds {
		if ms <= b {
			i = j
			break
		}
	}
	s.hists[h].buckets[i].Add(1)
	s.hists[h].sumUS.Add(d.Microseconds())
	s.promHist[h].Observe(d.Seconds())
}

// read records one read: served from the cache (hit) or loaded.
func (r *recorder) read(ns Namespace, layer string, hit bool, d time.Duration) {
	switch {
	case hit && layer == layerLocal:
		r.add(ns, cLocalHits, 1)
		r.observe(ns, hHit, d)
	case hit:
		r.add(ns, cHits, 1)
		r.observe(ns, hHit, d)
	default:
		r.add(ns, cMisses, 1)
		r.observe(ns, hMiss, d)
	}
}

// load records one loader call.
func (r *recorder) load(ns Namespace, d time.Duration, err error) {
	r.add(ns, cLoads, 1)
	r.observe(ns, hLoad, d)
	if err != nil && !store.IsKind(err, store.ENOTFOUND) {
		r.add(ns, cLoadErrors, 1)
	}
}

// figure is a fleet-wide count that belongs to no namespace: calls of each
// pattern and the outcomes of write-throughs.
type figure string

const (
	writeThroughStored  figure = "write_through.stored"
	writeThroughDropped figure = "write_through.dropped"
)

func figures() []figure {
	out := []figure{writeThroughStored, writeThroughDropped}
	for _, p := range Patterns() {
		out = append(out, figure(p))
	}
	return out
}

func (r *recorder) pattern(p Pattern) {
	r.count(figure(p))
	r.patternCalls[p].Inc()
}

func (r *recorder) count(f figure) { r.figures[f].Add(1) }

// touch counts one access to k, in namespace ns, for hot-key analytics.
func (r *recorder) touch(ns Namespace, k Key) {
	r.hotMu.Lock()
	defer r.hotMu.Unlock()
	m := r.hot[ns]
	if m == nil {
		m = map[Key]float64{}
		r.hot[ns] = m
	}
	if _, ok := m[k]; ok || len(m) < maxHotPerFlush {
		m[k]++
	}
}

// delta is what one node counted between two flushes, or (from Redis) the
// fleet's totals.
type delta struct {
	counters [numCounters]int64
	hists    [numHists]histSnapshot
}

type histSnapshot struct {
	buckets []int64
	sumUS   int64
}

// swap takes the counts since the last flush, resetting them.
func (s *nsStats) swap() (d delta, any bool) {
	for k := range s.counters {
		d.counters[k] = s.counters[k].Swap(0)
		any = any || d.counters[k] != 0
	}
	for h := range s.hists {
		d.hists[h].buckets = make([]int64, len(s.hists[h].buckets))
		for i := range s.hists[h].buckets {
			d.hists[h].buckets[i] = s.hists[h].buckets[i].Swap(0)
		}
		d.hists[h].sumUS = s.hists[h].sumUS.Swap(0)
	}
	return d, any
}

// restore puts counts back after a failed flush.
func (s *nsStats) restore(d delta) {
	for k := range s.counters {
		s.counters[k].Add(d.counters[k])
	}
	for h := range s.hists {
		for i, n := range d.hists[h].buckets {
			s.hists[h].buckets[i].Add(n)
		}
		s.hists[h].sumUS.Add(d.hists[h].sumUS)
	}
}

func histField(h histKind, i int) string { return "lat." + h.name() + "." + strconv.Itoa(i) }
func histSumField(h histKind) string     { return "lat." + h.name() + ".sum_us" }

// flush adds this node's counts, hot keys and alerts to the fleet figures
// in one pipeline, and decays hot-key scores when it is this node's turn.
func (c *Cache) flush(ctx context.Context) error {
	r := c.stats
	deltas := map[Namespace]delta{}
	for _, ns := range Namespaces() {
		if d, any := r.ns[ns].swap(); any {
			deltas[ns] = d
		}
	}
	figs := map[figure]int64{}
	for f, n := range r.figures {
		if v := n.Swap(0); v != 0 {
			figs[f] = v
		}
	}
	r.hotMu.Lock()
	hot := r.hot
	r.hot = map[Namespace]map[Key]float64{}
	r.hotMu.Unlock()
	alerts := c.alerts.take()

	if len(deltas) == 0 && len(figs) == 0 && len(hot) == 0 && alerts.empty() {
		return c.tend(ctx)
	}
	err := c.pipelined(ctx, "", "flush", func(p redis.Pipeliner) {
		for ns, d := range deltas {
			key := c.keys.internal("stats", string(ns))
			for k, n := range d.counters {
				if n != 0 {
					p.HIncrBy(ctx, key, counter(k).name(), n)
				}
			}
			for h, hs := range d.hists {
				for i, n := range hs.buckets {
					if n != 0 {
						p.HIncrBy(ctx, key, histField(histKind(h), i), n)
					}
				}
				if hs.sumUS != 0 {
					p.HIncrBy(ctx, key, histSumField(histKind(h)), hs.sumUS)
				}
			}
			p.HSetNX(ctx, key, "since", time.Now().UTC().Format(time.RFC3339))
		}
		for f, n := range figs {
			p.HIncrBy(ctx, c.keys.internal("stats", "figures"), string(f), n)
		}
		for ns, members := range hot {
			if ns == "" {
				continue
			}
			key := c.keys.internal("hot", string(ns))
			for k, n := range members {
				p.ZIncrBy(ctx, key, n, k.member())
			}
		}
		c.alerts.write(ctx, p, alerts)
	})
	if err != nil {
		for ns, d := range deltas {
			r.ns[ns].restore(d)
		}
		for f, n := range figs {
			r.figures[f].Add(n)
		}
		c.alerts.putBack(alerts)
		return fmt.Errorf("flush cache stats: %w", err)
	}
	return c.tend(ctx)
}

// tend does the periodic chores every flush ends with: it learns whether
// any node listens for invalidation messages (a local tier), and halves
// every hot-key score once per half-life, on whichever node takes the turn,
// trimming each set to HotKeys.Keep members. The fleet's first turn only
// starts the clock.
func (c *Cache) tend(ctx context.Context) error {
	var turn, started *redis.BoolCmd
	var listeners *redis.MapStringIntCmd
	err := c.pipelined(ctx, "", "tend", func(p redis.Pipeliner) {
		turn = p.SetNX(ctx, c.keys.internal("locks", "decay"), c.tokens.node, c.cfg.HotKeys.HalfLife)
		started = p.SetNX(ctx, c.keys.internal("hot", "started"), time.Now().UTC().Format(time.RFC3339), 0)
		listeners = p.PubSubNumSub(ctx, c.invalidationChannel())
	})
	if err != nil {
		return err
	}
	c.listeners.Store(listeners.Val()[c.invalidationChannel()] > 0)
	if !turn.Val() || started.Val() {
		return nil
	}
	return c.pipelined(ctx, "", "decay", func(p redis.Pipeliner) {
		for _, ns := range Namespaces() {
			key := c.keys.internal("hot", string(ns))
			p.ZUnionStore(ctx, key, &redis.ZStore{Keys: []string{key}, Weights: []float64{0.5}})
			p.ZRemRangeByScore(ctx, key, "-inf", "0.05")
			p.ZRemRangeByRank(ctx, key, 0, -(c.cfg.HotKeys.Keep + 1))
		}
	})
}

func (c *Cache) flushLoop() {
	defer c.wg.Done()
	tick := time.NewTicker(c.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.bg.Done():
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(c.bg, c.cfg.FlushInterval)
			if err := c.flush(ctx); err != nil {
				c.log.Debug("cache stats flush failed", "error", err)
			}
			cancel()
		}
	}
}

// fleet reads the fleet-wide totals per namespace and the other figures,
// after adding this node's pending counts.
func (c *Cache) fleet(ctx context.Context) (map[Namespace]delta, map[figure]int64, error) {
	_ = c.flush(ctx)
	cmds := map[Namespace]*redis.MapStringStringCmd{}
	var figCmd *redis.MapStringStringCmd
	err := c.pipelined(ctx, "", "stats", func(p redis.Pipeliner) {
		for _, ns := range Namespaces() {
			cmds[ns] = p.HGetAll(ctx, c.keys.internal("stats", string(ns)))
		}
		figCmd = p.HGetAll(ctx, c.keys.internal("stats", "figures"))
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read fleet cache stats: %w", err)
	}
	out := map[Namespace]delta{}
	for ns, cmd := range cmds {
		out[ns] = c.parseDelta(cmd.Val())
	}
	figs := map[figure]int64{}
	for _, f := range figures() {
		figs[f], _ = strconv.ParseInt(figCmd.Val()[string(f)], 10, 64)
	}
	return out, figs, nil
}

func (c *Cache) parseDelta(m map[string]string) delta {
	var d delta
	for k := range numCounters {
		d.counters[k], _ = strconv.ParseInt(m[k.name()], 10, 64)
	}
	for h := range numHists {
		d.hists[h].buckets = make([]int64, len(c.stats.bounds)+1)
		for i := range d.hists[h].buckets {
			d.hists[h].buckets[i], _ = strconv.ParseInt(m[histField(h, i)], 10, 64)
		}
		d.hists[h].sumUS, _ = strconv.ParseInt(m[histSumField(h)], 10, 64)
	}
	return d
}

// reads is how many reads d counts.
func (d delta) reads() int64 {
	return d.counters[cHits] + d.counters[cLocalHits] + d.counters[cMisses]
}

// hitRatio is the share of reads served from the cache, 0 without reads.
func (d delta) hitRatio() float64 {
	if d.reads() == 0 {
		return 0
	}
	return float64(d.counters[cHits]+d.counters[cLocalHits]) / float64(d.reads())
}

// add sums two deltas.
func (d delta) add(o delta) delta {
	for k := range d.counters {
		d.counters[k] += o.counters[k]
	}
	for h := range d.hists {
		if d.hists[h].buckets == nil {
			d.hists[h].buckets = make([]int64, len(o.hists[h].buckets))
		}
		for i, n := range o.hists[h].buckets {
			d.hists[h].buckets[i] += n
		}
		d.hists[h].sumUS += o.hists[h].sumUS
	}
	return d
}

func (h histSnapshot) count() int64 {
	var n int64
	for _, b := range h.buckets {
		n += b
	}
	return n
}

// meanMS is the mean latency in milliseconds, 0 without samples.
func (h histSnapshot) meanMS() float64 {
	n := h.count()
	if n == 0 {
		return 0
	}
	return float64(h.sumUS) / float64(n) / 1000
}

// quantileMS estimates the q-quantile in milliseconds by linear
// interpolation within its bucket; 0 without samples. Samples above the
// last bound report that bound.
func (h histSnapshot) quantileMS(bounds []float64, q float64) float64 {
	n := h.count()
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var seen float64
	for i, b := range h.buckets {
		if b == 0 {
			continue
		}
		if seen+float64(b) >= rank {
			if i >= len(bounds) {
				return bounds[len(bounds)-1]
			}
			lower := 0.0
			if i > 0 {
				lower = bounds[i-1]
			}
			return round3(lower + (bounds[i]-lower)*(rank-seen)/float64(b))
		}
		seen += float64(b)
	}
	return bounds[len(bounds)-1]
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// metrics are the cache's Prometheus collectors.
type metrics struct {
	counters [numCounters]*prometheus.CounterVec
	hits     *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	patterns *prometheus.CounterVec
	alerts   *prometheus.CounterVec
	degraded prometheus.Gauge
	memory   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	buckets := make([]float64, 0, len(latencyBoundsMS()))
	for _, b := range latencyBoundsMS() {
		buckets = append(buckets, b/1000)
	}
	m := &metrics{
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dabba", Subsystem: "cache",
			Name: "hits_total", Help: "Reads served from the cache, by namespace and layer (redis or local)."},
			[]string{"namespace", "layer"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "dabba", Subsystem: "cache",
			Name: "duration_seconds", Help: "Latency of cache reads (hit, miss) and of loads from the source, by namespace.",
			Buckets: buckets}, []string{"namespace", "kind"}),
		patterns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dabba", Subsystem: "cache",
			Name: "pattern_calls_total", Help: "Calls of each caching pattern."}, []string{"pattern"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dabba", Subsystem: "cache",
			Name: "alerts_total", Help: "Alerts raised, by kind."}, []string{"kind"}),
		degraded: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dabba", Subsystem: "cache",
			Name: "degraded", Help: "1 while the circuit breaker in front of Redis is not closed."}),
		memory: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "dabba", Subsystem: "cache",
			Name: "redis_used_memory_bytes", Help: "Memory Redis reported at the last monitor check."}),
	}
	collectors := []prometheus.Collector{m.hits, m.latency, m.patterns, m.alerts, m.degraded, m.memory}
	for k := range numCounters {
		if k == cHits || k == cLocalHits {
			continue
		}
		m.counters[k] = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dabba", Subsystem: "cache",
			Name: k.name() + "_total", Help: k.help()}, []string{"namespace"})
		collectors = append(collectors, m.counters[k])
	}
	if reg != nil {
		for _, col := range collectors {
			if err := reg.Register(col); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// counter returns the Prometheus counter behind k for a namespace label.
func (m *metrics) counter(k counter, ns string) prometheus.Counter {
	switch k {
	case cHits:
		return m.hits.WithLabelValues(ns, layerRedis)
	case cLocalHits:
		return m.hits.WithLabelValues(ns, layerLocal)
	}
	return m.counters[k].WithLabelValues(ns)
}
