package store

import (
	"context"
	"fmt"
	"time"
)

// Restaurant is a kitchen that sells on dabba.
type Restaurant struct {
	// ID is the restaurant's identity; a restaurant token's subject.
	ID int64 `json:"id" example:"12"`
	// Name shown to customers.
	Name string `json:"name" example:"Meghana Foods"`
	// Cuisine is the main cuisine, lower case, used for filtering.
	Cuisine string `json:"cuisine" example:"biryani"`
	// Address is the street address, one line.
	Address string `json:"address" example:"124 Residency Rd, Bengaluru 560025"`
	// Location is where couriers pick up.
	Location Point `json:"location"`
	// Timezone is the IANA zone its opening hours are written in.
	Timezone string `json:"timezone" example:"Asia/Kolkata"`
	// OpeningHours lists the periods the kitchen takes orders, per weekday.
	OpeningHours []OpeningHours `json:"opening_hours"`
	// DeliveryRadiusM is how far from Location the restaurant delivers, in metres.
	DeliveryRadiusM int `json:"delivery_radius_m" example:"5000"`
	// MinimumOrder is the smallest subtotal it accepts; its currency is the restaurant's.
	MinimumOrder Money `json:"minimum_order"`
	// DeliveryFee is the base fee per order before any surge, in the restaurant's currency.
	DeliveryFee Money `json:"delivery_fee"`
	// Rating aggregates the published reviews.
	Rating Rating `json:"rating"`
	// CreatedAt is when the restaurant joined, UTC.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// Currency is the currency every price of the restaurant is in.
func (r *Restaurant) Currency() string { return r.MinimumOrder.Currency }

// Rating is an aggregate of published reviews.
type Rating struct {
	// Average of the ratings, 0 when there are none.
	Average float64 `json:"average" example:"4.4"`
	// Count of published reviews.
	Count int `json:"count" example:"1287"`
}

// OpeningHours is one period in which a restaurant takes orders, in the
// restaurant's time zone. A period whose Closes is not after Opens runs past
// midnight into the next day.
type OpeningHours struct {
	// Weekday the period starts on: 0 = Sunday … 6 = Saturday.
	Weekday int `json:"weekday" validate:"gte=0,lte=6" example:"1"`
	// Opens is the local start, "HH:MM".
	Opens string `json:"opens" validate:"required" example:"11:00"`
	// Closes is the local end, "HH:MM"; "24:00" is midnight.
	Closes string `json:"closes" validate:"required" example:"23:00"`
}

// minutes parses "HH:MM" into minutes after midnight; "24:00" is 1440.
func minutes(hhmm string) (int, bool) {
	var h, m int
	if len(hhmm) != 5 || hhmm[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(hhmm, "%02d:%02d", &h, &m); err != nil {
		return 0, false
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// validate checks one period and reports what is wrong as field errors
// under prefix.
func (o OpeningHours) validate(prefix string) []FieldError {
	var errs []FieldError
	if o.Weekday < 0 || o.Weekday > 6 {
		errs = append(errs, FieldError{prefix + ".weekday", "must be between 0 (Sunday) and 6 (Saturday)"})
	}
	opens, ok1 := minutes(o.Opens)
	if !ok1 || opens == 1440 {
		errs = append(errs, FieldError{prefix + ".opens", "must be a time HH:MM between 00:00 and 23:59"})
	}
	closes, ok2 := minutes(o.Closes)
	if !ok2 {
		errs = append(errs, FieldError{prefix + ".closes", "must be a time HH:MM between 00:00 and 24:00"})
	}
	if ok1 && ok2 && opens == closes {
		errs = append(errs, FieldError{prefix + ".closes", "must differ from opens"})
	}
	return errs
}

// OpenAt reports whether a restaurant with these hours, in loc, takes orders
// at instant t. SQL's open-now filter (store/postgres) implements the same rule.
func OpenAt(hours []OpeningHours, loc *time.Location, t time.Time) bool {
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	today := int(local.Weekday())
	yesterday := (today + 6) % 7
	for _, o := range hours {
		opens, _ := minutes(o.Opens)
		closes, _ := minutes(o.Closes)
		overnight := closes <= opens
		switch {
		case o.Weekday == today && !overnight && now >= opens && now < closes:
			return true
		case o.Weekday == today && overnight && now >= opens:
			return true
		case o.Weekday == yesterday && overnight && now < closes:
			return true
		}
	}
	return false
}

// RestaurantInput is what a restaurant is created from.
type RestaurantInput struct {
	// Name shown to customers.
	Name string `json:"name" validate:"required,min=1,max=120" example:"Meghana Foods"`
	// Cuisine is the main cuisine.
	Cuisine string `json:"cuisine" validate:"required,min=1,max=40" example:"biryani"`
	// Address is the street address, one line.
	Address string `json:"address" validate:"required,min=1,max=300" example:"124 Residency Rd, Bengaluru 560025"`
	// Location is where couriers pick up.
	Location Point `json:"location"`
	// Timezone is an IANA zone name; defaults to UTC.
	Timezone string `json:"timezone,omitempty" validate:"omitempty,max=64" example:"Asia/Kolkata"`
	// OpeningHours lists the periods the kitchen takes orders.
	OpeningHours []OpeningHours `json:"opening_hours,omitempty" validate:"max=28,dive"`
	// DeliveryRadiusM is the delivery radius in metres, 100..50000.
	DeliveryRadiusM int `json:"delivery_radius_m" validate:"gte=100,lte=50000" example:"5000"`
	// MinimumOrder is the smallest subtotal accepted; it fixes the restaurant's currency.
	MinimumOrder Money `json:"minimum_order"`
	// DeliveryFee is the base fee per order before any surge, in the same currency.
	DeliveryFee Money `json:"delivery_fee"`
}

// Validate checks the rules a single field tag cannot express.
func (in *RestaurantInput) Validate() error {
	var errs []FieldError
	if in.Name == "" {
		errs = append(errs, FieldError{"name", "is required"})
	}
	if in.Cuisine == "" {
		errs = append(errs, FieldError{"cuisine", "is required"})
	}
	if in.Address == "" {
		errs = append(errs, FieldError{"address", "is required"})
	}
	if !in.Location.Valid() {
		errs = append(errs, FieldError{"location", "must have lat in -90..90 and lng in -180..180"})
	}
	if in.Timezone != "" {
		if _, err := time.LoadLocation(in.Timezone); err != nil {
			errs = append(errs, FieldError{"timezone", "is not a known IANA time zone"})
		}
	}
	for i, o := range in.OpeningHours {
		errs = append(errs, o.validate(fmt.Sprintf("opening_hours[%d]", i))...)
	}
	if in.DeliveryRadiusM < 100 || in.DeliveryRadiusM > 50000 {
		errs = append(errs, FieldError{"delivery_radius_m", "must be between 100 and 50000"})
	}
	errs = append(errs, validateMoney("minimum_order", in.MinimumOrder)...)
	errs = append(errs, validateMoney("delivery_fee", in.DeliveryFee)...)
	if in.DeliveryFee.Currency != in.MinimumOrder.Currency {
		errs = append(errs, FieldError{"delivery_fee.currency", "must be the currency of minimum_order"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

func validateMoney(field string, m Money) []FieldError {
	var errs []FieldError
	if m.Amount < 0 {
		errs = append(errs, FieldError{field + ".amount", "must not be negative"})
	}
	if !ValidCurrency(m.Currency) {
		errs = append(errs, FieldError{field + ".currency", "must be an ISO 4217 code such as INR"})
	}
	return errs
}

// RestaurantPatch changes some fields of a restaurant; nil fields stay.
type RestaurantPatch struct {
	Name            *string         `json:"name,omitempty" validate:"omitempty,min=1,max=120"`
	Cuisine         *string         `json:"cuisine,omitempty" validate:"omitempty,min=1,max=40"`
	Address         *string         `json:"address,omitempty" validate:"omitempty,min=1,max=300"`
	Location        *Point          `json:"location,omitempty"`
	Timezone        *string         `json:"timezone,omitempty" validate:"omitempty,max=64"`
	OpeningHours    *[]OpeningHours `json:"opening_hours,omitempty" validate:"omitempty,max=28,dive"`
	DeliveryRadiusM *int            `json:"delivery_radius_m,omitempty" validate:"omitempty,gte=100,lte=50000"`
	// MinimumOrder may change its amount, not its currency.
	MinimumOrder *Money `json:"minimum_order,omitempty"`
	// DeliveryFee may change its amount, not its currency.
	DeliveryFee *Money `json:"delivery_fee,omitempty"`
}

// Apply returns r with the patch applied, validated as a whole.
func (p *RestaurantPatch) Apply(r Restaurant) (Restaurant, error) {
	set(&r.Name, p.Name)
	set(&r.Cuisine, p.Cuisine)
	set(&r.Address, p.Address)
	set(&r.Location, p.Location)
	set(&r.Timezone, p.Timezone)
	set(&r.OpeningHours, p.OpeningHours)
	set(&r.DeliveryRadiusM, p.DeliveryRadiusM)
	for _, m := range []struct {
		field    string
		dst, src *Money
	}{{"minimum_order", &r.MinimumOrder, p.MinimumOrder}, {"delivery_fee", &r.DeliveryFee, p.DeliveryFee}} {
		if m.src == nil {
			continue
		}
		if m.src.Currency != r.Currency() {
			return r, Invalid(FieldError{m.field + ".currency", "cannot change; the restaurant's currency is " + r.Currency()})
		}
		*m.dst = *m.src
	}
	in := r.Input()
	return r, in.Validate()
}

// Input returns the writable fields of r.
func (r *Restaurant) Input() RestaurantInput {
	return RestaurantInput{
		Name: r.Name, Cuisine: r.Cuisine, Address: r.Address, Location: r.Location,
		Timezone: r.Timezone, OpeningHours: r.OpeningHours,
		DeliveryRadiusM: r.DeliveryRadiusM, MinimumOrder: r.MinimumOrder, DeliveryFee: r.DeliveryFee,
	}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// RestaurantFilter selects restaurants for a list.
type RestaurantFilter struct {
	// Cuisine keeps only restaurants of this cuisine (case-insensitive).
	Cuisine string
	// OpenAt keeps only restaurants taking orders at this instant.
	OpenAt *time.Time
	// Near keeps only restaurants within RadiusM of this point and orders the
	// list by distance.
	Near *Point
	// RadiusM bounds Near; 0 means "restaurants that deliver to Near" (each
	// restaurant's own delivery radius).
	RadiusM int
	// Page is the page wanted.
	Page PageRequest
}

// RestaurantListing is a restaurant in a list, with its distance when the
// list was asked for near a point.
type RestaurantListing struct {
	Restaurant
	// DistanceM from the point the list was asked near, in metres.
	DistanceM *float64 `json:"distance_m,omitempty" example:"1830.5"`
}

// RestaurantService manages restaurants.
type RestaurantService interface {
	// Restaurant returns one restaurant. Returns ENOTFOUND if it does not exist.
	Restaurant(ctx context.Context, id int64) (*Restaurant, error)
	// Restaurants lists restaurants matching f, ordered by ID, or by distance
	// then ID when f.Near is set. Returns EINVALID for a bad cursor or limit.
	Restaurants(ctx context.Context, f RestaurantFilter) (Page[RestaurantListing], error)
	// CreateRestaurant adds a restaurant. Returns EINVALID if in breaks a rule.
	CreateRestaurant(ctx context.Context, in RestaurantInput) (*Restaurant, error)
	// UpdateRestaurant applies a patch. Returns ENOTFOUND or EINVALID.
	UpdateRestaurant(ctx context.Context, id int64, p RestaurantPatch) (*Restaurant, error)
	// DeleteRestaurant takes a restaurant off the platform: it no longer
	// appears, is found or takes orders, while its past orders keep referring
	// to it. Returns ENOTFOUND.
	DeleteRestaurant(ctx context.Context, id int64) error
}
