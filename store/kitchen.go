package store

import (
	"context"
	"fmt"
	"time"
)

// SlotLength is the length of a delivery slot: scheduled orders are
// delivered in 15-minute windows starting on the quarter hour.
const SlotLength = 15 * time.Minute

// CapacitySettings are the limits a restaurant sets on its kitchen.
type CapacitySettings struct {
	// MaxActiveOrders is how many orders the kitchen holds at once: orders
	// placed, accepted or preparing. A new order beyond it is refused.
	MaxActiveOrders int `json:"max_active_orders" validate:"gte=1,lte=1000" example:"20"`
	// PrepMinutes is how long the kitchen takes from an order placed to
	// ready, in normal times.
	PrepMinutes int `json:"prep_minutes" validate:"gte=1,lte=240" example:"20"`
	// Busy mode: the kitchen is swamped and every preparation takes
	// BusyExtraMinutes longer.
	Busy bool `json:"busy" example:"false"`
	// BusyExtraMinutes is what busy mode adds to each preparation.
	BusyExtraMinutes int `json:"busy_extra_minutes" validate:"gte=0,lte=240" example:"10"`
	// SlotCapacity is how many scheduled orders one 15-minute delivery slot takes.
	SlotCapacity int `json:"slot_capacity" validate:"gte=1,lte=1000" example:"5"`
}

// DefaultKitchenSettings are the limits of a restaurant that never set any.
func DefaultKitchenSettings() CapacitySettings {
	return CapacitySettings{MaxActiveOrders: 20, PrepMinutes: 20, BusyExtraMinutes: 10, SlotCapacity: 5}
}

// Validate checks the limits' ranges.
func (s *CapacitySettings) Validate() error {
	var errs []FieldError
	check := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, FieldError{field, fmt.Sprintf("must be between %d and %d", lo, hi)})
		}
	}
	check("max_active_orders", s.MaxActiveOrders, 1, 1000)
	check("prep_minutes", s.PrepMinutes, 1, 240)
	check("busy_extra_minutes", s.BusyExtraMinutes, 0, 240)
	check("slot_capacity", s.SlotCapacity, 1, 1000)
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// PrepTime is how long a new order takes to prepare now: PrepMinutes, plus
// BusyExtraMinutes in busy mode.
func (s *CapacitySettings) PrepTime() time.Duration {
	m := s.PrepMinutes
	if s.Busy {
		m += s.BusyExtraMinutes
	}
	return time.Duration(m) * time.Minute
}

// KitchenSettings are everything a restaurant decided about taking orders:
// its limits and whether it is paused.
type KitchenSettings struct {
	CapacitySettings
	// PausedUntil: the kitchen takes no orders before this instant.
	PausedUntil *time.Time `json:"paused_until,omitempty"`
	// PauseReason is what the restaurant said when it paused.
	PauseReason string `json:"pause_reason,omitempty"`
	// UpdatedAt is when the settings last changed, UTC; zero for defaults.
	UpdatedAt time.Time `json:"updated_at"`
}

// PausedAt reports whether the kitchen is paused at instant t.
func (k *KitchenSettings) PausedAt(t time.Time) bool {
	return k.PausedUntil != nil && t.Before(*k.PausedUntil)
}

// KitchenCapacity is a restaurant kitchen's load against its limits, as the
// restaurant actor holds it.
type KitchenCapacity struct {
	// RestaurantID is the kitchen's restaurant.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	CapacitySettings
	// ActiveOrders is how many orders the kitchen holds now (placed, accepted or preparing).
	ActiveOrders int `json:"active_orders" example:"7"`
	// Available is how many more orders it takes before it is full.
	Available int `json:"available" example:"13"`
	// EffectivePrepMinutes is the preparation time a new order gets now, busy mode included.
	EffectivePrepMinutes int `json:"effective_prep_minutes" example:"20"`
	// UpdatedAt is when the limits last changed, UTC; absent while they are the defaults.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// AvailabilityChange pauses a kitchen or resumes it.
type AvailabilityChange struct {
	// PausedUntil pauses the kitchen until this instant (at most 7 days
	// ahead); null or absent resumes it now.
	PausedUntil *time.Time `json:"paused_until,omitempty"`
	// Reason shown to staff, e.g. "gas leak".
	Reason string `json:"reason,omitempty" validate:"max=200" example:"out of gas"`
}

// MaxPause bounds how far ahead a kitchen may pause.
const MaxPause = 7 * 24 * time.Hour

// Validate checks the change against the instant it is made.
func (c *AvailabilityChange) Validate(now time.Time) error {
	var errs []FieldError
	if c.PausedUntil != nil {
		switch {
		case !c.PausedUntil.After(now):
			errs = append(errs, FieldError{"paused_until", "must be in the future; omit it to resume"})
		case c.PausedUntil.Sub(now) > MaxPause:
			errs = append(errs, FieldError{"paused_until", "must be at most 7 days ahead"})
		}
	}
	if len(c.Reason) > 200 {
		errs = append(errs, FieldError{"reason", "must have at most 200 characters"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// Availability says whether a restaurant takes orders right now, and why not.
type Availability struct {
	// RestaurantID is the restaurant.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// AcceptingOrders is true when an order placed now would be taken: open, not paused, not full.
	AcceptingOrders bool `json:"accepting_orders" example:"true"`
	// Open is true within the restaurant's opening hours.
	Open bool `json:"open" example:"true"`
	// Paused is true while the restaurant has paused taking orders.
	Paused bool `json:"paused" example:"false"`
	// PausedUntil is when a pause ends.
	PausedUntil *time.Time `json:"paused_until,omitempty"`
	// PauseReason is what the restaurant said when it paused.
	PauseReason string `json:"pause_reason,omitempty" example:"out of gas"`
	// AtCapacity is true while the kitchen holds as many orders as it takes.
	AtCapacity bool `json:"at_capacity" example:"false"`
}

// DeliverySlot is one 15-minute window a scheduled order can be delivered in.
type DeliverySlot struct {
	// Start of the window; pass it as scheduled_for to book it.
	Start time.Time `json:"start"`
	// End of the window.
	End time.Time `json:"end"`
	// Capacity is how many scheduled orders the window takes.
	Capacity int `json:"capacity" example:"5"`
	// Reserved is how many it holds.
	Reserved int `json:"reserved" example:"2"`
	// Available is how many more it takes.
	Available int `json:"available" example:"3"`
	// Bookable is true when an order may be scheduled into it now: it has
	// room, starts far enough ahead for the kitchen and is not paused.
	Bookable bool `json:"bookable" example:"true"`
}

// DeliverySlots lists a restaurant's delivery slots on one local day: the
// windows that start within its opening hours.
type DeliverySlots struct {
	// RestaurantID is the restaurant.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// Date is the day listed, in the restaurant's time zone.
	Date string `json:"date" example:"2025-06-01"`
	// Timezone is the restaurant's IANA zone.
	Timezone string `json:"timezone" example:"Asia/Kolkata"`
	// Slots in time order.
	Slots []DeliverySlot `json:"slots"`
}

// Pricing is a restaurant's current surge quote: what a new order pays for
// delivery, itemised. An order placed while the quote holds records it.
type Pricing struct {
	// RestaurantID is the restaurant.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// SurgeBasisPoints is the multiplier on the delivery fee, in basis points (10000 = no surge).
	SurgeBasisPoints int `json:"surge_basis_points" example:"12500"`
	// Demand is how many orders the restaurant took in the last WindowMinutes.
	Demand int `json:"demand" example:"9"`
	// AvailableCouriers is how many couriers are free near the restaurant.
	AvailableCouriers int `json:"available_couriers" example:"4"`
	// WindowMinutes is the span Demand counts.
	WindowMinutes int `json:"window_minutes" example:"15"`
	// BaseDeliveryFee is the restaurant's delivery fee before surge.
	BaseDeliveryFee Money `json:"base_delivery_fee"`
	// SurgeFee is what the surge adds to it.
	SurgeFee Money `json:"surge_fee"`
	// DeliveryFee is BaseDeliveryFee + SurgeFee: what a new order pays for delivery.
	DeliveryFee Money `json:"delivery_fee"`
	// QuotedAt is when the quote was made, UTC.
	QuotedAt time.Time `json:"quoted_at"`
	// ValidUntil is when the quote is recomputed, UTC.
	ValidUntil time.Time `json:"valid_until"`
}

// KitchenOrder is an order as the kitchen's load counts it.
type KitchenOrder struct {
	// ID of the order.
	ID int64
	// Status of the order.
	Status OrderStatus
	// ScheduledFor is the start of its delivery slot, if scheduled.
	ScheduledFor *time.Time
	// PlacedAt is when it was placed.
	PlacedAt time.Time
}

// KitchenService keeps what the restaurant actor needs beyond orders: each
// kitchen's settings and the orders that make up its load.
type KitchenService interface {
	// KitchenSettings returns a restaurant's settings, the defaults when it
	// never set any. Returns ENOTFOUND for the restaurant.
	KitchenSettings(ctx context.Context, restaurantID int64) (*KitchenSettings, error)
	// SaveKitchenSettings stores a restaurant's settings. Returns ENOTFOUND
	// for the restaurant, EINVALID for limits out of range.
	SaveKitchenSettings(ctx context.Context, restaurantID int64, s KitchenSettings) (*KitchenSettings, error)
	// KitchenOrders returns the restaurant's orders that bear on its
	// kitchen: those in kitchen states (placed, accepted, preparing), and
	// those placed or scheduled at or after since.
	KitchenOrders(ctx context.Context, restaurantID int64, since time.Time) ([]KitchenOrder, error)
	// OrderUnderKey reports whether the customer already placed an order
	// under the idempotency key.
	OrderUnderKey(ctx context.Context, customerID int64, key string) (bool, error)
}
