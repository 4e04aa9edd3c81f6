package actors

import (
	"context"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Dynamic pricing: when a restaurant takes more orders than there are free
// couriers near it, its delivery fee rises. The quote is cached in the
// dynamic_pricing class (2 minutes), so every customer in that span sees,
// and pays, the same fee; the order records the multiplier and the surge
// fee it paid.

// surgeSupplyLimit bounds how many nearby couriers a quote counts.
const surgeSupplyLimit = 100

// noSurge is a multiplier of one, in basis points.
const noSurge = 10000

// multiplier is the surge for demand orders against supply free couriers:
// none while there is a free courier per order, then StepBasisPoints more
// for each order beyond that per free courier, up to MaxBasisPoints.
func (c SurgeConfig) multiplier(demand, supply int) int {
	s := max(supply, 1)
	if demand <= s {
		return noSurge
	}
	return min(noSurge+(demand-s)*c.StepBasisPoints/s, max(c.MaxBasisPoints, noSurge))
}

// quote returns the restaurant's pricing: the cached quote while it holds,
// a new one otherwise.
func (g *restaurantGrain) quote(ctx context.Context, now time.Time) (*store.Pricing, error) {
	cutoff := now.Add(-g.e.cfg.Surge.Window)
	g.placements = slices.DeleteFunc(g.placements, func(t time.Time) bool { return t.Before(cutoff) })
	id, demand, fee, at, e := g.id, len(g.placements), g.r.DeliveryFee, g.r.Location, g.e
	return cache.Get(ctx, e.deps.Cache, cache.DynamicPricingKey(id), func(ctx context.Context) (*store.Pricing, error) {
		free, err := e.availableNear(ctx, at, e.cfg.Surge.RadiusM, surgeSupplyLimit)
		if err != nil {
			return nil, err
		}
		ttl, err := e.deps.Cache.TTL(cache.ClassDynamicPricing)
		if err != nil {
			return nil, err
		}
		bp := e.cfg.Surge.multiplier(demand, len(free))
		surged := fee.Scale(int64(bp))
		return &store.Pricing{
			RestaurantID: id, SurgeBasisPoints: bp, Demand: demand, AvailableCouriers: len(free),
			WindowMinutes:   int(e.cfg.Surge.Window / time.Minute),
			BaseDeliveryFee: fee, SurgeFee: store.Money{Amount: surged.Amount - fee.Amount, Currency: fee.Currency},
			DeliveryFee: surged, QuotedAt: now.UTC(), ValidUntil: now.Add(ttl).UTC(),
		}, nil
	})
}

func (g *restaurantGrain) readPricing(ctx actor.Context) (*store.Pricing, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	return g.quote(octx, time.Now())
}
