package actors

import (
	"context"
	"fmt"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
)

// courierIndex is the Redis GEO set of couriers' last known positions:
// GEOADD on every position, GEOSEARCH for the nearest. Whether a courier
// is free is PostgreSQL's to say (store.CourierDispatch); the index only
// orders candidates by distance.
type courierIndex struct {
	rdb redis.UniversalClient
	key string
}

// locate records a courier's position.
func (ix courierIndex) locate(ctx context.Context, courierID int64, p store.Point) error {
	err := ix.rdb.GeoAdd(ctx, ix.key, &redis.GeoLocation{
		Name: strconv.FormatInt(courierID, 10), Longitude: p.Lng, Latitude: p.Lat,
	}).Err()
	if err != nil {
		return fmt.Errorf("locate courier %d: %w", courierID, err)
	}
	return nil
}

// nearest returns up to n couriers within radiusM of p, nearest first.
func (ix courierIndex) nearest(ctx context.Context, p store.Point, radiusM float64, n int) ([]int64, error) {
	names, err := ix.rdb.GeoSearch(ctx, ix.key, &redis.GeoSearchQuery{
		Longitude: p.Lng, Latitude: p.Lat, Radius: radiusM, RadiusUnit: "m", Sort: "ASC", Count: n,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("search couriers near %v: %w", p, err)
	}
	ids := make([]int64, 0, len(names))
	for _, name := range names {
		if id, err := strconv.ParseInt(name, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// seed loads every courier's last known position from PostgreSQL, so a
// fresh Redis (or a new index key) knows where couriers were.
func (ix courierIndex) seed(ctx context.Context, couriers store.CourierService) error {
	page := store.PageRequest{Limit: store.MaxPageLimit}
	for {
		list, err := couriers.Couriers(ctx, store.CourierFilter{Page: page})
		if err != nil {
			return err
		}
		var located []*redis.GeoLocation
		for _, c := range list.Items {
			if c.LastLocation != nil {
				located = append(located, &redis.GeoLocation{Name: strconv.FormatInt(c.ID, 10),
					Longitude: c.LastLocation.Lng, Latitude: c.LastLocation.Lat})
			}
		}
		if len(located) > 0 {
			if err := ix.rdb.GeoAdd(ctx, ix.key, located...).Err(); err != nil {
				return fmt.Errorf("seed courier positions: %w", err)
			}
		}
		if list.Next == "" {
			return nil
		}
		page.Cursor = list.Next
	}
}

// maxCandidates bounds how many of the nearest couriers one search looks
// at before giving up.
const maxCandidates = 2048

// availableNear returns free couriers within radiusM of p, nearest first,
// looking at the n nearest. The index holds busy and offline couriers too,
// so when those n are all taken and there are more, it looks at twice as
// many (up to maxCandidates): a restaurant with many busy couriers waiting
// outside still finds the free one a little further away.
func (e *Engine) availableNear(ctx context.Context, p store.Point, radiusM float64, n int) ([]int64, error) {
	for {
		ids, err := e.couriers.nearest(ctx, p, radiusM, n)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		free, err := e.deps.Dispatch.AvailableCouriers(ctx, ids)
		if err != nil || len(free) > 0 || len(ids) < n || n >= maxCandidates {
			return free, err
		}
		n *= 2
	}
}

// awaitsCourier reports whether an order in status s should have a
// courier on the way: accepted and not yet picked up.
func awaitsCourier(s store.OrderStatus) bool {
	return s == store.StatusAccepted || s == store.StatusPreparing || s == store.StatusReady
}

// dispatch assigns the nearest free courier within Dispatch.RadiusM of the
// restaurant to an accepted order that has none, claiming the courier in
// PostgreSQL so no other order gets them. With nobody free it looks again
// after Dispatch.RetryInterval.
func (g *orderGrain) dispatch(ctx actor.Context) {
	o := g.order
	if o.CourierID != nil || !awaitsCourier(o.Status) {
		return
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	assigned, err := g.tryDispatch(octx)
	if err != nil {
		g.e.log.Warn("assign a courier", "order", g.id, "error", err)
	}
	if !assigned && g.assignTimer == nil {
		g.assignTimer = g.e.after(ctx, g.e.cfg.Dispatch.RetryInterval, &actorspb.RetryAssignment{})
	}
}

func (g *orderGrain) tryDispatch(ctx context.Context) (bool, error) {
	k, err := g.kitchenFacts(ctx)
	if err != nil {
		return false, err
	}
	free, err := g.e.availableNear(ctx, k.location, g.e.cfg.Dispatch.RadiusM, g.e.cfg.Dispatch.Candidates)
	if err != nil {
		return false, err
	}
	for _, id := range free {
		claimed, err := g.e.deps.Dispatch.ClaimCourier(ctx, id)
		if err != nil {
			return false, err
		}
		if !claimed {
			continue // taken by another order since the search
		}
		if err := g.assign(ctx, id, store.System()); err != nil {
			g.e.releaseCourier(id, g.id)
			return false, err
		}
		return true, nil
	}
	return false, nil
}

// assign records courierID (already claimed) as the order's courier and
// makes the change visible.
func (g *orderGrain) assign(ctx context.Context, courierID int64, by store.Principal) error {
	o, ev, err := g.e.deps.Store.Orders.AssignCourier(store.WithPrincipal(ctx, by), g.id, courierID, by)
	if err != nil {
		return err
	}
	g.committed(o, ev)
	stopTimer(&g.assignTimer)
	return nil
}

// assignByHand makes courierID the order's courier on the word of an admin
// or the order's restaurant. The courier must be free; the one replaced is
// freed.
func (g *orderGrain) assignByHand(ctx actor.Context, courierID int64, by store.Principal) (*store.Order, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	o := g.order
	switch {
	case !o.VisibleTo(by):
		return nil, store.NotFound("order", g.id)
	case !by.Is(store.RoleRestaurant, o.RestaurantID):
		return nil, store.Errorf(store.EFORBIDDEN, "forbidden", "only the order's restaurant or an admin may assign its courier")
	case o.CourierID != nil && *o.CourierID == courierID:
		return o, nil
	case o.Status != store.StatusPlaced && !awaitsCourier(o.Status):
		return nil, store.Errorf(store.ECONFLICT, "order_past_pickup", "a courier cannot be assigned to an order that is %s", o.Status)
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	if _, err := g.e.deps.Store.Couriers.Courier(octx, courierID); err != nil {
		return nil, err
	}
	claimed, err := g.e.deps.Dispatch.ClaimCourier(octx, courierID)
	if err != nil {
		return nil, err
	}
	if !claimed {
		return nil, store.Errorf(store.ECONFLICT, "courier_unavailable", "courier %d is not available (offline, or carrying another order)", courierID)
	}
	previous := o.CourierID
	if err := g.assign(octx, courierID, by); err != nil {
		g.e.releaseCourier(courierID, g.id)
		return nil, err
	}
	if previous != nil {
		g.e.releaseCourier(*previous, g.id)
	}
	return g.order, nil
}

// releaseCourier frees a courier once they no longer carry the order (or
// any other).
func (e *Engine) releaseCourier(courierID, orderID int64) {
	ctx, cancel := e.opContext()
	defer cancel()
	if err := e.deps.Dispatch.ReleaseCourier(ctx, courierID, orderID); err != nil {
		e.log.Warn("release courier", "courier", courierID, "order", orderID, "error", err)
	}
}
