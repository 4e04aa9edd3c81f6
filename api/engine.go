package api

import (
	"context"

	"github.com/dabba/dabba/store"
)

// Engine is the tracking engine the order lifecycle, the kitchens and the
// deliveries run on: the order and restaurant actors (actors.Engine). Its
// errors are store errors, which the API answers as problems.
type Engine interface {
	// PlaceOrder places an order through its restaurant's actor; replayed
	// is true when the order answers a retry under the same idempotency key.
	PlaceOrder(ctx context.Context, n store.NewOrder) (o *store.Order, replayed bool, err error)
	// ChangeStatus moves an order per the transition table on behalf of c.By.
	ChangeStatus(ctx context.Context, c store.StatusChange) (*store.Order, error)
	// AssignCourier makes courierID the courier of an order, on behalf of by.
	AssignCourier(ctx context.Context, orderID, courierID int64, by store.Principal) (*store.Order, error)
	// ReportLocation takes a position from the order's courier.
	ReportLocation(ctx context.Context, orderID int64, by store.Principal, r store.LocationReport) (*store.Tracking, error)
	// Tracking returns an order's live delivery state, as by may see it.
	Tracking(ctx context.Context, orderID int64, by store.Principal) (*store.Tracking, error)
	// Capacity returns a kitchen's load and limits.
	Capacity(ctx context.Context, restaurantID int64) (*store.KitchenCapacity, error)
	// SetCapacity replaces a kitchen's limits.
	SetCapacity(ctx context.Context, restaurantID int64, s store.CapacitySettings) (*store.KitchenCapacity, error)
	// Availability says whether a restaurant takes orders now.
	Availability(ctx context.Context, restaurantID int64) (*store.Availability, error)
	// SetAvailability pauses a kitchen or resumes it.
	SetAvailability(ctx context.Context, restaurantID int64, c store.AvailabilityChange) (*store.Availability, error)
	// DeliverySlots lists a restaurant's delivery slots on a local day.
	DeliverySlots(ctx context.Context, restaurantID int64, day string) (*store.DeliverySlots, error)
	// Pricing returns a restaurant's current surge quote.
	Pricing(ctx context.Context, restaurantID int64) (*store.Pricing, error)
	// LocateCourier records where an idle courier is, for dispatch and surge.
	LocateCourier(ctx context.Context, courierID int64, at store.Point) error
}
