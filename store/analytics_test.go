package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

func TestMoneyPerRoundsHalfAwayFromZero(t *testing.T) {
	for _, tc := range []struct{ amount, n, want int64 }{
		{1000, 3, 333}, {1001, 2, 501}, {1000, 2, 500}, {2, 3, 1}, {1, 3, 0},
		{-1001, 2, -501}, {-1000, 3, -333}, {1000, 0, 0},
	} {
		if got := (store.Money{Amount: tc.amount, Currency: "INR"}).Per(tc.n); got != (store.Money{Amount: tc.want, Currency: "INR"}) {
			t.Errorf("%d per %d = %v, want %d", tc.amount, tc.n, got, tc.want)
		}
	}
}

func TestRevenueFilterResolvesTheWeekEndingTodayByDefault(t *testing.T) {
	now := time.Date(2025, 6, 1, 23, 30, 0, 0, time.FixedZone("IST", 5*3600+1800))
	for _, tc := range []struct {
		name     string
		in       store.RevenueFilter
		from, to string
		field    string
	}{
		{name: "defaults", from: "2025-05-26", to: "2025-06-01"},
		{name: "a week before a given end", in: store.RevenueFilter{To: "2025-03-10"}, from: "2025-03-04", to: "2025-03-10"},
		{name: "one day", in: store.RevenueFilter{From: "2025-03-10", To: "2025-03-10"}, from: "2025-03-10", to: "2025-03-10"},
		{name: "a start after the end", in: store.RevenueFilter{From: "2025-03-11", To: "2025-03-10"}, field: "from"},
		{name: "more than a year", in: store.RevenueFilter{From: "2024-01-01", To: "2025-03-10"}, field: "from"},
		{name: "not a date", in: store.RevenueFilter{To: "10/03/2025"}, field: "to"},
	} {
		got, err := tc.in.Resolve(now)
		if tc.field != "" {
			var e *store.Error
			if !errors.As(err, &e) || e.Kind != store.EINVALID || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want EINVALID on %s", tc.name, err, tc.field)
			}
			continue
		}
		if err != nil || got.From != tc.from || got.To != tc.to {
			t.Errorf("%s: %s..%s (%v), want %s..%s", tc.name, got.From, got.To, err, tc.from, tc.to)
		}
	}
}

func TestRevenueFiguresAddUpWithTheirAverage(t *testing.T) {
	inr := func(a int64) store.Money { return store.Money{Amount: a, Currency: "INR"} }
	a := store.RevenueFigures{Currency: "INR", Orders: 2, Delivered: 1, GrossRevenue: inr(1000), ItemSales: inr(800), DeliveryFees: inr(200), SurgeFees: inr(0)}.Averaged()
	b := store.RevenueFigures{Currency: "INR", Orders: 3, Delivered: 2, Cancelled: 1, GrossRevenue: inr(2001), ItemSales: inr(1601), DeliveryFees: inr(300), SurgeFees: inr(100)}.Averaged()
	sum, err := a.Plus(b)
	if err != nil {
		t.Fatal(err)
	}
	want := store.RevenueFigures{Currency: "INR", Orders: 5, Delivered: 3, Cancelled: 1, GrossRevenue: inr(3001), ItemSales: inr(2401),
		DeliveryFees: inr(500), SurgeFees: inr(100), AverageOrderValue: inr(1000)}
	if sum != want {
		t.Errorf("sum %+v, want %+v", sum, want)
	}
	if _, err := a.Plus(store.RevenueFigures{Currency: "USD"}); store.CodeOf(err) != "currency_mismatch" {
		t.Errorf("adding dollars to rupees: %v", err)
	}
}
