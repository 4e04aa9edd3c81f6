package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
)

// orderGrain is the actor of one order (kind "order"). It enforces the
// transition table, runs the accept deadline, assigns a courier on
// acceptance, and holds the live delivery state (latest position, ETA),
// writing every acknowledged change to PostgreSQL first, then the cache,
// then the realtime topics. It holds nothing acknowledged that PostgreSQL
// does not have, except tracking points waiting for their batch (at most
// Tracking.FlushInterval), which it stores before it stops.
type orderGrain struct {
	e  *Engine
	id int64
	// order is the order as PostgreSQL last acknowledged it; nil until loaded.
	order *store.Order
	// missing: the order does not exist; the grain answers so until it
	// passivates.
	missing bool
	// kitchen holds the restaurant's facts ETAs need, read when first needed.
	kitchen *kitchenFacts
	// updatedAt is when the live state last changed.
	updatedAt time.Time
	trail     trail
	topic     topicLag

	acceptTimer, assignTimer *time.Timer
}

// kitchenFacts is what an order needs to know of its restaurant.
type kitchenFacts struct {
	location store.Point
	prep     time.Duration
}

func (g *orderGrain) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		g.id = grainID(ctx)
		if err := g.load(ctx); err != nil && !g.missing {
			g.e.log.Warn("load order", "order", g.id, "error", err)
		}
	case *actor.Stopping:
		g.stopping()
	case *actor.Restarting:
		// Supervision replaces this instance after a failure; the new one
		// reloads from PostgreSQL, so store what only this one holds.
		g.stopping()
	case *actor.ReceiveTimeout:
		ctx.Poison(ctx.Self())
	case *actorspb.Activate:
		answer(ctx, "activate order", func() (*store.Order, error) { return g.activate(ctx, m) })
	case *actorspb.ChangeStatus:
		answer(ctx, "change order status", func() (*store.Order, error) {
			return g.changeStatus(ctx, store.OrderStatus(m.To), m.Reason, fromPrincipal(m.By))
		})
	case *actorspb.AssignCourier:
		answer(ctx, "assign courier", func() (*store.Order, error) { return g.assignByHand(ctx, m.CourierId, fromPrincipal(m.By)) })
	case *actorspb.ReportLocation:
		answer(ctx, "report location", func() (*store.Tracking, error) { return g.reportLocation(ctx, m) })
	case *actorspb.GetTracking:
		answer(ctx, "get tracking", func() (*store.Tracking, error) { return g.readTracking(ctx, fromPrincipal(m.By)) })
	case *actorspb.AcceptDeadline:
		g.acceptDeadline(ctx)
	case *actorspb.FlushTracking:
		g.flush()
	case *actorspb.CatchUpTopic:
		g.topic.timer = nil
		g.catchUp()
	case *actorspb.RetryAssignment:
		g.assignTimer = nil
		if g.ready(ctx) == nil {
			g.dispatch(ctx)
		}
	}
	g.scheduleCatchUp(ctx)
}

// load reads the order and the last stored courier position, and sets
// the timers and passivation its status calls for.
func (g *orderGrain) load(ctx actor.Context) error {
	octx, cancel := g.e.opContext()
	defer cancel()
	o, err := g.e.deps.Store.Orders.Order(octx, g.id)
	if err != nil {
		g.missing = store.IsKind(err, store.ENOTFOUND)
		if g.missing {
			ctx.SetReceiveTimeout(missingIdle)
		}
		return err
	}
	g.order, g.updatedAt = o, o.UpdatedAt
	g.trail.eta, g.trail.storedETA = o.EstimatedDeliveryAt, o.EstimatedDeliveryAt
	if o.CourierID != nil {
		points, err := g.e.deps.Store.Orders.TrackingPoints(octx, g.id)
		if err != nil {
			return err
		}
		g.trail.resume(points)
	}
	g.settle(ctx)
	if o.CourierID == nil && awaitsCourier(o.Status) && g.assignTimer == nil {
		// The grain stopped (or failed) before it found a courier.
		g.assignTimer = g.e.after(ctx, 0, &actorspb.RetryAssignment{})
	}
	return nil
}

// ready makes sure the order is loaded: it answers ENOTFOUND for an order
// that does not exist (the grain passivates after a second without
// requests), and retries a load that failed.
func (g *orderGrain) ready(ctx actor.Context) error {
	switch {
	case g.order != nil:
		return nil
	case g.missing:
		return store.NotFound("order", g.id)
	}
	return g.load(ctx)
}

// settle arms what the status calls for: the accept deadline while placed
// (a placed order never passivates, or its deadline would be lost), and
// passivation after OrderIdle, or TerminalOrderIdle once terminal.
func (g *orderGrain) settle(ctx actor.Context) {
	o := g.order
	switch {
	case o.Status == store.StatusPlaced:
		ctx.CancelReceiveTimeout()
		if g.acceptTimer == nil {
			due := o.PlacedAt.Add(g.e.cfg.AcceptTimeout)
			g.acceptTimer = g.e.after(ctx, time.Until(due), &actorspb.AcceptDeadline{})
		}
		return
	case o.Status.Terminal():
		ctx.SetReceiveTimeout(g.e.cfg.TerminalOrderIdle)
	default:
		ctx.SetReceiveTimeout(g.e.cfg.OrderIdle)
	}
	stopTimer(&g.acceptTimer)
	if !awaitsCourier(o.Status) || o.CourierID != nil {
		stopTimer(&g.assignTimer)
	}
}

func (g *orderGrain) stopTimers() {
	stopTimer(&g.acceptTimer)
	stopTimer(&g.assignTimer)
	stopTimer(&g.trail.flushTimer)
	stopTimer(&g.topic.timer)
}

// stopping stores the tracking points still waiting for their batch.
func (g *orderGrain) stopping() {
	g.stopTimers()
	g.flush()
}

func (g *orderGrain) activate(ctx actor.Context, m *actorspb.Activate) (*store.Order, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	if !m.AnnouncePlaced || g.order.Seq != 1 {
		return g.order, nil
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	if m.FirstEtaUnixMicros != 0 && g.order.EstimatedDeliveryAt == nil {
		eta := fromUnixMicros(m.FirstEtaUnixMicros)
		if err := g.e.deps.Store.Orders.SetETA(octx, g.id, eta); err != nil {
			g.e.log.Warn("store the first ETA", "order", g.id, "error", err)
		} else {
			o := *g.order
			o.EstimatedDeliveryAt = &eta
			g.order, g.trail.eta, g.trail.storedETA = &o, &eta, &eta
		}
	}
	events, err := g.e.deps.Store.Orders.Timeline(octx, g.id, 0)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("announce order %d: its timeline is empty", g.id)
	}
	g.committed(g.order, &events[0])
	return g.order, nil
}

// changeStatus moves the order per the transition table on behalf of by,
// who must be able to see it. Moving to the current status changes nothing
// and succeeds.
func (g *orderGrain) changeStatus(ctx actor.Context, to store.OrderStatus, reason string, by store.Principal) (*store.Order, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	if !g.order.VisibleTo(by) {
		return nil, store.NotFound("order", g.id)
	}
	if !to.Valid() {
		return nil, store.Invalid(store.FieldError{Field: "status", Reason: fmt.Sprintf("must be one of %v", store.OrderStatuses())})
	}
	if to == g.order.Status {
		return g.order, nil
	}
	if err := store.CheckTransition(g.order.Status, to, by.Role, reason); err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	o, ev, err := g.e.deps.Store.Orders.ChangeStatus(store.WithPrincipal(octx, by), store.StatusChange{
		OrderID: g.id, To: to, Reason: reason, By: by,
	})
	if err != nil {
		// PostgreSQL decided against what this grain believed: someone
		// changed the order behind the engine's back. Believe PostgreSQL.
		if store.IsKind(err, store.ECONFLICT) {
			g.order = nil
		}
		return nil, err
	}
	from := g.order.Status
	g.committed(o, ev)
	g.transitioned(ctx, from)
	return g.order, nil
}

// transitioned does what a new status entails beyond the order itself.
func (g *orderGrain) transitioned(ctx actor.Context, from store.OrderStatus) {
	o := g.order
	if from.InKitchen() && !o.Status.InKitchen() {
		g.e.tellKitchen(o.RestaurantID, o.ID, o.Status)
	}
	if o.CourierID != nil && (o.Status == store.StatusDelivered || o.Status == store.StatusCancelled) {
		g.e.releaseCourier(*o.CourierID, o.ID)
	}
	if o.Status == store.StatusDelivered {
		g.flush()
	}
	g.settle(ctx)
	if o.Status == store.StatusAccepted {
		g.dispatch(ctx)
	}
}

// acceptDeadline rejects the order on the system's behalf when the
// restaurant has not accepted it in time. A failed rejection (the database
// is down) is retried shortly.
func (g *orderGrain) acceptDeadline(ctx actor.Context) {
	g.acceptTimer = nil
	if err := g.ready(ctx); err != nil {
		if !g.missing {
			g.acceptTimer = g.e.after(ctx, time.Second, &actorspb.AcceptDeadline{})
		}
		return
	}
	if g.order.Status != store.StatusPlaced {
		return
	}
	if due := g.order.PlacedAt.Add(g.e.cfg.AcceptTimeout); time.Now().Before(due) {
		g.acceptTimer = g.e.after(ctx, time.Until(due), &actorspb.AcceptDeadline{})
		return
	}
	if _, err := g.changeStatus(ctx, store.StatusRejected, "accept_timeout", store.System()); err != nil {
		g.e.log.Warn("reject order past its accept deadline", "order", g.id, "error", err)
		if g.order != nil && g.order.Status == store.StatusPlaced {
			g.acceptTimer = g.e.after(ctx, time.Second, &actorspb.AcceptDeadline{})
		}
	}
}

// committed makes a change PostgreSQL acknowledged visible: the order's
// cached views are invalidated and rewritten from the new state, and the
// event goes to the order's topic (with the timeline's sequence) and the
// restaurant's.
func (g *orderGrain) committed(o *store.Order, ev *store.OrderEvent) {
	g.order, g.updatedAt = o, o.UpdatedAt
	g.estimate(time.Now())
	ctx, cancel := g.e.opContext()
	defer cancel()
	g.e.orderChanged(ctx, o, g.tracking())
	if ev != nil {
		g.announce(ctx, *ev)
	}
}

// tracking is the order's live delivery state.
func (g *orderGrain) tracking() store.Tracking {
	o := g.order
	return store.Tracking{
		OrderID: o.ID, Status: o.Status, Seq: o.Seq, CourierID: o.CourierID,
		Courier: g.trail.fix, RemainingM: g.trail.remaining, EstimatedDeliveryAt: g.trail.eta,
		Topic: o.Topic(), UpdatedAt: g.updatedAt,
	}
}

func (g *orderGrain) readTracking(ctx actor.Context, by store.Principal) (*store.Tracking, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	if !g.order.VisibleTo(by) {
		return nil, store.NotFound("order", g.id)
	}
	t := g.tracking()
	return &t, nil
}

// kitchenFacts returns the restaurant's location and current preparation
// time, reading them once.
func (g *orderGrain) kitchenFacts(ctx context.Context) (*kitchenFacts, error) {
	if g.kitchen != nil {
		return g.kitchen, nil
	}
	r, err := g.e.deps.Store.Restaurants.Restaurant(ctx, g.order.RestaurantID)
	if err != nil {
		return nil, err
	}
	k, err := g.e.deps.Kitchens.KitchenSettings(ctx, g.order.RestaurantID)
	if err != nil {
		return nil, err
	}
	g.kitchen = &kitchenFacts{location: r.Location, prep: k.PrepTime()}
	return g.kitchen, nil
}

// estimate recomputes the ETA and remaining distance, once the kitchen's
// facts are known (they are read when the first position arrives).
func (g *orderGrain) estimate(now time.Time) {
	o := g.order
	if g.kitchen == nil || o.Status.Terminal() {
		return
	}
	eta, remaining := g.e.cfg.Tracking.estimate(journey{
		status: o.Status, restaurant: g.kitchen.location, destination: o.DeliveryAddress.Location,
		courier: g.trail.fix, readyAt: o.PlacedAt.Add(g.kitchen.prep), scheduledFor: o.ScheduledFor,
	}, now)
	g.trail.eta, g.trail.remaining = &eta, &remaining
}
