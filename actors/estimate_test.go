package actors

import (
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestSurgeMultiplier_RisesWithOrdersBeyondOnePerFreeCourier(t *testing.T) {
	c := Config{}.withDefaults().Surge
	for _, tc := range []struct {
		demand, supply, want int
	}{
		{0, 0, 10000},
		{1, 0, 10000},  // one order, nobody free: counted as one courier
		{3, 4, 10000},  // more couriers than orders
		{4, 4, 10000},  // one each
		{5, 4, 10625},  // one beyond, shared by four: +25 % / 4
		{8, 4, 12500},  // four beyond four couriers
		{3, 1, 15000},  // two beyond one courier
		{9, 1, 20000},  // capped at twice the fee
		{50, 0, 20000}, // capped
	} {
		if got := c.multiplier(tc.demand, tc.supply); got != tc.want {
			t.Errorf("demand %d, supply %d: %d basis points, want %d", tc.demand, tc.supply, got, tc.want)
		}
	}
}

func TestEstimate_AddsTheRemainingPreparationAndTheRide(t *testing.T) {
	c := TrackingConfig{DefaultSpeedMPS: 5, Detour: 1}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	restaurant := store.Point{Lat: 12.9716, Lng: 77.5946}
	home := store.Point{Lat: 12.9716 + 0.009, Lng: 77.5946} // about 1000 m north
	courier := &store.CourierFix{Location: store.Point{Lat: 12.9716 - 0.0045, Lng: 77.5946}, SpeedMPS: 10}
	leg := restaurant.DistanceM(home)
	slot := now.Add(2 * time.Hour)
	for _, tc := range []struct {
		name      string
		j         journey
		wantETA   time.Time
		wantTotal float64
	}{
		{"before a courier, the food waits for the kitchen",
			journey{status: store.StatusPreparing, restaurant: restaurant, destination: home, readyAt: now.Add(10 * time.Minute)},
			now.Add(10*time.Minute + time.Duration(leg/5*float64(time.Second))), leg},
		{"a courier arriving after the food is ready sets off on arrival",
			journey{status: store.StatusReady, restaurant: restaurant, destination: home, courier: courier, readyAt: now.Add(-time.Minute)},
			now.Add(time.Duration((courier.Location.DistanceM(restaurant) + leg) / 10 * float64(time.Second))),
			courier.Location.DistanceM(restaurant) + leg},
		{"after pickup only the last leg is left",
			journey{status: store.StatusPickedUp, restaurant: restaurant, destination: home, courier: &store.CourierFix{Location: restaurant, SpeedMPS: 0}},
			now.Add(time.Duration(leg / 5 * float64(time.Second))), leg},
		{"a scheduled order arrives in its slot",
			journey{status: store.StatusPlaced, restaurant: restaurant, destination: home, readyAt: now.Add(20 * time.Minute), scheduledFor: &slot},
			slot, leg},
	} {
		eta, total := c.estimate(tc.j, now)
		if d := eta.Sub(tc.wantETA); d < -time.Second || d > time.Second || total-tc.wantTotal > 0.1 || tc.wantTotal-total > 0.1 {
			t.Errorf("%s: ETA %v over %.1f m, want %v over %.1f m", tc.name, eta, total, tc.wantETA, tc.wantTotal)
		}
	}
}
