package postgres_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/dabba/dabba/store"
)

func TestCreateCourier_StartsOffline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.courier()
	if c.Status != store.CourierOffline || c.LastLocation != nil || c.LastSeenAt != nil || c.Vehicle != store.VehicleScooter {
		t.Errorf("new courier = %+v, want an offline scooter rider never seen", c)
	}
	got, err := f.Couriers.Courier(f.ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("read back %+v (err %v), want %+v", got, err, c)
	}
	_, err = f.Couriers.CreateCourier(f.ctx, store.CourierInput{Name: "R", Phone: "+919900112233", Vehicle: "rocket"})
	wantKind(t, err, store.EINVALID, "validation")
}

func TestUpdateCourier_AppliesThePatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.courier()
	status, vehicle := store.CourierAvailable, store.VehicleBicycle
	got, err := f.Couriers.UpdateCourier(f.ctx, c.ID, store.CourierPatch{Status: &status, Vehicle: &vehicle})
	if err != nil {
		t.Fatalf("UpdateCourier: %v", err)
	}
	if got.Status != status || got.Vehicle != vehicle || got.Name != c.Name {
		t.Errorf("updated = %+v", got)
	}
	bad := store.CourierStatus("asleep")
	_, err = f.Couriers.UpdateCourier(f.ctx, c.ID, store.CourierPatch{Status: &bad})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = f.Couriers.UpdateCourier(f.ctx, c.ID+1000, store.CourierPatch{Status: &status})
	wantKind(t, err, store.ENOTFOUND, "courier_not_found")
}

func TestCouriers_FiltersByStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	offline := f.courier()
	available := f.courier()
	status := store.CourierAvailable
	if _, err := f.Couriers.UpdateCourier(f.ctx, available.ID, store.CourierPatch{Status: &status}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status store.CourierStatus
		want   []int64
	}{
		{"", []int64{offline.ID, available.ID}},
		{store.CourierAvailable, []int64{available.ID}},
		{store.CourierBusy, []int64{}},
	} {
		page, err := f.Couriers.Couriers(f.ctx, store.CourierFilter{Status: tc.status})
		if err != nil {
			t.Fatalf("Couriers(%q): %v", tc.status, err)
		}
		got := []int64{}
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Couriers(%q) = %v, want %v", tc.status, got, tc.want)
		}
	}
	_, err := f.Couriers.Couriers(f.ctx, store.CourierFilter{Status: "asleep"})
	wantKind(t, err, store.EINVALID, "validation")
}
