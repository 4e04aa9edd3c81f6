package postgres

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed delivery_get.sql
	deliveryGetSQL string
	//go:embed tracking_point_insert.sql
	trackingPointInsertSQL string
	//go:embed tracking_point_list.sql
	trackingPointListSQL string
)

func (s *orders) Delivery(ctx context.Context, orderID int64) (*store.Delivery, error) {
	var (
		d         = store.Delivery{OrderID: orderID}
		courierID *int64
		assigned  *time.Time
	)
	err := s.db.pool.QueryRow(ctx, deliveryGetSQL, pgx.NamedArgs{"id": orderID}).
		Scan(&d.OrderID, &courierID, &assigned, &d.PickedUpAt, &d.DeliveredAt)
	switch {
	case err != nil:
		return nil, storeError("get delivery", orNotFound(err, "order", orderID))
	case courierID == nil:
		return nil, store.NotFound("delivery", orderID)
	}
	d.CourierID, d.AssignedAt = *courierID, *assigned
	return &d, nil
}

func (s *orders) AddTrackingPoints(ctx context.Context, points []store.TrackingPoint) error {
	if len(points) == 0 {
		return nil
	}
	if err := validateTrackingPoints(points); err != nil {
		return err
	}
	var (
		orderIDs   = make([]int64, len(points))
		courierIDs = make([]int64, len(points))
		lats       = make([]float64, len(points))
		lngs       = make([]float64, len(points))
		headings   = make([]float64, len(points))
		speeds     = make([]float64, len(points))
		ats        = make([]time.Time, len(points))
	)
	for i, p := range points {
		orderIDs[i], courierIDs[i] = p.OrderID, p.CourierID
		lats[i], lngs[i], headings[i], speeds[i] = p.Location.Lat, p.Location.Lng, p.HeadingDeg, p.SpeedMPS
		ats[i] = p.At.UTC()
	}
	_, err := s.db.pool.Exec(ctx, trackingPointInsertSQL, pgx.NamedArgs{
		"order_ids": orderIDs, "courier_ids": courierIDs, "lats": lats, "lngs": lngs,
		"headings": headings, "speeds": speeds, "ats": ats,
	})
	return storeError("add tracking points", err)
}

func validateTrackingPoints(points []store.TrackingPoint) error {
	var errs []store.FieldError
	for i, p := range points {
		field := func(name string) string { return fmt.Sprintf("points[%d].%s", i, name) }
		if p.OrderID <= 0 {
			errs = append(errs, store.FieldError{Field: field("order_id"), Reason: "must be an order ID"})
		}
		if p.CourierID <= 0 {
			errs = append(errs, store.FieldError{Field: field("courier_id"), Reason: "must be a courier ID"})
		}
		if !p.Location.Valid() {
			errs = append(errs, store.FieldError{Field: field("location"), Reason: "must have lat in -90..90 and lng in -180..180"})
		}
		if !(p.HeadingDeg >= 0 && p.HeadingDeg <= 360) {
			errs = append(errs, store.FieldError{Field: field("heading_deg"), Reason: "must be between 0 and 360"})
		}
		if !(p.SpeedMPS >= 0 && !math.IsInf(p.SpeedMPS, 1)) {
			errs = append(errs, store.FieldError{Field: field("speed_mps"), Reason: "must be a speed of 0 or more"})
		}
		if p.At.IsZero() {
			errs = append(errs, store.FieldError{Field: field("at"), Reason: "is required"})
		}
	}
	if len(errs) > 0 {
		return store.Invalid(errs...)
	}
	return nil
}

func (s *orders) TrackingPoints(ctx context.Context, orderID int64) ([]store.TrackingPoint, error) {
	rows, _ := s.db.pool.Query(ctx, trackingPointListSQL, pgx.NamedArgs{"id": orderID})
	points, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.TrackingPoint, error) {
		var p store.TrackingPoint
		err := row.Scan(&p.OrderID, &p.CourierID, &p.Location.Lat, &p.Location.Lng, &p.HeadingDeg, &p.SpeedMPS, &p.At)
		return p, err
	})
	if err == nil && len(points) == 0 {
		points, err = []store.TrackingPoint{}, orderExists(ctx, s.db.pool, orderID)
	}
	if err != nil {
		return nil, storeError("list tracking points", err)
	}
	return points, nil
}
