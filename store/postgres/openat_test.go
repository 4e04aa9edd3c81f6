package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

// TestRestaurantOpenAt_SQLAgreesWithGo checks that the open-now filter's SQL
// (restaurant_open_at) and store.OpenAt give the same answer for every
// restaurant at every instant of two weeks that cross daylight-saving
// changes, on and one second before every quarter hour.
func TestRestaurantOpenAt_SQLAgreesWithGo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := func(weekday int, opens, closes string) store.OpeningHours {
		return store.OpeningHours{Weekday: weekday, Opens: opens, Closes: closes}
	}
	cases := []struct {
		name  string
		zone  string
		hours []store.OpeningHours
	}{
		{"lunch and dinner", "Asia/Kolkata", []store.OpeningHours{h(1, "11:00", "15:00"), h(1, "18:30", "23:00")}},
		{"overnight into the next day", "America/New_York", []store.OpeningHours{h(5, "18:00", "02:00"), h(6, "22:00", "24:00")}},
		{"overnight from Saturday into Sunday", "UTC", []store.OpeningHours{h(6, "20:00", "03:00")}},
		{"all day", "Europe/London", []store.OpeningHours{h(0, "00:00", "24:00")}},
		{"half-hour offset zone", "Australia/Adelaide", []store.OpeningHours{h(3, "09:30", "14:00"), h(3, "17:00", "22:30")}},
		{"hours in the daylight-saving gap", "America/New_York", []store.OpeningHours{h(0, "01:30", "03:00"), h(0, "02:15", "02:45")}},
		{"overnight closing at midnight", "Asia/Kathmandu", []store.OpeningHours{h(2, "23:45", "00:00"), h(2, "23:50", "00:15")}},
		{"never open", "UTC", nil},
	}
	type place struct {
		hours []store.OpeningHours
		loc   *time.Location
	}
	places := map[int64]place{}
	for _, c := range cases {
		r := f.restaurant(func(in *store.RestaurantInput) { in.Timezone, in.OpeningHours = c.zone, c.hours })
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		places[r.ID] = place{c.hours, loc}
	}

	var instants []time.Time
	for _, start := range []time.Time{
		time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC),   // US spring forward on 9 March
		time.Date(2025, 10, 29, 0, 0, 0, 0, time.UTC), // US fall back on 2 November
	} {
		for at := start; at.Before(start.AddDate(0, 0, 9)); at = at.Add(15 * time.Minute) {
			instants = append(instants, at, at.Add(-time.Second))
		}
	}
	rows, _ := f.db.Pool().Query(f.ctx, `
		SELECT r.id, t, restaurant_open_at(r.id, r.timezone, t)
		FROM restaurants r CROSS JOIN unnest($1::timestamptz[]) AS t`, instants)
	var (
		id      int64
		at      time.Time
		open    bool
		checked int
	)
	_, err := pgx.ForEachRow(rows, []any{&id, &at, &open}, func() error {
		p := places[id]
		if want := store.OpenAt(p.hours, p.loc, at); open != want {
			t.Errorf("restaurant %d (%v in %s) at %s (%s local): SQL says open=%v, store.OpenAt says %v",
				id, p.hours, p.loc, at.Format(time.RFC3339), at.In(p.loc).Format("Mon 15:04:05"), open, want)
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(instants) * len(cases); checked != want {
		t.Fatalf("checked %d answers, want %d", checked, want)
	}

	// The list filter uses the same rule.
	for _, at := range []time.Time{
		time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC),   // Monday 11:30 in Kolkata
		time.Date(2025, 3, 15, 23, 30, 0, 0, time.UTC), // Saturday 23:30 UTC
		time.Date(2025, 3, 9, 6, 59, 0, 0, time.UTC),   // Sunday 02:59 EDT
	} {
		var want []int64
		for id, p := range places {
			if store.OpenAt(p.hours, p.loc, at) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		page, err := f.Restaurants.Restaurants(f.ctx, store.RestaurantFilter{OpenAt: &at})
		if err != nil {
			t.Fatalf("Restaurants: %v", err)
		}
		if got := listingIDs(page.Items); !slices.Equal(got, want) {
			t.Errorf("open at %s: listed %v, want %v", at.Format(time.RFC3339), got, want)
		}
		if len(want) == 0 {
			t.Errorf("open at %s: no restaurant is open, the case checks nothing", at.Format(time.RFC3339))
		}
	}
}
