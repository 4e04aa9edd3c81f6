package postgres_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/dabba/dabba/store"
)

func TestCreateMenuItem_RoundTripsEveryField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	no := false
	created := f.menuItem(r.ID, 24900, func(in *store.MenuItemInput) {
		in.Description, in.Tags, in.Available = "Dum biryani", []string{"spicy", "bestseller"}, &no
	})
	got, err := f.Menus.MenuItem(f.ctx, created.ID)
	if err != nil {
		t.Fatalf("MenuItem: %v", err)
	}
	if !reflect.DeepEqual(got, created) {
		t.Errorf("read back %+v, want %+v", got, created)
	}
	if got.RestaurantID != r.ID || got.Price != inr(24900) || got.Available ||
		!slices.Equal(got.Tags, []string{"spicy", "bestseller"}) || got.Description != "Dum biryani" {
		t.Errorf("fields = %+v, not what was created", got)
	}
}

func TestCreateMenuItem_DefaultsToAvailableWithNoTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.menuItem(f.restaurant().ID, 100)
	if !m.Available || m.Tags == nil || len(m.Tags) != 0 {
		t.Errorf("available = %v, tags = %#v; want available and an empty tag list", m.Available, m.Tags)
	}
}

func TestCreateMenuItem_Refusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	_, err := f.Menus.CreateMenuItem(f.ctx, r.ID, store.MenuItemInput{Name: "D", Category: "Mains", Price: store.Money{Amount: 100, Currency: "USD"}})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = f.Menus.CreateMenuItem(f.ctx, r.ID, store.MenuItemInput{Name: "D", Category: "Mains", Price: inr(0)})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = f.Menus.CreateMenuItem(f.ctx, r.ID+1000, store.MenuItemInput{Name: "D", Category: "Mains", Price: inr(100)})
	wantKind(t, err, store.ENOTFOUND, "restaurant_not_found")
}

func TestMenuItems_FiltersByCategoryAndAvailability(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	no := false
	mains := f.menuItem(r.ID, 100)
	soldOut := f.menuItem(r.ID, 100, func(in *store.MenuItemInput) { in.Available = &no })
	dessert := f.menuItem(r.ID, 100, func(in *store.MenuItemInput) { in.Category = "Desserts" })
	f.menuItem(f.restaurant().ID, 100) // another restaurant's

	for _, tc := range []struct {
		name   string
		filter store.MenuFilter
		want   []int64
	}{
		{"whole menu", store.MenuFilter{}, []int64{mains.ID, soldOut.ID, dessert.ID}},
		{"category in any case", store.MenuFilter{Category: "MAINS"}, []int64{mains.ID, soldOut.ID}},
		{"available only", store.MenuFilter{AvailableOnly: true}, []int64{mains.ID, dessert.ID}},
		{"one per page", store.MenuFilter{Page: store.PageRequest{Limit: 1}}, []int64{mains.ID, soldOut.ID, dessert.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			filter := tc.filter
			for {
				page, err := f.Menus.MenuItems(f.ctx, r.ID, filter)
				if err != nil {
					t.Fatalf("MenuItems: %v", err)
				}
				for _, m := range page.Items {
					got = append(got, m.ID)
				}
				if page.Next == "" {
					break
				}
				filter.Page.Cursor = page.Next
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("items = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMenuItems_EmptyMenuIsAnEmptyPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	page, err := f.Menus.MenuItems(f.ctx, f.restaurant().ID, store.MenuFilter{})
	if err != nil || page.Items == nil || len(page.Items) != 0 || page.Next != "" {
		t.Errorf("empty menu = %#v (err %v), want an empty last page", page, err)
	}
}

func TestUpdateMenuItem_AppliesThePatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.menuItem(f.restaurant().ID, 100)
	price, no, tags := inr(150), false, []string{"veg"}
	got, err := f.Menus.UpdateMenuItem(f.ctx, m.ID, store.MenuItemPatch{Price: &price, Available: &no, Tags: &tags})
	if err != nil {
		t.Fatalf("UpdateMenuItem: %v", err)
	}
	if got.Price != price || got.Available || !slices.Equal(got.Tags, tags) || got.Name != m.Name {
		t.Errorf("updated = %+v", got)
	}
	usd := store.Money{Amount: 150, Currency: "USD"}
	_, err = f.Menus.UpdateMenuItem(f.ctx, m.ID, store.MenuItemPatch{Price: &usd})
	wantKind(t, err, store.EINVALID, "validation")
	_, err = f.Menus.UpdateMenuItem(f.ctx, m.ID+1000, store.MenuItemPatch{Price: &price})
	wantKind(t, err, store.ENOTFOUND, "menu_item_not_found")
}

func TestDeleteMenuItem_PastOrdersKeepTheirCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	m := f.menuItem(r.ID, 12345)
	o := f.place(f.customer().ID, request(r, store.OrderLine{MenuItemID: m.ID, Quantity: 1}))

	if err := f.Menus.DeleteMenuItem(f.ctx, m.ID); err != nil {
		t.Fatalf("DeleteMenuItem: %v", err)
	}
	_, err := f.Menus.MenuItem(f.ctx, m.ID)
	wantKind(t, err, store.ENOTFOUND, "menu_item_not_found")
	wantKind(t, f.Menus.DeleteMenuItem(f.ctx, m.ID), store.ENOTFOUND, "menu_item_not_found")

	got, err := f.Orders.Order(f.ctx, o.ID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	line := got.Items[0]
	if line.MenuItemID != nil || line.Name != m.Name || line.UnitPrice != inr(12345) {
		t.Errorf("order line after the dish was deleted = %+v, want its name and price kept and no menu item", line)
	}
}
