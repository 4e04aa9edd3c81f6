package postgres

import (
	"context"
	_ "embed"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed menu_item_get.sql
	menuItemGetSQL string
	//go:embed menu_item_lock.sql
	menuItemLockSQL string
	//go:embed menu_item_list.sql
	menuItemListSQL string
	//go:embed menu_item_insert.sql
	menuItemInsertSQL string
	//go:embed menu_item_update.sql
	menuItemUpdateSQL string
	//go:embed menu_item_delete.sql
	menuItemDeleteSQL string
)

// menus implements store.MenuService.
type menus struct{ db *DB }

var _ store.MenuService = (*menus)(nil)

func (s *menus) MenuItem(ctx context.Context, id int64) (*store.MenuItem, error) {
	m, err := getMenuItem(ctx, s.db.pool, menuItemGetSQL, id)
	return m, storeError("get menu item", err)
}

func (s *menus) MenuItems(ctx context.Context, restaurantID int64, f store.MenuFilter) (store.Page[store.MenuItem], error) {
	page, err := s.list(ctx, restaurantID, f)
	return page, storeError("list menu items", err)
}

func (s *menus) list(ctx context.Context, restaurantID int64, f store.MenuFilter) (store.Page[store.MenuItem], error) {
	limit, after, err := keyset[idPosition](f.Page)
	if err != nil {
		return store.Page[store.MenuItem]{}, err
	}
	args := pgx.NamedArgs{"restaurant_id": restaurantID, "after_id": nil, "category": nil,
		"available_only": f.AvailableOnly, "limit": limit + 1}
	if after != nil {
		args["after_id"] = after.ID
	}
	if f.Category != "" {
		args["category"] = f.Category
	}
	rows, _ := s.db.pool.Query(ctx, menuItemListSQL, args)
	page, err := collectPage(rows, limit, scanMenuItem, func(m store.MenuItem) any { return idPosition{m.ID} })
	if err == nil && len(page.Items) == 0 {
		err = restaurantExists(ctx, s.db.pool, restaurantID)
	}
	return page, err
}

func (s *menus) CreateMenuItem(ctx context.Context, restaurantID int64, in store.MenuItemInput) (*store.MenuItem, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var m store.MenuItem
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		terms, err := restaurantTermsOf(ctx, tx, restaurantID)
		if err != nil {
			return err
		}
		if in.Price.Currency != terms.Currency {
			return priceCurrencyError(terms.Currency)
		}
		rows, _ := tx.Query(ctx, menuItemInsertSQL, menuItemArgs(store.MenuItem{
			RestaurantID: restaurantID, Name: in.Name, Description: in.Description, Category: in.Category,
			Price: in.Price, Available: in.Available == nil || *in.Available, Tags: in.Tags,
		}))
		m, err = pgx.CollectExactlyOneRow(rows, scanMenuItem)
		return err
	})
	if err != nil {
		return nil, storeError("create menu item", err)
	}
	return &m, nil
}

func (s *menus) UpdateMenuItem(ctx context.Context, id int64, p store.MenuItemPatch) (*store.MenuItem, error) {
	var m store.MenuItem
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getMenuItem(ctx, tx, menuItemLockSQL, id)
		if err != nil {
			return err
		}
		updated, err := p.Apply(*old)
		if err != nil {
			return err
		}
		// A dish is priced in its restaurant's currency, which never changes.
		if updated.Price.Currency != old.Price.Currency {
			return priceCurrencyError(old.Price.Currency)
		}
		args := menuItemArgs(updated)
		args["id"] = id
		rows, _ := tx.Query(ctx, menuItemUpdateSQL, args)
		m, err = pgx.CollectExactlyOneRow(rows, scanMenuItem)
		return err
	})
	if err != nil {
		return nil, storeError("update menu item", err)
	}
	return &m, nil
}

func (s *menus) DeleteMenuItem(ctx context.Context, id int64) error {
	tag, err := s.db.pool.Exec(ctx, menuItemDeleteSQL, pgx.NamedArgs{"id": id})
	if err == nil && tag.RowsAffected() == 0 {
		err = store.NotFound("menu_item", id)
	}
	return storeError("delete menu item", err)
}

// getMenuItem reads one dish with query, menu_item_get.sql or
// menu_item_lock.sql. Returns ENOTFOUND.
func getMenuItem(ctx context.Context, q querier, query string, id int64) (*store.MenuItem, error) {
	rows, _ := q.Query(ctx, query, pgx.NamedArgs{"id": id})
	m, err := pgx.CollectExactlyOneRow(rows, scanMenuItem)
	if err != nil {
		return nil, orNotFound(err, "menu_item", id)
	}
	return &m, nil
}

func priceCurrencyError(currency string) error {
	return store.Invalid(store.FieldError{Field: "price.currency", Reason: "must be the restaurant's currency, " + currency})
}

func menuItemArgs(m store.MenuItem) pgx.NamedArgs {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	return pgx.NamedArgs{
		"restaurant_id": m.RestaurantID, "name": m.Name, "description": m.Description, "category": m.Category,
		"price": m.Price.Amount, "currency": m.Price.Currency, "available": m.Available, "tags": tags,
	}
}

func scanMenuItem(row pgx.CollectableRow) (store.MenuItem, error) {
	var m store.MenuItem
	err := row.Scan(&m.ID, &m.RestaurantID, &m.Name, &m.Description, &m.Category, &m.Price.Amount,
		&m.Price.Currency, &m.Available, &m.Tags, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}
