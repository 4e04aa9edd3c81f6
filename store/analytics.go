package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Analytics are figures rolled up from orders by background rollups
// (AnalyticsRollups) into tables of their own, and read back by
// AnalyticsService. Money stays in minor units throughout; only rates and
// durations are floats.

// AnalyticsWindow is a span of recent time that popular items are counted
// over. Windows are measured in rollup buckets of PopularItemsBucket, so
// "the last hour" is the current bucket and the eleven before it.
type AnalyticsWindow string

// The windows popular items are ranked over.
const (
	WindowHour AnalyticsWindow = "hour"
	WindowDay  AnalyticsWindow = "day"
	WindowWeek AnalyticsWindow = "week"
)

// PopularItemsBucket is the granularity of the popular-items rollup: orders
// are counted per dish per bucket of this length.
const PopularItemsBucket = 5 * time.Minute

// PopularItemsLimit is how many dishes a ranking lists.
const PopularItemsLimit = 10

// AnalyticsWindows lists the windows, shortest first.
func AnalyticsWindows() []AnalyticsWindow {
	return []AnalyticsWindow{WindowHour, WindowDay, WindowWeek}
}

// Duration is the length of the window.
func (w AnalyticsWindow) Duration() time.Duration {
	switch w {
	case WindowHour:
		return time.Hour
	case WindowDay:
		return 24 * time.Hour
	case WindowWeek:
		return 7 * 24 * time.Hour
	}
	return 0
}

// Since is the start of the window ending at now: the start of the oldest
// bucket it covers.
func (w AnalyticsWindow) Since(now time.Time) time.Time {
	return now.UTC().Truncate(PopularItemsBucket).Add(PopularItemsBucket - w.Duration())
}

// ParseAnalyticsWindow reads a window name; anything else is EINVALID.
func ParseAnalyticsWindow(s string) (AnalyticsWindow, error) {
	w := AnalyticsWindow(s)
	if !slices.Contains(AnalyticsWindows(), w) {
		return "", Invalid(FieldError{Field: "window", Reason: "must be hour, day or week"})
	}
	return w, nil
}

// PopularItem is a dish ranked by how many portions of it were ordered.
// Rejected and cancelled orders do not count.
type PopularItem struct {
	// Rank is the dish's place in the ranking, from 1.
	Rank int `json:"rank" example:"1"`
	// MenuItemID is the dish.
	MenuItemID int64 `json:"menu_item_id" example:"301"`
	// RestaurantID is the restaurant that sells it.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// Name of the dish on the menu now.
	Name string `json:"name" example:"Chicken Biryani"`
	// Quantity is how many portions were ordered.
	Quantity int64 `json:"quantity" example:"148"`
	// Orders is how many orders included the dish.
	Orders int64 `json:"orders" example:"121"`
	// Revenue is the sum of the dish's line totals.
	Revenue Money `json:"revenue"`
}

// PopularItems ranks the dishes ordered most over one window, at one
// restaurant or across the platform.
type PopularItems struct {
	// RestaurantID is the restaurant ranked; absent for the whole platform.
	RestaurantID int64 `json:"restaurant_id,omitempty" example:"12"`
	// Window counted over.
	Window AnalyticsWindow `json:"window" example:"day"`
	// Since is the start of the window, UTC.
	Since time.Time `json:"since"`
	// Items are the dishes, most ordered first, at most PopularItemsLimit.
	Items []PopularItem `json:"items"`
	// AsOf is when the figures were read from the rollup, UTC.
	AsOf time.Time `json:"as_of"`
}

// Trending is the popular items of a restaurant (or of the platform) over
// every window: what the analytics cache holds per restaurant.
type Trending struct {
	// RestaurantID is the restaurant ranked; 0 for the whole platform.
	RestaurantID int64 `json:"restaurant_id"`
	// Windows holds one ranking per window, shortest first.
	Windows []PopularItems `json:"windows"`
	// AsOf is when the figures were read from the rollup, UTC.
	AsOf time.Time `json:"as_of"`
}

// Window returns the ranking over w; an empty one if t lacks it.
func (t *Trending) Window(w AnalyticsWindow) PopularItems {
	for _, p := range t.Windows {
		if p.Window == w {
			return p
		}
	}
	return PopularItems{RestaurantID: t.RestaurantID, Window: w, Since: w.Since(t.AsOf), Items: []PopularItem{}, AsOf: t.AsOf}
}

// RevenueFigures are one currency's takings over a span of orders, by the
// day the orders were placed. Only delivered orders bring money in.
type RevenueFigures struct {
	// Currency of every amount, ISO 4217.
	Currency string `json:"currency" example:"INR"`
	// Orders placed.
	Orders int64 `json:"orders" example:"212"`
	// Delivered is how many of them were delivered.
	Delivered int64 `json:"delivered" example:"190"`
	// Cancelled is how many were cancelled.
	Cancelled int64 `json:"cancelled" example:"9"`
	// Rejected is how many the kitchen (or its accept deadline) refused.
	Rejected int64 `json:"rejected" example:"6"`
	// GrossRevenue is what customers paid for the delivered orders: items,
	// delivery fees and surge.
	GrossRevenue Money `json:"gross_revenue"`
	// ItemSales is the delivered orders' subtotals.
	ItemSales Money `json:"item_sales"`
	// DeliveryFees is the delivered orders' base delivery fees.
	DeliveryFees Money `json:"delivery_fees"`
	// SurgeFees is the delivered orders' surge surcharges.
	SurgeFees Money `json:"surge_fees"`
	// AverageOrderValue is GrossRevenue over Delivered, rounded half up to
	// the minor unit; zero without deliveries.
	AverageOrderValue Money `json:"average_order_value"`
}

// Plus returns the sum of f and o, with the average order value of the
// sum. It fails on a currency mismatch or an overflow.
func (f RevenueFigures) Plus(o RevenueFigures) (RevenueFigures, error) {
	if f.Currency != o.Currency {
		return f, Errorf(EUNPROCESSABLE, "currency_mismatch", "cannot add %s revenue to %s revenue", o.Currency, f.Currency)
	}
	sum := RevenueFigures{Currency: f.Currency, Orders: f.Orders + o.Orders, Delivered: f.Delivered + o.Delivered,
		Cancelled: f.Cancelled + o.Cancelled, Rejected: f.Rejected + o.Rejected}
	var err error
	for _, a := range []struct{ dst, x, y *Money }{
		{&sum.GrossRevenue, &f.GrossRevenue, &o.GrossRevenue},
		{&sum.ItemSales, &f.ItemSales, &o.ItemSales},
		{&sum.DeliveryFees, &f.DeliveryFees, &o.DeliveryFees},
		{&sum.SurgeFees, &f.SurgeFees, &o.SurgeFees},
	} {
		if *a.dst, err = a.x.Add(*a.y); err != nil {
			return f, err
		}
	}
	return sum.Averaged(), nil
}

// Averaged returns f with AverageOrderValue computed from its sums.
func (f RevenueFigures) Averaged() RevenueFigures {
	f.AverageOrderValue = Money{Amount: f.GrossRevenue.Per(f.Delivered).Amount, Currency: f.Currency}
	return f
}

// Per returns m shared out over n, rounded half away from zero to the
// minor unit: 1000 per 3 is 333, 1001 per 2 is 501. It is zero for n < 1.
func (m Money) Per(n int64) Money {
	if n < 1 {
		return Money{Currency: m.Currency}
	}
	q, r := m.Amount/n, m.Amount%n
	switch {
	case r > 0 && r >= n-r:
		q++
	case r < 0 && -r >= n+r:
		q--
	}
	return Money{Amount: q, Currency: m.Currency}
}

// RevenueDay is one currency's takings on one day.
type RevenueDay struct {
	// Day is the UTC calendar day the orders were placed on, YYYY-MM-DD.
	Day string `json:"day" example:"2025-06-01"`
	RevenueFigures
}

// RevenueReport is a restaurant's (or the platform's) revenue per day.
type RevenueReport struct {
	// RestaurantID is the restaurant reported on; absent for the whole platform.
	RestaurantID int64 `json:"restaurant_id,omitempty" example:"12"`
	// From is the first day covered, YYYY-MM-DD (UTC).
	From string `json:"from" example:"2025-05-26"`
	// To is the last day covered, YYYY-MM-DD (UTC).
	To string `json:"to" example:"2025-06-01"`
	// Days lists the days with orders, oldest first, one entry per currency.
	Days []RevenueDay `json:"days"`
	// Totals sums the days, one entry per currency.
	Totals []RevenueFigures `json:"totals"`
	// AsOf is when the figures were read from the rollup, UTC.
	AsOf time.Time `json:"as_of"`
}

// MaxRevenueDays bounds the days one revenue report covers.
const MaxRevenueDays = 366

// DefaultRevenueDays is how many days a revenue report covers when the
// request names no range: the week ending today.
const DefaultRevenueDays = 7

// RevenueFilter selects the days of a revenue report.
type RevenueFilter struct {
	// RestaurantID is the restaurant; 0 for the whole platform.
	RestaurantID int64
	// From is the first day, YYYY-MM-DD (UTC); empty means DefaultRevenueDays
	// before To.
	From string
	// To is the last day, YYYY-MM-DD (UTC); empty means today.
	To string
}

// Resolve fills in the default days as of now and checks the range: both
// days are dates, From is not after To, and the range spans at most
// MaxRevenueDays. A bad range is EINVALID.
func (f RevenueFilter) Resolve(now time.Time) (RevenueFilter, error) {
	to := now.UTC().Truncate(24 * time.Hour)
	if f.To != "" {
		t, err := time.Parse(time.DateOnly, f.To)
		if err != nil {
			return f, Invalid(FieldError{Field: "to", Reason: "must be a date YYYY-MM-DD"})
		}
		to = t
	}
	from := to.AddDate(0, 0, 1-DefaultRevenueDays)
	if f.From != "" {
		t, err := time.Parse(time.DateOnly, f.From)
		if err != nil {
			return f, Invalid(FieldError{Field: "from", Reason: "must be a date YYYY-MM-DD"})
		}
		from = t
	}
	switch days := int(to.Sub(from).Hours()/24) + 1; {
	case days < 1:
		return f, Invalid(FieldError{Field: "from", Reason: "must not be after to"})
	case days > MaxRevenueDays:
		return f, Invalid(FieldError{Field: "from", Reason: fmt.Sprintf("must be at most %d days before to", MaxRevenueDays-1)})
	}
	f.From, f.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	return f, nil
}

// PerformanceDays is how many days, today included, a restaurant's
// performance report covers.
const PerformanceDays = 30

// RestaurantPerformance is how a kitchen has been running over the last
// PerformanceDays days, from its orders' timelines, with its rating.
type RestaurantPerformance struct {
	// RestaurantID is the restaurant reported on.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// From is the first day covered, YYYY-MM-DD (UTC).
	From string `json:"from" example:"2025-05-03"`
	// To is the last day covered, YYYY-MM-DD (UTC).
	To string `json:"to" example:"2025-06-01"`
	// Orders placed with the restaurant.
	Orders int64 `json:"orders" example:"212"`
	// Accepted is how many the kitchen accepted.
	Accepted int64 `json:"accepted" example:"204"`
	// Rejected is how many it refused or let time out.
	Rejected int64 `json:"rejected" example:"6"`
	// Cancelled is how many were cancelled.
	Cancelled int64 `json:"cancelled" example:"9"`
	// Delivered is how many reached the customer.
	Delivered int64 `json:"delivered" example:"190"`
	// AcceptanceRate is Accepted over Orders; 0 without orders.
	AcceptanceRate float64 `json:"acceptance_rate" example:"0.962"`
	// AverageAcceptSeconds is the mean time from placing to acceptance.
	AverageAcceptSeconds float64 `json:"average_accept_seconds" example:"74.5"`
	// AveragePrepSeconds is the mean time from acceptance to ready for pickup.
	AveragePrepSeconds float64 `json:"average_prep_seconds" example:"1130.2"`
	// OnTimeDeliveries is how many deliveries arrived by their promise: the
	// end of the booked slot for a scheduled order, else the delivery promise
	// after placing.
	OnTimeDeliveries int64 `json:"on_time_deliveries" example:"171"`
	// OnTimeRate is OnTimeDeliveries over Delivered; 0 without deliveries.
	OnTimeRate float64 `json:"on_time_rate" example:"0.9"`
	// Rating aggregates the restaurant's published reviews, all time.
	Rating Rating `json:"rating"`
	// AsOf is when the figures were read from the rollup, UTC.
	AsOf time.Time `json:"as_of"`
}

// CustomerPreferences is what a customer tends to order, from the orders
// they received or still await (rejected and cancelled ones do not count).
type CustomerPreferences struct {
	// CustomerID is the customer described.
	CustomerID int64 `json:"customer_id" example:"7"`
	// Orders counted.
	Orders int64 `json:"orders" example:"23"`
	// FirstOrderAt is when the first of them was placed, UTC.
	FirstOrderAt *time.Time `json:"first_order_at,omitempty"`
	// LastOrderAt is when the latest was placed, UTC.
	LastOrderAt *time.Time `json:"last_order_at,omitempty"`
	// DaysBetweenOrders is the order frequency: the mean number of days
	// between two orders; absent under two orders.
	DaysBetweenOrders *float64 `json:"days_between_orders,omitempty" example:"6.5"`
	// AverageBasket is the mean subtotal of an order, rounded half up to the
	// minor unit, one entry per currency the customer paid in.
	AverageBasket []Money `json:"average_basket"`
	// FavouriteCuisines are the cuisines of the restaurants ordered from
	// most, most orders first.
	FavouriteCuisines []CuisinePreference `json:"favourite_cuisines"`
	// FavouriteItems are the dishes ordered most, most portions first.
	FavouriteItems []ItemPreference `json:"favourite_items"`
	// AsOf is when the rollup last computed them, UTC; absent before the
	// customer's first order was rolled up.
	AsOf *time.Time `json:"as_of,omitempty"`
}

// CuisinePreference is how often a customer ordered from one cuisine.
type CuisinePreference struct {
	// Cuisine of the restaurants.
	Cuisine string `json:"cuisine" example:"biryani"`
	// Orders from restaurants of that cuisine.
	Orders int64 `json:"orders" example:"14"`
}

// ItemPreference is how much of one dish a customer ordered.
type ItemPreference struct {
	// MenuItemID is the dish.
	MenuItemID int64 `json:"menu_item_id" example:"301"`
	// RestaurantID sells it.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// Name of the dish when last ordered.
	Name string `json:"name" example:"Chicken Biryani"`
	// Quantity is how many portions the customer ordered.
	Quantity int64 `json:"quantity" example:"19"`
	// Orders is how many orders included it.
	Orders int64 `json:"orders" example:"12"`
}

// AnalyticsService reads the rolled-up analytics. Figures are as fresh as
// the last rollup run.
type AnalyticsService interface {
	// Trending returns the dishes ordered most at restaurant restaurantID
	// (0: across the platform) over each window. Returns ENOTFOUND for a
	// restaurant that does not exist.
	Trending(ctx context.Context, restaurantID int64) (*Trending, error)
	// Revenue returns the revenue per day of f's restaurant (0: the whole
	// platform) over f's days, with the defaults of RevenueFilter.Resolve.
	// Returns ENOTFOUND for a restaurant that does not exist, EINVALID for a
	// bad range.
	Revenue(ctx context.Context, f RevenueFilter) (*RevenueReport, error)
	// RestaurantPerformance returns how the restaurant has been running.
	// Returns ENOTFOUND.
	RestaurantPerformance(ctx context.Context, restaurantID int64) (*RestaurantPerformance, error)
	// CustomerPreferences returns what the customer tends to order.
	// Returns ENOTFOUND for a customer without an open account.
	CustomerPreferences(ctx context.Context, customerID int64) (*CustomerPreferences, error)
}

// Rollup names one analytics rollup: a table of buckets recomputed from
// orders.
type Rollup string

// The rollups.
const (
	// RollupPopularItems counts dishes per restaurant per PopularItemsBucket.
	RollupPopularItems Rollup = "popular_items"
	// RollupRestaurantDays sums revenue and kitchen timings per restaurant
	// per day: the revenue and performance reports read it.
	RollupRestaurantDays Rollup = "restaurant_days"
	// RollupCustomerPreferences summarises each customer's orders.
	RollupCustomerPreferences Rollup = "customer_preferences"
)

// Rollups lists the rollups.
func Rollups() []Rollup {
	return []Rollup{RollupPopularItems, RollupRestaurantDays, RollupCustomerPreferences}
}

// ParseRollup reads a rollup name; anything else is EINVALID.
func ParseRollup(s string) (Rollup, error) {
	r := Rollup(s)
	if !slices.Contains(Rollups(), r) {
		return "", Invalid(FieldError{Field: "rollup", Reason: "must be popular_items, restaurant_days or customer_preferences"})
	}
	return r, nil
}

// RollupResult reports one run of a rollup.
type RollupResult struct {
	// Rollup run.
	Rollup Rollup `json:"rollup" example:"restaurant_days"`
	// Full is true when every bucket was recomputed, not only those touched
	// by orders changed since the previous run.
	Full bool `json:"full" example:"false"`
	// Buckets is how many buckets were recomputed.
	Buckets int64 `json:"buckets" example:"14"`
	// Restaurants whose figures were recomputed, ascending.
	Restaurants []int64 `json:"restaurants"`
	// Customers whose figures were recomputed, ascending.
	Customers []int64 `json:"customers"`
	// At is when the run started, UTC: the watermark of the next run.
	At time.Time `json:"at"`
	// DurationMS is how long the run took.
	DurationMS float64 `json:"duration_ms" example:"42.1"`
}

// AnalyticsRollups keeps the rollup tables up to date.
type AnalyticsRollups interface {
	// RunRollup recomputes the buckets of r touched by orders changed since
	// its previous run, or every bucket when full. A bucket is recomputed
	// from the orders as a whole, never incremented, so running twice, or on
	// two workers at once (runs of one rollup take turns), gives the same
	// figures. Returns EINVALID for an unknown rollup.
	RunRollup(ctx context.Context, r Rollup, full bool) (RollupResult, error)
}
