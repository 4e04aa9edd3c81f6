package cache

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dabba/dabba/store"
)

func TestNamespaceStats_AddUpEveryNode(t *testing.T) {
	ctx := context.Background()
	a, rdb := newCache(t)
	b := newCacheOn(t, rdb, a.cfg.Prefix)
	src := newRecord()
	src.set("1", 1)
	for range 3 {
		mustGet(t, a, RestaurantKey(1), src.loader("1"))
	}
	mustGet(t, b, RestaurantKey(1), src.loader("1"))
	if err := b.flush(ctx); err != nil {
		t.Fatal(err)
	}

	r, err := a.NamespaceStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(r.Namespaces, func(s NamespaceStats) bool { return s.Namespace == NamespaceRestaurants })
	got := r.Namespaces[i]
	if got.Reads != 4 || got.Hits != 3 || got.Misses != 1 || got.Loads != 1 || got.Fills != 1 || got.HitRatio != 0.75 || got.BytesWritten == 0 {
		t.Fatalf("restaurants = %+v, want 4 reads: 3 hits, 1 miss, 1 load, 1 fill", got)
	}
	if r.Total.Reads != 4 {
		t.Fatalf("total reads = %d, want 4", r.Total.Reads)
	}
}

func TestMetrics_AreRegisteredOnTheGivenRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, _ := newCache(t, func(cfg *Config) { cfg.Registerer = reg })
	src := newRecord()
	src.set("1", 1)
	for range 3 {
		mustGet(t, c, MenuItemKey(1), src.loader("1"))
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) float64 {
		for _, f := range families {
			if f.GetName() != name {
				continue
			}
			for _, m := range f.GetMetric() {
				if hasLabels(m, labels) {
					if m.GetHistogram() != nil {
						return float64(m.GetHistogram().GetSampleCount())
					}
					return m.GetCounter().GetValue()
				}
			}
		}
		return -1
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"dabba_cache_hits_total", map[string]string{"namespace": "static", "layer": "redis"}, 2},
		{"dabba_cache_misses_total", map[string]string{"namespace": "static"}, 1},
		{"dabba_cache_loads_total", map[string]string{"namespace": "static"}, 1},
		{"dabba_cache_duration_seconds", map[string]string{"namespace": "static", "kind": "hit"}, 2},
		{"dabba_cache_pattern_calls_total", map[string]string{"pattern": "cache_aside"}, 3},
	}
	for _, ch := range checks {
		if got := value(ch.name, ch.labels); got != ch.want {
			t.Errorf("%s%v = %v, want %v", ch.name, ch.labels, got, ch.want)
		}
	}
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok && v == lp.GetValue() {
			n++
		}
	}
	return n == len(want)
}

func TestAlerts_SlowOperationIsRaisedAndCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, _ := newCache(t, func(cfg *Config) { cfg.Alerts.SlowOperation = time.Nanosecond; cfg.Registerer = reg })
	src := newRecord()
	src.set("1", 1)
	mustGet(t, c, OrderKey(1), src.loader("1"))

	r, err := c.Alerts(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(r.Recent, func(a Alert) bool { return a.Kind == AlertSlowOperation && a.Namespace == NamespaceOrders })
	if i < 0 {
		t.Fatalf("alerts = %+v, want a slow operation in orders", r.Recent)
	}
	if a := r.Recent[i]; a.At.IsZero() || a.Value <= 0 || a.Threshold != 0 || a.Node == "" {
		t.Fatalf("alert = %+v, want time, value, threshold and node", a)
	}
	if countOf(r.Counts, AlertSlowOperation) < 1 {
		t.Fatalf("counts = %+v, want slow_operation counted", r.Counts)
	}
}

func TestAlerts_ListIsBoundedButEveryAlertIsCounted(t *testing.T) {
	c, _ := newCache(t, func(cfg *Config) { cfg.Alerts.Keep = 3 })
	for i := range 5 {
		c.alerts.raise(Alert{Kind: AlertSlowOperation, Namespace: Namespaces()[i], Value: 150, Threshold: 100})
	}
	c.alerts.raise(Alert{Kind: AlertSlowOperation, Namespace: Namespaces()[0], Value: 150, Threshold: 100})

	r, err := c.Alerts(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Recent) != 3 || r.Recent[0].Namespace != Namespaces()[4] {
		t.Fatalf("recent = %+v, want the 3 newest, newest first (a repeat within the interval is only counted)", r.Recent)
	}
	if n := countOf(r.Counts, AlertSlowOperation); n != 6 {
		t.Fatalf("slow_operation counted %d times, want 6", n)
	}
}

func TestAlerts_HitRatioBelowTarget(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t, func(cfg *Config) { cfg.Alerts.MinReads = 10 })
	src := newRecord()
	if err := c.checkHitRatios(ctx); err != nil { // the first check only takes a snapshot
		t.Fatal(err)
	}
	for i := range 12 {
		fill(t, c, src, OrderKey(int64(i))) // 12 misses
	}
	for range 30 {
		mustGet(t, c, RestaurantKey(1), src.loader("1")) // 1 miss, 29 hits
	}

	if err := c.checkHitRatios(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := c.Alerts(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var low []Namespace
	for _, a := range r.Recent {
		if a.Kind == AlertHitRatioLow {
			low = append(low, a.Namespace)
			if a.Value != 0 || a.Threshold != 0.8 || !strings.Contains(a.Message, "12 reads") {
				t.Errorf("alert = %+v, want ratio 0 against 0.8 over 12 reads", a)
			}
		}
	}
	if !slices.Equal(low, []Namespace{NamespaceOrders}) {
		t.Fatalf("hit-ratio alerts for %v, want only orders", low)
	}
}

func TestAlerts_MemoryAboveThreshold(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t, func(cfg *Config) { cfg.Alerts.MemoryBytes = 1 })
	if err := c.checkMemory(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := c.Alerts(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Recent) != 1 || r.Recent[0].Kind != AlertMemoryHigh || r.Recent[0].Threshold != 1 || r.Recent[0].Value <= 1 {
		t.Fatalf("alerts = %+v, want one memory_high above 1 byte", r.Recent)
	}
}

func TestPerformanceReport_RecommendsFromTheMeasuredFigures(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	for i := range 25 {
		fill(t, c, src, OrderKey(int64(i)))
	}
	src.set("1", 1)
	for range 30 {
		mustGet(t, c, RestaurantKey(1), src.loader("1"))
	}

	r, err := c.PerformanceReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.HitRatio.Samples != 55 || r.HitRatio.Measured != round3(29.0/55) || r.HitRatio.Met || r.HitRatio.Target != 0.8 {
		t.Fatalf("hit ratio = %+v, want 29 of 55 against 0.8, not met", r.HitRatio)
	}
	if r.CachedP99MS.Samples != 29 || r.CachedP99MS.Target != 100 {
		t.Fatalf("cached p99 = %+v, want 29 samples against 100 ms", r.CachedP99MS)
	}
	var hitRatioRecs []Namespace
	for _, rec := range r.Recommendations {
		if rec.Metric == "hit_ratio" {
			hitRatioRecs = append(hitRatioRecs, rec.Namespace)
			if !strings.Contains(rec.Message, "25 reads") || rec.Measured != 0 {
				t.Errorf("recommendation = %+v, want the orders figures", rec)
			}
		}
	}
	if !slices.Equal(hitRatioRecs, []Namespace{NamespaceOrders}) {
		t.Fatalf("hit-ratio recommendations for %v, want only orders", hitRatioRecs)
	}
}

func TestNamespacePerformance_ReportsOneNamespace(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	src.set("1", 1)
	for range 5 {
		mustGet(t, c, ReviewKey(1), src.loader("1"))
	}

	p, err := c.NamespacePerformance(ctx, NamespaceReviews)
	if err != nil {
		t.Fatal(err)
	}
	if p.Reads != 5 || p.Latency.Hit.Count != 4 || p.Latency.Load.Count != 1 || !p.MeetsHitRatioTarget ||
		len(p.TTLs) != 1 || p.TTLs[0].TTLSeconds != 600 || len(p.HotKeys) != 1 || p.HotKeys[0].Key != "review:1" {
		t.Fatalf("performance = %+v", p)
	}
	_, err = c.NamespacePerformance(ctx, "menus")
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
}

func TestDetailedStats_CountPatterns(t *testing.T) {
	ctx := context.Background()
	c, _ := newCache(t)
	src := newRecord()
	src.set("7", 1)
	mustGet(t, c, CustomerProfileKey(7), src.loader("7"))
	mustGet(t, c, RestaurantKey(7), src.loader("7"))
	if _, err := ReadThrough(ctx, c, RestaurantKey(7), src.loader("7")); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteThrough(ctx, c, RestaurantKey(7), src.write("7", 2)); err != nil {
		t.Fatal(err)
	}

	s, err := c.DetailedStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[Pattern]int64{}
	for _, p := range s.Patterns {
		calls[p.Pattern] = p.Calls
	}
	want := map[Pattern]int64{PatternSession: 1, PatternCacheAside: 1, PatternReadThrough: 1, PatternWriteThrough: 1, PatternConditional: 0}
	if fmt.Sprint(calls) != fmt.Sprint(want) || s.WriteThroughsStored != 1 {
		t.Fatalf("pattern calls = %v (stored %d), want %v and 1 stored", calls, s.WriteThroughsStored, want)
	}
	if len(s.TTLs) != len(Classes()) || len(s.Generations) != len(Namespaces()) {
		t.Fatalf("TTL table of %d classes and %d generations", len(s.TTLs), len(s.Generations))
	}
}
