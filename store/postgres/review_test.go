package postgres_test

import (
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/dabba/dabba/store"
)

func TestReviews_KeepTheRestaurantRatingCurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	review := func(rating int) *store.Review {
		t.Helper()
		o := f.deliver(f.orderFrom(r, f.customer().ID).ID)
		v, err := f.Reviews.CreateReview(f.ctx, o.CustomerID, store.ReviewInput{OrderID: o.ID, Rating: rating, Text: "ok"})
		if err != nil {
			t.Fatalf("CreateReview: %v", err)
		}
		return v
	}
	update := func(v *store.Review, p store.ReviewPatch) {
		t.Helper()
		if _, err := f.Reviews.UpdateReview(f.ctx, v.ID, p); err != nil {
			t.Fatalf("UpdateReview: %v", err)
		}
	}
	rejected, published := store.ReviewRejected, store.ReviewPublished
	one, text := 1, "changed my mind"
	var five, three, four *store.Review

	for _, step := range []struct {
		name  string
		do    func()
		count int
		sum   int
	}{
		{"a first review", func() { five = review(5) }, 1, 5},
		{"a second review", func() { three = review(3) }, 2, 8},
		{"a third review", func() { four = review(4) }, 3, 12},
		{"a moderator rejects one", func() { update(three, store.ReviewPatch{Status: &rejected}) }, 2, 9},
		{"a rejected review is edited", func() { update(three, store.ReviewPatch{Rating: &one}) }, 2, 9},
		{"the author lowers a rating", func() { update(five, store.ReviewPatch{Rating: &one}) }, 2, 5},
		{"a moderator publishes it again", func() { update(three, store.ReviewPatch{Status: &published}) }, 3, 6},
		{"only the text changes", func() { update(four, store.ReviewPatch{Text: &text}) }, 3, 6},
		{"a review is deleted", func() {
			if err := f.Reviews.DeleteReview(f.ctx, four.ID); err != nil {
				t.Fatal(err)
			}
		}, 2, 2},
	} {
		step.do()
		got, err := f.Restaurants.Restaurant(f.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := store.Rating{Count: step.count, Average: float64(step.sum) / float64(step.count)}
		if got.Rating.Count != want.Count || math.Abs(got.Rating.Average-want.Average) > 1e-9 {
			t.Errorf("after %s: rating %+v, want %+v", step.name, got.Rating, want)
		}
		var sum, count int
		err = f.db.Pool().QueryRow(f.ctx, `SELECT coalesce(sum(rating), 0), count(*) FROM reviews
			WHERE restaurant_id = $1 AND status = 'published'`, r.ID).Scan(&sum, &count)
		if err != nil || sum != step.sum || count != step.count {
			t.Errorf("after %s: published reviews add up to %d/%d (err %v), want %d/%d", step.name, sum, count, err, step.sum, step.count)
		}
	}
}

func TestReviews_ConcurrentReviewsAllCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	var delivered []*store.Order
	for range 8 {
		delivered = append(delivered, f.deliver(f.orderFrom(r, f.customer().ID).ID))
	}
	var wg sync.WaitGroup
	for i, o := range delivered {
		wg.Go(func() {
			if _, err := f.Reviews.CreateReview(f.ctx, o.CustomerID, store.ReviewInput{OrderID: o.ID, Rating: i%5 + 1}); err != nil {
				t.Errorf("CreateReview: %v", err)
			}
		})
	}
	wg.Wait()
	got, _ := f.Restaurants.Restaurant(f.ctx, r.ID)
	if want := (store.Rating{Count: 8, Average: 21.0 / 8}); got.Rating != want { // ratings 1 2 3 4 5 1 2 3
		t.Errorf("rating = %+v, want %+v", got.Rating, want)
	}
}

func TestCreateReview_Refusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	delivered := f.delivered()
	pending := f.order()
	if _, err := f.Reviews.CreateReview(f.ctx, delivered.CustomerID, store.ReviewInput{OrderID: delivered.ID, Rating: 5}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		customerID int64
		in         store.ReviewInput
		kind       store.ErrorKind
		code       string
	}{
		{"someone else's order", pending.CustomerID, store.ReviewInput{OrderID: delivered.ID, Rating: 4}, store.ENOTFOUND, "order_not_found"},
		{"an unknown order", delivered.CustomerID, store.ReviewInput{OrderID: 1 << 40, Rating: 4}, store.ENOTFOUND, "order_not_found"},
		{"an order not delivered yet", pending.CustomerID, store.ReviewInput{OrderID: pending.ID, Rating: 4}, store.ECONFLICT, "order_not_delivered"},
		{"a second review", delivered.CustomerID, store.ReviewInput{OrderID: delivered.ID, Rating: 4}, store.ECONFLICT, "review_exists"},
		{"six stars", delivered.CustomerID, store.ReviewInput{OrderID: delivered.ID, Rating: 6}, store.EINVALID, "validation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Reviews.CreateReview(f.ctx, tc.customerID, tc.in)
			wantKind(t, err, tc.kind, tc.code)
		})
	}
	if r, _ := f.Restaurants.Restaurant(f.ctx, delivered.RestaurantID); r.Rating != (store.Rating{Average: 5, Count: 1}) {
		t.Errorf("rating after refusals = %+v, want only the first review", r.Rating)
	}
}

func TestReviews_ListNewestFirstWithoutRejected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.restaurant()
	var ids []int64
	for range 3 {
		o := f.deliver(f.orderFrom(r, f.customer().ID).ID)
		v, err := f.Reviews.CreateReview(f.ctx, o.CustomerID, store.ReviewInput{OrderID: o.ID, Rating: 4})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	rejected := store.ReviewRejected
	if _, err := f.Reviews.UpdateReview(f.ctx, ids[1], store.ReviewPatch{Status: &rejected}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		filter store.ReviewFilter
		want   []int64
	}{
		{"published", store.ReviewFilter{}, []int64{ids[2], ids[0]}},
		{"with rejected", store.ReviewFilter{IncludeRejected: true}, []int64{ids[2], ids[1], ids[0]}},
		{"one per page", store.ReviewFilter{IncludeRejected: true, Page: store.PageRequest{Limit: 1}}, []int64{ids[2], ids[1], ids[0]}},
	} {
		var got []int64
		filter := tc.filter
		for {
			page, err := f.Reviews.Reviews(f.ctx, r.ID, filter)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			for _, v := range page.Items {
				got = append(got, v.ID)
			}
			if page.Next == "" {
				break
			}
			filter.Page.Cursor = page.Next
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if v, err := f.Reviews.Review(f.ctx, ids[1]); err != nil || v.Status != store.ReviewRejected {
		t.Errorf("a rejected review read by ID = %+v (err %v), want it with its status", v, err)
	}
	_, err := f.Reviews.Reviews(f.ctx, 1<<40, store.ReviewFilter{})
	wantKind(t, err, store.ENOTFOUND, "restaurant_not_found")
	_, err = f.Reviews.Review(f.ctx, 1<<40)
	wantKind(t, err, store.ENOTFOUND, "review_not_found")
	wantKind(t, f.Reviews.DeleteReview(f.ctx, 1<<40), store.ENOTFOUND, "review_not_found")
}
