package store

import (
	"context"
	"time"
)

// ReviewStatus is a review's moderation state.
type ReviewStatus string

// The moderation states. Reviews publish on creation; moderators reject
// abusive ones, which hides them and takes them out of the rating.
const (
	ReviewPublished ReviewStatus = "published"
	ReviewRejected  ReviewStatus = "rejected"
)

// Review is a customer's verdict on one delivered order.
type Review struct {
	// ID is the review's identity.
	ID int64 `json:"id" example:"88"`
	// OrderID is the delivered order reviewed; one review per order.
	OrderID int64 `json:"order_id" example:"1042"`
	// CustomerID is the author.
	CustomerID int64 `json:"customer_id" example:"7"`
	// RestaurantID is the restaurant reviewed.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// Rating from 1 to 5.
	Rating int `json:"rating" example:"5"`
	// Text of the review; may be empty.
	Text string `json:"text" example:"Best biryani in town, arrived hot."`
	// Status of moderation.
	Status ReviewStatus `json:"status" example:"published"`
	// CreatedAt is when it was written, UTC.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// ReviewInput is what a customer writes about an order.
type ReviewInput struct {
	// OrderID is the delivered order being reviewed.
	OrderID int64 `json:"order_id" validate:"required,gt=0" example:"1042"`
	// Rating from 1 to 5.
	Rating int `json:"rating" validate:"required,gte=1,lte=5" example:"5"`
	// Text of the review, up to 2000 characters.
	Text string `json:"text,omitempty" validate:"max=2000" example:"Best biryani in town, arrived hot."`
}

// Validate checks the rules a single field tag cannot express.
func (in *ReviewInput) Validate() error {
	var errs []FieldError
	if in.OrderID <= 0 {
		errs = append(errs, FieldError{"order_id", "must be an order ID"})
	}
	if in.Rating < 1 || in.Rating > 5 {
		errs = append(errs, FieldError{"rating", "must be between 1 and 5"})
	}
	if len([]rune(in.Text)) > 2000 {
		errs = append(errs, FieldError{"text", "must be at most 2000 characters"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// ReviewPatch changes a review: the author edits rating and text, a
// moderator the status.
type ReviewPatch struct {
	Rating *int          `json:"rating,omitempty" validate:"omitempty,gte=1,lte=5"`
	Text   *string       `json:"text,omitempty" validate:"omitempty,max=2000"`
	Status *ReviewStatus `json:"status,omitempty" validate:"omitempty,oneof=published rejected"`
}

// Apply returns r with the patch applied, validated as a whole.
func (p *ReviewPatch) Apply(r Review) (Review, error) {
	set(&r.Rating, p.Rating)
	set(&r.Text, p.Text)
	set(&r.Status, p.Status)
	in := ReviewInput{OrderID: r.OrderID, Rating: r.Rating, Text: r.Text}
	if err := in.Validate(); err != nil {
		return r, err
	}
	if r.Status != ReviewPublished && r.Status != ReviewRejected {
		return r, Invalid(FieldError{"status", "must be published or rejected"})
	}
	return r, nil
}

// ReviewFilter selects a restaurant's reviews.
type ReviewFilter struct {
	// IncludeRejected also lists reviews moderators rejected.
	IncludeRejected bool
	// Page is the page wanted; reviews come newest first.
	Page PageRequest
}

// ReviewService keeps reviews and each restaurant's rating aggregate, which
// every change updates in the same transaction.
type ReviewService interface {
	// Review returns one review. Returns ENOTFOUND.
	Review(ctx context.Context, id int64) (*Review, error)
	// Reviews lists a restaurant's reviews, newest first. Returns ENOTFOUND
	// for the restaurant, EINVALID for a bad cursor or limit.
	Reviews(ctx context.Context, restaurantID int64, f ReviewFilter) (Page[Review], error)
	// CreateReview publishes a customer's review of their order. Returns
	// ENOTFOUND when the order is not the customer's, ECONFLICT
	// "order_not_delivered" or "review_exists", EINVALID.
	CreateReview(ctx context.Context, customerID int64, in ReviewInput) (*Review, error)
	// UpdateReview applies a patch. Returns ENOTFOUND or EINVALID.
	UpdateReview(ctx context.Context, id int64, p ReviewPatch) (*Review, error)
	// DeleteReview removes a review. Returns ENOTFOUND.
	DeleteReview(ctx context.Context, id int64) error
}

// Services bundles every domain service; the layers pass it around whole.
type Services struct {
	Restaurants RestaurantService
	Menus       MenuService
	Customers   CustomerService
	Couriers    CourierService
	Orders      OrderService
	Reviews     ReviewService
}
