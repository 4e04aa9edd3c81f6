package actors

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Writing hot state through to Redis and publishing events. Both come
// after PostgreSQL acknowledged the change; a failure of either is logged
// and does not undo it: the cache renews what it could not write when
// Redis returns, and the next change or position publishes afresh.

// The realtime event types the engine publishes besides the order events
// of the timeline (store.EventOrderPlaced, …).
const (
	// eventLocation is a courier's position and the new ETA (latest-wins).
	eventLocation = "courier.location"
	// eventCapacity is a kitchen's load and limits (latest-wins).
	eventCapacity = "restaurant.capacity"
	// eventAvailability is whether a kitchen takes orders (latest-wins).
	eventAvailability = "restaurant.availability"
)

func restaurantTopic(restaurantID int64) string {
	return "restaurant:" + strconv.FormatInt(restaurantID, 10)
}

// set writes v at key under the key's TTL class.
func set[T any](ctx context.Context, e *Engine, key cache.Key, v T) {
	if err := cache.Set(ctx, e.deps.Cache, key, v); err != nil {
		e.log.Warn("write hot state", "key", key.String(), "error", err)
	}
}

func (e *Engine) publish(ctx context.Context, topic string, p realtime.Publication) {
	if _, err := e.deps.Publisher.Publish(ctx, topic, p); err != nil {
		e.log.Warn("publish event", "topic", topic, "type", p.Type, "error", err)
	}
}

func (e *Engine) publishJSON(ctx context.Context, topic, typ string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		e.log.Error("encode event", "topic", topic, "type", typ, "error", err)
		return
	}
	e.publish(ctx, topic, realtime.Publication{Type: typ, Data: data, Delivery: realtime.LatestWins})
}

// orderChanged invalidates what an order change made stale (the spec's
// invalidate_order_cache: the order, the customer's history, the
// restaurant's orders, their analytics) and writes the order's hot state
// afresh.
func (e *Engine) orderChanged(ctx context.Context, o *store.Order, t store.Tracking) {
	if _, err := e.deps.Cache.InvalidateOrder(ctx, o.ID, o.CustomerID, o.RestaurantID); err != nil {
		e.log.Warn("invalidate order", "order", o.ID, "error", err)
	}
	e.writeOrder(ctx, o, t)
}

// writeOrder writes an order's hot state: the order (orders, 300 s), its
// status (order_status, 120 s) and, once it has a courier, its delivery
// tracking (delivery_tracking, 120 s).
func (e *Engine) writeOrder(ctx context.Context, o *store.Order, t store.Tracking) {
	set(ctx, e, cache.OrderKey(o.ID), o)
	set(ctx, e, cache.OrderStatusKey(o.ID), t)
	if o.CourierID != nil {
		set(ctx, e, cache.DeliveryTrackingKey(o.ID), t)
	}
}

// publishOrderEvent sends an order event to the order's topic, with the
// timeline's sequence, and to the restaurant's, whose sequence counts the
// events of all its orders.
func (e *Engine) publishOrderEvent(ctx context.Context, o *store.Order, ev store.OrderEvent) {
	data, err := json.Marshal(store.OrderUpdate{Event: ev, Order: *o})
	if err != nil {
		e.log.Error("encode order event", "order", o.ID, "error", err)
		return
	}
	e.publish(ctx, o.Topic(), realtime.Publication{Type: ev.Type, Data: data, Seq: ev.Seq})
	e.publish(ctx, restaurantTopic(o.RestaurantID), realtime.Publication{Type: ev.Type, Data: data})
}

// writeLocation makes a courier's new position visible: live_tracking
// (30 s) and delivery_tracking (120 s) in the cache, the GEO index, and a
// latest-wins event on the order's topic.
func (e *Engine) writeLocation(ctx context.Context, t store.Tracking) {
	set(ctx, e, cache.LiveTrackingKey(t.OrderID), t.Courier)
	set(ctx, e, cache.DeliveryTrackingKey(t.OrderID), t)
	if err := e.couriers.locate(ctx, t.Courier.CourierID, t.Courier.Location); err != nil {
		e.log.Warn("update courier position", "courier", t.Courier.CourierID, "error", err)
	}
	e.publishJSON(ctx, t.Topic, eventLocation, t)
}

// tellKitchen lets the restaurant's grain know that an order no longer
// holds its capacity, without holding up the order's grain. Should the
// message be lost, the restaurant grain recounts from PostgreSQL before it
// refuses an order for capacity.
func (e *Engine) tellKitchen(restaurantID, orderID int64, status store.OrderStatus) {
	go func() {
		ctx, cancel := e.opContext()
		defer cancel()
		_, err := e.request(ctx, kindRestaurant, restaurantID, &actorspb.OrderLeftKitchen{OrderId: orderID, Status: string(status)})
		if err != nil {
			e.log.Warn("free kitchen capacity", "restaurant", restaurantID, "order", orderID, "error", err)
		}
	}()
}
