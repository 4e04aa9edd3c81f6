package cache

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/store"
)

// The fuzz targets of the names the cache reads from outside: namespaces
// and TTL classes in URLs, TTL overrides and principals in configuration and
// query strings, keys read back from Redis, and secure keys. The admin API
// passes these straight from requests, so each parser must refuse anything
// it cannot read with a typed error rather than fail in some other way.

// pick returns the element of list that i selects, so that fuzz inputs
// can name valid values without knowing the lists.
func pick[T any](list []T, i uint8) T { return list[int(i)%len(list)] }

// wantError fails t unless err is a *store.Error of kind and code with a
// message: the API maps kind to the status and shows code and message.
func wantError(t *testing.T, what string, err error, kind store.ErrorKind, code string) {
	t.Helper()
	var e *store.Error
	if !errors.As(err, &e) || e.Kind != kind || e.Code != code || e.Message == "" {
		t.Fatalf("%s: error %#v, want %s %s with a message", what, err, kind, code)
	}
}

// FuzzParseNamespace checks that every namespace parses back to itself,
// and that any other string is refused with the ENOTFOUND
// unknown_namespace error the cache endpoints answer 404 with.
func FuzzParseNamespace(f *testing.F) {
	for _, s := range []string{"static", "orders", "notifications", "", "Orders", " orders", "orders ", "menu-items", "_internal", "orders\x00"} {
		f.Add(s, uint8(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, i uint8) {
		want := pick(Namespaces(), i)
		if ns, err := ParseNamespace(string(want)); err != nil || ns != want {
			t.Fatalf("ParseNamespace(%q) = %q, %v", want, ns, err)
		}
		ns, err := ParseNamespace(s)
		if err != nil {
			wantError(t, fmt.Sprintf("ParseNamespace(%q)", s), err, store.ENOTFOUND, "unknown_namespace")
			if ns != "" {
				t.Fatalf("ParseNamespace(%q) refused the name but returned %q", s, ns)
			}
			return
		}
		if string(ns) != s || !slices.Contains(Namespaces(), ns) {
			t.Fatalf("ParseNamespace(%q) = %q, which is not that namespace", s, ns)
		}
	})
}

// FuzzParseClass is FuzzParseNamespace for TTL classes, which also must
// each live in a namespace that exists.
func FuzzParseClass(f *testing.F) {
	for _, s := range []string{"menu_items", "restaurants", "revenue_analytics", "", "menu-items", "MENU_ITEMS", "static ", "orders,static"} {
		f.Add(s, uint8(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, i uint8) {
		want := pick(Classes(), i)
		if c, err := ParseClass(string(want.Class)); err != nil || c != want.Class {
			t.Fatalf("ParseClass(%q) = %q, %v", want.Class, c, err)
		}
		if _, err := ParseNamespace(string(want.Namespace)); err != nil {
			t.Fatalf("class %s lives in namespace %q: %v", want.Class, want.Namespace, err)
		}
		c, err := ParseClass(s)
		if err != nil {
			wantError(t, fmt.Sprintf("ParseClass(%q)", s), err, store.ENOTFOUND, "unknown_ttl_class")
			if c != "" {
				t.Fatalf("ParseClass(%q) refused the name but returned %q", s, c)
			}
			return
		}
		if string(c) != s {
			t.Fatalf("ParseClass(%q) = %q", s, c)
		}
	})
}

// formatOverrides writes overrides the way DABBA_CACHE_TTL_OVERRIDES is
// written, with the classes in a fixed order; bare writes whole seconds
// as a bare number, which ParseTTLOverrides reads as seconds.
func formatOverrides(overrides map[Class]time.Duration, bare bool) string {
	parts := make([]string, 0, len(overrides))
	for _, c := range slices.Sorted(maps.Keys(overrides)) {
		d := overrides[c]
		value := d.String()
		if bare && d%time.Second == 0 {
			value = strconv.FormatInt(int64(d/time.Second), 10)
		}
		parts = append(parts, string(c)+"="+value)
	}
	return strings.Join(parts, ",")
}

// FuzzParseTTLOverrides checks that overrides written out read back the
// same, and that any other setting is refused with an EINVALID error naming
// the variable, so a typo stops dabba at start instead of being ignored.
// Whatever it accepts has known classes and positive durations, and reads
// back the same when written out again.
func FuzzParseTTLOverrides(f *testing.F) {
	for _, s := range []string{
		"restaurants=600s,orders=2m", "restaurants=600", " menu_items = 1h30m , ", "", ",,,",
		"restaurants", "restaurants=", "restaurants=0s", "restaurants=-5m", "nope=10s",
		"restaurants=10s,restaurants=20s", "orders=9223372036854775807ns", "orders=1e3s", "orders=٣s",
	} {
		f.Add(s, uint8(0), int64(time.Minute), uint8(5), int64(90*time.Second), false)
	}
	f.Add("", uint8(1), int64(1), uint8(2), int64(1<<62), true)
	f.Fuzz(func(t *testing.T, s string, c1 uint8, d1 int64, c2 uint8, d2 int64, bare bool) {
		want := map[Class]time.Duration{}
		for _, o := range []struct {
			c uint8
			d int64
		}{{c1, d1}, {c2, d2}} {
			if o.d > 0 {
				want[pick(Classes(), o.c).Class] = time.Duration(o.d)
			}
		}
		written := formatOverrides(want, bare)
		if got, err := ParseTTLOverrides(written); err != nil || !maps.Equal(got, want) {
			t.Fatalf("ParseTTLOverrides(%q) = %v, %v; want %v", written, got, err, want)
		}

		got, err := ParseTTLOverrides(s)
		if err != nil {
			wantError(t, fmt.Sprintf("ParseTTLOverrides(%q)", s), err, store.EINVALID, "validation")
			var e *store.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "DABBA_CACHE_TTL_OVERRIDES" {
				t.Fatalf("ParseTTLOverrides(%q) = %#v, want one field DABBA_CACHE_TTL_OVERRIDES", s, err)
			}
			return
		}
		for c, d := range got {
			if _, err := ParseClass(string(c)); err != nil || d <= 0 {
				t.Fatalf("ParseTTLOverrides(%q) accepted %s=%v", s, c, d)
			}
		}
		again, err := ParseTTLOverrides(formatOverrides(got, false))
		if err != nil || !maps.Equal(again, got) {
			t.Fatalf("ParseTTLOverrides(%q) = %v, which written out reads as %v, %v", s, got, again, err)
		}
	})
}

// FuzzParsePrincipal checks that every principal a token can carry parses
// back from its String form, and that anything else is EINVALID. What it
// accepts is a principal Mint could mint, in a spelling that may differ
// ("customer:+7") but whose String form reads back the same.
func FuzzParsePrincipal(f *testing.F) {
	for _, s := range []string{
		"admin", "customer:7", "restaurant:12", "courier:9223372036854775807", "", ":", "admin:0",
		"customer", "customer:0", "customer:-7", "customer:+7", "customer:007", "customer:7 ", "system",
		"Customer:7", "customer:7:8", "customer:9223372036854775808",
	} {
		f.Add(s, uint8(len(s)), int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, role uint8, id int64) {
		want := store.Principal{Role: pick(store.Roles(), role)}
		if want.Role != store.RoleAdmin {
			want.ID = max(id&(1<<63-1), 1)
		}
		if p, err := ParsePrincipal(want.String()); err != nil || p != want {
			t.Fatalf("ParsePrincipal(%q) = %v, %v; want %v", want.String(), p, err, want)
		}

		p, err := ParsePrincipal(s)
		if err != nil {
			wantError(t, fmt.Sprintf("ParsePrincipal(%q)", s), err, store.EINVALID, "validation")
			if p != (store.Principal{}) {
				t.Fatalf("ParsePrincipal(%q) refused the name but returned %v", s, p)
			}
			return
		}
		if !p.Role.Valid() || (p.Role == store.RoleAdmin) != (p.ID == 0) || p.ID < 0 {
			t.Fatalf("ParsePrincipal(%q) = %v, which no token carries", s, p)
		}
		if again, err := ParsePrincipal(p.String()); err != nil || again != p {
			t.Fatalf("ParsePrincipal(%q) = %v, whose String reads as %v, %v", s, p, again, err)
		}
	})
}

// FuzzParseMember checks the hot-key set's member format: a valid key
// comes back from its member unchanged, and a member parseMember accepts,
// whatever Redis held, is a valid key that writes back to the very same
// member (but for one harmless spelling, below), so hot-key analytics
// never show a key other than the one counted.
func FuzzParseMember(f *testing.F) {
	for _, k := range []Key{
		RestaurantKey(12), MenuItemKey(3),
		{Class: ClassMenuItems, Group: "restaurant-12", Type: "menu", ID: "0123abcd"},
		{Class: ClassOrders, Type: "order", ID: "a:b/c@d"},
	} {
		f.Add(k.member(), uint8(0), k.Group, k.Type, k.ID)
	}
	for _, s := range []string{"", "/", "restaurants/", "restaurants/restaurant", "restaurants/restaurant:", "restaurants/:1",
		"restaurants/restaurant:@lists", "restaurants/restaurant:@lists:", "restaurants/Restaurant:1", "a/b/c:d", "/x:1"} {
		f.Add(s, uint8(1), "", "restaurant", "1")
	}
	f.Fuzz(func(t *testing.T, s string, class uint8, group, typ, id string) {
		k := Key{Class: pick(Classes(), class).Class, Group: group, Type: typ, ID: id}
		if k.validate() == nil {
			if got, ok := parseMember(k.member()); !ok || got != k {
				t.Fatalf("parseMember(%q) = %+v, %v; want %+v", k.member(), got, ok, k)
			}
		}

		got, ok := parseMember(s)
		if !ok {
			return
		}
		if err := got.validate(); err != nil {
			t.Fatalf("parseMember(%q) accepted %+v: %v", s, got, err)
		}
		// An empty group ("type:@:id") is the one other spelling parseMember
		// accepts: it reads it as the ungrouped key, as keyspace.parse does
		// with an empty group. No key's member is spelled so, and hot-key
		// sets hold only what Key.member wrote, so nothing misreads it.
		emptyGroup := string(got.Class) + "/" + got.Type + ":@:" + got.ID
		if got.member() != s && (got.Group != "" || s != emptyGroup) {
			t.Fatalf("parseMember(%q) = %+v, whose member is %q", s, got, got.member())
		}
	})
}

// FuzzKeyspaceParse checks the physical key scheme: an entry key comes
// apart into what it was built from, and any key SCAN may return, the
// cache's own or a stranger's under the prefix, parses without panicking
// into parts that, when they make a valid key, build a key that parses
// the same. Reclaim deletes keys by what parse says, so it must not
// misread one.
func FuzzKeyspaceParse(f *testing.F) {
	ks := keyspace{prefix: DefaultPrefix}
	grouped := Key{Class: ClassMenuItems, Group: "restaurant-12", Type: "menu", ID: "0123abcd"}
	for _, k := range []string{
		ks.entry(NamespaceRestaurants, RestaurantKey(12), 3, 0),
		ks.entry(NamespaceStatic, grouped, 3, 7),
		ks.nsGen(NamespaceOrders), ks.groupGen(NamespaceStatic, "restaurant-12"), ks.internal("audit"),
		DefaultPrefix + ":orders:v:order:1", DefaultPrefix + ":orders:v1", DefaultPrefix + ":orders:v+1:order:1",
		DefaultPrefix + ":static:v1:menu:@g:1", DefaultPrefix + ":static:v1:menu:@g.x:1", DefaultPrefix + ":static:v1:menu:@.2:1",
		"other-prefix:orders:v1:order:1", "",
	} {
		f.Add(k, uint8(0), int64(3), int64(7), grouped.Group, grouped.Type, grouped.ID)
	}
	f.Fuzz(func(t *testing.T, key string, ns uint8, gen, ggen int64, group, typ, id string) {
		want := parsedEntry{ns: pick(Namespaces(), ns), gen: gen, typ: typ, group: group, id: id}
		if group != "" {
			want.groupGen = ggen
		}
		if (Key{Group: group, Type: typ, ID: id}).validate() == nil {
			built := ks.entry(want.ns, Key{Group: group, Type: typ, ID: id}, gen, ggen)
			if got, ok := ks.parse(built); !ok || got != want {
				t.Fatalf("parse(%q) = %+v, %v; want %+v", built, got, ok, want)
			}
		}

		p, ok := ks.parse(key)
		// An empty group with a generation ("@.5:") is not a key the cache
		// writes; parse reads it as an ungrouped entry, which reclaim then
		// judges by its namespace generation alone, as it should.
		if !ok || (Key{Group: p.group, Type: p.typ, ID: p.id}).validate() != nil || (p.group == "" && p.groupGen != 0) {
			return
		}
		if ns := ks.namespaceOf(key); slices.Contains(Namespaces(), p.ns) && ns != p.ns {
			t.Fatalf("parse(%q) says namespace %q, namespaceOf %q", key, p.ns, ns)
		}
		rebuilt := ks.entry(p.ns, Key{Group: p.group, Type: p.typ, ID: p.id}, p.gen, p.groupGen)
		if again, ok := ks.parse(rebuilt); !ok || again != p {
			t.Fatalf("parse(%q) = %+v, rebuilt as %q which parses as %+v, %v", key, p, rebuilt, again, ok)
		}
	})
}

// hexDigest is the form of a secure key's digest: hex HMAC-SHA256.
var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FuzzSecureKey checks the secure-key format. A request's key is the same
// every time, lives in its namespace as an ordinary entry (the physical key
// parses back to the namespace, generation and digest, and the entry is a
// valid key), and comes from the secret: another secret gives another
// digest. A tampered request (a byte of the key or subject changed, a byte
// moved across the subject/key boundary, another namespace) never yields
// the original digest, which would let one principal's key stand for
// another's. Invalid requests are refused with the kind the API maps them
// to.
func FuzzSecureKey(f *testing.F) {
	ctx := context.Background()
	c, rdb := newCache(f)
	other := newCacheOn(f, rdb, c.cfg.Prefix, func(cfg *Config) { cfg.Secret = []byte("another-secret-another-secret-abc") })
	f.Add("sessions", "cart:7", "", uint16(0), byte('x'))
	f.Add("sessions", "cart:7", "customer:7", uint16(5), byte('8'))
	f.Add("orders", "a", "customer:7", uint16(1), byte(0))
	f.Add("static", "customer:7", "a", uint16(9), byte(':'))
	f.Add("sessions", "", "customer:7", uint16(0), byte('x'))
	f.Add("sessions", strings.Repeat("k", 513), "", uint16(0), byte('x'))
	f.Add("sessions", "cart:7", strings.Repeat("s", 65), uint16(0), byte('x'))
	f.Add("nope", "cart:7", "", uint16(0), byte('x'))
	f.Add("", "", "", uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, ns, key, subject string, at uint16, b byte) {
		req := SecureKeyRequest{Namespace: Namespace(ns), Key: key, Subject: subject}
		sk, err := c.SecureKey(ctx, req)
		switch {
		case !slices.Contains(Namespaces(), req.Namespace):
			wantError(t, fmt.Sprintf("namespace %q", ns), err, store.ENOTFOUND, "unknown_namespace")
			return
		case key == "" || len(key) > 512 || len(subject) > 64:
			wantError(t, fmt.Sprintf("key %d bytes, subject %d bytes", len(key), len(subject)), err, store.EINVALID, "validation")
			return
		case err != nil:
			t.Fatalf("SecureKey(%+v): %v", req, err)
		}
		if again, err := c.SecureKey(ctx, req); err != nil || again.Digest != sk.Digest || again.Entry != sk.Entry {
			t.Fatalf("SecureKey(%+v) = %+v, then %+v, %v", req, sk, again, err)
		}
		if !hexDigest.MatchString(sk.Digest) || sk.Algorithm != "HMAC-SHA256" || sk.Namespace != req.Namespace || sk.Subject != subject {
			t.Fatalf("SecureKey(%+v) = %+v", req, sk)
		}
		p, ok := c.keys.parse(sk.Key)
		if want := (parsedEntry{ns: req.Namespace, gen: sk.Generation, typ: "secure", id: sk.Digest}); !ok || p != want {
			t.Fatalf("secure key %q parses as %+v, %v; want %+v", sk.Key, p, ok, want)
		}
		if tg, err := c.target(sk.Entry); err != nil || tg.ns() != req.Namespace || sk.Entry.ID != sk.Digest {
			t.Fatalf("entry %+v of %+v: %v", sk.Entry, req, err)
		}
		if o, err := other.SecureKey(ctx, req); err != nil || o.Digest == sk.Digest {
			t.Fatalf("another secret derived %+v, %v for %+v", o, err, req)
		}

		var tampered []SecureKeyRequest
		if i := int(at) % len(key); key[i] != b {
			tampered = append(tampered, SecureKeyRequest{Namespace: req.Namespace, Key: key[:i] + string(b) + key[i+1:], Subject: subject})
		}
		if subject != "" {
			if i := int(at) % len(subject); subject[i] != b {
				tampered = append(tampered, SecureKeyRequest{Namespace: req.Namespace, Key: key, Subject: subject[:i] + string(b) + subject[i+1:]})
			}
			last := len(subject) - 1
			tampered = append(tampered, SecureKeyRequest{Namespace: req.Namespace, Key: subject[last:] + key, Subject: subject[:last]})
		}
		if len(key) > 1 {
			tampered = append(tampered, SecureKeyRequest{Namespace: req.Namespace, Key: key[1:], Subject: subject + key[:1]})
		}
		namespaces := Namespaces()
		next := namespaces[(slices.Index(namespaces, req.Namespace)+1)%len(namespaces)]
		tampered = append(tampered, SecureKeyRequest{Namespace: next, Key: key, Subject: subject})
		for _, tr := range tampered {
			got, err := c.SecureKey(ctx, tr)
			if err != nil {
				continue // refused outright, e.g. a subject moved past 64 bytes
			}
			if got.Digest == sk.Digest || got.Key == sk.Key {
				t.Fatalf("tampered %+v derived the key of %+v: %+v", tr, req, got)
			}
		}
	})
}
