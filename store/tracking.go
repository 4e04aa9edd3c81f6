package store

import (
	"context"
	"math"
	"time"
)

// LocationReport is one position fix a courier's device sends while it
// carries an order.
type LocationReport struct {
	// Lat is the latitude in degrees.
	Lat float64 `json:"lat" validate:"gte=-90,lte=90" example:"12.9716"`
	// Lng is the longitude in degrees.
	Lng float64 `json:"lng" validate:"gte=-180,lte=180" example:"77.5946"`
	// Heading is the direction of travel in degrees clockwise from north, 0..360.
	Heading float64 `json:"heading" validate:"gte=0,lte=360" example:"90"`
	// Speed is the courier's speed in metres per second.
	Speed float64 `json:"speed" validate:"gte=0,lte=100" example:"6.5"`
	// TS is when the device took the fix; absent means now. A fix more than
	// a minute in the future is refused.
	TS *time.Time `json:"ts,omitempty"`
}

// Validate checks the fix, taken no later than a minute after now.
func (r *LocationReport) Validate(now time.Time) error {
	var errs []FieldError
	if !(Point{r.Lat, r.Lng}).Valid() {
		errs = append(errs, FieldError{"lat", "and lng must lie in -90..90 and -180..180"})
	}
	if !(r.Heading >= 0 && r.Heading <= 360) {
		errs = append(errs, FieldError{"heading", "must be between 0 and 360"})
	}
	if !(r.Speed >= 0 && r.Speed <= 100) || math.IsNaN(r.Speed) {
		errs = append(errs, FieldError{"speed", "must be between 0 and 100 metres per second"})
	}
	if r.TS != nil && r.TS.Sub(now) > time.Minute {
		errs = append(errs, FieldError{"ts", "is in the future"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// CourierFix is the latest position a courier reported for an order.
type CourierFix struct {
	// CourierID is the courier reporting.
	CourierID int64 `json:"courier_id" example:"31"`
	// Location reported.
	Location Point `json:"location"`
	// HeadingDeg is the direction of travel, 0..360, clockwise from north.
	HeadingDeg float64 `json:"heading_deg" example:"90"`
	// SpeedMPS is the speed in metres per second.
	SpeedMPS float64 `json:"speed_mps" example:"6.5"`
	// At is when the courier's device took the fix, UTC.
	At time.Time `json:"at"`
}

// Tracking is an order's live delivery state: where its courier is and when
// the food arrives. The order actor holds it in memory and writes it to the
// cache's delivery_tracking class; the courier's position alone goes to
// live_tracking.
type Tracking struct {
	// OrderID is the order tracked.
	OrderID int64 `json:"order_id" example:"1042"`
	// Status of the order.
	Status OrderStatus `json:"status" example:"picked_up"`
	// Seq is the sequence number of the order's latest event.
	Seq int64 `json:"seq" example:"6"`
	// CourierID is the courier assigned, once there is one.
	CourierID *int64 `json:"courier_id,omitempty" example:"31"`
	// Courier is the courier's latest position, once one was reported.
	Courier *CourierFix `json:"courier,omitempty"`
	// RemainingM is the distance left to travel: courier to restaurant to
	// customer before pickup, courier to customer after.
	RemainingM *float64 `json:"remaining_m,omitempty" example:"2150.5"`
	// EstimatedDeliveryAt is the current ETA: the remaining preparation plus
	// the remaining distance at the courier's speed.
	EstimatedDeliveryAt *time.Time `json:"estimated_delivery_at,omitempty"`
	// Topic to subscribe to on /ws for live position, status and ETA.
	Topic string `json:"topic" example:"order:1042"`
	// UpdatedAt is when the state last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// OrderUpdate is the data of an order event published on the order's and
// the restaurant's realtime topics: the event and the order after it.
type OrderUpdate struct {
	// Event is the timeline entry, with the sequence the websocket event carries.
	Event OrderEvent `json:"event"`
	// Order is the order after the event.
	Order Order `json:"order"`
}

// CourierDispatch claims and frees couriers for deliveries. A courier
// carries one order at a time: claiming moves them from available to busy
// atomically, so two orders never get the same courier.
type CourierDispatch interface {
	// AvailableCouriers returns those of ids whose couriers are available,
	// in the order given.
	AvailableCouriers(ctx context.Context, ids []int64) ([]int64, error)
	// ClaimCourier marks an available courier busy and reports whether it
	// was available.
	ClaimCourier(ctx context.Context, courierID int64) (bool, error)
	// ReleaseCourier makes a busy courier available again, unless they
	// still carry an order other than orderID.
	ReleaseCourier(ctx context.Context, courierID, orderID int64) error
}
