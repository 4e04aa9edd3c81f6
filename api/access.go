package api

import (
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
