package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dabba/dabba/store"
)

// Warmer fills one namespace before its entries are asked for. It mirrors
// http.Handler: register one per namespace with HandleWarm, or use
// WarmerFunc.
type Warmer interface {
	// Warm loads entries of its namespace and stores them through c (with
	// WarmKeys or ReadThrough, which never overwrite a value written since
	// the warm began). keys are entries predicted to be needed soon; nil
	// asks for what the warmer considers popular. It returns how many
	// entries it stored.
	Warm(ctx context.Context, c *Cache, keys []Key) (int, error)
}

// WarmerFunc adapts a function to Warmer.
type WarmerFunc func(ctx context.Context, c *Cache, keys []Key) (int, error)

// Warm calls f.
func (f WarmerFunc) Warm(ctx context.Context, c *Cache, keys []Key) (int, error) {
	return f(ctx, c, keys)
}

type warmers struct {
	mu sync.RWMutex
	m  map[Namespace]Warmer
}

// HandleWarm registers w as the warmer of namespace ns, replacing any
// previous one.
func (c *Cache) HandleWarm(ns Namespace, w Warmer) {
	c.warmers.mu.Lock()
	defer c.warmers.mu.Unlock()
	if c.warmers.m == nil {
		c.warmers.m = map[Namespace]Warmer{}
	}
	c.warmers.m[ns] = w
}

func (c *Cache) warmer(ns Namespace) (Warmer, bool) {
	c.warmers.mu.RLock()
	defer c.warmers.mu.RUnlock()
	w, ok := c.warmers.m[ns]
	return w, ok
}

// WarmResult is the answer of POST /cache/warm/{namespace}.
type WarmResult struct {
	// Namespace warmed.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// KeysRequested is how many predicted keys the warmer was given; 0 for
	// a popularity warm.
	KeysRequested int `json:"keys_requested" example:"0"`
	// KeysWarmed is how many entries were stored.
	KeysWarmed int `json:"keys_warmed" example:"51"`
	// DurationMS is how long the warm took.
	DurationMS float64 `json:"duration_ms" example:"48.2"`
	// At is when it started, UTC.
	At time.Time `json:"at" example:"2025-06-01T12:00:00Z"`
}

// Warm runs the warmer of namespace ns now, on what it considers popular.
// Unknown namespace is ENOTFOUND; a namespace without a warmer is
// EUNPROCESSABLE "no_warmer".
func (c *Cache) Warm(ctx context.Context, ns Namespace) (WarmResult, error) {
	return c.warm(ctx, ns, nil)
}

// WarmRestaurants serves POST /cache/warm/restaurants: popular restaurants'
// details and the first restaurant list page.
func (c *Cache) WarmRestaurants(ctx context.Context) (WarmResult, error) {
	return c.Warm(ctx, NamespaceRestaurants)
}

// WarmMenuItems serves POST /cache/warm/menu-items: popular restaurants'
// menus and their items (the static namespace).
func (c *Cache) WarmMenuItems(ctx context.Context) (WarmResult, error) {
	return c.Warm(ctx, NamespaceStatic)
}

func (c *Cache) warm(ctx context.Context, ns Namespace, keys []Key) (WarmResult, error) {
	if _, err := ParseNamespace(string(ns)); err != nil {
		return WarmResult{}, err
	}
	w, ok := c.warmer(ns)
	if !ok {
		return WarmResult{}, store.Errorf(store.EUNPROCESSABLE, "no_warmer", "the %s namespace has no warmer", ns)
	}
	start := time.Now()
	n, err := w.Warm(ctx, c, keys)
	res := WarmResult{Namespace: ns, KeysRequested: len(keys), KeysWarmed: n,
		DurationMS: round3(float64(time.Since(start).Microseconds()) / 1000), At: start.UTC()}
	if err != nil {
		return res, fmt.Errorf("warm cache namespace %s: %w", ns, err)
	}
	return res, nil
}

// WarmKeys refreshes each key with load's value for it: the slot is
// observed first, then loaded, then replaced only if unchanged, so a warm
// never overwrites a value written since it began. Keys another reader is
// filling are skipped. It returns how many entries it stored; a key whose
// load fails with ENOTFOUND is remembered as missing and not counted.
func WarmKeys[T any](ctx context.Context, c *Cache, keys []Key, load func(ctx context.Context, k Key) (T, error)) (int, error) {
	stored := 0
	for _, k := range keys {
		t, err := c.target(k)
		if err != nil {
			return stored, err
		}
		ok, err := c.refresh(ctx, t, adapt(c, t, func(ctx context.Context) (T, error) { return load(ctx, k) }, nil))
		if err != nil && !store.IsKind(err, store.ENOTFOUND) {
			return stored, err
		}
		if ok {
			stored++
		}
	}
	return stored, nil
}

// PredictiveWarmResult is the answer of POST /enterprise/warming/predictive.
type PredictiveWarmResult struct {
	// Predictions is how many keys were predicted to be needed soon.
	Predictions int `json:"predictions" example:"37"`
	// Namespaces warmed, with what each warm stored.
	Namespaces []WarmResult `json:"namespaces"`
	// Skipped lists namespaces with predictions but no warmer.
	Skipped []Namespace `json:"skipped" example:"orders"`
	// DurationMS is how long the whole warm took.
	DurationMS float64 `json:"duration_ms" example:"120.4"`
}

// WarmPredictive warms the keys PredictNeeds expects to be asked for soon
// (hot keys that are missing or about to expire), namespace by namespace.
func (c *Cache) WarmPredictive(ctx context.Context) (PredictiveWarmResult, error) {
	start := time.Now()
	preds, err := c.PredictNeeds(ctx)
	if err != nil {
		return PredictiveWarmResult{}, err
	}
	res := PredictiveWarmResult{Namespaces: []WarmResult{}, Skipped: []Namespace{}}
	byNS := map[Namespace][]Key{}
	for _, p := range preds {
		if p.Kind != PredictionNamespaceCold {
			byNS[p.Namespace] = append(byNS[p.Namespace], p.Entry)
			res.Predictions++
		}
	}
	for _, ns := range Namespaces() {
		keys := byNS[ns]
		if len(keys) == 0 {
			continue
		}
		if _, ok := c.warmer(ns); !ok {
			res.Skipped = append(res.Skipped, ns)
			continue
		}
		wr, err := c.warm(ctx, ns, keys)
		if err != nil {
			return res, err
		}
		res.Namespaces = append(res.Namespaces, wr)
	}
	res.DurationMS = round3(float64(time.Since(start).Microseconds()) / 1000)
	return res, nil
}
