package actors

import (
	"math"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
)

// trail is an order's delivery as its grain follows it: the courier's
// latest position and the ETA in memory, and the thinned positions waiting
// to be stored in one batch.
type trail struct {
	// fix is the latest position the courier reported.
	fix *store.CourierFix
	// kept is the last position chosen for storage; thinning measures from it.
	kept *store.TrackingPoint
	// pending are the positions chosen for storage and not yet stored.
	pending    []store.TrackingPoint
	flushTimer *time.Timer
	// eta and remaining are the latest estimate; storedETA is the ETA
	// PostgreSQL has.
	eta, storedETA *time.Time
	remaining      *float64
}

// maxPendingBatches × BatchSize bounds the positions kept while PostgreSQL
// refuses them; the oldest are dropped first.
const maxPendingBatches = 10

// resume continues a trail from the positions already stored.
func (t *trail) resume(points []store.TrackingPoint) {
	if len(points) == 0 {
		return
	}
	last := points[len(points)-1]
	t.kept = &last
	t.fix = &store.CourierFix{CourierID: last.CourierID, Location: last.Location,
		HeadingDeg: last.HeadingDeg, SpeedMPS: last.SpeedMPS, At: last.At}
}

// worthKeeping reports whether p is far enough, in space or time, from the
// last position kept to be stored too.
func (c TrackingConfig) worthKeeping(kept *store.TrackingPoint, p store.TrackingPoint) bool {
	return kept == nil || kept.Location.DistanceM(p.Location) >= c.MinDistanceM || p.At.Sub(kept.At) >= c.MinInterval
}

// reportLocation takes a position from the order's courier: it becomes the
// latest position, moves the ETA, goes to the cache (live_tracking and
// delivery_tracking) and the courier GEO index, is published latest-wins on
// the order's topic, and joins the batch of stored positions when thinning
// keeps it.
func (g *orderGrain) reportLocation(ctx actor.Context, m *actorspb.ReportLocation) (*store.Tracking, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	o, by := g.order, fromPrincipal(m.By)
	switch {
	case !o.VisibleTo(by):
		return nil, store.NotFound("order", g.id)
	case by.Role != store.RoleCourier || o.CourierID == nil || *o.CourierID != by.ID:
		return nil, store.Errorf(store.EFORBIDDEN, "not_assigned_courier", "only the courier assigned to order %d may report its location", g.id)
	case !awaitsCourier(o.Status) && o.Status != store.StatusPickedUp:
		return nil, store.Errorf(store.ECONFLICT, "order_not_in_delivery", "order %d is %s: it is not being delivered", g.id, o.Status)
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	if _, err := g.kitchenFacts(octx); err != nil {
		g.e.log.Warn("read restaurant for ETA", "order", g.id, "error", err)
	}
	now := time.Now()
	p := store.TrackingPoint{OrderID: g.id, CourierID: by.ID, Location: store.Point{Lat: m.Lat, Lng: m.Lng},
		HeadingDeg: m.HeadingDeg, SpeedMPS: m.SpeedMps, At: fromUnixMicros(m.AtUnixMicros)}
	t := &g.trail
	t.fix = &store.CourierFix{CourierID: p.CourierID, Location: p.Location, HeadingDeg: p.HeadingDeg, SpeedMPS: p.SpeedMPS, At: p.At}
	g.updatedAt = now.UTC()
	g.estimate(now)
	tracking := g.tracking()
	g.e.writeLocation(octx, tracking)

	if g.e.cfg.Tracking.worthKeeping(t.kept, p) {
		t.kept = &p
		t.pending = append(t.pending, p)
		switch {
		case len(t.pending) >= g.e.cfg.Tracking.BatchSize:
			g.flush()
		case t.flushTimer == nil:
			t.flushTimer = g.e.after(ctx, g.e.cfg.Tracking.FlushInterval, &actorspb.FlushTracking{})
		}
	}
	return &tracking, nil
}

// flush stores the pending positions in one statement, and the ETA when it
// moved by a minute or more. Positions PostgreSQL refuses stay pending for
// the next flush.
func (g *orderGrain) flush() {
	t := &g.trail
	stopTimer(&t.flushTimer)
	if g.order == nil {
		return
	}
	ctx, cancel := g.e.opContext()
	defer cancel()
	if len(t.pending) > 0 {
		if err := g.e.deps.Store.Orders.AddTrackingPoints(ctx, t.pending); err != nil {
			g.e.log.Warn("store tracking points", "order", g.id, "points", len(t.pending), "error", err)
			if limit := maxPendingBatches * g.e.cfg.Tracking.BatchSize; len(t.pending) > limit {
				t.pending = slices.Delete(t.pending, 0, len(t.pending)-limit)
			}
		} else {
			t.pending = t.pending[:0]
		}
	}
	if t.eta != nil && (t.storedETA == nil || absDuration(t.eta.Sub(*t.storedETA)) >= time.Minute) {
		if err := g.e.deps.Store.Orders.SetETA(ctx, g.id, *t.eta); err != nil {
			g.e.log.Warn("store ETA", "order", g.id, "error", err)
			return
		}
		t.storedETA = t.eta
		o := *g.order
		o.EstimatedDeliveryAt = t.eta
		g.order = &o
		g.e.writeOrder(ctx, g.order, g.tracking())
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// journey is what an ETA is computed from.
type journey struct {
	status      store.OrderStatus
	restaurant  store.Point
	destination store.Point
	// courier is the courier's latest position, if any.
	courier *store.CourierFix
	// readyAt is when the kitchen finishes the food.
	readyAt time.Time
	// scheduledFor is the start of the delivery slot of a scheduled order.
	scheduledFor *time.Time
}

// estimate returns when the food arrives and how far it still travels.
// Before pickup the courier rides to the restaurant, waits for the food if
// it is not ready, and rides on to the customer; after pickup only the last
// leg is left. Distances are great-circle distances times Detour, travelled
// at the courier's reported speed (DefaultSpeedMPS while it reports none).
// A scheduled order arrives no earlier than its slot.
func (c TrackingConfig) estimate(j journey, now time.Time) (time.Time, float64) {
	speed := c.DefaultSpeedMPS
	if j.courier != nil && j.courier.SpeedMPS >= 1 {
		speed = j.courier.SpeedMPS
	}
	ride := func(m float64) time.Duration {
		return time.Duration(m / speed * float64(time.Second))
	}
	lastLeg := j.restaurant.DistanceM(j.destination) * c.Detour
	var eta time.Time
	var remaining float64
	switch {
	case j.status == store.StatusPickedUp && j.courier != nil:
		remaining = j.courier.Location.DistanceM(j.destination) * c.Detour
		eta = now.Add(ride(remaining))
	case j.status == store.StatusPickedUp:
		remaining = lastLeg
		eta = now.Add(ride(lastLeg))
	default:
		leaves := now
		if j.status != store.StatusReady && j.readyAt.After(leaves) {
			leaves = j.readyAt
		}
		remaining = lastLeg
		if j.courier != nil {
			firstLeg := j.courier.Location.DistanceM(j.restaurant) * c.Detour
			remaining += firstLeg
			if arrives := now.Add(ride(firstLeg)); arrives.After(leaves) {
				leaves = arrives
			}
		}
		eta = leaves.Add(ride(lastLeg))
	}
	if j.scheduledFor != nil && j.scheduledFor.After(eta) {
		eta = *j.scheduledFor
	}
	return eta.UTC().Truncate(time.Second), math.Round(remaining*10) / 10
}
