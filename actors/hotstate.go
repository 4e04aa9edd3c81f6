package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
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

// sideEffectFailed logs a failed step that follows a change PostgreSQL
// acknowledged. While Redis is unreachable such failures come with every
// change and cost only speed; the cache reported the outage once, so they
// are logged at debug level.
func (e *Engine) sideEffectFailed(msg string, err error, args ...any) {
	level := slog.LevelWarn
	if cache.Unreachable(err) {
		level = slog.LevelDebug
	}
	e.log.Log(context.Background(), level, msg, append(args, "error", err)...)
}

// set writes v at key under the key's TTL class.
func set[T any](ctx context.Context, e *Engine, key cache.Key, v T) {
	if err := cache.Set(ctx, e.deps.Cache, key, v); err != nil {
		e.sideEffectFailed("write hot state", err, "key", key.String())
	}
}

func (e *Engine) publish(ctx context.Context, topic string, p realtime.Publication) {
	if _, err := e.deps.Publisher.Publish(ctx, topic, p); err != nil {
		e.sideEffectFailed("publish event", err, "topic", topic, "type", p.Type)
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
		e.sideEffectFailed("invalidate order", err, "order", o.ID)
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

// publishOrderEvent sends an order event to the restaurant's topic, whose
// sequence counts the events of all its orders, and to the order's, with
// the timeline's sequence. It returns why the order's topic did not take
// the event (Redis unreachable, or a *realtime.GapError), which the order's
// grain repairs by catching the topic up.
func (e *Engine) publishOrderEvent(ctx context.Context, o *store.Order, ev store.OrderEvent) error {
	data, err := json.Marshal(store.OrderUpdate{Event: ev, Order: *o})
	if err != nil {
		return fmt.Errorf("encode order event: %w", err)
	}
	e.publish(ctx, restaurantTopic(o.RestaurantID), realtime.Publication{Type: ev.Type, Data: data})
	_, err = e.deps.Publisher.Publish(ctx, o.Topic(), realtime.Publication{Type: ev.Type, Data: data, Seq: ev.Seq, Contiguous: true})
	return err
}

// writeLocation makes a courier's new position visible: live_tracking
// (30 s) and delivery_tracking (120 s) in the cache, the GEO index, and a
// latest-wins event on the order's topic.
func (e *Engine) writeLocation(ctx context.Context, t store.Tracking) {
	set(ctx, e, cache.LiveTrackingKey(t.OrderID), t.Courier)
	set(ctx, e, cache.DeliveryTrackingKey(t.OrderID), t)
	if err := e.couriers.locate(ctx, t.Courier.CourierID, t.Courier.Location); err != nil {
		e.sideEffectFailed("update courier position", err, "courier", t.Courier.CourierID)
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
