package postgres

import (
	"context"
	_ "embed"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed restaurant_get.sql
	restaurantGetSQL string
	//go:embed restaurant_list.sql
	restaurantListSQL string
	//go:embed restaurant_list_near.sql
	restaurantListNearSQL string
	//go:embed restaurant_insert.sql
	restaurantInsertSQL string
	//go:embed restaurant_update.sql
	restaurantUpdateSQL string
	//go:embed restaurant_lock.sql
	restaurantLockSQL string
	//go:embed restaurant_delete.sql
	restaurantDeleteSQL string
	//go:embed restaurant_hours_delete.sql
	restaurantHoursDeleteSQL string
	//go:embed restaurant_hours_insert.sql
	restaurantHoursInsertSQL string
	//go:embed restaurant_terms.sql
	restaurantTermsSQL string
	//go:embed restaurant_exists.sql
	restaurantExistsSQL string
)

// restaurants implements store.RestaurantService.
type restaurants struct{ db *DB }

var _ store.RestaurantService = (*restaurants)(nil)

// distancePosition is the keyset position of a list ordered by distance
// from a point, then ID.
type distancePosition struct {
	DistanceM float64 `json:"d"`
	ID        int64   `json:"id"`
}

func (s *restaurants) Restaurant(ctx context.Context, id int64) (*store.Restaurant, error) {
	r, err := getRestaurant(ctx, s.db.pool, id)
	return r, storeError("get restaurant", err)
}

func (s *restaurants) Restaurants(ctx context.Context, f store.RestaurantFilter) (store.Page[store.RestaurantListing], error) {
	page, err := s.list(ctx, f)
	return page, storeError("list restaurants", err)
}

func (s *restaurants) list(ctx context.Context, f store.RestaurantFilter) (store.Page[store.RestaurantListing], error) {
	var none store.Page[store.RestaurantListing]
	if err := validateRestaurantFilter(f); err != nil {
		return none, err
	}
	args := pgx.NamedArgs{"cuisine": nil, "open_at": nil}
	if f.Cuisine != "" {
		args["cuisine"] = f.Cuisine
	}
	if f.OpenAt != nil {
		args["open_at"] = *f.OpenAt
	}
	if f.Near == nil {
		limit, after, err := keyset[idPosition](f.Page)
		if err != nil {
			return none, err
		}
		args["limit"], args["after_id"] = limit+1, nil
		if after != nil {
			args["after_id"] = after.ID
		}
		rows, _ := s.db.pool.Query(ctx, restaurantListSQL, args)
		return collectPage(rows, limit, scanRestaurantListing,
			func(l store.RestaurantListing) any { return idPosition{l.ID} })
	}
	limit, after, err := keyset[distancePosition](f.Page)
	if err != nil {
		return none, err
	}
	args["limit"], args["after_id"], args["after_distance_m"] = limit+1, nil, nil
	if after != nil {
		args["after_id"], args["after_distance_m"] = after.ID, after.DistanceM
	}
	args["lat"], args["lng"], args["radius_m"] = f.Near.Lat, f.Near.Lng, f.RadiusM
	args["earth_radius_m"] = store.EarthRadiusM()
	rows, _ := s.db.pool.Query(ctx, restaurantListNearSQL, args)
	return collectPage(rows, limit, scanRestaurantListing,
		func(l store.RestaurantListing) any { return distancePosition{*l.DistanceM, l.ID} })
}

func validateRestaurantFilter(f store.RestaurantFilter) error {
	var errs []store.FieldError
	if f.Near != nil && !f.Near.Valid() {
		errs = append(errs, store.FieldError{Field: "near", Reason: "must have lat in -90..90 and lng in -180..180"})
	}
	if f.RadiusM < 0 {
		errs = append(errs, store.FieldError{Field: "radius_m", Reason: "must not be negative"})
	}
	if f.RadiusM > 0 && f.Near == nil {
		errs = append(errs, store.FieldError{Field: "radius_m", Reason: "needs a point to measure from"})
	}
	if len(errs) > 0 {
		return store.Invalid(errs...)
	}
	return nil
}

func (s *restaurants) CreateRestaurant(ctx context.Context, in store.RestaurantInput) (*store.Restaurant, error) {
	if in.Timezone == "" {
		in.Timezone = "UTC"
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var r *store.Restaurant
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, restaurantInsertSQL, restaurantArgs(in)).Scan(&id); err != nil {
			return err
		}
		if err := setOpeningHours(ctx, tx, id, in.OpeningHours); err != nil {
			return err
		}
		var err error
		r, err = getRestaurant(ctx, tx, id)
		return err
	})
	return r, storeError("create restaurant", err)
}

func (s *restaurants) UpdateRestaurant(ctx context.Context, id int64, p store.RestaurantPatch) (*store.Restaurant, error) {
	var r *store.Restaurant
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockRestaurant(ctx, tx, id); err != nil {
			return err
		}
		old, err := getRestaurant(ctx, tx, id)
		if err != nil {
			return err
		}
		updated, err := p.Apply(*old)
		if err != nil {
			return err
		}
		args := restaurantArgs(updated.Input())
		args["id"] = id
		if _, err := tx.Exec(ctx, restaurantUpdateSQL, args); err != nil {
			return err
		}
		if p.OpeningHours != nil {
			if err := setOpeningHours(ctx, tx, id, updated.OpeningHours); err != nil {
				return err
			}
		}
		r, err = getRestaurant(ctx, tx, id)
		return err
	})
	return r, storeError("update restaurant", err)
}

func (s *restaurants) DeleteRestaurant(ctx context.Context, id int64) error {
	tag, err := s.db.pool.Exec(ctx, restaurantDeleteSQL, pgx.NamedArgs{"id": id})
	if err == nil && tag.RowsAffected() == 0 {
		err = store.NotFound("restaurant", id)
	}
	return storeError("delete restaurant", err)
}

// lockRestaurant locks a restaurant on the platform until the transaction
// ends. Returns ENOTFOUND.
func lockRestaurant(ctx context.Context, tx pgx.Tx, id int64) error {
	var locked int64
	err := tx.QueryRow(ctx, restaurantLockSQL, pgx.NamedArgs{"id": id}).Scan(&locked)
	return orNotFound(err, "restaurant", id)
}

func getRestaurant(ctx context.Context, q querier, id int64) (*store.Restaurant, error) {
	rows, _ := q.Query(ctx, restaurantGetSQL, pgx.NamedArgs{"id": id})
	l, err := pgx.CollectExactlyOneRow(rows, scanRestaurantListing)
	if err != nil {
		return nil, orNotFound(err, "restaurant", id)
	}
	return &l.Restaurant, nil
}

// restaurantExists returns ENOTFOUND unless the restaurant is on the platform.
func restaurantExists(ctx context.Context, q querier, id int64) error {
	var exists bool
	if err := q.QueryRow(ctx, restaurantExistsSQL, pgx.NamedArgs{"id": id}).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return store.NotFound("restaurant", id)
	}
	return nil
}

// restaurantTerms is what a restaurant asks of the orders and prices it takes.
type restaurantTerms struct {
	Location        store.Point
	DeliveryRadiusM int
	MinimumOrder    store.Money
	DeliveryFee     store.Money
	Currency        string
}

// restaurantTermsOf reads a restaurant's terms and keeps them from changing
// until the transaction ends. Returns ENOTFOUND.
func restaurantTermsOf(ctx context.Context, tx pgx.Tx, id int64) (restaurantTerms, error) {
	var t restaurantTerms
	err := tx.QueryRow(ctx, restaurantTermsSQL, pgx.NamedArgs{"id": id}).Scan(&t.Location.Lat, &t.Location.Lng,
		&t.DeliveryRadiusM, &t.MinimumOrder.Amount, &t.DeliveryFee.Amount, &t.Currency)
	t.MinimumOrder.Currency, t.DeliveryFee.Currency = t.Currency, t.Currency
	return t, orNotFound(err, "restaurant", id)
}

func restaurantArgs(in store.RestaurantInput) pgx.NamedArgs {
	return pgx.NamedArgs{
		"name": in.Name, "cuisine": in.Cuisine, "address": in.Address,
		"lat": in.Location.Lat, "lng": in.Location.Lng, "timezone": in.Timezone,
		"delivery_radius_m": in.DeliveryRadiusM,
		"minimum_order":     in.MinimumOrder.Amount, "delivery_fee": in.DeliveryFee.Amount,
		"currency": in.MinimumOrder.Currency,
	}
}

// setOpeningHours replaces a restaurant's opening hours.
func setOpeningHours(ctx context.Context, tx pgx.Tx, restaurantID int64, hours []store.OpeningHours) error {
	if _, err := tx.Exec(ctx, restaurantHoursDeleteSQL, pgx.NamedArgs{"restaurant_id": restaurantID}); err != nil {
		return err
	}
	if len(hours) == 0 {
		return nil
	}
	weekdays := make([]int16, len(hours))
	opens := make([]string, len(hours))
	closes := make([]string, len(hours))
	for i, h := range hours {
		weekdays[i], opens[i], closes[i] = int16(h.Weekday), h.Opens, h.Closes
	}
	_, err := tx.Exec(ctx, restaurantHoursInsertSQL, pgx.NamedArgs{
		"restaurant_id": restaurantID, "weekdays": weekdays, "opens": opens, "closes": closes,
	})
	return err
}

// scanRestaurantListing reads the columns of active_restaurants, followed
// by the distance when the query has one.
func scanRestaurantListing(row pgx.CollectableRow) (store.RestaurantListing, error) {
	var (
		l                       store.RestaurantListing
		r                       = &l.Restaurant
		minimum, fee, ratingSum int64
		currency                string
	)
	dest := []any{&r.ID, &r.Name, &r.Cuisine, &r.Address, &r.Location.Lat, &r.Location.Lng, &r.Timezone,
		&r.OpeningHours, &r.DeliveryRadiusM, &minimum, &fee, &currency, &ratingSum, &r.Rating.Count,
		&r.CreatedAt, &r.UpdatedAt}
	if len(row.FieldDescriptions()) > len(dest) {
		dest = append(dest, &l.DistanceM)
	}
	if err := row.Scan(dest...); err != nil {
		return l, err
	}
	r.MinimumOrder = store.Money{Amount: minimum, Currency: currency}
	r.DeliveryFee = store.Money{Amount: fee, Currency: currency}
	if r.Rating.Count > 0 {
		r.Rating.Average = float64(ratingSum) / float64(r.Rating.Count)
	}
	return l, nil
}
