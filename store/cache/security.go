package cache

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dabba/dabba/store"
)

// SecureKeyRequest asks for the secure key of a logical key
// (POST /enterprise/security/secure-key).
type SecureKeyRequest struct {
	// Namespace the key is isolated in.
	Namespace Namespace `json:"namespace" validate:"required" example:"sessions"`
	// Key is the logical key, e.g. "cart:7".
	Key string `json:"key" validate:"required,min=1,max=512" example:"cart:7"`
	// Subject, when set, binds the key to one principal ("customer:7"): the
	// same logical key of another subject yields an unrelated key.
	Subject string `json:"subject,omitempty" validate:"max=64" example:"customer:7"`
}

// SecureKey is a cache key derived with HMAC-SHA256 under the server
// secret: it reveals nothing of the logical key, cannot be computed without
// the secret (not forgeable), cannot be listed from other keys (not
// enumerable) and lives in its namespace's current generation (isolated,
// cleared with it).
type SecureKey struct {
	// Namespace the key lives in.
	Namespace Namespace `json:"namespace" example:"sessions"`
	// Key is the physical Redis key.
	Key string `json:"key" example:"zomato-enterprise-cache:sessions:v2:secure:4f1c…"`
	// Digest is the hex HMAC-SHA256 of namespace, subject and logical key.
	Digest string `json:"digest" example:"4f1c9a0e…"`
	// Algorithm used.
	Algorithm string `json:"algorithm" example:"HMAC-SHA256"`
	// Generation of the namespace the key was derived in.
	Generation int64 `json:"generation" example:"2"`
	// Subject the key is bound to, if any.
	Subject string `json:"subject,omitempty" example:"customer:7"`
	// Entry is the key to use with Get, ReadThrough and the other patterns.
	Entry Key `json:"-"`
}

// SecureKey derives the secure key of req. An unknown namespace is
// ENOTFOUND; an empty or oversized key EINVALID.
func (c *Cache) SecureKey(ctx context.Context, req SecureKeyRequest) (SecureKey, error) {
	if _, err := ParseNamespace(string(req.Namespace)); err != nil {
		return SecureKey{}, err
	}
	if req.Key == "" || len(req.Key) > 512 {
		return SecureKey{}, store.Invalid(store.FieldError{Field: "key", Reason: "must be 1-512 characters"})
	}
	if len(req.Subject) > 64 {
		return SecureKey{}, store.Invalid(store.FieldError{Field: "subject", Reason: "must be at most 64 characters"})
	}
	mac := hmac.New(sha256.New, c.cfg.Secret)
	// Length-prefixed fields: no two different triples hash the same input.
	for _, part := range []string{"dabba-cache-key/v1", string(req.Namespace), req.Subject, req.Key} {
		fmt.Fprintf(mac, "%d:%s;", len(part), part)
	}
	digest := hex.EncodeToString(mac.Sum(nil))
	entry := Key{Class: defaultClass(req.Namespace), Type: "secure", ID: digest}
	t, err := c.target(entry)
	if err != nil {
		return SecureKey{}, err
	}
	if _, err := c.Generations(ctx); err != nil {
		c.log.Debug("secure key derived with the last known generation", "error", err)
	}
	g := c.believed(t)
	return SecureKey{Namespace: req.Namespace, Key: c.physical(t, g), Digest: digest, Algorithm: "HMAC-SHA256",
		Generation: g.ns, Subject: req.Subject, Entry: entry}, nil
}

// defaultClass is the first class of the TTL table that lives in ns.
func defaultClass(ns Namespace) Class {
	for _, ci := range Classes() {
		if ci.Namespace == ns {
			return ci.Class
		}
	}
	return ""
}

// ParsePrincipal reads who the validate endpoint asks about (its user_id):
// "admin", or a role and ID such as "customer:7" or "restaurant:12" (the
// form store.Principal.String writes). Anything else is EINVALID.
func ParsePrincipal(s string) (store.Principal, error) {
	bad := store.Invalid(store.FieldError{Field: "user_id", Reason: "must be admin or role:id, e.g. customer:7"})
	role, idText, hasID := strings.Cut(s, ":")
	p := store.Principal{Role: store.Role(role)}
	if !p.Role.Valid() || hasID == (p.Role == store.RoleAdmin) {
		return store.Principal{}, bad
	}
	if hasID {
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			return store.Principal{}, bad
		}
		p.ID = id
	}
	return p, nil
}

// Action is something a principal may do to a namespace.
type Action string

// The actions the access policy governs.
const (
	// ActionRead: read statistics, keys, performance and analytics.
	ActionRead Action = "read"
	// ActionClear: clear the namespace and cascade invalidations into it.
	ActionClear Action = "clear"
	// ActionWarm: warm the namespace.
	ActionWarm Action = "warm"
)

// Actions lists the actions.
func Actions() []Action { return []Action{ActionRead, ActionClear, ActionWarm} }

// AccessRule grants some actions on some namespaces to a role, or to one
// principal of it.
type AccessRule struct {
	// Role granted.
	Role store.Role `json:"role" example:"restaurant"`
	// ID narrows the rule to one principal of the role; 0 means all.
	ID int64 `json:"id,omitempty" example:"12"`
	// Namespaces the rule covers; empty means all.
	Namespaces []Namespace `json:"namespaces,omitempty" example:"restaurants,static"`
	// Actions granted; empty means all.
	Actions []Action `json:"actions,omitempty" example:"read"`
}

// AccessPolicy says who may read, clear and warm which namespace. Admins
// (and the system) may do everything; everyone else only what a rule
// grants. The zero policy grants nothing beyond admins.
type AccessPolicy struct {
	// Rules granting access, in any order.
	Rules []AccessRule
}

func (r AccessRule) covers(p store.Principal, ns Namespace, a Action) bool {
	return r.Role == p.Role && (r.ID == 0 || r.ID == p.ID) &&
		(len(r.Namespaces) == 0 || slices.Contains(r.Namespaces, ns)) &&
		(len(r.Actions) == 0 || slices.Contains(r.Actions, a))
}

// AccessDecision is what a principal may do to a namespace
// (GET /enterprise/security/validate/{namespace}).
type AccessDecision struct {
	// Namespace decided on.
	Namespace Namespace `json:"namespace" example:"orders"`
	// Principal decided for, as "role:id".
	Principal string `json:"principal" example:"restaurant:12"`
	// Allowed is true when any action is granted.
	Allowed bool `json:"allowed" example:"true"`
	// Read says whether the principal may read the namespace's figures and keys.
	Read bool `json:"read" example:"true"`
	// Clear says whether it may clear the namespace.
	Clear bool `json:"clear" example:"false"`
	// Warm says whether it may warm the namespace.
	Warm bool `json:"warm" example:"false"`
	// Reason explains the decision.
	Reason string `json:"reason" example:"rule 1 grants restaurant principals read on orders"`
}

// ValidateAccess decides what p may do to namespace ns. An unknown
// namespace is ENOTFOUND.
func (c *Cache) ValidateAccess(ns Namespace, p store.Principal) (AccessDecision, error) {
	if _, err := ParseNamespace(string(ns)); err != nil {
		return AccessDecision{}, err
	}
	d := AccessDecision{Namespace: ns, Principal: p.String()}
	if p.IsAdmin() {
		d.Allowed, d.Read, d.Clear, d.Warm = true, true, true, true
		d.Reason = fmt.Sprintf("%s may do everything to every namespace", p.Role)
		return d, nil
	}
	var granted []string
	for _, a := range Actions() {
		for i, r := range c.cfg.Access.Rules {
			if r.covers(p, ns, a) {
				switch a {
				case ActionRead:
					d.Read = true
				case ActionClear:
					d.Clear = true
				case ActionWarm:
					d.Warm = true
				}
				granted = append(granted, fmt.Sprintf("rule %d grants %s", i+1, a))
				break
			}
		}
	}
	d.Allowed = d.Read || d.Clear || d.Warm
	if d.Allowed {
		d.Reason = strings.Join(granted, "; ") + " on " + string(ns) + " to " + p.String()
	} else {
		d.Reason = fmt.Sprintf("no rule grants %s any action on %s; only admins may use the cache endpoints", p, ns)
	}
	return d, nil
}

// Authorize returns nil when p may do a to ns, EFORBIDDEN
// ("cache_access_denied") when not, and ENOTFOUND for an unknown
// namespace.
func (c *Cache) Authorize(ns Namespace, p store.Principal, a Action) error {
	d, err := c.ValidateAccess(ns, p)
	if err != nil {
		return err
	}
	ok := map[Action]bool{ActionRead: d.Read, ActionClear: d.Clear, ActionWarm: d.Warm}[a]
	if !ok {
		return store.Errorf(store.EFORBIDDEN, "cache_access_denied", "%s may not %s the %s cache namespace", p, a, ns)
	}
	return nil
}
