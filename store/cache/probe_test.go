package cache

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
)

// recordProbe round-trips one record of the test source; drift, when set,
// changes the source right after every rewrite, as a concurrent writer
// would.
type recordProbe struct {
	src   *record
	drift bool
}

func (p recordProbe) ProbeRecord(ctx context.Context) (ProbeRecord, error) {
	asJSON := func(l Loader[versioned]) Loader[json.RawMessage] {
		return func(ctx context.Context) (json.RawMessage, error) {
			v, err := l(ctx)
			if err != nil {
				return nil, err
			}
			return json.Marshal(v)
		}
	}
	return ProbeRecord{
		Name: "thing 1",
		Key:  thingKey("1"),
		Load: asJSON(p.src.loader("1")),
		Rewrite: asJSON(func(ctx context.Context) (versioned, error) {
			v, err := p.src.write("1", p.src.current("1")+1)(ctx)
			if p.drift {
				p.src.set("1", v.Version+100)
			}
			return v, err
		}),
		Event: Event{Type: EventRestaurantUpdated, RestaurantID: 1},
	}, nil
}

func steps(sc SelfCheck) []string {
	var names []string
	for _, s := range sc.Steps {
		names = append(names, s.Step)
	}
	return names
}

func TestCheckWriteThrough_RoundTripsTheProbeRecord(t *testing.T) {
	src := newRecord()
	src.set("1", 1)
	c, _ := newCache(t, func(cfg *Config) { cfg.Probe = recordProbe{src: src} })

	pc, err := c.CheckWriteThrough(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	sc := pc.SelfCheck
	if !sc.Performed || !sc.Consistent || sc.Record != "thing 1" || sc.Key != "thing:1" || sc.Problem != "" ||
		!slices.Equal(steps(sc), []string{"write_through", "read_cache", "read_source"}) {
		t.Fatalf("self-check = %+v", sc)
	}
	if pc.Pattern != PatternWriteThrough || pc.Figures.Calls != 1 || pc.Figures.WritesStored != 1 {
		t.Fatalf("figures = %+v, want the check's own write-through counted", pc.Figures)
	}
}

func TestCheckWriteThrough_ReportsADisagreement(t *testing.T) {
	src := newRecord()
	src.set("1", 1)
	c, _ := newCache(t, func(cfg *Config) { cfg.Probe = recordProbe{src: src, drift: true} })

	pc, err := c.CheckWriteThrough(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pc.SelfCheck.Consistent || pc.SelfCheck.Problem == "" {
		t.Fatalf("self-check = %+v, want the disagreement reported", pc.SelfCheck)
	}
}

func TestCheckCacheAside_MissesThenHits(t *testing.T) {
	src := newRecord()
	src.set("1", 1)
	c, _ := newCache(t, func(cfg *Config) { cfg.Probe = recordProbe{src: src} })

	pc, err := c.CheckCacheAside(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	sc := pc.SelfCheck
	if !sc.Consistent || !slices.Equal(steps(sc), []string{"invalidate", "get_miss", "get_hit", "read_source"}) ||
		sc.Steps[2].Outcome != "served from the cache" {
		t.Fatalf("self-check = %+v", sc)
	}
	if pc.Figures.Calls != 2 || pc.Figures.Reads != 2 || pc.Figures.HitRatio != 0.5 {
		t.Fatalf("figures = %+v, want the check's miss and hit", pc.Figures)
	}
}

func TestPatternChecks_WithoutAProbeSayWhy(t *testing.T) {
	c, _ := newCache(t)
	pc, err := c.CheckCacheAside(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pc.SelfCheck.Performed || pc.SelfCheck.Problem == "" {
		t.Fatalf("self-check = %+v, want not performed with a reason", pc.SelfCheck)
	}
}
