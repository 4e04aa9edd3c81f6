package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestDelivery_NotFoundBeforeACourierIsAssigned(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	_, err := f.Orders.Delivery(f.ctx, o.ID)
	wantKind(t, err, store.ENOTFOUND, "delivery_not_found")
	_, err = f.Orders.Delivery(f.ctx, 1<<40)
	wantKind(t, err, store.ENOTFOUND, "order_not_found")
}

func TestAddTrackingPoints_StoresABatchAndMovesTheCourier(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	c := f.courier()
	t0 := time.Date(2025, 6, 1, 13, 0, 0, 0, time.UTC)
	point := func(lat float64, at time.Time) store.TrackingPoint {
		return store.TrackingPoint{OrderID: o.ID, CourierID: c.ID, Location: store.Point{Lat: lat, Lng: kitchen.Lng},
			HeadingDeg: 90, SpeedMPS: 4.5, At: at}
	}
	batch := []store.TrackingPoint{point(12.972, t0.Add(10*time.Second)), point(12.973, t0.Add(20*time.Second)), point(12.9716, t0)}
	if err := f.Orders.AddTrackingPoints(f.ctx, batch); err != nil {
		t.Fatalf("AddTrackingPoints: %v", err)
	}
	got, err := f.Orders.TrackingPoints(f.ctx, o.ID)
	if err != nil {
		t.Fatalf("TrackingPoints: %v", err)
	}
	if want := []store.TrackingPoint{batch[2], batch[0], batch[1]}; !reflect.DeepEqual(got, want) {
		t.Errorf("points = %+v, want oldest first %+v", got, want)
	}
	courier, _ := f.Couriers.Courier(f.ctx, c.ID)
	if courier.LastLocation == nil || *courier.LastLocation != batch[1].Location || !courier.LastSeenAt.Equal(batch[1].At) {
		t.Errorf("courier last seen at %v on %v, want the newest point %+v", courier.LastLocation, courier.LastSeenAt, batch[1])
	}

	// A late batch of older points does not move the courier back.
	if err := f.Orders.AddTrackingPoints(f.ctx, []store.TrackingPoint{point(12.9, t0.Add(-time.Minute))}); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.Couriers.Courier(f.ctx, c.ID); !reflect.DeepEqual(again, courier) {
		t.Errorf("courier after an older point = %+v, want unchanged %+v", again, courier)
	}
	if err := f.Orders.AddTrackingPoints(f.ctx, nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
}

func TestAddTrackingPoints_RefusesTheWholeBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order()
	c := f.courier()
	good := store.TrackingPoint{OrderID: o.ID, CourierID: c.ID, Location: kitchen, At: time.Now()}
	for _, tc := range []struct {
		name string
		edit func(*store.TrackingPoint)
		kind store.ErrorKind
		code string
	}{
		{"unknown order", func(p *store.TrackingPoint) { p.OrderID = 1 << 40 }, store.ENOTFOUND, "order_not_found"},
		{"unknown courier", func(p *store.TrackingPoint) { p.CourierID = 1 << 40 }, store.ENOTFOUND, "courier_not_found"},
		{"heading past a full turn", func(p *store.TrackingPoint) { p.HeadingDeg = 361 }, store.EINVALID, "validation"},
		{"negative speed", func(p *store.TrackingPoint) { p.SpeedMPS = -1 }, store.EINVALID, "validation"},
		{"no time", func(p *store.TrackingPoint) { p.At = time.Time{} }, store.EINVALID, "validation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := good
			tc.edit(&bad)
			wantKind(t, f.Orders.AddTrackingPoints(f.ctx, []store.TrackingPoint{good, bad}), tc.kind, tc.code)
		})
	}
	points, err := f.Orders.TrackingPoints(f.ctx, o.ID)
	if err != nil || points == nil || len(points) != 0 {
		t.Errorf("points after refused batches = %v (err %v), want none", points, err)
	}
	_, err = f.Orders.TrackingPoints(f.ctx, 1<<40)
	wantKind(t, err, store.ENOTFOUND, "order_not_found")
}
