package api

import (
	"context"

	"github.com/go-fuego/fuego"

	"github.com/dabba/dabba/store"
)

// Access rules shared by the handlers. A caller who may not know that a
// resource exists gets 404, not 403, so IDs cannot be probed.

// requireRole allows only the given roles (admins always).
func requireRole(p store.Principal, roles ...store.Role) error {
	if p.IsAdmin() {
		return nil
	}
	for _, r := range roles {
		if p.Role == r {
			return nil
		}
	}
	return store.Errorf(store.EFORBIDDEN, "forbidden", "a %s token may not do this", p.Role)
}

// requireAdmin allows only admins.
func requireAdmin(p store.Principal) error {
	if p.IsAdmin() {
		return nil
	}
	return store.Errorf(store.EFORBIDDEN, "admin_only", "only an admin token may do this")
}

// requireSelf allows the given role acting for id, and admins. Anyone else
// is told the resource does not exist.
func requireSelf(p store.Principal, role store.Role, id int64, entity string) error {
	if p.Is(role, id) {
		return nil
	}
	if p.Role == role {
		return store.NotFound(entity, id)
	}
	return store.Errorf(store.EFORBIDDEN, "forbidden", "a %s token may not access this %s", p.Role, entity)
}

// pathSelf returns the {id} of the path after checking that the caller is
// that customer, restaurant or courier (per role), or an admin.
func pathSelf(c requestContext, role store.Role, entity string) (int64, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, err
	}
	p, err := caller(c.Context())
	if err != nil {
		return 0, err
	}
	return id, requireSelf(p, role, id, entity)
}

// validated reads the request body and checks the rules its type states in
// a Validate method, if it has one (fuego has already applied the
// validate tags).
func validated[B any](c fuego.ContextWithBody[B]) (B, error) {
	b, err := c.Body()
	if err != nil {
		return b, err
	}
	if v, ok := any(&b).(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return b, err
		}
	}
	return b, nil
}

// adminBody is validated for operations only admins may call.
func adminBody[B any](c fuego.ContextWithBody[B]) (B, error) {
	if err := callerIsAdmin(c.Context()); err != nil {
		var zero B
		return zero, err
	}
	return validated(c)
}

// adminPage reads the page of a list only admins may read.
func adminPage(c requestContext) (store.PageRequest, error) {
	if err := callerIsAdmin(c.Context()); err != nil {
		return store.PageRequest{}, err
	}
	return pageRequest(c)
}

func callerIsAdmin(ctx context.Context) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	return requireAdmin(p)
}

// pathCaller reads the {id} of the path and who is calling.
func pathCaller(c requestContext) (int64, store.Principal, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, store.Principal{}, err
	}
	p, err := caller(c.Context())
	return id, p, err
}

// pathCallerBody is pathCaller for operations that also take a body.
func pathCallerBody[B any](c fuego.ContextWithBody[B]) (int64, store.Principal, B, error) {
	id, p, err := pathCaller(c)
	if err != nil {
		var zero B
		return 0, p, zero, err
	}
	body, err := validated(c)
	return id, p, body, err
}

// selfBody reads the {id} of the path, checks the caller is that customer,
// restaurant or courier (per role) or an admin, and reads the body.
func selfBody[B any](c fuego.ContextWithBody[B], role store.Role, entity string) (int64, B, error) {
	id, err := pathSelf(c, role, entity)
	if err != nil {
		var zero B
		return 0, zero, err
	}
	body, err := validated(c)
	return id, body, err
}
