package store_test

import (
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestCapacitySettings_ValidateAndPrepTime(t *testing.T) {
	ok := store.DefaultKitchenSettings()
	if err := ok.Validate(); err != nil {
		t.Fatalf("the defaults are invalid: %v", err)
	}
	if ok.PrepTime() != 20*time.Minute {
		t.Errorf("default preparation %v, want 20 min", ok.PrepTime())
	}
	busy := ok
	busy.Busy = true
	if busy.PrepTime() != 30*time.Minute {
		t.Errorf("busy preparation %v, want 30 min", busy.PrepTime())
	}
	for _, edit := range []func(*store.CapacitySettings){
		func(s *store.CapacitySettings) { s.MaxActiveOrders = 0 },
		func(s *store.CapacitySettings) { s.PrepMinutes = 241 },
		func(s *store.CapacitySettings) { s.BusyExtraMinutes = -1 },
		func(s *store.CapacitySettings) { s.SlotCapacity = 1001 },
	} {
		s := ok
		edit(&s)
		if err := s.Validate(); !store.IsKind(err, store.EINVALID) {
			t.Errorf("%+v: %v, want EINVALID", s, err)
		}
	}
}

func TestAvailabilityChange_PausesOnlyAheadAndAtMostAWeek(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		until *time.Time
		ok    bool
	}{
		{nil, true},
		{ptr(now.Add(time.Hour)), true},
		{ptr(now.Add(-time.Minute)), false},
		{ptr(now.Add(8 * 24 * time.Hour)), false},
	} {
		c := store.AvailabilityChange{PausedUntil: tc.until}
		if err := c.Validate(now); (err == nil) != tc.ok {
			t.Errorf("pause until %v: %v, want ok=%v", tc.until, err, tc.ok)
		}
	}
}

func TestLocationReport_RefusesImpossibleFixes(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		r  store.LocationReport
		ok bool
	}{
		{store.LocationReport{Lat: 12.97, Lng: 77.59, Heading: 90, Speed: 6}, true},
		{store.LocationReport{Lat: 91, Lng: 77.59}, false},
		{store.LocationReport{Lat: 12.97, Lng: 77.59, Heading: 361}, false},
		{store.LocationReport{Lat: 12.97, Lng: 77.59, Speed: -1}, false},
		{store.LocationReport{Lat: 12.97, Lng: 77.59, TS: ptr(now.Add(time.Hour))}, false},
	} {
		if err := tc.r.Validate(now); (err == nil) != tc.ok {
			t.Errorf("%+v: %v, want ok=%v", tc.r, err, tc.ok)
		}
	}
}

func ptr[T any](v T) *T { return &v }
