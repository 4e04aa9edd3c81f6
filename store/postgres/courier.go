package postgres

import (
	"context"
	_ "embed"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed courier_get.sql
	courierGetSQL string
	//go:embed courier_lock.sql
	courierLockSQL string
	//go:embed courier_list.sql
	courierListSQL string
	//go:embed courier_insert.sql
	courierInsertSQL string
	//go:embed courier_update.sql
	courierUpdateSQL string
)

// couriers implements store.CourierService.
type couriers struct{ db *DB }

var _ store.CourierService = (*couriers)(nil)

func (s *couriers) Courier(ctx context.Context, id int64) (*store.Courier, error) {
	c, err := getCourier(ctx, s.db.pool, courierGetSQL, id)
	return c, storeError("get courier", err)
}

func (s *couriers) Couriers(ctx context.Context, f store.CourierFilter) (store.Page[store.Courier], error) {
	limit, after, err := keyset[idPosition](f.Page)
	if err != nil {
		return store.Page[store.Courier]{}, err
	}
	args := pgx.NamedArgs{"after_id": nil, "status": nil, "limit": limit + 1}
	if after != nil {
		args["after_id"] = after.ID
	}
	switch f.Status {
	case "":
	case store.CourierOffline, store.CourierAvailable, store.CourierBusy:
		args["status"] = string(f.Status)
	default:
		return store.Page[store.Courier]{}, store.Invalid(store.FieldError{Field: "status", Reason: "must be one of offline, available, busy"})
	}
	rows, _ := s.db.pool.Query(ctx, courierListSQL, args)
	p, err := collectPage(rows, limit, scanCourier, func(c store.Courier) any { return idPosition{c.ID} })
	return p, storeError("list couriers", err)
}

func (s *couriers) CreateCourier(ctx context.Context, in store.CourierInput) (*store.Courier, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	rows, _ := s.db.pool.Query(ctx, courierInsertSQL, pgx.NamedArgs{
		"name": in.Name, "phone": in.Phone, "vehicle": string(in.Vehicle),
	})
	c, err := pgx.CollectExactlyOneRow(rows, scanCourier)
	if err != nil {
		return nil, storeError("create courier", err)
	}
	return &c, nil
}

func (s *couriers) UpdateCourier(ctx context.Context, id int64, p store.CourierPatch) (*store.Courier, error) {
	var c store.Courier
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getCourier(ctx, tx, courierLockSQL, id)
		if err != nil {
			return err
		}
		updated, err := p.Apply(*old)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, courierUpdateSQL, pgx.NamedArgs{
			"id": id, "name": updated.Name, "phone": updated.Phone,
			"vehicle": string(updated.Vehicle), "status": string(updated.Status),
		})
		c, err = pgx.CollectExactlyOneRow(rows, scanCourier)
		return err
	})
	if err != nil {
		return nil, storeError("update courier", err)
	}
	return &c, nil
}

// getCourier reads one courier with query, courier_get.sql or
// courier_lock.sql. Returns ENOTFOUND.
func getCourier(ctx context.Context, q querier, query string, id int64) (*store.Courier, error) {
	rows, _ := q.Query(ctx, query, pgx.NamedArgs{"id": id})
	c, err := pgx.CollectExactlyOneRow(rows, scanCourier)
	if err != nil {
		return nil, orNotFound(err, "courier", id)
	}
	return &c, nil
}

func scanCourier(row pgx.CollectableRow) (store.Courier, error) {
	var (
		c        store.Courier
		lat, lng *float64
		seen     *time.Time
	)
	err := row.Scan(&c.ID, &c.Name, &c.Phone, &c.Vehicle, &c.Status, &lat, &lng, &seen, &c.CreatedAt, &c.UpdatedAt)
	if lat != nil && lng != nil {
		c.LastLocation = &store.Point{Lat: *lat, Lng: *lng}
		c.LastSeenAt = seen
	}
	return c, err
}
