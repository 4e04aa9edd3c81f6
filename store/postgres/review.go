package postgres

import (
	"context"
	_ "embed"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed review_get.sql
	reviewGetSQL string
	//go:embed review_lock.sql
	reviewLockSQL string
	//go:embed review_list.sql
	reviewListSQL string
	//go:embed review_order.sql
	reviewOrderSQL string
	//go:embed review_insert.sql
	reviewInsertSQL string
	//go:embed review_update.sql
	reviewUpdateSQL string
	//go:embed review_delete.sql
	reviewDeleteSQL string
	//go:embed restaurant_rate.sql
	restaurantRateSQL string
)

// reviews implements store.ReviewService.
type reviews struct{ db *DB }

var _ store.ReviewService = (*reviews)(nil)

func (s *reviews) Review(ctx context.Context, id int64) (*store.Review, error) {
	r, err := getReview(ctx, s.db.pool, reviewGetSQL, id)
	return r, storeError("get review", err)
}

func (s *reviews) Reviews(ctx context.Context, restaurantID int64, f store.ReviewFilter) (store.Page[store.Review], error) {
	limit, after, err := keyset[idPosition](f.Page)
	if err != nil {
		return store.Page[store.Review]{}, err
	}
	args := pgx.NamedArgs{"restaurant_id": restaurantID, "after_id": nil,
		"include_rejected": f.IncludeRejected, "limit": limit + 1}
	if after != nil {
		args["after_id"] = after.ID
	}
	rows, _ := s.db.pool.Query(ctx, reviewListSQL, args)
	page, err := collectPage(rows, limit, scanReview, func(r store.Review) any { return idPosition{r.ID} })
	if err == nil && len(page.Items) == 0 {
		err = restaurantExists(ctx, s.db.pool, restaurantID)
	}
	return page, storeError("list reviews", err)
}

func (s *reviews) CreateReview(ctx context.Context, customerID int64, in store.ReviewInput) (*store.Review, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var r store.Review
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			owner, restaurantID int64
			status              store.OrderStatus
		)
		err := tx.QueryRow(ctx, reviewOrderSQL, pgx.NamedArgs{"id": in.OrderID}).Scan(&owner, &restaurantID, &status)
		if err := orNotFound(err, "order", in.OrderID); err != nil {
			return err
		}
		if owner != customerID {
			// Another customer's order is not theirs to know about.
			return store.NotFound("order", in.OrderID)
		}
		if status != store.StatusDelivered {
			return store.Errorf(store.ECONFLICT, "order_not_delivered", "only a delivered order can be reviewed; order %d is %s", in.OrderID, status)
		}
		rows, _ := tx.Query(ctx, reviewInsertSQL, pgx.NamedArgs{
			"order_id": in.OrderID, "customer_id": customerID, "restaurant_id": restaurantID,
			"rating": in.Rating, "text": in.Text,
		})
		if r, err = pgx.CollectExactlyOneRow(rows, scanReview); err != nil {
			return err
		}
		return rerate(ctx, tx, nil, &r)
	})
	if err != nil {
		return nil, storeError("create review", err)
	}
	return &r, nil
}

func (s *reviews) UpdateReview(ctx context.Context, id int64, p store.ReviewPatch) (*store.Review, error) {
	var r store.Review
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getReview(ctx, tx, reviewLockSQL, id)
		if err != nil {
			return err
		}
		updated, err := p.Apply(*old)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, reviewUpdateSQL, pgx.NamedArgs{
			"id": id, "rating": updated.Rating, "text": updated.Text, "status": string(updated.Status),
		})
		if r, err = pgx.CollectExactlyOneRow(rows, scanReview); err != nil {
			return err
		}
		return rerate(ctx, tx, old, &r)
	})
	if err != nil {
		return nil, storeError("update review", err)
	}
	return &r, nil
}

func (s *reviews) DeleteReview(ctx context.Context, id int64) error {
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getReview(ctx, tx, reviewLockSQL, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, reviewDeleteSQL, pgx.NamedArgs{"id": id}); err != nil {
			return err
		}
		return rerate(ctx, tx, old, nil)
	})
	return storeError("delete review", err)
}

// rerate moves the rating aggregate of the review's restaurant from what
// before (nil: no review) contributed to what after (nil: no review)
// contributes. Only published reviews count.
func rerate(ctx context.Context, tx pgx.Tx, before, after *store.Review) error {
	sumBefore, countBefore := contribution(before)
	sumAfter, countAfter := contribution(after)
	if sumBefore == sumAfter && countBefore == countAfter {
		return nil
	}
	r := after
	if r == nil {
		r = before
	}
	_, err := tx.Exec(ctx, restaurantRateSQL, pgx.NamedArgs{
		"id": r.RestaurantID, "sum_delta": sumAfter - sumBefore, "count_delta": countAfter - countBefore,
	})
	return err
}

// contribution is what a review adds to its restaurant's rating aggregate.
func contribution(r *store.Review) (sum, count int) {
	if r == nil || r.Status != store.ReviewPublished {
		return 0, 0
	}
	return r.Rating, 1
}

// getReview reads one review with query, review_get.sql or review_lock.sql.
// Returns ENOTFOUND.
func getReview(ctx context.Context, q querier, query string, id int64) (*store.Review, error) {
	rows, _ := q.Query(ctx, query, pgx.NamedArgs{"id": id})
	r, err := pgx.CollectExactlyOneRow(rows, scanReview)
	if err != nil {
		return nil, orNotFound(err, "review", id)
	}
	return &r, nil
}

func scanReview(row pgx.CollectableRow) (store.Review, error) {
	var r store.Review
	err := row.Scan(&r.ID, &r.OrderID, &r.CustomerID, &r.RestaurantID, &r.Rating, &r.Text, &r.Status,
		&r.CreatedAt, &r.UpdatedAt)
	return r, err
}
