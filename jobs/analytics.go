package jobs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Analytics serves the analytics from the cache first and the rollup tables
// on a miss, under the spec's TTL classes: popular items, revenue and
// preferences 15 min (a revenue report of past days only, 12 h, the
// revenue-analytics class), restaurant performance 4 h. Orders renew the
// entries of their restaurant and customer; rollup runs refresh the
// entries their buckets feed, and the cache's analytics warmer (Warm)
// refills hot and predicted entries. Reads and refreshes share the keys and
// loaders below, so what is refreshed is what is read.
type Analytics struct {
	cache *cache.Cache
	src   store.AnalyticsService
}

// NewAnalytics serves src, the rollup tables, through c. Register it as the
// warmer of the analytics namespace (c.HandleWarm) so that scheduled,
// on-demand and predictive warms of analytics work.
func NewAnalytics(c *cache.Cache, src store.AnalyticsService) *Analytics {
	return &Analytics{cache: c, src: src}
}

// Trending implements store.AnalyticsService.
func (a *Analytics) Trending(ctx context.Context, restaurantID int64) (*store.Trending, error) {
	return cache.Get(ctx, a.cache, cache.PopularItemsKey(restaurantID), a.trendingLoader(restaurantID))
}

// Revenue implements store.AnalyticsService.
func (a *Analytics) Revenue(ctx context.Context, f store.RevenueFilter) (*store.RevenueReport, error) {
	f, err := f.Resolve(time.Now())
	if err != nil {
		return nil, err
	}
	return cache.Get(ctx, a.cache, revenueKey(f), a.revenueLoader(f), cache.When(revenueClass))
}

// RestaurantPerformance implements store.AnalyticsService.
func (a *Analytics) RestaurantPerformance(ctx context.Context, restaurantID int64) (*store.RestaurantPerformance, error) {
	return cache.Get(ctx, a.cache, cache.RestaurantPerformanceKey(restaurantID), a.performanceLoader(restaurantID))
}

// CustomerPreferences implements store.AnalyticsService.
func (a *Analytics) CustomerPreferences(ctx context.Context, customerID int64) (*store.CustomerPreferences, error) {
	return cache.Get(ctx, a.cache, cache.CustomerPreferencesKey(customerID), a.preferencesLoader(customerID))
}

func (a *Analytics) trendingLoader(restaurantID int64) cache.Loader[*store.Trending] {
	return func(ctx context.Context) (*store.Trending, error) { return a.src.Trending(ctx, restaurantID) }
}

func (a *Analytics) revenueLoader(f store.RevenueFilter) cache.Loader[*store.RevenueReport] {
	return func(ctx context.Context) (*store.RevenueReport, error) { return a.src.Revenue(ctx, f) }
}

func (a *Analytics) performanceLoader(restaurantID int64) cache.Loader[*store.RestaurantPerformance] {
	return func(ctx context.Context) (*store.RestaurantPerformance, error) {
		return a.src.RestaurantPerformance(ctx, restaurantID)
	}
}

func (a *Analytics) preferencesLoader(customerID int64) cache.Loader[*store.CustomerPreferences] {
	return func(ctx context.Context) (*store.CustomerPreferences, error) {
		return a.src.CustomerPreferences(ctx, customerID)
	}
}

// revenuePeriod separates the days of a revenue key's period.
const revenuePeriod = ".."

// revenueKey is the cache key of the report over f's resolved days.
func revenueKey(f store.RevenueFilter) cache.Key {
	return cache.RevenueKey(f.RestaurantID, f.From+revenuePeriod+f.To)
}

// revenueClass keeps a report of days before today for the 12 h of the
// revenue-analytics class: those days gain no new orders. A report that
// includes today keeps the 15 min of revenue metrics.
func revenueClass(r *store.RevenueReport) (cache.Class, bool) {
	if r.To < time.Now().UTC().Format(time.DateOnly) {
		return cache.ClassRevenueAnalytics, true
	}
	return cache.ClassRevenueMetrics, true
}

// warmed is one analytics entry to refresh, with what it is about.
type warmed struct {
	key cache.Key
	// id is the restaurant (0: the platform) or customer the entry is about.
	id int64
	// days are a revenue entry's resolved days.
	days store.RevenueFilter
}

// refresh re-reads the entries from the rollup tables and stores them
// unless a newer value was written meanwhile, class by class. It returns
// how many it stored.
func (a *Analytics) refresh(ctx context.Context, entries []warmed) (int, error) {
	byKey := map[cache.Key]warmed{}
	byClass := map[cache.Class][]cache.Key{}
	for _, e := range entries {
		if _, dup := byKey[e.key]; !dup {
			byKey[e.key] = e
			byClass[e.key.Class] = append(byClass[e.key.Class], e.key)
		}
	}
	var (
		total int
		errs  []error
	)
	add := func(n int, err error) {
		total += n
		errs = append(errs, err)
	}
	add(cache.WarmKeys(ctx, a.cache, byClass[cache.ClassPopularItems], func(ctx context.Context, k cache.Key) (*store.Trending, error) {
		return a.trendingLoader(byKey[k].id)(ctx)
	}))
	add(cache.WarmKeys(ctx, a.cache, byClass[cache.ClassRevenueMetrics], func(ctx context.Context, k cache.Key) (*store.RevenueReport, error) {
		return a.revenueLoader(byKey[k].days)(ctx)
	}))
	add(cache.WarmKeys(ctx, a.cache, byClass[cache.ClassRestaurantPerformance], func(ctx context.Context, k cache.Key) (*store.RestaurantPerformance, error) {
		return a.performanceLoader(byKey[k].id)(ctx)
	}))
	add(cache.WarmKeys(ctx, a.cache, byClass[cache.ClassCustomerPrefs], func(ctx context.Context, k cache.Key) (*store.CustomerPreferences, error) {
		return a.preferencesLoader(byKey[k].id)(ctx)
	}))
	return total, errors.Join(errs...)
}

// trending, performance, revenue and preferences name the entries about
// one restaurant or customer.
func trending(restaurantID int64) warmed {
	return warmed{key: cache.PopularItemsKey(restaurantID), id: restaurantID}
}

func performance(restaurantID int64) warmed {
	return warmed{key: cache.RestaurantPerformanceKey(restaurantID), id: restaurantID}
}

func preferences(customerID int64) warmed {
	return warmed{key: cache.CustomerPreferencesKey(customerID), id: customerID}
}

// recentRevenue is the entry of a restaurant's (0: the platform's) revenue
// report over the default days as of now: the one dashboards open with.
func recentRevenue(restaurantID int64, now time.Time) warmed {
	f, _ := store.RevenueFilter{RestaurantID: restaurantID}.Resolve(now)
	return warmed{key: revenueKey(f), id: restaurantID, days: f}
}

// Refresh stores the entries the rollup run res changed, read back from
// the rollup tables: the trending items of each restaurant touched and of
// the platform; their performance and recent revenue, and the platform's;
// the preferences of each customer touched. It returns how many it stored.
func (a *Analytics) Refresh(ctx context.Context, res store.RollupResult) (int, error) {
	now := time.Now()
	var entries []warmed
	switch res.Rollup {
	case store.RollupPopularItems:
		entries = append(entries, trending(0))
		for _, id := range res.Restaurants {
			entries = append(entries, trending(id))
		}
	case store.RollupRestaurantDays:
		entries = append(entries, recentRevenue(0, now))
		for _, id := range res.Restaurants {
			entries = append(entries, performance(id), recentRevenue(id, now))
		}
	case store.RollupCustomerPreferences:
		for _, id := range res.Customers {
			entries = append(entries, preferences(id))
		}
	}
	return a.refresh(ctx, entries)
}

// popularRestaurants is how many of the platform's trending restaurants a
// popularity warm of the analytics namespace covers.
const popularRestaurants = 10

// Warm implements cache.Warmer for the analytics namespace. Given keys
// (predicted to be read soon) it refreshes those it recognises. Without,
// it warms what dashboards open with: the platform's trending items and
// recent revenue, the trending items, performance and recent revenue of
// the restaurants trending on the platform this week, and the namespace's
// hot keys.
func (a *Analytics) Warm(ctx context.Context, c *cache.Cache, keys []cache.Key) (int, error) {
	if keys != nil {
		return a.refresh(ctx, recognise(keys))
	}
	now := time.Now()
	entries := []warmed{trending(0), recentRevenue(0, now)}
	platform, err := a.Trending(ctx, 0)
	if err != nil {
		return 0, err
	}
	seen := map[int64]bool{}
	for _, it := range platform.Window(store.WindowWeek).Items {
		if !seen[it.RestaurantID] && len(seen) < popularRestaurants {
			seen[it.RestaurantID] = true
			entries = append(entries, trending(it.RestaurantID), performance(it.RestaurantID), recentRevenue(it.RestaurantID, now))
		}
	}
	hot, err := c.HotKeys(ctx, cache.NamespaceAnalytics, 2*popularRestaurants)
	if err != nil {
		return 0, err
	}
	for _, hk := range hot {
		keys = append(keys, hk.Entry)
	}
	return a.refresh(ctx, append(entries, recognise(keys)...))
}

// recognise maps the analytics keys it can rebuild to their entries and
// drops the others (entries of another build, reports no loader makes).
func recognise(keys []cache.Key) []warmed {
	var out []warmed
	for _, k := range keys {
		switch k.Class {
		case cache.ClassPopularItems:
			if id, ok := subject(k, k.Group, cache.PopularItemsKey); ok {
				out = append(out, trending(id))
			}
		case cache.ClassRestaurantPerformance:
			if id, ok := subject(k, k.Group, cache.RestaurantPerformanceKey); ok {
				out = append(out, performance(id))
			}
		case cache.ClassCustomerPrefs:
			if id, ok := subject(k, k.ID, cache.CustomerPreferencesKey); ok {
				out = append(out, preferences(id))
			}
		case cache.ClassRevenueMetrics:
			from, to, _ := strings.Cut(k.ID, revenuePeriod)
			id, ok := subject(k, k.Group, func(id int64) cache.Key { return cache.RevenueKey(id, k.ID) })
			f, err := store.RevenueFilter{RestaurantID: id, From: from, To: to}.Resolve(time.Now())
			if ok && err == nil && revenueKey(f) == k {
				out = append(out, warmed{key: k, id: id, days: f})
			}
		}
	}
	return out
}

// subject recovers the restaurant or customer an analytics key is about
// from the digits that end s (its group or ID; no digits is the platform),
// and accepts it only if build makes exactly k from it: the cache spells
// keys, this only recognises them.
func subject(k cache.Key, s string, build func(int64) cache.Key) (int64, bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	var id int64
	if i < len(s) {
		n, err := strconv.ParseInt(s[i:], 10, 64)
		if err != nil {
			return 0, false
		}
		id = n
	}
	return id, build(id) == k
}
