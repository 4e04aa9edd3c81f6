package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
)

// The engine's Go API: what the HTTP layer (and simulators) call. Each
// method is one request to the grain that owns the answer, wherever in the
// cluster it lives. Errors are store errors with their kinds and codes;
// EUNAVAILABLE "engine_unavailable" means the grain did not answer in time.

// PlaceOrder places an order through its restaurant's grain, which refuses
// it with ECONFLICT restaurant_closed, restaurant_paused,
// restaurant_at_capacity, slot_invalid or slot_full, or store's errors for
// the request itself; the order's grain then announces it (hot state,
// order.placed on the order's and restaurant's topics). A retry under the
// same idempotency key returns the first order and replayed=true.
func (e *Engine) PlaceOrder(ctx context.Context, n store.NewOrder) (*store.Order, bool, error) {
	req, err := json.Marshal(n.Request)
	if err != nil {
		return nil, false, fmt.Errorf("place order: %w", err)
	}
	if n.At.IsZero() {
		n.At = time.Now()
	}
	p, err := call[placement](ctx, e, kindRestaurant, n.Request.RestaurantID, &actorspb.PlaceOrder{
		CustomerId: n.CustomerID, IdempotencyKey: n.IdempotencyKey, Request: req, AtUnixMicros: unixMicros(n.At),
	})
	if err != nil {
		return nil, false, err
	}
	if p.Replayed {
		return p.Order, true, nil
	}
	announce := &actorspb.Activate{AnnouncePlaced: true}
	if eta := p.Order.EstimatedDeliveryAt; eta != nil {
		announce.FirstEtaUnixMicros = unixMicros(*eta)
	}
	o, err := call[store.Order](ctx, e, kindOrder, p.Order.ID, announce)
	if err != nil {
		// The order is stored: answer with it even if its grain is slow
		// to announce it.
		e.log.Warn("announce placed order", "order", p.Order.ID, "error", err)
		return p.Order, false, nil
	}
	return o, false, nil
}

// ChangeStatus moves an order per the transition table on behalf of c.By,
// who must be able to see the order (else ENOTFOUND). Repeating the current
// status succeeds without change. Returns ECONFLICT "illegal_transition",
// EFORBIDDEN "transition_not_allowed" or EINVALID (missing or unknown
// reason) as store.CheckTransition decides.
func (e *Engine) ChangeStatus(ctx context.Context, c store.StatusChange) (*store.Order, error) {
	return call[store.Order](ctx, e, kindOrder, c.OrderID, &actorspb.ChangeStatus{
		To: string(c.To), Reason: c.Reason, By: toPrincipal(c.By),
	})
}

// AssignCourier makes courierID the courier of an order not yet picked up,
// on behalf of an admin or the order's restaurant. Returns ENOTFOUND for the
// order or courier, EFORBIDDEN for other callers, ECONFLICT
// "courier_unavailable" for a courier who is offline or carrying another
// order, "order_past_pickup" for an order picked up or over.
func (e *Engine) AssignCourier(ctx context.Context, orderID, courierID int64, by store.Principal) (*store.Order, error) {
	return call[store.Order](ctx, e, kindOrder, orderID, &actorspb.AssignCourier{CourierId: courierID, By: toPrincipal(by)})
}

// ReportLocation takes a position from the courier assigned to the order
// and returns the order's tracking with the new ETA. Returns EFORBIDDEN
// "not_assigned_courier" for anyone else who can see the order, ENOTFOUND
// for who cannot, ECONFLICT "order_not_in_delivery" before the order is
// accepted or after it is over, EINVALID for an impossible fix.
func (e *Engine) ReportLocation(ctx context.Context, orderID int64, by store.Principal, r store.LocationReport) (*store.Tracking, error) {
	now := time.Now()
	if err := r.Validate(now); err != nil {
		return nil, err
	}
	at := now
	if r.TS != nil {
		at = *r.TS
	}
	return call[store.Tracking](ctx, e, kindOrder, orderID, &actorspb.ReportLocation{
		By: toPrincipal(by), Lat: r.Lat, Lng: r.Lng, HeadingDeg: r.Heading, SpeedMps: r.Speed, AtUnixMicros: unixMicros(at),
	})
}

// Tracking returns an order's live delivery state from its grain. Returns
// ENOTFOUND for an order by cannot see.
func (e *Engine) Tracking(ctx context.Context, orderID int64, by store.Principal) (*store.Tracking, error) {
	return call[store.Tracking](ctx, e, kindOrder, orderID, &actorspb.GetTracking{By: toPrincipal(by)})
}

// Capacity returns a kitchen's load and limits. Returns ENOTFOUND.
func (e *Engine) Capacity(ctx context.Context, restaurantID int64) (*store.KitchenCapacity, error) {
	return call[store.KitchenCapacity](ctx, e, kindRestaurant, restaurantID, &actorspb.GetCapacity{})
}

// SetCapacity replaces a kitchen's limits. Returns ENOTFOUND, EINVALID.
func (e *Engine) SetCapacity(ctx context.Context, restaurantID int64, s store.CapacitySettings) (*store.KitchenCapacity, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return call[store.KitchenCapacity](ctx, e, kindRestaurant, restaurantID, &actorspb.SetCapacity{
		MaxActiveOrders: int32(s.MaxActiveOrders), PrepMinutes: int32(s.PrepMinutes), Busy: s.Busy,
		BusyExtraMinutes: int32(s.BusyExtraMinutes), SlotCapacity: int32(s.SlotCapacity),
	})
}

// Availability says whether a restaurant takes orders now, and why not.
// Returns ENOTFOUND.
func (e *Engine) Availability(ctx context.Context, restaurantID int64) (*store.Availability, error) {
	return call[store.Availability](ctx, e, kindRestaurant, restaurantID, &actorspb.GetAvailability{})
}

// SetAvailability pauses a kitchen until c.PausedUntil, or resumes it.
// Returns ENOTFOUND, EINVALID.
func (e *Engine) SetAvailability(ctx context.Context, restaurantID int64, c store.AvailabilityChange) (*store.Availability, error) {
	if err := c.Validate(time.Now()); err != nil {
		return nil, err
	}
	m := &actorspb.SetAvailability{Reason: c.Reason}
	if c.PausedUntil != nil {
		m.PausedUntilUnixMicros = unixMicros(*c.PausedUntil)
	}
	return call[store.Availability](ctx, e, kindRestaurant, restaurantID, m)
}

// DeliverySlots lists a restaurant's delivery slots on a local day
// ("YYYY-MM-DD", today when empty). Returns ENOTFOUND, EINVALID for a day
// in the past or beyond the scheduling horizon.
func (e *Engine) DeliverySlots(ctx context.Context, restaurantID int64, day string) (*store.DeliverySlots, error) {
	return call[store.DeliverySlots](ctx, e, kindRestaurant, restaurantID, &actorspb.GetDeliverySlots{Day: day})
}

// Pricing returns a restaurant's current surge quote. Returns ENOTFOUND.
func (e *Engine) Pricing(ctx context.Context, restaurantID int64) (*store.Pricing, error) {
	return call[store.Pricing](ctx, e, kindRestaurant, restaurantID, &actorspb.GetPricing{})
}

// LocateCourier records where a courier is while not carrying an order
// (couriers carrying one report through ReportLocation), so that dispatch
// and surge pricing can find them.
func (e *Engine) LocateCourier(ctx context.Context, courierID int64, at store.Point) error {
	if !at.Valid() {
		return store.Invalid(store.FieldError{Field: "location", Reason: "must have lat in -90..90 and lng in -180..180"})
	}
	return e.couriers.locate(ctx, courierID, at)
}
