package actors

import (
	"context"
	"encoding/json"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// restaurantGrain is the actor of one restaurant's kitchen (kind
// "restaurant"). Every order of the restaurant is placed through it, one
// at a time, so capacity and delivery slots are never oversold: it checks
// opening hours, pause, capacity and the slot, quotes the surge, and
// stores the order. Its load (the orders holding capacity and slots, the
// recent demand) is rebuilt from PostgreSQL whenever it activates, and
// recounted before it refuses an order for capacity.
type restaurantGrain struct {
	e  *Engine
	id int64
	// r is the restaurant as last read, at readAt; loc is its time zone.
	r      *store.Restaurant
	loc    *time.Location
	readAt time.Time
	// missing: the restaurant does not exist; the grain answers so until it
	// passivates.
	missing bool
	k       *store.KitchenSettings
	// active are the orders holding capacity (placed, accepted, preparing).
	active map[int64]struct{}
	// slots are the scheduled orders per delivery slot, by the slot's
	// start in Unix seconds.
	slots map[int64]map[int64]struct{}
	// placements are when the recent orders (within Surge.Window) were
	// placed, oldest first.
	placements []time.Time
}

// placement is the answer to PlaceOrder.
type placement struct {
	// Order is the order stored.
	Order *store.Order `json:"order"`
	// Replayed is true when the request retried an earlier one under the
	// same idempotency key; Order is then that earlier order.
	Replayed bool `json:"replayed"`
}

func (g *restaurantGrain) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		g.id = grainID(ctx)
		ctx.SetReceiveTimeout(g.e.cfg.RestaurantIdle)
		if err := g.load(); err != nil {
			if g.missing {
				ctx.SetReceiveTimeout(missingIdle)
			} else {
				g.e.log.Warn("load restaurant", "restaurant", g.id, "error", err)
			}
		}
	case *actor.ReceiveTimeout:
		ctx.Poison(ctx.Self())
	case *actorspb.PlaceOrder:
		answer(ctx, "place order", func() (placement, error) { return g.place(ctx, m) })
	case *actorspb.OrderLeftKitchen:
		answer(ctx, "free kitchen capacity", func() (*store.KitchenCapacity, error) { return g.orderLeft(ctx, m) })
	case *actorspb.GetCapacity:
		answer(ctx, "get capacity", func() (*store.KitchenCapacity, error) { return g.readCapacity(ctx) })
	case *actorspb.SetCapacity:
		answer(ctx, "set capacity", func() (*store.KitchenCapacity, error) { return g.setCapacity(ctx, m) })
	case *actorspb.GetAvailability:
		answer(ctx, "get availability", func() (*store.Availability, error) { return g.readAvailability(ctx) })
	case *actorspb.SetAvailability:
		answer(ctx, "set availability", func() (*store.Availability, error) { return g.setAvailability(ctx, m) })
	case *actorspb.GetDeliverySlots:
		answer(ctx, "list delivery slots", func() (*store.DeliverySlots, error) { return g.readSlots(ctx, m.Day) })
	case *actorspb.GetPricing:
		answer(ctx, "quote pricing", func() (*store.Pricing, error) { return g.readPricing(ctx) })
	}
}

// load reads the restaurant, its kitchen settings and its load.
func (g *restaurantGrain) load() error {
	ctx, cancel := g.e.opContext()
	defer cancel()
	if err := g.readRestaurant(ctx); err != nil {
		return err
	}
	k, err := g.e.deps.Kitchens.KitchenSettings(ctx, g.id)
	if err != nil {
		return err
	}
	if err := g.recount(ctx, time.Now()); err != nil {
		return err
	}
	g.k = k
	return nil
}

// readRestaurant reads the restaurant record and its time zone.
func (g *restaurantGrain) readRestaurant(ctx context.Context) error {
	r, err := g.e.deps.Store.Restaurants.Restaurant(ctx, g.id)
	if err != nil {
		g.missing = store.IsKind(err, store.ENOTFOUND)
		return err
	}
	loc, err := time.LoadLocation(r.Timezone)
	if err != nil {
		loc = time.UTC
	}
	g.r, g.loc, g.readAt = r, loc, time.Now()
	return nil
}

// recount rebuilds the kitchen's load from PostgreSQL.
func (g *restaurantGrain) recount(ctx context.Context, now time.Time) error {
	since := now.Add(-max(g.e.cfg.Surge.Window, store.SlotLength))
	orders, err := g.e.deps.Kitchens.KitchenOrders(ctx, g.id, since)
	if err != nil {
		return err
	}
	g.active, g.slots, g.placements = map[int64]struct{}{}, map[int64]map[int64]struct{}{}, nil
	demandSince := now.Add(-g.e.cfg.Surge.Window)
	for _, o := range orders {
		if o.Status.InKitchen() {
			g.active[o.ID] = struct{}{}
		}
		if o.ScheduledFor != nil && o.Status != store.StatusRejected && o.Status != store.StatusCancelled {
			g.reserve(*o.ScheduledFor, o.ID)
		}
		if !o.PlacedAt.Before(demandSince) {
			g.placements = append(g.placements, o.PlacedAt)
		}
	}
	return nil
}

// ready makes sure the restaurant is loaded and its record is no older
// than RestaurantRefresh. For a restaurant that does not exist or left the
// platform it answers ENOTFOUND, and the grain passivates after a second
// without requests.
func (g *restaurantGrain) ready(ctx actor.Context) error {
	if g.missing {
		return store.NotFound("restaurant", g.id)
	}
	if g.k == nil {
		if err := g.load(); err != nil {
			if g.missing {
				ctx.SetReceiveTimeout(missingIdle)
			}
			return err
		}
		return nil
	}
	if time.Since(g.readAt) > g.e.cfg.RestaurantRefresh {
		octx, cancel := g.e.opContext()
		defer cancel()
		if err := g.readRestaurant(octx); err != nil {
			if g.missing {
				ctx.SetReceiveTimeout(missingIdle)
				return err
			}
			// Decide with the record read before rather than not at all.
			g.e.log.Warn("refresh restaurant", "restaurant", g.id, "error", err)
		}
	}
	return nil
}

// place takes an order into the kitchen or refuses it with a distinct
// problem: restaurant_closed, restaurant_paused, restaurant_at_capacity,
// slot_invalid or slot_full (all ECONFLICT). A retry under an idempotency
// key already used answers with the first order and counts nothing again.
// The store checks the kitchen's limits again as it stores the order
// (store.NewOrder.Limits), in case another grain of this restaurant is
// placing orders too.
func (g *restaurantGrain) place(ctx actor.Context, m *actorspb.PlaceOrder) (placement, error) {
	if err := g.ready(ctx); err != nil {
		return placement{}, err
	}
	var req store.OrderRequest
	if err := json.Unmarshal(m.Request, &req); err != nil {
		return placement{}, store.Invalid(store.FieldError{Field: "request", Reason: "is not an order request"})
	}
	at := fromUnixMicros(m.AtUnixMicros)
	n := store.NewOrder{CustomerID: m.CustomerId, IdempotencyKey: m.IdempotencyKey, Request: req, At: at}
	octx, cancel := g.e.opContext()
	defer cancel()
	octx = store.WithPrincipal(octx, store.Principal{Role: store.RoleCustomer, ID: m.CustomerId})
	if m.IdempotencyKey != "" {
		retry, err := g.e.deps.Kitchens.OrderUnderKey(octx, m.CustomerId, m.IdempotencyKey)
		if err != nil {
			return placement{}, err
		}
		if retry {
			o, replayed, err := g.e.deps.Store.Orders.PlaceOrder(octx, n)
			return placement{Order: o, Replayed: replayed}, err
		}
	}
	if err := g.admit(octx, req.ScheduledFor, at); err != nil {
		return placement{}, err
	}
	limits := g.k.CapacitySettings
	n.Limits = &limits
	quote, err := g.quote(octx, at)
	if err != nil {
		g.e.sideEffectFailed("quote surge; placing the order without it", err, "restaurant", g.id)
	} else {
		n.SurgeBasisPoints = quote.SurgeBasisPoints
	}
	o, replayed, err := g.e.deps.Store.Orders.PlaceOrder(octx, n)
	if err != nil || replayed {
		return placement{Order: o, Replayed: replayed}, err
	}
	g.took(o, at)
	// The order's grain stores the ETA, outside this grain's one-at-a-time work.
	eta, _ := g.e.cfg.Tracking.estimate(journey{status: o.Status, restaurant: g.r.Location,
		destination: o.DeliveryAddress.Location, readyAt: at.Add(g.k.PrepTime()), scheduledFor: o.ScheduledFor}, at)
	o.EstimatedDeliveryAt = &eta
	g.writeCapacity(octx)
	if o.ScheduledFor != nil {
		if slots, err := g.deliverySlots(o.ScheduledFor.In(g.loc).Format(time.DateOnly), at); err == nil {
			g.writeSlots(octx, slots)
		}
	}
	return placement{Order: o}, nil
}

// admit decides whether the kitchen takes an order placed at now, for
// delivery as soon as possible or in the slot starting at scheduledFor.
func (g *restaurantGrain) admit(ctx context.Context, scheduledFor *time.Time, now time.Time) error {
	if scheduledFor == nil {
		if !store.OpenAt(g.r.OpeningHours, g.loc, now) {
			return store.Errorf(store.ECONFLICT, "restaurant_closed", "%s is closed now; see its opening hours", g.r.Name)
		}
		if g.k.PausedAt(now) {
			return g.paused()
		}
	} else if err := g.slotProblem(*scheduledFor, now); err != nil {
		return err
	}
	if len(g.active) >= g.k.MaxActiveOrders {
		// Orders may have left the kitchen without this grain hearing of
		// it (a lost message, a change made outside the engine): recount
		// before refusing.
		if err := g.recount(ctx, now); err != nil {
			return err
		}
		if len(g.active) >= g.k.MaxActiveOrders {
			return store.Errorf(store.ECONFLICT, "restaurant_at_capacity",
				"%s is at capacity (%d orders in the kitchen); try again shortly", g.r.Name, len(g.active))
		}
	}
	if scheduledFor != nil && len(g.slots[scheduledFor.Unix()]) >= g.k.SlotCapacity {
		return store.Errorf(store.ECONFLICT, "slot_full", "the delivery slot at %s is full; pick another",
			scheduledFor.In(g.loc).Format("2006-01-02 15:04"))
	}
	return nil
}

func (g *restaurantGrain) paused() error {
	return store.Errorf(store.ECONFLICT, "restaurant_paused", "%s has paused taking orders until %s",
		g.r.Name, g.k.PausedUntil.In(g.loc).Format("2006-01-02 15:04 MST"))
}

// took counts a stored order into the kitchen's load.
func (g *restaurantGrain) took(o *store.Order, at time.Time) {
	g.active[o.ID] = struct{}{}
	if o.ScheduledFor != nil {
		g.reserve(*o.ScheduledFor, o.ID)
	}
	g.placements = append(g.placements, at)
}

// orderLeft frees the capacity of an order that left the kitchen, and its
// slot when it was rejected or cancelled.
func (g *restaurantGrain) orderLeft(ctx actor.Context, m *actorspb.OrderLeftKitchen) (*store.KitchenCapacity, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	delete(g.active, m.OrderId)
	if st := store.OrderStatus(m.Status); st == store.StatusRejected || st == store.StatusCancelled {
		for start, orders := range g.slots {
			delete(orders, m.OrderId)
			if len(orders) == 0 {
				delete(g.slots, start)
			}
		}
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	return g.writeCapacity(octx), nil
}

// capacity is the kitchen's load against its limits.
func (g *restaurantGrain) capacity() *store.KitchenCapacity {
	k := g.k
	c := &store.KitchenCapacity{RestaurantID: g.id, CapacitySettings: k.CapacitySettings,
		ActiveOrders: len(g.active), Available: max(k.MaxActiveOrders-len(g.active), 0),
		EffectivePrepMinutes: int(k.PrepTime() / time.Minute)}
	if !k.UpdatedAt.IsZero() {
		u := k.UpdatedAt
		c.UpdatedAt = &u
	}
	return c
}

// writeCapacity writes the kitchen's capacity through to the cache
// (restaurant_capacity, 30 s) and publishes it on the restaurant's topic.
func (g *restaurantGrain) writeCapacity(ctx context.Context) *store.KitchenCapacity {
	c := g.capacity()
	set(ctx, g.e, cache.RestaurantCapacityKey(g.id), c)
	g.e.publishJSON(ctx, restaurantTopic(g.id), eventCapacity, c)
	return c
}

func (g *restaurantGrain) readCapacity(ctx actor.Context) (*store.KitchenCapacity, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	c := g.capacity()
	set(octx, g.e, cache.RestaurantCapacityKey(g.id), c)
	return c, nil
}

func (g *restaurantGrain) setCapacity(ctx actor.Context, m *actorspb.SetCapacity) (*store.KitchenCapacity, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	k := *g.k
	k.CapacitySettings = store.CapacitySettings{MaxActiveOrders: int(m.MaxActiveOrders), PrepMinutes: int(m.PrepMinutes),
		Busy: m.Busy, BusyExtraMinutes: int(m.BusyExtraMinutes), SlotCapacity: int(m.SlotCapacity)}
	if err := g.save(k); err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	c := g.writeCapacity(octx)
	g.writeAvailability(octx, time.Now())
	return c, nil
}

// save stores new kitchen settings and adopts them.
func (g *restaurantGrain) save(k store.KitchenSettings) error {
	ctx, cancel := g.e.opContext()
	defer cancel()
	saved, err := g.e.deps.Kitchens.SaveKitchenSettings(ctx, g.id, k)
	if err != nil {
		return err
	}
	g.k = saved
	return nil
}

// availability says whether the kitchen takes an order at now.
func (g *restaurantGrain) availability(now time.Time) *store.Availability {
	open, paused, full := store.OpenAt(g.r.OpeningHours, g.loc, now), g.k.PausedAt(now), len(g.active) >= g.k.MaxActiveOrders
	a := &store.Availability{RestaurantID: g.id, AcceptingOrders: open && !paused && !full,
		Open: open, Paused: paused, AtCapacity: full}
	if paused {
		a.PausedUntil, a.PauseReason = g.k.PausedUntil, g.k.PauseReason
	}
	return a
}

// writeAvailability writes the kitchen's availability through to the
// cache (restaurant_availability, 60 s) and publishes it on the
// restaurant's topic.
func (g *restaurantGrain) writeAvailability(ctx context.Context, now time.Time) *store.Availability {
	a := g.availability(now)
	set(ctx, g.e, cache.RestaurantAvailabilityKey(g.id), a)
	g.e.publishJSON(ctx, restaurantTopic(g.id), eventAvailability, a)
	return a
}

func (g *restaurantGrain) readAvailability(ctx actor.Context) (*store.Availability, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	a := g.availability(time.Now())
	set(octx, g.e, cache.RestaurantAvailabilityKey(g.id), a)
	return a, nil
}

func (g *restaurantGrain) setAvailability(ctx actor.Context, m *actorspb.SetAvailability) (*store.Availability, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	now := time.Now()
	change := store.AvailabilityChange{Reason: m.Reason}
	if m.PausedUntilUnixMicros != 0 {
		until := fromUnixMicros(m.PausedUntilUnixMicros)
		change.PausedUntil = &until
	}
	if err := change.Validate(now); err != nil {
		return nil, err
	}
	k := *g.k
	k.PausedUntil, k.PauseReason = change.PausedUntil, change.Reason
	if change.PausedUntil == nil {
		k.PauseReason = ""
	}
	if err := g.save(k); err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	return g.writeAvailability(octx, now), nil
}
