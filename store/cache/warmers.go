package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dabba/dabba/store"
)

// The warmers and the probe dabba ships for its system of record.

// popularRestaurants is how many restaurants a popularity warm covers.
const popularRestaurants = 50

// restaurantWarmer warms restaurant details (the hot ones and the first
// page of the list) and that first list page itself.
type restaurantWarmer struct{ src store.RestaurantService }

func (w restaurantWarmer) Warm(ctx context.Context, c *Cache, keys []Key) (int, error) {
	load := func(ctx context.Context, k Key) (*store.Restaurant, error) {
		id, _ := strconv.ParseInt(k.ID, 10, 64)
		return w.src.Restaurant(ctx, id)
	}
	if keys != nil {
		return WarmKeys(ctx, c, keysOfType(keys, "restaurant"), load)
	}
	first := store.RestaurantFilter{Page: store.PageRequest{Limit: popularRestaurants}}
	page, err := w.src.Restaurants(ctx, first)
	if err != nil {
		return 0, fmt.Errorf("list popular restaurants: %w", err)
	}
	ids := hotIDs(ctx, c, NamespaceRestaurants, "restaurant")
	for _, r := range page.Items {
		ids = append(ids, r.ID)
	}
	n, err := WarmKeys(ctx, c, idKeys(ids, RestaurantKey), load)
	if err != nil {
		return n, err
	}
	lists, err := WarmKeys(ctx, c, []Key{RestaurantListKey(store.RestaurantFilter{})},
		func(ctx context.Context, _ Key) (store.Page[store.RestaurantListing], error) {
			return w.src.Restaurants(ctx, store.RestaurantFilter{})
		})
	return n + lists, err
}

// menuWarmer warms the first menu page of popular restaurants and its
// items, and the hot menu items.
type menuWarmer struct {
	restaurants store.RestaurantService
	menus       store.MenuService
}

// popularMenus is how many restaurants' menus a popularity warm covers.
const popularMenus = 10

func (w menuWarmer) Warm(ctx context.Context, c *Cache, keys []Key) (int, error) {
	loadItem := func(ctx context.Context, k Key) (*store.MenuItem, error) {
		id, _ := strconv.ParseInt(k.ID, 10, 64)
		return w.menus.MenuItem(ctx, id)
	}
	if keys != nil {
		return WarmKeys(ctx, c, keysOfType(keys, "menu_item"), loadItem)
	}
	page, err := w.restaurants.Restaurants(ctx, store.RestaurantFilter{Page: store.PageRequest{Limit: popularMenus}})
	if err != nil {
		return 0, fmt.Errorf("list popular restaurants: %w", err)
	}
	total := 0
	itemIDs := hotIDs(ctx, c, NamespaceStatic, "menu_item")
	for _, r := range page.Items {
		n, err := WarmKeys(ctx, c, []Key{MenuKey(r.ID, store.MenuFilter{})},
			func(ctx context.Context, _ Key) (store.Page[store.MenuItem], error) {
				menu, err := w.menus.MenuItems(ctx, r.ID, store.MenuFilter{})
				for _, m := range menu.Items {
					itemIDs = append(itemIDs, m.ID)
				}
				return menu, err
			})
		total += n
		if err != nil {
			return total, err
		}
	}
	n, err := WarmKeys(ctx, c, idKeys(itemIDs, MenuItemKey), loadItem)
	return total + n, err
}

// keysOfType keeps the keys of one entry type.
func keysOfType(keys []Key, typ string) []Key {
	var out []Key
	for _, k := range keys {
		if k.Type == typ {
			out = append(out, k)
		}
	}
	return out
}

// hotIDs returns the IDs of the hottest entries of one type in ns.
func hotIDs(ctx context.Context, c *Cache, ns Namespace, typ string) []int64 {
	hot, err := c.HotKeys(ctx, ns, popularRestaurants)
	if err != nil {
		return nil
	}
	var ids []int64
	for _, hk := range hot {
		if id, err := strconv.ParseInt(hk.Entry.ID, 10, 64); err == nil && hk.Entry.Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// idKeys maps distinct IDs to their keys.
func idKeys(ids []int64, key func(int64) Key) []Key {
	seen := map[int64]bool{}
	var out []Key
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, key(id))
		}
	}
	return out
}

// restaurantProbe lets the pattern self-checks round-trip the restaurant
// with the lowest ID: rewriting it sets its name to itself, which changes
// nothing users see but its update time.
type restaurantProbe struct{ src store.RestaurantService }

func (p restaurantProbe) ProbeRecord(ctx context.Context) (ProbeRecord, error) {
	page, err := p.src.Restaurants(ctx, store.RestaurantFilter{Page: store.PageRequest{Limit: 1}})
	if err != nil {
		return ProbeRecord{}, fmt.Errorf("pick a restaurant to probe: %w", err)
	}
	if len(page.Items) == 0 {
		return ProbeRecord{}, store.Errorf(store.ENOTFOUND, "no_probe_record", "there is no restaurant to probe")
	}
	id := page.Items[0].ID
	return ProbeRecord{
		Name: fmt.Sprintf("restaurant %d", id),
		Key:  RestaurantKey(id),
		Load: func(ctx context.Context) (json.RawMessage, error) {
			r, err := p.src.Restaurant(ctx, id)
			if err != nil {
				return nil, err
			}
			return json.Marshal(r)
		},
		Rewrite: func(ctx context.Context) (json.RawMessage, error) {
			r, err := p.src.Restaurant(ctx, id)
			if err != nil {
				return nil, err
			}
			if r, err = p.src.UpdateRestaurant(ctx, id, store.RestaurantPatch{Name: &r.Name}); err != nil {
				return nil, err
			}
			return json.Marshal(r)
		},
		Event: Event{Type: EventRestaurantUpdated, RestaurantID: id},
	}, nil
}
