package postgres_test

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/dabba/dabba/store"
)

func TestCreateRestaurant_RoundTripsEveryField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hours := []store.OpeningHours{
		{Weekday: 5, Opens: "18:00", Closes: "02:00"},
		{Weekday: 0, Opens: "00:00", Closes: "24:00"},
		{Weekday: 1, Opens: "07:05", Closes: "10:30"},
	}
	created := f.restaurant(func(in *store.RestaurantInput) { in.OpeningHours = hours })
	got, err := f.Restaurants.Restaurant(f.ctx, created.ID)
	if err != nil {
		t.Fatalf("Restaurant: %v", err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Errorf("read back\n%+v\nwant what CreateRestaurant returned\n%+v", got, created)
	}
	if !reflect.DeepEqual(got.OpeningHours, hours) {
		t.Errorf("opening hours = %+v, want %+v in the order given", got.OpeningHours, hours)
	}
	if got.Location != kitchen || got.Timezone != "Asia/Kolkata" || got.MinimumOrder != inr(10000) ||
		got.DeliveryFee != inr(4000) || got.DeliveryRadiusM != 5000 || got.Rating != (store.Rating{}) {
		t.Errorf("fields = %+v, not what was created", got)
	}
	if got.CreatedAt.Location().String() != "UTC" || got.CreatedAt.IsZero() {
		t.Errorf("created_at = %v, want a UTC time", got.CreatedAt)
	}
}

func TestCreateRestaurant_TimezoneDefaultsToUTC(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant(func(in *store.RestaurantInput) { in.Timezone = "" })
	if r.Timezone != "UTC" {
		t.Errorf("timezone = %q, want UTC", r.Timezone)
	}
}

func TestCreateRestaurant_InvalidInputIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for name, edit := range map[string]func(*store.RestaurantInput){
		"unknown time zone":     func(in *store.RestaurantInput) { in.Timezone = "Mars/Olympus_Mons" },
		"radius too small":      func(in *store.RestaurantInput) { in.DeliveryRadiusM = 50 },
		"fee in other currency": func(in *store.RestaurantInput) { in.DeliveryFee.Currency = "USD" },
		"negative minimum":      func(in *store.RestaurantInput) { in.MinimumOrder.Amount = -1 },
		"latitude off the map":  func(in *store.RestaurantInput) { in.Location.Lat = 91 },
		"hours that never open": func(in *store.RestaurantInput) {
			in.OpeningHours = []store.OpeningHours{{Weekday: 1, Opens: "10:00", Closes: "10:00"}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			in := store.RestaurantInput{Name: "X", Cuisine: "thai", Address: "Somewhere", Location: kitchen,
				DeliveryRadiusM: 3000, MinimumOrder: inr(0), DeliveryFee: inr(0)}
			edit(&in)
			_, err := f.Restaurants.CreateRestaurant(f.ctx, in)
			wantKind(t, err, store.EINVALID, "validation")
		})
	}
}

func TestUpdateRestaurant_AppliesThePatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	name, fee := "Renamed", inr(2500)
	hours := []store.OpeningHours{{Weekday: 6, Opens: "22:00", Closes: "03:00"}}
	got, err := f.Restaurants.UpdateRestaurant(f.ctx, r.ID, store.RestaurantPatch{Name: &name, DeliveryFee: &fee, OpeningHours: &hours})
	if err != nil {
		t.Fatalf("UpdateRestaurant: %v", err)
	}
	if got.Name != name || got.DeliveryFee != fee || !reflect.DeepEqual(got.OpeningHours, hours) {
		t.Errorf("updated = %+v, want name %q, fee %v, hours %v", got, name, fee, hours)
	}
	if got.Cuisine != r.Cuisine || got.MinimumOrder != r.MinimumOrder {
		t.Errorf("fields outside the patch changed: %+v", got)
	}
	if !got.UpdatedAt.After(r.UpdatedAt) {
		t.Errorf("updated_at %v did not move past %v", got.UpdatedAt, r.UpdatedAt)
	}
	read, _ := f.Restaurants.Restaurant(f.ctx, r.ID)
	if !reflect.DeepEqual(read, got) {
		t.Errorf("read back %+v, want %+v", read, got)
	}

	// Hours outside the patch stay.
	got, err = f.Restaurants.UpdateRestaurant(f.ctx, r.ID, store.RestaurantPatch{Name: &name})
	if err != nil || !reflect.DeepEqual(got.OpeningHours, hours) {
		t.Errorf("after a patch without hours: hours %+v (err %v), want %+v", got.OpeningHours, err, hours)
	}
}

func TestUpdateRestaurant_Refusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	usd := store.Money{Amount: 100, Currency: "USD"}
	_, err := f.Restaurants.UpdateRestaurant(f.ctx, r.ID, store.RestaurantPatch{MinimumOrder: &usd})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = f.Restaurants.UpdateRestaurant(f.ctx, r.ID+1000, store.RestaurantPatch{})
	wantKind(t, err, store.ENOTFOUND, "restaurant_not_found")
}

func TestDeleteRestaurant_TakesItOffThePlatform(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	other := f.restaurant()
	m := f.menuItem(r.ID, 20000)
	customer := f.customer()
	past := f.place(customer.ID, request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1}))

	if err := f.Restaurants.DeleteRestaurant(f.ctx, r.ID); err != nil {
		t.Fatalf("DeleteRestaurant: %v", err)
	}
	_, err := f.Restaurants.Restaurant(f.ctx, r.ID)
	wantKind(t, err, store.ENOTFOUND, "restaurant_not_found")
	page, err := f.Restaurants.Restaurants(f.ctx, store.RestaurantFilter{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != other.ID {
		t.Errorf("list after delete = %+v (err %v), want only restaurant %d", page.Items, err, other.ID)
	}
	_, err = f.Menus.MenuItem(f.ctx, m.ID)
	wantKind(t, err, store.ENOTFOUND, "menu_item_not_found")
	_, err = f.Menus.MenuItems(f.ctx, r.ID, store.MenuFilter{})
	wantKind(t, err, store.ENOTFOUND, "restaurant_not_found")
	_, _, err = f.Orders.PlaceOrder(f.ctx, store.NewOrder{CustomerID: customer.ID,
		Request: request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1})})
	wantKind(t, err, store.ENOTFOUND, "restaurant_not_found")
	if o, err := f.Orders.Order(f.ctx, past.ID); err != nil || o.RestaurantID != r.ID {
		t.Errorf("past order = %+v (err %v), want it kept", o, err)
	}
	wantKind(t, f.Restaurants.DeleteRestaurant(f.ctx, r.ID), store.ENOTFOUND, "restaurant_not_found")
}

func TestRestaurants_CuisineFilterIgnoresCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	thai := f.restaurant(func(in *store.RestaurantInput) { in.Cuisine = "Thai" })
	f.restaurant(func(in *store.RestaurantInput) { in.Cuisine = "biryani" })
	page, err := f.Restaurants.Restaurants(f.ctx, store.RestaurantFilter{Cuisine: "THAI"})
	if err != nil {
		t.Fatalf("Restaurants: %v", err)
	}
	if got := listingIDs(page.Items); !slices.Equal(got, []int64{thai.ID}) {
		t.Errorf("cuisine THAI = %v, want [%d]", got, thai.ID)
	}
}

func TestRestaurants_PagesStayStableWhileRestaurantsAreAdded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var before []int64
	for range 11 {
		before = append(before, f.restaurant().ID)
	}
	seen := map[int64]int{}
	filter := store.RestaurantFilter{Page: store.PageRequest{Limit: 3}}
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the list does not end")
		}
		page, err := f.Restaurants.Restaurants(f.ctx, filter)
		if err != nil {
			t.Fatalf("Restaurants: %v", err)
		}
		if len(page.Items) > 3 {
			t.Fatalf("page of %d items, limit 3", len(page.Items))
		}
		for _, l := range page.Items {
			seen[l.ID]++
		}
		f.restaurant() // a concurrent insert between two page fetches
		if page.Next == "" {
			break
		}
		filter.Page.Cursor = page.Next
	}
	for _, id := range before {
		if seen[id] != 1 {
			t.Errorf("restaurant %d listed %d times, want once", id, seen[id])
		}
	}
}

func TestRestaurants_NearListsByDistanceThenID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	at := func(lat, lng float64, radius int) *store.Restaurant {
		return f.restaurant(func(in *store.RestaurantInput) {
			in.Location, in.DeliveryRadiusM = store.Point{Lat: lat, Lng: lng}, radius
		})
	}
	near := store.Point{Lat: 12.9716, Lng: 77.5946}
	b := at(12.9816, 77.5946, 2000) // ~1.1 km north
	a := at(12.9726, 77.5946, 500)  // ~110 m north
	twin := at(12.9726, 77.5946, 500)
	c := at(13.0216, 77.5946, 3000) // ~5.6 km: delivers only to 3 km
	d := at(13.0716, 77.5946, 20000)

	for _, tc := range []struct {
		name    string
		radiusM int
		want    []int64
	}{
		{"within each restaurant's own radius", 0, []int64{a.ID, twin.ID, b.ID, d.ID}},
		{"within 2 km", 2000, []int64{a.ID, twin.ID, b.ID}},
		{"within 6 km", 6000, []int64{a.ID, twin.ID, b.ID, c.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []store.RestaurantListing
			filter := store.RestaurantFilter{Near: &near, RadiusM: tc.radiusM, Page: store.PageRequest{Limit: 1}}
			for {
				page, err := f.Restaurants.Restaurants(f.ctx, filter)
				if err != nil {
					t.Fatalf("Restaurants: %v", err)
				}
				got = append(got, page.Items...)
				if page.Next == "" {
					break
				}
				filter.Page.Cursor = page.Next
			}
			if ids := listingIDs(got); !slices.Equal(ids, tc.want) {
				t.Fatalf("near list = %v, want %v", ids, tc.want)
			}
			for _, l := range got {
				want := near.DistanceM(l.Location)
				if l.DistanceM == nil || math.Abs(*l.DistanceM-want) > 1e-6 {
					t.Errorf("restaurant %d distance = %v, want %.6f as store.Point.DistanceM says", l.ID, l.DistanceM, want)
				}
			}
		})
	}
}

func TestRestaurants_NearPagesStayStableWhileRestaurantsAreAdded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	near := kitchen
	placeAt := func(i int) int64 {
		return f.restaurant(func(in *store.RestaurantInput) {
			// Pairs share a spot, so ties on distance are broken by ID.
			in.Location = store.Point{Lat: kitchen.Lat + float64(i/2)*0.001, Lng: kitchen.Lng}
		}).ID
	}
	var before []int64
	for i := range 9 {
		before = append(before, placeAt(i))
	}
	seen := map[int64]int{}
	filter := store.RestaurantFilter{Near: &near, RadiusM: 10000, Page: store.PageRequest{Limit: 2}}
	last := -1.0
	for i := 0; ; i++ {
		page, err := f.Restaurants.Restaurants(f.ctx, filter)
		if err != nil {
			t.Fatalf("Restaurants: %v", err)
		}
		for _, l := range page.Items {
			seen[l.ID]++
			if *l.DistanceM < last {
				t.Errorf("restaurant %d at %.1f m listed after one at %.1f m", l.ID, *l.DistanceM, last)
			}
			last = *l.DistanceM
		}
		placeAt(i % 9) // lands before or after the cursor
		if page.Next == "" {
			break
		}
		filter.Page.Cursor = page.Next
	}
	for _, id := range before {
		if seen[id] != 1 {
			t.Errorf("restaurant %d listed %d times, want once", id, seen[id])
		}
	}
}

func TestRestaurants_BadFiltersAreInvalid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	off := store.Point{Lat: 95, Lng: 0}
	for name, filter := range map[string]store.RestaurantFilter{
		"cursor not from the list": {Page: store.PageRequest{Cursor: "not-a-cursor"}},
		"limit over 100":           {Page: store.PageRequest{Limit: 101}},
		"negative radius":          {Near: &kitchen, RadiusM: -1},
		"radius without a point":   {RadiusM: 1000},
		"point off the map":        {Near: &off},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.Restaurants.Restaurants(f.ctx, filter)
			wantKind(t, err, store.EINVALID, "validation")
		})
	}
}

func listingIDs(ls []store.RestaurantListing) []int64 {
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return ids
}
