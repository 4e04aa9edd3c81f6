package postgres

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed analytics_lock.sql
	analyticsLockSQL string
	//go:embed analytics_watermark.sql
	analyticsWatermarkSQL string
	//go:embed analytics_watermark_save.sql
	analyticsWatermarkSaveSQL string
	//go:embed analytics_rollup_items.sql
	analyticsRollupItemsSQL string
	//go:embed analytics_rollup_items_expire.sql
	analyticsRollupItemsExpireSQL string
	//go:embed analytics_rollup_restaurant_days.sql
	analyticsRollupRestaurantDaysSQL string
	//go:embed analytics_rollup_customers.sql
	analyticsRollupCustomersSQL string
	//go:embed analytics_trending.sql
	analyticsTrendingSQL string
	//go:embed analytics_revenue.sql
	analyticsRevenueSQL string
	//go:embed analytics_performance.sql
	analyticsPerformanceSQL string
	//go:embed analytics_preferences.sql
	analyticsPreferencesSQL string
)

// AnalyticsConfig tunes the analytics rollups. The zero value is ready to
// use.
type AnalyticsConfig struct {
	// DeliveryPromise is when an order placed for delivery as soon as
	// possible is due, after placing; a later delivery is late. Default 45
	// minutes.
	DeliveryPromise time.Duration
	// Overlap is how long before the previous run's watermark a run looks
	// for changed orders again. A change is stamped when its transaction
	// starts and becomes visible when it commits; the overlap covers that
	// gap. Default 2 minutes.
	Overlap time.Duration
}

// The shapes of the rollups that are not configuration.
const (
	// favouriteCuisines and favouriteItems are how many of each a
	// customer's preferences list.
	favouriteCuisines = 3
	favouriteItems    = 5
)

// Analytics rolls orders up into the analytics tables and reads them back.
// It implements store.AnalyticsRollups and store.AnalyticsService.
type Analytics struct {
	db  *DB
	cfg AnalyticsConfig
}

// Analytics returns the analytics rollups and reports of this database.
func (db *DB) Analytics(cfg AnalyticsConfig) *Analytics {
	if cfg.DeliveryPromise <= 0 {
		cfg.DeliveryPromise = 45 * time.Minute
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = 2 * time.Minute
	}
	return &Analytics{db: db, cfg: cfg}
}

// rollupWindow is how far back the popular-items buckets reach: the
// longest window.
var rollupWindow = store.WindowWeek.Duration()

// RunRollup implements store.AnalyticsRollups. One transaction takes the
// rollup's advisory lock, so runs of one rollup take turns, recomputes the
// touched buckets with one statement and moves the watermark to the run's
// start.
func (a *Analytics) RunRollup(ctx context.Context, r store.Rollup, full bool) (store.RollupResult, error) {
	if _, err := store.ParseRollup(string(r)); err != nil {
		return store.RollupResult{}, err
	}
	res := store.RollupResult{Rollup: r, Full: full, Restaurants: []int64{}, Customers: []int64{}, At: now()}
	err := a.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, analyticsLockSQL, pgx.NamedArgs{"rollup": string(r)}); err != nil {
			return err
		}
		var since *time.Time
		if !full {
			var mark time.Time
			err := tx.QueryRow(ctx, analyticsWatermarkSQL, pgx.NamedArgs{"rollup": string(r)}).Scan(&mark)
			switch {
			case err == nil:
				mark = mark.Add(-a.cfg.Overlap)
				since = &mark
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
		}
		subjects, err := a.recompute(ctx, tx, r, since, res.At)
		if err != nil {
			return err
		}
		res.Buckets = int64(len(subjects))
		slices.Sort(subjects)
		subjects = slices.Compact(subjects)
		if r == store.RollupCustomerPreferences {
			res.Customers = subjects
		} else {
			res.Restaurants = subjects
		}
		_, err = tx.Exec(ctx, analyticsWatermarkSaveSQL, pgx.NamedArgs{"rollup": string(r), "watermark": res.At})
		return err
	})
	if err != nil {
		return store.RollupResult{}, storeError("run rollup "+string(r), err)
	}
	res.DurationMS = float64(time.Since(res.At).Microseconds()) / 1000
	return res, nil
}

// recompute runs rollup r's statement over the buckets touched since since
// (all when nil) and returns the restaurant or customer of each bucket it
// recomputed.
func (a *Analytics) recompute(ctx context.Context, tx pgx.Tx, r store.Rollup, since *time.Time, at time.Time) ([]int64, error) {
	var (
		sql  string
		args = pgx.NamedArgs{"since": since, "now": at}
	)
	switch r {
	case store.RollupPopularItems:
		keep := at.Add(-rollupWindow - store.PopularItemsBucket)
		if _, err := tx.Exec(ctx, analyticsRollupItemsExpireSQL, pgx.NamedArgs{"keep_since": keep}); err != nil {
			return nil, err
		}
		sql = analyticsRollupItemsSQL
		args["keep_since"], args["bucket_us"] = keep, store.PopularItemsBucket.Microseconds()
	case store.RollupRestaurantDays:
		sql = analyticsRollupRestaurantDaysSQL
		args["slot_us"], args["promise_us"] = store.SlotLength.Microseconds(), a.cfg.DeliveryPromise.Microseconds()
	case store.RollupCustomerPreferences:
		sql = analyticsRollupCustomersSQL
		args["top_cuisines"], args["top_items"] = favouriteCuisines, favouriteItems
	}
	rows, _ := tx.Query(ctx, sql, args)
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// restaurantExists returns ENOTFOUND unless restaurant id is on the platform.
func (a *Analytics) restaurantExists(ctx context.Context, id int64) error {
	var ok bool
	if err := a.db.pool.QueryRow(ctx, restaurantExistsSQL, pgx.NamedArgs{"id": id}).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return store.NotFound("restaurant", id)
	}
	return nil
}

// Trending implements store.AnalyticsService: one query per window,
// sent in one round trip.
func (a *Analytics) Trending(ctx context.Context, restaurantID int64) (*store.Trending, error) {
	if restaurantID != 0 {
		if err := a.restaurantExists(ctx, restaurantID); err != nil {
			return nil, storeError("read trending items", err)
		}
	}
	t := &store.Trending{RestaurantID: restaurantID, AsOf: now()}
	var batch pgx.Batch
	for _, w := range store.AnalyticsWindows() {
		p := store.PopularItems{RestaurantID: restaurantID, Window: w, Since: w.Since(t.AsOf), Items: []store.PopularItem{}, AsOf: t.AsOf}
		batch.Queue(analyticsTrendingSQL, pgx.NamedArgs{"since": p.Since, "restaurant_id": restaurantID, "limit": store.PopularItemsLimit}).
			Query(func(rows pgx.Rows) error {
				for rows.Next() {
					it := store.PopularItem{Rank: len(p.Items) + 1}
					if err := rows.Scan(&it.MenuItemID, &it.RestaurantID, &it.Name, &it.Quantity, &it.Orders,
						&it.Revenue.Amount, &it.Revenue.Currency); err != nil {
						return err
					}
					p.Items = append(p.Items, it)
				}
				t.Windows = append(t.Windows, p)
				return rows.Err()
			})
	}
	if err := a.db.pool.SendBatch(ctx, &batch).Close(); err != nil {
		return nil, storeError("read trending items", err)
	}
	return t, nil
}

// Revenue implements store.AnalyticsService.
func (a *Analytics) Revenue(ctx context.Context, f store.RevenueFilter) (*store.RevenueReport, error) {
	at := now()
	f, err := f.Resolve(at)
	if err != nil {
		return nil, err
	}
	if f.RestaurantID != 0 {
		if err := a.restaurantExists(ctx, f.RestaurantID); err != nil {
			return nil, storeError("read revenue", err)
		}
	}
	rep := &store.RevenueReport{RestaurantID: f.RestaurantID, From: f.From, To: f.To,
		Days: []store.RevenueDay{}, Totals: []store.RevenueFigures{}, AsOf: at}
	rows, _ := a.db.pool.Query(ctx, analyticsRevenueSQL, pgx.NamedArgs{"from": f.From, "to": f.To, "restaurant_id": f.RestaurantID})
	days, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.RevenueDay, error) {
		var d store.RevenueDay
		err := row.Scan(&d.Day, &d.Currency, &d.Orders, &d.Delivered, &d.Cancelled, &d.Rejected,
			&d.GrossRevenue.Amount, &d.ItemSales.Amount, &d.DeliveryFees.Amount, &d.SurgeFees.Amount)
		for _, m := range []*store.Money{&d.GrossRevenue, &d.ItemSales, &d.DeliveryFees, &d.SurgeFees} {
			m.Currency = d.Currency
		}
		d.RevenueFigures = d.Averaged()
		return d, err
	})
	if err != nil {
		return nil, storeError("read revenue", err)
	}
	rep.Days = days
	for _, d := range days {
		i := slices.IndexFunc(rep.Totals, func(t store.RevenueFigures) bool { return t.Currency == d.Currency })
		if i < 0 {
			rep.Totals = append(rep.Totals, d.RevenueFigures)
			continue
		}
		if rep.Totals[i], err = rep.Totals[i].Plus(d.RevenueFigures); err != nil {
			return nil, fmt.Errorf("read revenue: %w", err)
		}
	}
	slices.SortFunc(rep.Totals, func(x, y store.RevenueFigures) int { return cmp.Compare(x.Currency, y.Currency) })
	return rep, nil
}

// RestaurantPerformance implements store.AnalyticsService.
func (a *Analytics) RestaurantPerformance(ctx context.Context, restaurantID int64) (*store.RestaurantPerformance, error) {
	at := now()
	p := &store.RestaurantPerformance{RestaurantID: restaurantID, AsOf: at,
		From: at.AddDate(0, 0, 1-store.PerformanceDays).Format(time.DateOnly), To: at.Format(time.DateOnly)}
	var ratingSum, acceptMS, prepared, prepMS int64
	err := a.db.pool.QueryRow(ctx, analyticsPerformanceSQL, pgx.NamedArgs{"id": restaurantID, "from": p.From, "to": p.To}).
		Scan(&ratingSum, &p.Rating.Count, &p.Orders, &p.Accepted, &p.Rejected, &p.Cancelled, &p.Delivered,
			&acceptMS, &prepared, &prepMS, &p.OnTimeDeliveries)
	if err != nil {
		return nil, storeError("read restaurant performance", orNotFound(err, "restaurant", restaurantID))
	}
	if p.Rating.Count > 0 {
		p.Rating.Average = float64(ratingSum) / float64(p.Rating.Count)
	}
	p.AcceptanceRate = rate(p.Accepted, p.Orders)
	p.OnTimeRate = rate(p.OnTimeDeliveries, p.Delivered)
	p.AverageAcceptSeconds = meanSeconds(acceptMS, p.Accepted)
	p.AveragePrepSeconds = meanSeconds(prepMS, prepared)
	return p, nil
}

// rate is n/d rounded to three places; 0 when d is 0.
func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(1000*float64(n)/float64(d)) / 1000
}

// meanSeconds is the mean of n durations summing to ms milliseconds, in
// seconds rounded to the tenth; 0 when n is 0.
func meanSeconds(ms, n int64) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(float64(ms)/float64(n)/100) / 10
}

// basket is one currency's share of a customer's orders, as the customer
// rollup stores it.
type basket struct {
	Currency string `json:"currency"`
	Orders   int64  `json:"orders"`
	Subtotal int64  `json:"subtotal"`
}

// CustomerPreferences implements store.AnalyticsService.
func (a *Analytics) CustomerPreferences(ctx context.Context, customerID int64) (*store.CustomerPreferences, error) {
	p := &store.CustomerPreferences{CustomerID: customerID, AverageBasket: []store.Money{},
		FavouriteCuisines: []store.CuisinePreference{}, FavouriteItems: []store.ItemPreference{}}
	var (
		orders                   *int64
		baskets, cuisines, items []byte
	)
	err := a.db.pool.QueryRow(ctx, analyticsPreferencesSQL, pgx.NamedArgs{"id": customerID}).
		Scan(&orders, &p.FirstOrderAt, &p.LastOrderAt, &baskets, &cuisines, &items, &p.AsOf)
	if err != nil {
		return nil, storeError("read customer preferences", orNotFound(err, "customer", customerID))
	}
	if orders == nil {
		return p, nil
	}
	p.Orders = *orders
	var bs []basket
	for _, part := range []struct {
		raw []byte
		v   any
	}{{baskets, &bs}, {cuisines, &p.FavouriteCuisines}, {items, &p.FavouriteItems}} {
		if err := json.Unmarshal(part.raw, part.v); err != nil {
			return nil, fmt.Errorf("read customer preferences: decode rollup: %w", err)
		}
	}
	for _, b := range bs {
		p.AverageBasket = append(p.AverageBasket, store.Money{Amount: b.Subtotal, Currency: b.Currency}.Per(b.Orders))
	}
	if p.Orders > 1 {
		days := math.Round(100*p.LastOrderAt.Sub(*p.FirstOrderAt).Hours()/24/float64(p.Orders-1)) / 100
		p.DaysBetweenOrders = &days
	}
	return p, nil
}
