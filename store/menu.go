package store

import (
	"context"
	"time"
)

// MenuItem is a dish a restaurant sells.
type MenuItem struct {
	// ID is the item's identity.
	ID int64 `json:"id" example:"301"`
	// RestaurantID is the restaurant that sells it.
	RestaurantID int64 `json:"restaurant_id" example:"12"`
	// Name shown on the menu.
	Name string `json:"name" example:"Chicken Biryani"`
	// Description shown under the name.
	Description string `json:"description" example:"Andhra-style dum biryani with raita"`
	// Category groups items on the menu, e.g. "Mains".
	Category string `json:"category" example:"Mains"`
	// Price per unit, in the restaurant's currency.
	Price Money `json:"price"`
	// Available is false while the kitchen cannot make it; it cannot be ordered then.
	Available bool `json:"available" example:"true"`
	// Tags such as "veg", "spicy", "bestseller".
	Tags []string `json:"tags"`
	// CreatedAt is when the item was added, UTC.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// MenuItemInput is what a menu item is created from.
type MenuItemInput struct {
	Name        string `json:"name" validate:"required,min=1,max=120" example:"Chicken Biryani"`
	Description string `json:"description,omitempty" validate:"max=1000" example:"Andhra-style dum biryani with raita"`
	Category    string `json:"category" validate:"required,min=1,max=60" example:"Mains"`
	// Price per unit; its currency must be the restaurant's.
	Price Money `json:"price"`
	// Available defaults to true when omitted.
	Available *bool    `json:"available,omitempty" example:"true"`
	Tags      []string `json:"tags,omitempty" validate:"max=20,dive,min=1,max=30"`
}

// Validate checks the rules a single field tag cannot express.
func (in *MenuItemInput) Validate() error {
	var errs []FieldError
	if in.Name == "" {
		errs = append(errs, FieldError{"name", "is required"})
	}
	if in.Category == "" {
		errs = append(errs, FieldError{"category", "is required"})
	}
	errs = append(errs, validateMoney("price", in.Price)...)
	if in.Price.Amount == 0 {
		errs = append(errs, FieldError{"price.amount", "must be greater than 0"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// MenuItemPatch changes some fields of a menu item; nil fields stay.
type MenuItemPatch struct {
	Name        *string   `json:"name,omitempty" validate:"omitempty,min=1,max=120"`
	Description *string   `json:"description,omitempty" validate:"omitempty,max=1000"`
	Category    *string   `json:"category,omitempty" validate:"omitempty,min=1,max=60"`
	Price       *Money    `json:"price,omitempty"`
	Available   *bool     `json:"available,omitempty"`
	Tags        *[]string `json:"tags,omitempty" validate:"omitempty,max=20,dive,min=1,max=30"`
}

// Apply returns m with the patch applied, validated as a whole.
func (p *MenuItemPatch) Apply(m MenuItem) (MenuItem, error) {
	set(&m.Name, p.Name)
	set(&m.Description, p.Description)
	set(&m.Category, p.Category)
	set(&m.Price, p.Price)
	set(&m.Available, p.Available)
	set(&m.Tags, p.Tags)
	in := MenuItemInput{Name: m.Name, Description: m.Description, Category: m.Category, Price: m.Price, Tags: m.Tags}
	return m, in.Validate()
}

// MenuFilter selects a restaurant's menu items.
type MenuFilter struct {
	// Category keeps only items of this category (case-insensitive).
	Category string
	// AvailableOnly drops items the kitchen cannot make now.
	AvailableOnly bool
	// Page is the page wanted.
	Page PageRequest
}

// MenuService manages menus.
type MenuService interface {
	// MenuItem returns one item. Returns ENOTFOUND.
	MenuItem(ctx context.Context, id int64) (*MenuItem, error)
	// MenuItems lists a restaurant's items by ID. Returns ENOTFOUND if the
	// restaurant does not exist, EINVALID for a bad cursor or limit.
	MenuItems(ctx context.Context, restaurantID int64, f MenuFilter) (Page[MenuItem], error)
	// CreateMenuItem adds an item to a restaurant's menu. Returns ENOTFOUND
	// for the restaurant, EINVALID (also when the price's currency is not the
	// restaurant's).
	CreateMenuItem(ctx context.Context, restaurantID int64, in MenuItemInput) (*MenuItem, error)
	// UpdateMenuItem applies a patch. Returns ENOTFOUND or EINVALID.
	UpdateMenuItem(ctx context.Context, id int64, p MenuItemPatch) (*MenuItem, error)
	// DeleteMenuItem removes an item; past orders keep their copy of its
	// name and price. Returns ENOTFOUND.
	DeleteMenuItem(ctx context.Context, id int64) error
}
