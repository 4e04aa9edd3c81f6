package store

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Customer is a person who orders food.
type Customer struct {
	// ID is the customer's identity; a customer token's subject.
	ID int64 `json:"id" example:"7"`
	// Name to address the customer by.
	Name string `json:"name" example:"Asha Rao"`
	// Email is unique across customers, compared case-insensitively.
	Email string `json:"email" example:"asha@example.com"`
	// Phone in E.164 form.
	Phone string `json:"phone" example:"+919812345678"`
	// Addresses the customer delivers to.
	Addresses []Address `json:"addresses"`
	// CreatedAt is when the account was opened, UTC.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// Address is a place food is delivered to.
type Address struct {
	// Label such as "home" or "work".
	Label string `json:"label" validate:"max=40" example:"home"`
	// Line is the street address, one line.
	Line string `json:"line" validate:"required,min=1,max=300" example:"42 4th Cross, Indiranagar, Bengaluru 560038"`
	// Location is where the courier goes.
	Location Point `json:"location"`
}

func (a Address) validate(prefix string) []FieldError {
	var errs []FieldError
	if strings.TrimSpace(a.Line) == "" {
		errs = append(errs, FieldError{prefix + ".line", "is required"})
	}
	if !a.Location.Valid() {
		errs = append(errs, FieldError{prefix + ".location", "must have lat in -90..90 and lng in -180..180"})
	}
	return errs
}

// CustomerInput is what a customer is created from.
type CustomerInput struct {
	Name      string    `json:"name" validate:"required,min=1,max=120" example:"Asha Rao"`
	Email     string    `json:"email" validate:"required,email,max=254" example:"asha@example.com"`
	Phone     string    `json:"phone" validate:"required,e164" example:"+919812345678"`
	Addresses []Address `json:"addresses,omitempty" validate:"max=10,dive"`
}

// Validate checks the rules a single field tag cannot express.
func (in *CustomerInput) Validate() error {
	var errs []FieldError
	if strings.TrimSpace(in.Name) == "" {
		errs = append(errs, FieldError{"name", "is required"})
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		errs = append(errs, FieldError{"email", "must be an email address such as asha@example.com"})
	}
	if !validPhone(in.Phone) {
		errs = append(errs, FieldError{"phone", "must be an E.164 number such as +919812345678"})
	}
	for i, a := range in.Addresses {
		errs = append(errs, a.validate(fmt.Sprintf("addresses[%d]", i))...)
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

func validPhone(p string) bool {
	if len(p) < 8 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	for _, c := range p[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CustomerPatch changes some fields of a customer; nil fields stay.
type CustomerPatch struct {
	Name      *string    `json:"name,omitempty" validate:"omitempty,min=1,max=120"`
	Email     *string    `json:"email,omitempty" validate:"omitempty,email,max=254"`
	Phone     *string    `json:"phone,omitempty" validate:"omitempty,e164"`
	Addresses *[]Address `json:"addresses,omitempty" validate:"omitempty,max=10,dive"`
}

// Apply returns c with the patch applied, validated as a whole.
func (p *CustomerPatch) Apply(c Customer) (Customer, error) {
	set(&c.Name, p.Name)
	set(&c.Email, p.Email)
	set(&c.Phone, p.Phone)
	set(&c.Addresses, p.Addresses)
	in := CustomerInput{Name: c.Name, Email: c.Email, Phone: c.Phone, Addresses: c.Addresses}
	return c, in.Validate()
}

// CustomerService manages customers.
type CustomerService interface {
	// Customer returns one customer. Returns ENOTFOUND.
	Customer(ctx context.Context, id int64) (*Customer, error)
	// Customers lists customers by ID. Returns EINVALID for a bad cursor or limit.
	Customers(ctx context.Context, page PageRequest) (Page[Customer], error)
	// CreateCustomer opens an account. Returns EINVALID, or ECONFLICT with
	// code "email_taken" when the email belongs to another customer.
	CreateCustomer(ctx context.Context, in CustomerInput) (*Customer, error)
	// UpdateCustomer applies a patch. Returns ENOTFOUND, EINVALID or ECONFLICT
	// ("email_taken").
	UpdateCustomer(ctx context.Context, id int64, p CustomerPatch) (*Customer, error)
	// DeleteCustomer closes the account and erases its personal data; past
	// orders remain for the restaurants' books. Returns ENOTFOUND.
	DeleteCustomer(ctx context.Context, id int64) error
}
