package store

import (
	"context"
	"fmt"
)

// Role is what an authenticated caller is to the platform.
type Role string

// The roles a token can carry.
const (
	RoleCustomer   Role = "customer"
	RoleRestaurant Role = "restaurant"
	RoleCourier    Role = "courier"
	RoleAdmin      Role = "admin"
	// RoleSystem is dabba itself acting (timers, workers); never in a token.
	RoleSystem Role = "system"
)

// Roles lists the roles a token may carry.
func Roles() []Role { return []Role{RoleCustomer, RoleRestaurant, RoleCourier, RoleAdmin} }

// Valid reports whether r is a role a token may carry.
func (r Role) Valid() bool {
	switch r {
	case RoleCustomer, RoleRestaurant, RoleCourier, RoleAdmin:
		return true
	}
	return false
}

// Principal is who is acting: a role and the ID of the customer, restaurant
// or courier it speaks for (0 for admins and the system).
type Principal struct {
	// Role of the caller.
	Role Role `json:"role"`
	// ID of the customer, restaurant or courier the caller is.
	ID int64 `json:"id"`
}

// System returns the principal of dabba's own timers and workers.
func System() Principal { return Principal{Role: RoleSystem} }

// String renders p as "role:id", the form audit logs and order events record.
func (p Principal) String() string {
	if p.ID == 0 {
		return string(p.Role)
	}
	return fmt.Sprintf("%s:%d", p.Role, p.ID)
}

// IsAdmin reports whether p may do anything.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin || p.Role == RoleSystem }

// Is reports whether p is the given role acting for the given ID, or an admin.
func (p Principal) Is(role Role, id int64) bool {
	return p.IsAdmin() || (p.Role == role && p.ID == id)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying who is acting, so that layers far from
// the request (cache invalidation audit, order events) can record it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns who is acting in ctx, or System when nobody is.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return System()
}
