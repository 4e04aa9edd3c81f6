package cache

import (
	"strconv"
	"strings"

	"github.com/dabba/dabba/store"
)

// Key names one cached entry independently of generations: its TTL class
// (which fixes the namespace and the lifetime), an optional group, a type and
// an ID. The constructors in keys.go build the keys of dabba's data; other
// packages use them rather than writing keys by hand.
type Key struct {
	// Class is the TTL class; its namespace is where the entry lives.
	Class Class
	// Group, when set, gathers entries that are invalidated together (e.g.
	// "restaurant-12" for every menu page of restaurant 12). A group has its
	// own generation, so renewing it is O(1) however many entries it has.
	// Lower-case letters, digits, '-' and '_'.
	Group string
	// Type says what the entry is ("restaurant", "menu", "order_list").
	// Lower-case letters, digits and '_'.
	Type string
	// ID identifies the entry within its type: a record ID, or the hash of a
	// normalised list filter. It must not start with '@' or contain spaces.
	ID string
}

// String renders the key without generations: "type:id", or
// "type:@group:id" for a grouped key. It is the form hot-key analytics and
// audit entries show.
func (k Key) String() string {
	if k.Group == "" {
		return k.Type + ":" + k.ID
	}
	return k.Type + ":@" + k.Group + ":" + k.ID
}

// member is the key as recorded in hot-key sets: "class/type:id", from which
// parseMember rebuilds it.
func (k Key) member() string { return string(k.Class) + "/" + k.String() }

// parseMember reverses member.
func parseMember(s string) (Key, bool) {
	class, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Key{}, false
	}
	typ, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return Key{}, false
	}
	k := Key{Class: Class(class), Type: typ, ID: rest}
	if strings.HasPrefix(rest, "@") {
		group, id, ok := strings.Cut(rest[1:], ":")
		if !ok {
			return Key{}, false
		}
		k.Group, k.ID = group, id
	}
	return k, k.validate() == nil
}

// validate reports an EINVALID error for a key that breaks the scheme.
func (k Key) validate() error {
	var errs []store.FieldError
	if !validName(k.Type, false, 40) {
		errs = append(errs, store.FieldError{Field: "key.type", Reason: "must be 1-40 lower-case letters, digits or '_'"})
	}
	if k.Group != "" && !validName(k.Group, true, 64) {
		errs = append(errs, store.FieldError{Field: "key.group", Reason: "must be 1-64 lower-case letters, digits, '-' or '_'"})
	}
	if k.ID == "" || len(k.ID) > 256 || k.ID[0] == '@' || strings.ContainsAny(k.ID, " \t\r\n") {
		errs = append(errs, store.FieldError{Field: "key.id", Reason: "must be 1-256 characters without spaces, not starting with '@'"})
	}
	if len(errs) > 0 {
		return store.Invalid(errs...)
	}
	return nil
}

func validName(s string, dash bool, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		ok := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-')
		if !ok {
			return false
		}
	}
	return true
}

// keyspace renders the physical key scheme; it is the only code that knows
// how keys are spelled in Redis:
//
//	{prefix}:{namespace}:v{generation}:{type}:{id}                 an entry
//	{prefix}:{namespace}:v{generation}:{type}:@{group}.{ggen}:{id}  a grouped entry
//	{prefix}:{namespace}:gen                                        namespace generation
//	{prefix}:{namespace}:gen:{group}                                group generation
//	{prefix}:_{internal}...                                         stats, audit, alerts, locks
//
// Internal keys start with '_', which no namespace does.
type keyspace struct{ prefix string }

// entry is the physical key of k at namespace generation gen and group
// generation ggen (ignored for ungrouped keys).
func (s keyspace) entry(ns Namespace, k Key, gen, ggen int64) string {
	var b strings.Builder
	b.Grow(len(s.prefix) + len(ns) + len(k.Type) + len(k.Group) + len(k.ID) + 32)
	b.WriteString(s.prefix)
	b.WriteByte(':')
	b.WriteString(string(ns))
	b.WriteString(":v")
	b.WriteString(strconv.FormatInt(gen, 10))
	b.WriteByte(':')
	b.WriteString(k.Type)
	b.WriteByte(':')
	if k.Group != "" {
		b.WriteByte('@')
		b.WriteString(k.Group)
		b.WriteByte('.')
		b.WriteString(strconv.FormatInt(ggen, 10))
		b.WriteByte(':')
	}
	b.WriteString(k.ID)
	return b.String()
}

// generationPattern matches every entry of ns at generation gen, for SCAN.
func (s keyspace) generationPattern(ns Namespace, gen int64) string {
	return s.prefix + ":" + string(ns) + ":v" + strconv.FormatInt(gen, 10) + ":*"
}

// entriesPattern matches every entry of ns at any generation, for SCAN.
func (s keyspace) entriesPattern(ns Namespace) string {
	return s.prefix + ":" + string(ns) + ":v*"
}

// allPattern matches every key of the cache, for SCAN.
func (s keyspace) allPattern() string { return s.prefix + ":*" }

// nsGen is the key of a namespace's generation counter.
func (s keyspace) nsGen(ns Namespace) string { return s.prefix + ":" + string(ns) + ":gen" }

// groupGen is the key of a group's generation counter.
func (s keyspace) groupGen(ns Namespace, group string) string {
	return s.prefix + ":" + string(ns) + ":gen:" + group
}

// internal is the key of an internal structure, e.g. internal("audit").
func (s keyspace) internal(parts ...string) string {
	return s.prefix + ":_" + strings.Join(parts, ":")
}

// namespaceOf returns the namespace a physical key belongs to (entries,
// leases and generation counters alike), internalNamespace for the cache's
// own keys, and "" for keys that are not the cache's.
func (s keyspace) namespaceOf(key string) Namespace {
	rest, ok := strings.CutPrefix(key, s.prefix+":")
	if !ok {
		return ""
	}
	if strings.HasPrefix(rest, "_") {
		return internalNamespace
	}
	ns, _, _ := strings.Cut(rest, ":")
	return Namespace(ns)
}

// parsedEntry is a physical entry key taken apart.
type parsedEntry struct {
	ns       Namespace
	gen      int64
	typ      string
	group    string
	groupGen int64
	id       string
}

// parse takes a physical entry key apart; ok is false for keys that are not
// entries (generation counters, internal keys, foreign keys).
func (s keyspace) parse(key string) (p parsedEntry, ok bool) {
	rest, ok := strings.CutPrefix(key, s.prefix+":")
	if !ok {
		return p, false
	}
	ns, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(rest, "v") {
		return p, false
	}
	genStr, rest, ok := strings.Cut(rest[1:], ":")
	if !ok {
		return p, false
	}
	gen, err := strconv.ParseInt(genStr, 10, 64)
	if err != nil {
		return p, false
	}
	typ, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return p, false
	}
	p = parsedEntry{ns: Namespace(ns), gen: gen, typ: typ, id: rest}
	if strings.HasPrefix(rest, "@") {
		groupPart, id, ok := strings.Cut(rest[1:], ":")
		if !ok {
			return p, false
		}
		dot := strings.LastIndexByte(groupPart, '.')
		if dot < 0 {
			return p, false
		}
		ggen, err := strconv.ParseInt(groupPart[dot+1:], 10, 64)
		if err != nil {
			return p, false
		}
		p.group, p.groupGen, p.id = groupPart[:dot], ggen, id
	}
	return p, true
}
