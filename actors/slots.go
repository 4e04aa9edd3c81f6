package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Delivery slots: scheduled orders are delivered in 15-minute windows that
// start on the quarter hour within the restaurant's opening hours; each
// window takes SlotCapacity orders. The restaurant grain reserves a window
// as it stores the order, so a window never takes more.

// reserve holds a place in the slot starting at start for an order.
func (g *restaurantGrain) reserve(start time.Time, orderID int64) {
	orders, ok := g.slots[start.Unix()]
	if !ok {
		orders = map[int64]struct{}{}
		g.slots[start.Unix()] = orders
	}
	orders[orderID] = struct{}{}
}

// slotProblem says why an order placed at now cannot be delivered in the
// slot starting at start, or returns nil. A full slot is admit's to judge.
func (g *restaurantGrain) slotProblem(start, now time.Time) error {
	lead := g.k.PrepTime()
	invalid := func(format string, args ...any) error {
		return store.Errorf(store.ECONFLICT, "slot_invalid", "scheduled_for: "+format, args...)
	}
	switch {
	case !start.Truncate(store.SlotLength).Equal(start):
		return invalid("a delivery slot starts on the quarter hour (…:00, :15, :30, :45)")
	case start.Before(now.Add(lead)):
		return invalid("the slot starts too soon: the kitchen needs %d minutes", int(lead/time.Minute))
	case start.After(now.Add(g.e.cfg.SlotHorizon)):
		return invalid("orders can be scheduled at most %d days ahead", int(g.e.cfg.SlotHorizon/(24*time.Hour)))
	case !store.OpenAt(g.r.OpeningHours, g.loc, start):
		return invalid("%s is closed at %s", g.r.Name, start.In(g.loc).Format("2006-01-02 15:04"))
	case g.k.PausedAt(start):
		return g.paused()
	}
	return nil
}

// deliverySlots lists the slots of one local day ("YYYY-MM-DD", today when
// empty) within the opening hours, with their room and whether an order
// placed at now may book them.
func (g *restaurantGrain) deliverySlots(day string, now time.Time) (*store.DeliverySlots, error) {
	local := now.In(g.loc)
	date := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, g.loc)
	if day != "" {
		d, err := time.ParseInLocation(time.DateOnly, day, g.loc)
		if err != nil {
			return nil, store.Invalid(store.FieldError{Field: "date", Reason: "must be a date YYYY-MM-DD"})
		}
		date = d
	}
	next := date.AddDate(0, 0, 1)
	if !next.After(now) || date.After(now.Add(g.e.cfg.SlotHorizon)) {
		return nil, store.Invalid(store.FieldError{Field: "date",
			Reason: fmt.Sprintf("must be today or one of the next %d days", int(g.e.cfg.SlotHorizon/(24*time.Hour)))})
	}
	out := &store.DeliverySlots{RestaurantID: g.id, Date: date.Format(time.DateOnly), Timezone: g.loc.String(),
		Slots: []store.DeliverySlot{}}
	for start := date; start.Before(next); start = start.Add(store.SlotLength) {
		if !store.OpenAt(g.r.OpeningHours, g.loc, start) {
			continue
		}
		reserved := len(g.slots[start.Unix()])
		available := max(g.k.SlotCapacity-reserved, 0)
		out.Slots = append(out.Slots, store.DeliverySlot{
			Start: start.UTC(), End: start.Add(store.SlotLength).UTC(),
			Capacity: g.k.SlotCapacity, Reserved: reserved, Available: available,
			Bookable: available > 0 && g.slotProblem(start, now) == nil,
		})
	}
	return out, nil
}

// writeSlots writes one day's slots through to the cache (delivery_slots,
// 30 s).
func (g *restaurantGrain) writeSlots(ctx context.Context, slots *store.DeliverySlots) {
	set(ctx, g.e, cache.DeliverySlotsKey(g.id, slots.Date), slots)
}

func (g *restaurantGrain) readSlots(ctx actor.Context, day string) (*store.DeliverySlots, error) {
	if err := g.ready(ctx); err != nil {
		return nil, err
	}
	slots, err := g.deliverySlots(day, time.Now())
	if err != nil {
		return nil, err
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	g.writeSlots(octx, slots)
	return slots, nil
}
