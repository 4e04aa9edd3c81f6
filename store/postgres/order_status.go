package postgres

import (
	"context"
	_ "embed"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed order_lock.sql
	orderLockSQL string
	//go:embed order_change_status.sql
	orderChangeStatusSQL string
	//go:embed order_assign_courier.sql
	orderAssignCourierSQL string
	//go:embed order_events.sql
	orderEventsSQL string
	//go:embed order_set_eta.sql
	orderSetETASQL string
)

// statusChanged is the data of an order.status_changed event.
type statusChanged struct {
	From   store.OrderStatus `json:"from"`
	To     store.OrderStatus `json:"to"`
	Reason string            `json:"reason,omitempty"`
}

// courierAssigned is the data of a delivery.assigned event.
type courierAssigned struct {
	CourierID         int64  `json:"courier_id"`
	PreviousCourierID *int64 `json:"previous_courier_id,omitempty"`
}

// lockedOrder is the state of an order that changes to it depend on.
type lockedOrder struct {
	Status    store.OrderStatus
	CourierID *int64
}

// lockOrder locks an order until the transaction ends, so changes to one
// order happen one after the other and number their events without gaps.
// Returns ENOTFOUND.
func lockOrder(ctx context.Context, tx pgx.Tx, id int64) (lockedOrder, error) {
	var l lockedOrder
	err := tx.QueryRow(ctx, orderLockSQL, pgx.NamedArgs{"id": id}).Scan(&l.Status, &l.CourierID)
	return l, orNotFound(err, "order", id)
}

func (s *orders) ChangeStatus(ctx context.Context, c store.StatusChange) (*store.Order, *store.OrderEvent, error) {
	if !c.To.Valid() {
		return nil, nil, store.Invalid(store.FieldError{Field: "status", Reason: "is not an order status"})
	}
	at := instant(c.At)
	var (
		o  *store.Order
		ev *store.OrderEvent
	)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockOrder(ctx, tx, c.OrderID)
		if err != nil {
			return err
		}
		if cur.Status != c.To {
			if err := store.CheckTransition(cur.Status, c.To, c.By.Role, c.Reason); err != nil {
				return err
			}
			var reason *string
			if t, _ := store.FindTransition(cur.Status, c.To); t.NeedsReason {
				reason = &c.Reason
			}
			rows, _ := tx.Query(ctx, orderChangeStatusSQL, pgx.NamedArgs{
				"id": c.OrderID, "status": string(c.To), "reason": reason, "at": at,
				"event_type": store.EventOrderStatus, "actor": c.By.String(),
				"event_data": statusChanged{From: cur.Status, To: c.To, Reason: c.Reason},
			})
			if ev, err = collectEvent(rows); err != nil {
				return err
			}
		}
		o, err = getOrder(ctx, tx, c.OrderID)
		return err
	})
	if err != nil {
		return nil, nil, storeError("change order status", err)
	}
	return o, ev, nil
}

func (s *orders) AssignCourier(ctx context.Context, orderID, courierID int64, by store.Principal) (*store.Order, *store.OrderEvent, error) {
	var (
		o  *store.Order
		ev *store.OrderEvent
	)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if _, err := getCourier(ctx, tx, courierGetSQL, courierID); err != nil {
			return err
		}
		switch cur.Status {
		case store.StatusPlaced, store.StatusAccepted, store.StatusPreparing, store.StatusReady:
		default:
			return store.Errorf(store.ECONFLICT, "order_past_pickup",
				"a courier cannot be assigned to an order that is %s", cur.Status)
		}
		if cur.CourierID == nil || *cur.CourierID != courierID {
			rows, _ := tx.Query(ctx, orderAssignCourierSQL, pgx.NamedArgs{
				"id": orderID, "courier_id": courierID, "at": now(),
				"event_type": store.EventCourierAssigned, "actor": by.String(),
				"event_data": courierAssigned{CourierID: courierID, PreviousCourierID: cur.CourierID},
			})
			if ev, err = collectEvent(rows); err != nil {
				return err
			}
		}
		o, err = getOrder(ctx, tx, orderID)
		return err
	})
	if err != nil {
		return nil, nil, storeError("assign courier", err)
	}
	return o, ev, nil
}

func (s *orders) Timeline(ctx context.Context, orderID, afterSeq int64) ([]store.OrderEvent, error) {
	rows, _ := s.db.pool.Query(ctx, orderEventsSQL, pgx.NamedArgs{"id": orderID, "after_seq": afterSeq})
	events, err := pgx.CollectRows(rows, scanOrderEvent)
	if err == nil && len(events) == 0 {
		events, err = []store.OrderEvent{}, orderExists(ctx, s.db.pool, orderID)
	}
	if err != nil {
		return nil, storeError("order timeline", err)
	}
	return events, nil
}

func (s *orders) SetETA(ctx context.Context, orderID int64, eta time.Time) error {
	var at *time.Time
	if !eta.IsZero() {
		t := instant(eta)
		at = &t
	}
	tag, err := s.db.pool.Exec(ctx, orderSetETASQL, pgx.NamedArgs{"id": orderID, "eta": at})
	if err == nil && tag.RowsAffected() == 0 {
		err = store.NotFound("order", orderID)
	}
	return storeError("set order ETA", err)
}

// collectEvent reads the event a change appended.
func collectEvent(rows pgx.Rows) (*store.OrderEvent, error) {
	ev, err := pgx.CollectExactlyOneRow(rows, scanOrderEvent)
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

func scanOrderEvent(row pgx.CollectableRow) (store.OrderEvent, error) {
	var ev store.OrderEvent
	err := row.Scan(&ev.OrderID, &ev.Seq, &ev.Type, &ev.Status, &ev.Data, &ev.Actor, &ev.At)
	return ev, err
}
