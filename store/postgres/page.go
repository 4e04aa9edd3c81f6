package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

// idPosition is the keyset position of a list ordered by ID: the ID of the
// last item of the previous page.
type idPosition struct {
	ID int64 `json:"id"`
}

// keyset reads a page request: the page size and, when the request
// continues a list, the position it continues from.
func keyset[P any](r store.PageRequest) (limit int, after *P, err error) {
	limit, err = r.EffectiveLimit()
	if err != nil || r.Cursor == "" {
		return limit, nil, err
	}
	after = new(P)
	if err := store.DecodeCursor(r.Cursor, after); err != nil {
		return 0, nil, err
	}
	return limit, after, nil
}

// collectPage reads the rows of a keyset query run with LIMIT limit+1: the
// extra row, if any, only tells that another page follows, whose cursor is
// the position of the page's last item.
func collectPage[T any](rows pgx.Rows, limit int, scan pgx.RowToFunc[T], position func(T) any) (store.Page[T], error) {
	items, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return store.Page[T]{}, err
	}
	page := store.Page[T]{Items: items}
	if page.Items == nil {
		page.Items = []T{}
	}
	if len(items) > limit {
		page.Items = items[:limit]
		page.Next = store.EncodeCursor(position(items[limit-1]))
	}
	return page, nil
}
