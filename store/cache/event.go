package cache

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// Invalidation in dabba is event-based: every change to the system of
// record is an Event, and the cascade of each event is written down once,
// in plan below. The spec's invalidate_* functions and the cascade endpoint
// are names for the same plans. Time-based invalidation is the TTL table.

// EventType is a kind of change to the system of record.
type EventType string

// The events that make cached data stale.
const (
	EventRestaurantCreated  EventType = "restaurant.created"
	EventRestaurantUpdated  EventType = "restaurant.updated"
	EventRestaurantDeleted  EventType = "restaurant.deleted"
	EventMenuItemCreated    EventType = "menu_item.created"
	EventMenuItemUpdated    EventType = "menu_item.updated"
	EventMenuItemDeleted    EventType = "menu_item.deleted"
	EventOrderPlaced        EventType = store.EventOrderPlaced
	EventOrderStatusChanged EventType = store.EventOrderStatus
	EventCourierAssigned    EventType = store.EventCourierAssigned
	EventCourierUnassigned  EventType = store.EventCourierUnassigned
	EventOrderETAChanged    EventType = "order.eta_changed"
	EventReviewCreated      EventType = "review.created"
	EventReviewUpdated      EventType = "review.updated"
	EventReviewDeleted      EventType = "review.deleted"
	EventCustomerCreated    EventType = "customer.created"
	EventCustomerUpdated    EventType = "customer.updated"
	EventCustomerDeleted    EventType = "customer.deleted"
)

// Event is one change to the system of record, with the IDs its cascade
// needs. Fill the IDs the event type is about: restaurant events need
// RestaurantID; menu item events MenuItemID and RestaurantID; order events
// OrderID, CustomerID and RestaurantID; review events ReviewID and
// RestaurantID; customer events CustomerID.
type Event struct {
	// Type of change.
	Type EventType
	// RestaurantID of the restaurant changed or concerned.
	RestaurantID int64
	// MenuItemID of the menu item changed.
	MenuItemID int64
	// OrderID of the order changed.
	OrderID int64
	// CustomerID of the customer changed or concerned.
	CustomerID int64
	// ReviewID of the review changed.
	ReviewID int64

	// keep is the key a write-through just stored; the cascade spares it.
	keep *Key
}

// groupRef names a group in a namespace.
type groupRef struct {
	ns    Namespace
	group string
}

// plan is what one change makes stale: entries to drop and groups to renew.
type plan struct {
	entity string
	id     int64
	reason string
	keys   []Key
	groups []groupRef
	// kept are keys just written through: their Redis entry stays, but
	// local tiers drop their copies.
	kept []Key
}

func (p plan) with(o plan) plan {
	p.keys = append(p.keys, o.keys...)
	p.groups = append(p.groups, o.groups...)
	return p
}

// restaurantPlan: the restaurant's details and availability, its menus,
// every restaurant list and search, and the analytics about it and the
// platform.
func restaurantPlan(restaurantID int64) plan {
	return plan{entity: "restaurant", id: restaurantID,
		keys: []Key{RestaurantKey(restaurantID), RestaurantAvailabilityKey(restaurantID)},
		groups: []groupRef{
			{NamespaceStatic, restaurantGroup(restaurantID)},
			{NamespaceRestaurants, groupLists},
			{NamespaceAnalytics, restaurantGroup(restaurantID)},
			{NamespaceAnalytics, groupPlatform},
		}}
}

// menuItemPlan cascades menu item → menu → restaurant → lists/search →
// analytics.
func menuItemPlan(menuItemID, restaurantID int64) plan {
	p := plan{entity: "menu_item", id: menuItemID, keys: []Key{MenuItemKey(menuItemID)}}
	return p.with(restaurantPlan(restaurantID))
}

// orderPlan: the order and its status and tracking, the customer's order
// history, the restaurant's orders, the other order lists, the customer's
// notifications and the analytics about the customer and the restaurant.
func orderPlan(orderID, customerID, restaurantID int64) plan {
	p := plan{entity: "order", id: orderID,
		keys:   []Key{OrderKey(orderID), OrderStatusKey(orderID), DeliveryTrackingKey(orderID)},
		groups: []groupRef{{NamespaceOrders, groupAllOrders}}}
	if customerID != 0 {
		p.groups = append(p.groups, groupRef{NamespaceOrders, customerGroup(customerID)},
			groupRef{NamespaceNotifications, customerGroup(customerID)},
			groupRef{NamespaceAnalytics, customerGroup(customerID)})
	}
	if restaurantID != 0 {
		p.groups = append(p.groups, groupRef{NamespaceOrders, restaurantGroup(restaurantID)},
			groupRef{NamespaceAnalytics, restaurantGroup(restaurantID)})
	}
	return p
}

// reviewPlan: the review, the restaurant's review lists, its rating (held
// in its details and in every list), and the analytics about it.
func reviewPlan(reviewID, restaurantID int64) plan {
	return plan{entity: "review", id: reviewID,
		keys: []Key{ReviewKey(reviewID), RestaurantKey(restaurantID)},
		groups: []groupRef{
			{NamespaceReviews, restaurantGroup(restaurantID)},
			{NamespaceRestaurants, groupLists},
			{NamespaceAnalytics, restaurantGroup(restaurantID)},
		}}
}

// customerPlan: the profile, customer lists and the analytics about the
// customer; for a closed account every session entry and notification too.
func customerPlan(customerID int64, closed bool) plan {
	p := plan{entity: "customer", id: customerID,
		keys: []Key{CustomerProfileKey(customerID)},
		groups: []groupRef{
			{NamespaceCustomers, groupLists},
			{NamespaceAnalytics, customerGroup(customerID)},
		}}
	if closed {
		p.groups = append(p.groups, groupRef{NamespaceSessions, customerGroup(customerID)},
			groupRef{NamespaceNotifications, customerGroup(customerID)})
	}
	return p
}

// planFor maps an event to its plan: the one table of cascades.
func planFor(ev Event) (plan, error) {
	var p plan
	switch ev.Type {
	case EventRestaurantCreated, EventRestaurantUpdated, EventRestaurantDeleted:
		p = restaurantPlan(ev.RestaurantID)
	case EventMenuItemCreated, EventMenuItemUpdated, EventMenuItemDeleted:
		p = menuItemPlan(ev.MenuItemID, ev.RestaurantID)
	case EventOrderPlaced, EventOrderStatusChanged, EventCourierAssigned, EventCourierUnassigned, EventOrderETAChanged:
		p = orderPlan(ev.OrderID, ev.CustomerID, ev.RestaurantID)
	case EventReviewCreated, EventReviewUpdated, EventReviewDeleted:
		p = reviewPlan(ev.ReviewID, ev.RestaurantID)
	case EventCustomerCreated, EventCustomerUpdated:
		p = customerPlan(ev.CustomerID, false)
	case EventCustomerDeleted:
		p = customerPlan(ev.CustomerID, true)
	default:
		return plan{}, store.Errorf(store.EINVALID, "unknown_event", "cache event %q is not known", ev.Type)
	}
	if p.id == 0 {
		return plan{}, store.Errorf(store.EINVALID, "event_without_id", "cache event %s needs the ID of its %s", ev.Type, p.entity)
	}
	p.reason = "event " + string(ev.Type)
	if ev.keep != nil {
		p.keys = slices.DeleteFunc(p.keys, func(k Key) bool { return k == *ev.keep })
		p.kept = []Key{*ev.keep}
	}
	return p, nil
}

// InvalidatedKey is one entry an invalidation dropped.
type InvalidatedKey struct {
	// Namespace of the entry.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Key without generations, "type:id".
	Key string `json:"key" example:"restaurant:12"`
}

// RenewedGroup is one group an invalidation renewed: every entry of the
// group became unreachable at once.
type RenewedGroup struct {
	// Namespace of the group.
	Namespace Namespace `json:"namespace" example:"static"`
	// Group renewed, e.g. "restaurant-12" (the restaurant's menus) or "lists".
	Group string `json:"group" example:"restaurant-12"`
	// Generation is the group's generation after renewal; 0 when Redis
	// could not be reached.
	Generation int64 `json:"generation" example:"4"`
}

// CascadeResult is what one invalidation made stale: the answer of POST
// /enterprise/invalidation/cascade.
type CascadeResult struct {
	// Entity whose change was invalidated.
	Entity string `json:"entity" example:"restaurant"`
	// ID of the entity.
	ID int64 `json:"id" example:"12"`
	// Reason recorded in the audit log.
	Reason string `json:"reason" example:"event restaurant.updated"`
	// Keys dropped.
	Keys []InvalidatedKey `json:"keys"`
	// Groups renewed.
	Groups []RenewedGroup `json:"groups"`
	// Namespaces touched, in the spec's order.
	Namespaces []Namespace `json:"namespaces" example:"static,restaurants,analytics"`
	// Delivered is false when Redis could not be reached: the namespaces
	// touched are renewed as a whole when it returns.
	Delivered bool `json:"delivered" example:"true"`
	// DurationMS is how long the invalidation took.
	DurationMS float64 `json:"duration_ms" example:"0.8"`
	// At is when it ran, UTC.
	At time.Time `json:"at" example:"2025-06-01T12:00:00Z"`
}

// OnEvent invalidates what ev makes stale (its cascade), records it in the
// audit log and tells other nodes' local tiers. If Redis is unusable the
// namespaces touched are renewed on recovery and the result says
// Delivered: false; the error is only for an unknown event or missing ID.
func (c *Cache) OnEvent(ctx context.Context, ev Event) (CascadeResult, error) {
	p, err := planFor(ev)
	if err != nil {
		return CascadeResult{}, err
	}
	return c.invalidate(ctx, p), nil
}

// InvalidateOrder is the spec's invalidate_order_cache: an order was placed
// or changed, so the order, the customer's history, the restaurant's
// orders, the customer's notifications and the analytics about both are
// stale.
func (c *Cache) InvalidateOrder(ctx context.Context, orderID, customerID, restaurantID int64) (CascadeResult, error) {
	return c.OnEvent(ctx, Event{Type: EventOrderStatusChanged, OrderID: orderID, CustomerID: customerID, RestaurantID: restaurantID})
}

// InvalidateReview is the spec's invalidate_review_cache: a review was
// added or changed, so the restaurant's rating, its review lists and the
// analytics about it are stale.
func (c *Cache) InvalidateReview(ctx context.Context, reviewID, restaurantID int64) (CascadeResult, error) {
	return c.OnEvent(ctx, Event{Type: EventReviewUpdated, ReviewID: reviewID, RestaurantID: restaurantID})
}

// InvalidateRestaurant is the spec's invalidate_restaurant_cache, used for
// menu updates: the restaurant, its menus, every list and search and the
// dependent analytics are stale.
func (c *Cache) InvalidateRestaurant(ctx context.Context, restaurantID int64) (CascadeResult, error) {
	return c.OnEvent(ctx, Event{Type: EventRestaurantUpdated, RestaurantID: restaurantID})
}

// InvalidateMenuItem cascades menu item → menu → restaurant → lists/search
// → analytics.
func (c *Cache) InvalidateMenuItem(ctx context.Context, menuItemID, restaurantID int64) (CascadeResult, error) {
	return c.OnEvent(ctx, Event{Type: EventMenuItemUpdated, MenuItemID: menuItemID, RestaurantID: restaurantID})
}

// InvalidateSession drops every session-based entry of a customer at once
// (the customer's group in the sessions namespace).
func (c *Cache) InvalidateSession(ctx context.Context, customerID int64) CascadeResult {
	return c.invalidate(ctx, plan{entity: "customer", id: customerID, reason: "session invalidated",
		groups: []groupRef{{NamespaceSessions, customerGroup(customerID)}}})
}

// invalidate executes a plan in one pipeline: DEL of each entry at the
// generations this node believes, INCR of each group, and one audit entry
// per namespace; entries whose generations moved meanwhile are chased
// afterwards. Other nodes' local tiers hear of it by one pub/sub message.
func (c *Cache) invalidate(ctx context.Context, p plan) CascadeResult {
	start := time.Now()
	res := CascadeResult{Entity: p.entity, ID: p.id, Reason: p.reason, Keys: []InvalidatedKey{},
		Groups: []RenewedGroup{}, Namespaces: []Namespace{}, Delivered: true, At: start.UTC()}
	audit := map[Namespace]*auditRecord{}
	record := func(ns Namespace) *auditRecord {
		r, ok := audit[ns]
		if !ok {
			r = &auditRecord{action: AuditInvalidate, reason: p.reason, entity: p.entity, entityID: p.id, ns: ns,
				generation: c.gen(c.keys.nsGen(ns))}
			audit[ns] = r
		}
		return r
	}
	type keyOp struct {
		t      target
		g      generations
		genCmd *redis.SliceCmd
	}
	var ops []keyOp
	for _, k := range p.keys {
		t, err := c.target(k)
		if err != nil {
			continue
		}
		ops = append(ops, keyOp{t: t, g: c.believed(t)})
		record(t.ns()).keys = append(record(t.ns()).keys, k.String())
		res.Keys = append(res.Keys, InvalidatedKey{Namespace: t.ns(), Key: k.String()})
	}
	var groups []groupRef
	for _, gr := range p.groups {
		if !slices.Contains(groups, gr) {
			groups = append(groups, gr)
			record(gr.ns).groups = append(record(gr.ns).groups, gr.group)
		}
	}
	incr := make([]*redis.IntCmd, len(groups))
	var err error = errUnusable
	if c.usable(ctx) {
		err = c.pipelined(ctx, "", "invalidate", func(pipe redis.Pipeliner) {
			for i := range ops {
				pipe.Del(ctx, c.slotKeys(ops[i].t, ops[i].g)...)
				ops[i].genCmd = pipe.MGet(ctx, ops[i].t.genKeys...)
			}
			for i, gr := range groups {
				incr[i] = pipe.Incr(ctx, c.keys.groupGen(gr.ns, gr.group))
			}
			for _, ns := range Namespaces() {
				if r, ok := audit[ns]; ok {
					c.appendAudit(ctx, pipe, *r)
				}
			}
			c.publish(ctx, pipe, p.message())
		})
	}
	for i, gr := range groups {
		rg := RenewedGroup{Namespace: gr.ns, Group: gr.group}
		if err == nil {
			rg.Generation = incr[i].Val()
			c.gens.Store(c.keys.groupGen(gr.ns, gr.group), rg.Generation)
		}
		res.Groups = append(res.Groups, rg)
		c.stats.add(gr.ns, cInvalidations, 1)
	}
	for _, op := range ops {
		c.stats.add(op.t.ns(), cInvalidations, 1)
		if err == nil && !c.confirm(op.t, op.g, op.genCmd.Val()) {
			if derr := c.drop(ctx, op.t); derr != nil {
				c.undelivered(op.t.ns(), derr)
				res.Delivered = false
			}
		}
	}
	for _, ns := range Namespaces() {
		if _, ok := audit[ns]; !ok {
			continue
		}
		res.Namespaces = append(res.Namespaces, ns)
		if err != nil {
			c.undelivered(ns, err)
			res.Delivered = false
		}
	}
	c.local.apply(p.message())
	res.DurationMS = round3(float64(time.Since(start).Microseconds()) / 1000)
	return res
}

// CascadeRequest asks to invalidate one record and everything derived from
// it (POST /enterprise/invalidation/cascade).
type CascadeRequest struct {
	// Entity is restaurant, menu_item, order, review or customer.
	Entity string `json:"entity" validate:"required,oneof=restaurant menu_item order review customer" example:"menu_item"`
	// ID of the record.
	ID int64 `json:"id" validate:"required,gt=0" example:"301"`
	// Reason recorded in the audit log; default "cascade requested".
	Reason string `json:"reason,omitempty" validate:"max=200" example:"price corrected by support"`
}

// CascadeEntities lists the entities a cascade can start from.
func CascadeEntities() []string {
	return []string{"restaurant", "menu_item", "order", "review", "customer"}
}

// Cascade invalidates one record and everything derived from it. The IDs
// of related records (a menu item's restaurant, an order's customer and
// restaurant, a review's restaurant) are looked up in Config.Source; a
// record that no longer exists cascades from its own entries only. An
// unknown entity or a bad ID is EINVALID; without a Source, entities that
// need a lookup are EUNAVAILABLE.
func (c *Cache) Cascade(ctx context.Context, req CascadeRequest) (CascadeResult, error) {
	if req.ID <= 0 {
		return CascadeResult{}, store.Invalid(store.FieldError{Field: "id", Reason: "must be a positive ID"})
	}
	if !slices.Contains(CascadeEntities(), req.Entity) {
		return CascadeResult{}, store.Invalid(store.FieldError{Field: "entity", Reason: fmt.Sprintf("must be one of %v", CascadeEntities())})
	}
	reason := "cascade requested"
	if req.Reason != "" {
		reason = "cascade requested: " + req.Reason
	}
	p, err := c.cascadePlan(ctx, req.Entity, req.ID)
	if err != nil {
		return CascadeResult{}, err
	}
	p.reason = reason
	return c.invalidate(ctx, p), nil
}

func (c *Cache) cascadePlan(ctx context.Context, entity string, id int64) (plan, error) {
	src := c.cfg.Source
	needs := map[string]bool{"menu_item": src.Menus == nil, "order": src.Orders == nil, "review": src.Reviews == nil}
	if needs[entity] {
		return plan{}, store.Errorf(store.EUNAVAILABLE, "no_source", "a %s cascade needs the system of record, which this cache was not given", entity)
	}
	switch entity {
	case "restaurant":
		return restaurantPlan(id), nil
	case "customer":
		return customerPlan(id, false), nil
	case "menu_item":
		m, err := src.Menus.MenuItem(ctx, id)
		if store.IsKind(err, store.ENOTFOUND) {
			return plan{entity: entity, id: id, keys: []Key{MenuItemKey(id)}}, nil
		}
		if err != nil {
			return plan{}, fmt.Errorf("look up menu item %d for cascade: %w", id, err)
		}
		return menuItemPlan(id, m.RestaurantID), nil
	case "order":
		o, err := src.Orders.Order(ctx, id)
		if store.IsKind(err, store.ENOTFOUND) {
			return orderPlan(id, 0, 0), nil
		}
		if err != nil {
			return plan{}, fmt.Errorf("look up order %d for cascade: %w", id, err)
		}
		return orderPlan(id, o.CustomerID, o.RestaurantID), nil
	}
	r, err := src.Reviews.Review(ctx, id)
	if store.IsKind(err, store.ENOTFOUND) {
		return plan{entity: entity, id: id, keys: []Key{ReviewKey(id)}}, nil
	}
	if err != nil {
		return plan{}, fmt.Errorf("look up review %d for cascade: %w", id, err)
	}
	return reviewPlan(id, r.RestaurantID), nil
}
