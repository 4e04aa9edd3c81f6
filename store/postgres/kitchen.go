package postgres

import (
	"context"
	_ "embed"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed kitchen_get.sql
	kitchenGetSQL string
	//go:embed kitchen_upsert.sql
	kitchenUpsertSQL string
	//go:embed kitchen_orders.sql
	kitchenOrdersSQL string
	//go:embed order_under_key.sql
	orderUnderKeySQL string
	//go:embed courier_available.sql
	courierAvailableSQL string
	//go:embed courier_claim.sql
	courierClaimSQL string
	//go:embed courier_release.sql
	courierReleaseSQL string
)

// Kitchens returns the kitchen service backed by this database.
func (db *DB) Kitchens() store.KitchenService { return &kitchens{db: db} }

// Dispatch returns the courier dispatch backed by this database.
func (db *DB) Dispatch() store.CourierDispatch { return &dispatch{db: db} }

// kitchens implements store.KitchenService.
type kitchens struct{ db *DB }

var _ store.KitchenService = (*kitchens)(nil)

func (s *kitchens) KitchenSettings(ctx context.Context, restaurantID int64) (*store.KitchenSettings, error) {
	if err := restaurantExists(ctx, s.db.pool, restaurantID); err != nil {
		return nil, storeError("get kitchen settings", err)
	}
	rows, _ := s.db.pool.Query(ctx, kitchenGetSQL, pgx.NamedArgs{"restaurant_id": restaurantID})
	k, err := pgx.CollectExactlyOneRow(rows, scanKitchen)
	if errors.Is(err, pgx.ErrNoRows) {
		return &store.KitchenSettings{CapacitySettings: store.DefaultKitchenSettings()}, nil
	}
	if err != nil {
		return nil, storeError("get kitchen settings", err)
	}
	return &k, nil
}

func (s *kitchens) SaveKitchenSettings(ctx context.Context, restaurantID int64, k store.KitchenSettings) (*store.KitchenSettings, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	if err := restaurantExists(ctx, s.db.pool, restaurantID); err != nil {
		return nil, storeError("save kitchen settings", err)
	}
	var paused *time.Time
	if k.PausedUntil != nil {
		t := instant(*k.PausedUntil)
		paused = &t
	}
	rows, _ := s.db.pool.Query(ctx, kitchenUpsertSQL, pgx.NamedArgs{
		"restaurant_id": restaurantID, "max_active_orders": k.MaxActiveOrders, "prep_minutes": k.PrepMinutes,
		"busy": k.Busy, "busy_extra_minutes": k.BusyExtraMinutes, "slot_capacity": k.SlotCapacity,
		"paused_until": paused, "pause_reason": k.PauseReason, "at": now(),
	})
	saved, err := pgx.CollectExactlyOneRow(rows, scanKitchen)
	if err != nil {
		return nil, storeError("save kitchen settings", err)
	}
	return &saved, nil
}

func scanKitchen(row pgx.CollectableRow) (store.KitchenSettings, error) {
	var k store.KitchenSettings
	err := row.Scan(&k.MaxActiveOrders, &k.PrepMinutes, &k.Busy, &k.BusyExtraMinutes, &k.SlotCapacity,
		&k.PausedUntil, &k.PauseReason, &k.UpdatedAt)
	return k, err
}

func (s *kitchens) KitchenOrders(ctx context.Context, restaurantID int64, since time.Time) ([]store.KitchenOrder, error) {
	rows, _ := s.db.pool.Query(ctx, kitchenOrdersSQL, pgx.NamedArgs{"restaurant_id": restaurantID, "since": since.UTC()})
	orders, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.KitchenOrder, error) {
		var o store.KitchenOrder
		err := row.Scan(&o.ID, &o.Status, &o.ScheduledFor, &o.PlacedAt)
		return o, err
	})
	return orders, storeError("list kitchen orders", err)
}

func (s *kitchens) OrderUnderKey(ctx context.Context, customerID int64, key string) (bool, error) {
	var exists bool
	err := s.db.pool.QueryRow(ctx, orderUnderKeySQL, pgx.NamedArgs{"customer_id": customerID, "idempotency_key": key}).Scan(&exists)
	return exists, storeError("look up idempotency key", err)
}

// dispatch implements store.CourierDispatch.
type dispatch struct{ db *DB }

var _ store.CourierDispatch = (*dispatch)(nil)

func (s *dispatch) AvailableCouriers(ctx context.Context, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, _ := s.db.pool.Query(ctx, courierAvailableSQL, pgx.NamedArgs{"ids": ids})
	free, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, storeError("find available couriers", err)
	}
	return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return !slices.Contains(free, id) }), nil
}

func (s *dispatch) ClaimCourier(ctx context.Context, courierID int64) (bool, error) {
	var id int64
	err := s.db.pool.QueryRow(ctx, courierClaimSQL, pgx.NamedArgs{"id": courierID}).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, storeError("claim courier", err)
	}
	return true, nil
}

func (s *dispatch) ReleaseCourier(ctx context.Context, courierID, orderID int64) error {
	_, err := s.db.pool.Exec(ctx, courierReleaseSQL, pgx.NamedArgs{"id": courierID, "order_id": orderID})
	return storeError("release courier", err)
}
