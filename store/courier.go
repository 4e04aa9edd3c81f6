package store

import (
	"context"
	"time"
)

// Vehicle is how a courier travels.
type Vehicle string

// The vehicles couriers ride.
const (
	VehicleBicycle   Vehicle = "bicycle"
	VehicleScooter   Vehicle = "scooter"
	VehicleMotorbike Vehicle = "motorbike"
	VehicleCar       Vehicle = "car"
)

// CourierStatus is whether a courier can take a delivery.
type CourierStatus string

// The states of a courier's shift.
const (
	// CourierOffline: not working.
	CourierOffline CourierStatus = "offline"
	// CourierAvailable: working and free to be assigned.
	CourierAvailable CourierStatus = "available"
	// CourierBusy: carrying a delivery.
	CourierBusy CourierStatus = "busy"
)

// Courier is a person who carries orders from kitchens to customers.
type Courier struct {
	// ID is the courier's identity; a courier token's subject.
	ID int64 `json:"id" example:"31"`
	// Name of the courier.
	Name string `json:"name" example:"Ravi Kumar"`
	// Phone in E.164 form.
	Phone string `json:"phone" example:"+919900112233"`
	// Vehicle the courier rides.
	Vehicle Vehicle `json:"vehicle" example:"scooter"`
	// Status of the courier's shift.
	Status CourierStatus `json:"status" example:"available"`
	// LastLocation is the last position reported, if any.
	LastLocation *Point `json:"last_location,omitempty"`
	// LastSeenAt is when LastLocation was reported, UTC.
	LastSeenAt *time.Time `json:"last_seen_at,omitempty"`
	// CreatedAt is when the courier joined, UTC.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the record last changed, UTC.
	UpdatedAt time.Time `json:"updated_at"`
}

// CourierInput is what a courier is created from.
type CourierInput struct {
	Name    string  `json:"name" validate:"required,min=1,max=120" example:"Ravi Kumar"`
	Phone   string  `json:"phone" validate:"required,e164" example:"+919900112233"`
	Vehicle Vehicle `json:"vehicle" validate:"required,oneof=bicycle scooter motorbike car" example:"scooter"`
}

// Validate checks the rules a single field tag cannot express.
func (in *CourierInput) Validate() error {
	var errs []FieldError
	if in.Name == "" {
		errs = append(errs, FieldError{"name", "is required"})
	}
	if !validPhone(in.Phone) {
		errs = append(errs, FieldError{"phone", "must be an E.164 number such as +919900112233"})
	}
	if !in.Vehicle.valid() {
		errs = append(errs, FieldError{"vehicle", "must be one of bicycle, scooter, motorbike, car"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

func (v Vehicle) valid() bool {
	switch v {
	case VehicleBicycle, VehicleScooter, VehicleMotorbike, VehicleCar:
		return true
	}
	return false
}

func (s CourierStatus) valid() bool {
	switch s {
	case CourierOffline, CourierAvailable, CourierBusy:
		return true
	}
	return false
}

// CourierPatch changes some fields of a courier; nil fields stay.
type CourierPatch struct {
	Name    *string        `json:"name,omitempty" validate:"omitempty,min=1,max=120"`
	Phone   *string        `json:"phone,omitempty" validate:"omitempty,e164"`
	Vehicle *Vehicle       `json:"vehicle,omitempty" validate:"omitempty,oneof=bicycle scooter motorbike car"`
	Status  *CourierStatus `json:"status,omitempty" validate:"omitempty,oneof=offline available busy"`
}

// Apply returns c with the patch applied, validated as a whole.
func (p *CourierPatch) Apply(c Courier) (Courier, error) {
	set(&c.Name, p.Name)
	set(&c.Phone, p.Phone)
	set(&c.Vehicle, p.Vehicle)
	set(&c.Status, p.Status)
	in := CourierInput{Name: c.Name, Phone: c.Phone, Vehicle: c.Vehicle}
	if err := in.Validate(); err != nil {
		return c, err
	}
	if !c.Status.valid() {
		return c, Invalid(FieldError{"status", "must be one of offline, available, busy"})
	}
	return c, nil
}

// CourierFilter selects couriers for a list.
type CourierFilter struct {
	// Status keeps only couriers in this state.
	Status CourierStatus
	// Page is the page wanted.
	Page PageRequest
}

// CourierService manages couriers.
type CourierService interface {
	// Courier returns one courier. Returns ENOTFOUND.
	Courier(ctx context.Context, id int64) (*Courier, error)
	// Couriers lists couriers by ID. Returns EINVALID for a bad filter, cursor or limit.
	Couriers(ctx context.Context, f CourierFilter) (Page[Courier], error)
	// CreateCourier adds a courier, offline. Returns EINVALID.
	CreateCourier(ctx context.Context, in CourierInput) (*Courier, error)
	// UpdateCourier applies a patch. Returns ENOTFOUND or EINVALID.
	UpdateCourier(ctx context.Context, id int64, p CourierPatch) (*Courier, error)
}
