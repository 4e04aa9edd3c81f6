package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// OrderStatus is where an order is in its life.
type OrderStatus string

// The states of an order; see Transitions for the moves between them.
const (
	StatusPlaced    OrderStatus = "placed"
	StatusAccepted  OrderStatus = "accepted"
	StatusPreparing OrderStatus = "preparing"
	StatusReady     OrderStatus = "ready"
	StatusPickedUp  OrderStatus = "picked_up"
	StatusDelivered OrderStatus = "delivered"
	StatusRejected  OrderStatus = "rejected"
	StatusCancelled OrderStatus = "cancelled"
)

// OrderStatuses lists every status in lifecycle order.
func OrderStatuses() []OrderStatus {
	return []OrderStatus{StatusPlaced, StatusAccepted, StatusPreparing, StatusReady,
		StatusPickedUp, StatusDelivered, StatusRejected, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s OrderStatus) Valid() bool { return slices.Contains(OrderStatuses(), s) }

// Terminal reports whether no move leaves s.
func (s OrderStatus) Terminal() bool {
	return s == StatusDelivered || s == StatusRejected || s == StatusCancelled
}

// InKitchen reports whether an order in s holds restaurant capacity.
func (s OrderStatus) InKitchen() bool {
	return s == StatusPlaced || s == StatusAccepted || s == StatusPreparing
}

// Transition is one legal move of an order and who may make it.
type Transition struct {
	// From is the status the order is in.
	From OrderStatus `json:"from"`
	// To is the status it moves to.
	To OrderStatus `json:"to"`
	// Roles that may make the move. Admins may make every move; the system
	// (timers) only those listing it.
	Roles []Role `json:"roles"`
	// NeedsReason is true when the move must carry a reason code.
	NeedsReason bool `json:"needs_reason"`
}

// Transitions is the order transition table: the one place the lifecycle is
// defined. The order actor enforces it, the API validates with it and the
// OpenAPI description publishes it.
func Transitions() []Transition {
	kitchen := []Role{RoleRestaurant, RoleAdmin}
	courier := []Role{RoleCourier, RoleAdmin}
	return []Transition{
		{StatusPlaced, StatusAccepted, kitchen, false},
		{StatusPlaced, StatusRejected, []Role{RoleRestaurant, RoleAdmin, RoleSystem}, true},
		{StatusPlaced, StatusCancelled, []Role{RoleCustomer, RoleRestaurant, RoleAdmin}, true},
		{StatusAccepted, StatusPreparing, kitchen, false},
		{StatusAccepted, StatusCancelled, kitchen, true},
		{StatusPreparing, StatusReady, kitchen, false},
		{StatusPreparing, StatusCancelled, kitchen, true},
		{StatusReady, StatusPickedUp, courier, false},
		{StatusReady, StatusCancelled, kitchen, true},
		{StatusPickedUp, StatusDelivered, courier, false},
		{StatusPickedUp, StatusCancelled, []Role{RoleAdmin}, true},
	}
}

// FindTransition returns the move from → to, if it is in the table.
func FindTransition(from, to OrderStatus) (Transition, bool) {
	for _, t := range Transitions() {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}

// Allows reports whether role may make the move.
func (t Transition) Allows(role Role) bool { return slices.Contains(t.Roles, role) }

// CheckTransition decides whether by may move an order from → to with the
// given reason. It returns ECONFLICT "illegal_transition" for a move not in
// the table, EFORBIDDEN "transition_not_allowed" for a role that may not make
// it, and EINVALID when a needed reason is missing or unknown. Moving to the
// current status is not a transition; callers treat it as a no-op first.
func CheckTransition(from, to OrderStatus, by Role, reason string) error {
	t, ok := FindTransition(from, to)
	if !ok {
		return Errorf(ECONFLICT, "illegal_transition", "an order cannot move from %s to %s", from, to)
	}
	if !t.Allows(by) {
		return Errorf(EFORBIDDEN, "transition_not_allowed", "a %s may not move an order from %s to %s", by, from, to)
	}
	if t.NeedsReason {
		if reason == "" {
			return Invalid(FieldError{"reason", fmt.Sprintf("is required to move an order to %s", to)})
		}
		if !slices.Contains(ReasonCodes(to), reason) {
			return Invalid(FieldError{"reason", fmt.Sprintf("must be one of %v", ReasonCodes(to))})
		}
	}
	return nil
}

// ReasonCodes lists the reason codes accepted for a move to the given status.
func ReasonCodes(to OrderStatus) []string {
	switch to {
	case StatusRejected:
		return []string{"kitchen_busy", "out_of_stock", "closed", "accept_timeout", "other"}
	case StatusCancelled:
		return []string{"customer_request", "out_of_stock", "kitchen_issue", "courier_unavailable", "address_issue", "fraud_suspected", "other"}
	}
	return nil
}

// Order is a customer's purchase from one restaurant.
type Order struct {
	// ID is the order's identity.
	ID int64 `json:"id" example:"1042"`
	// CustomerID is who ordered.
	CustomerID int64 `json:"customer_id" example:"7"`
	// RestaurantID is the kitchen that cooks it.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// CourierID is the courier assigned to deliver it, once there is one.
	CourierID *int64 `json:"courier_id,omitempty" example:"31"`
	// Status is where the order is in its life.
	Status OrderStatus `json:"status" example:"placed"`
	// Reason is the reason code of a rejection or cancellation.
	Reason string `json:"reason,omitempty" example:"out_of_stock"`
	// Items are the lines ordered, with prices captured at order time.
	Items []OrderItem `json:"items"`
	// Subtotal is the sum of the line totals.
	Subtotal Money `json:"subtotal"`
	// DeliveryFee is the restaurant's base delivery fee at order time.
	DeliveryFee Money `json:"delivery_fee"`
	// SurgeFee is the demand surcharge added to the delivery fee (zero without surge).
	SurgeFee Money `json:"surge_fee"`
	// SurgeBasisPoints is the surge multiplier applied, in basis points (10000 = none).
	SurgeBasisPoints int `json:"surge_basis_points" example:"10000"`
	// Total is Subtotal + DeliveryFee + SurgeFee: what the customer pays.
	Total Money `json:"total"`
	// DeliveryAddress is where the food goes, copied from the request.
	DeliveryAddress Address `json:"delivery_address"`
	// ScheduledFor is the start of the delivery slot of a scheduled order.
	ScheduledFor *time.Time `json:"scheduled_for,omitempty"`
	// Notes for the kitchen.
	Notes string `json:"notes,omitempty" example:"less spicy please"`
	// Seq is the sequence number of the order's latest event.
	Seq int64 `json:"seq" example:"1"`
	// EstimatedDeliveryAt is the current ETA, when known.
	EstimatedDeliveryAt *time.Time `json:"estimated_delivery_at,omitempty"`
	// PlacedAt is when the order was acknowledged, UTC.
	PlacedAt time.Time `json:"placed_at"`
	// UpdatedAt is when it last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// Topic is the realtime topic that streams the order's events.
func (o *Order) Topic() string { return fmt.Sprintf("order:%d", o.ID) }

// VisibleTo reports whether p may see the order: its customer, its
// restaurant, its courier and admins.
func (o *Order) VisibleTo(p Principal) bool {
	switch {
	case p.IsAdmin():
		return true
	case p.Role == RoleCustomer:
		return p.ID == o.CustomerID
	case p.Role == RoleRestaurant:
		return p.ID == o.RestaurantID
	case p.Role == RoleCourier:
		return o.CourierID != nil && *o.CourierID == p.ID
	}
	return false
}

// OrderItem is one line of an order.
type OrderItem struct {
	// MenuItemID is the dish ordered; nil once the dish was deleted from the menu.
	MenuItemID *int64 `json:"menu_item_id" example:"301"`
	// Name of the dish at order time.
	Name string `json:"name" example:"Chicken Biryani"`
	// UnitPrice at order time.
	UnitPrice Money `json:"unit_price"`
	// Quantity ordered.
	Quantity int `json:"quantity" example:"2"`
	// LineTotal is UnitPrice × Quantity.
	LineTotal Money `json:"line_total"`
}

// OrderRequest is what a customer sends to place an order.
type OrderRequest struct {
	// RestaurantID is the kitchen to order from; every item must be on its menu.
	RestaurantID int64 `json:"restaurant_id" validate:"required,gt=0" example:"12"`
	// Items to order, at least one, at most 50 lines.
	Items []OrderLine `json:"items" validate:"required,min=1,max=50,dive"`
	// DeliveryAddress is where to deliver; it must lie within the restaurant's radius.
	DeliveryAddress Address `json:"delivery_address"`
	// ScheduledFor asks for delivery in the slot starting at this instant
	// instead of as soon as possible.
	ScheduledFor *time.Time `json:"scheduled_for,omitempty"`
	// Notes for the kitchen.
	Notes string `json:"notes,omitempty" validate:"max=500" example:"less spicy please"`
}

// OrderLine asks for a quantity of one menu item.
type OrderLine struct {
	// MenuItemID is the dish.
	MenuItemID int64 `json:"menu_item_id" validate:"required,gt=0" example:"301"`
	// Quantity between 1 and 50.
	Quantity int `json:"quantity" validate:"required,gte=1,lte=50" example:"2"`
}

// Validate checks the rules a single field tag cannot express.
func (r *OrderRequest) Validate() error {
	var errs []FieldError
	if r.RestaurantID <= 0 {
		errs = append(errs, FieldError{"restaurant_id", "must be a restaurant ID"})
	}
	if len(r.Items) == 0 || len(r.Items) > 50 {
		errs = append(errs, FieldError{"items", "must list between 1 and 50 lines"})
	}
	seen := map[int64]bool{}
	for i, l := range r.Items {
		if l.MenuItemID <= 0 {
			errs = append(errs, FieldError{fmt.Sprintf("items[%d].menu_item_id", i), "must be a menu item ID"})
		}
		if l.Quantity < 1 || l.Quantity > 50 {
			errs = append(errs, FieldError{fmt.Sprintf("items[%d].quantity", i), "must be between 1 and 50"})
		}
		if seen[l.MenuItemID] {
			errs = append(errs, FieldError{fmt.Sprintf("items[%d].menu_item_id", i), "is listed twice; order a larger quantity instead"})
		}
		seen[l.MenuItemID] = true
	}
	errs = append(errs, r.DeliveryAddress.validate("delivery_address")...)
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// Fingerprint identifies the request's content, so a retry under the same
// idempotency key can be told apart from a different request reusing it.
func (r *OrderRequest) Fingerprint() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		// An OrderRequest holds only numbers, strings and times.
		panic("store: unmarshallable order request: " + err.Error())
	}
	return b
}

// NewOrder is an order request together with what the server decides about it.
type NewOrder struct {
	// CustomerID is the authenticated customer placing it.
	CustomerID int64
	// IdempotencyKey makes retries safe: the same customer and key yield one order.
	IdempotencyKey string
	// Request is the customer's request.
	Request OrderRequest
	// SurgeBasisPoints is the surge multiplier quoted to the customer
	// (10000 = no surge; 0 means 10000).
	SurgeBasisPoints int
	// At is the time the order is placed.
	At time.Time
	// Limits, when set, are the kitchen's capacity and slot cap
	// (MaxActiveOrders, SlotCapacity), checked again in the transaction that
	// stores the order, under a lock on the restaurant: the restaurant's
	// grain decides first and alone, and this fence keeps two grains of
	// one restaurant (possible for a moment while a cluster member joins)
	// from overselling it. Refusals are ECONFLICT restaurant_at_capacity
	// and slot_full, as the grain's.
	Limits *CapacitySettings
}

// OrderFilter selects orders for a list.
type OrderFilter struct {
	// CustomerID keeps only this customer's orders.
	CustomerID int64
	// RestaurantID keeps only this restaurant's orders.
	RestaurantID int64
	// CourierID keeps only orders assigned to this courier.
	CourierID int64
	// Statuses keeps only orders in one of these statuses.
	Statuses []OrderStatus
	// Page is the page wanted; orders come newest first.
	Page PageRequest
}

// StatusChange asks to move an order to a new status.
type StatusChange struct {
	// OrderID is the order to move.
	OrderID int64
	// To is the status wanted.
	To OrderStatus
	// Reason code, needed to reject or cancel.
	Reason string
	// By is who asks.
	By Principal
	// At is when the change happens.
	At time.Time
}

// OrderEvent is one entry of an order's timeline. Seq numbers are contiguous
// per order from 1; websocket events carry the same Seq.
type OrderEvent struct {
	// OrderID is the order the event belongs to.
	OrderID int64 `json:"order_id" example:"1042"`
	// Seq is the event's position in the order's timeline, from 1.
	Seq int64 `json:"seq" example:"2"`
	// Type of event, e.g. "order.placed", "order.status_changed", "delivery.assigned".
	Type string `json:"type" example:"order.status_changed"`
	// Status of the order after the event.
	Status OrderStatus `json:"status" example:"accepted"`
	// Data carries the event's details.
	Data json.RawMessage `json:"data" swaggertype:"object"`
	// Actor is who caused it, as "role:id".
	Actor string `json:"actor" example:"restaurant:12"`
	// At is when it happened, UTC.
	At time.Time `json:"at"`
}

// The order event types.
const (
	EventOrderPlaced       = "order.placed"
	EventOrderStatus       = "order.status_changed"
	EventCourierAssigned   = "delivery.assigned"
	EventCourierUnassigned = "delivery.unassigned"
)

// Delivery is the journey of an order from kitchen to door.
type Delivery struct {
	// OrderID is the order delivered.
	OrderID int64 `json:"order_id" example:"1042"`
	// CourierID is the courier carrying it.
	CourierID int64 `json:"courier_id" example:"31"`
	// AssignedAt is when the courier was assigned, UTC.
	AssignedAt time.Time `json:"assigned_at"`
	// PickedUpAt is when the courier collected the food, UTC.
	PickedUpAt *time.Time `json:"picked_up_at,omitempty"`
	// DeliveredAt is when the food reached the customer, UTC.
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// TrackingPoint is one recorded courier position along a delivery.
type TrackingPoint struct {
	// OrderID is the order being delivered.
	OrderID int64 `json:"order_id"`
	// CourierID is the courier reporting.
	CourierID int64 `json:"courier_id"`
	// Location reported.
	Location Point `json:"location"`
	// HeadingDeg is the direction of travel, 0..360, clockwise from north.
	HeadingDeg float64 `json:"heading_deg"`
	// SpeedMPS is the speed in metres per second.
	SpeedMPS float64 `json:"speed_mps"`
	// At is when the courier's device took the fix, UTC.
	At time.Time `json:"at"`
}

// OrderService keeps orders and their timelines. Every change commits the
// order row and its timeline event in one transaction.
type OrderService interface {
	// PlaceOrder prices the request from current menu prices and stores the
	// order with its first event. A repeated (customer, key) returns the
	// stored order and replayed=true; the same key with a different request
	// is EUNPROCESSABLE "idempotency_key_reused". Returns ENOTFOUND for the
	// restaurant, EINVALID/EUNPROCESSABLE for items that are unknown,
	// unavailable or of another restaurant, an order under the minimum, or an
	// address outside the delivery radius.
	PlaceOrder(ctx context.Context, n NewOrder) (o *Order, replayed bool, err error)
	// Order returns one order. Returns ENOTFOUND.
	Order(ctx context.Context, id int64) (*Order, error)
	// Orders lists orders matching f, newest first. Returns EINVALID for a
	// bad filter, cursor or limit.
	Orders(ctx context.Context, f OrderFilter) (Page[Order], error)
	// ChangeStatus moves an order per the transition table and appends the
	// event. Moving to the current status returns the order and a nil event.
	// Returns ENOTFOUND, or CheckTransition's errors.
	ChangeStatus(ctx context.Context, c StatusChange) (*Order, *OrderEvent, error)
	// Timeline returns an order's events in sequence order, those after
	// afterSeq only. Returns ENOTFOUND.
	Timeline(ctx context.Context, orderID, afterSeq int64) ([]OrderEvent, error)
	// AssignCourier assigns (or reassigns) the courier of an order that is
	// not yet picked up and appends the event. Returns ENOTFOUND for the
	// order or courier, ECONFLICT when the order is past pickup or terminal.
	AssignCourier(ctx context.Context, orderID, courierID int64, by Principal) (*Order, *OrderEvent, error)
	// SetETA records the order's current estimated delivery time.
	SetETA(ctx context.Context, orderID int64, eta time.Time) error
	// Delivery returns the delivery of an order. Returns ENOTFOUND when the
	// order has no courier yet.
	Delivery(ctx context.Context, orderID int64) (*Delivery, error)
	// AddTrackingPoints stores a batch of courier positions in one round trip.
	AddTrackingPoints(ctx context.Context, points []TrackingPoint) error
	// TrackingPoints returns an order's stored positions, oldest first.
	TrackingPoints(ctx context.Context, orderID int64) ([]TrackingPoint, error)
}
