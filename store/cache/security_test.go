package cache

import (
	"context"
	"strings"
	"testing"

	"github.com/dabba/dabba/store"
)

func TestSecureKey_IsKeyedNamespacedAndBoundToItsSubject(t *testing.T) {
	ctx := context.Background()
	c, rdb := newCache(t)
	other := newCacheOn(t, rdb, c.cfg.Prefix, func(cfg *Config) { cfg.Secret = []byte("another-secret-another-secret-abc") })
	derive := func(c *Cache, req SecureKeyRequest) SecureKey {
		t.Helper()
		k, err := c.SecureKey(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := SecureKeyRequest{Namespace: NamespaceSessions, Key: "cart:7"}

	k := derive(c, base)
	if k.Digest != derive(c, base).Digest {
		t.Fatal("the same request derived two keys")
	}
	if len(k.Digest) != 64 || strings.Contains(k.Key, "cart") || !strings.HasPrefix(k.Key, c.cfg.Prefix+":sessions:v0:secure:") {
		t.Fatalf("secure key = %+v, want a 64-hex HMAC in the sessions namespace revealing nothing", k)
	}
	for name, req := range map[string]SecureKeyRequest{
		"other namespace": {Namespace: NamespaceOrders, Key: "cart:7"},
		"other subject":   {Namespace: NamespaceSessions, Key: "cart:7", Subject: "customer:8"},
		"other key":       {Namespace: NamespaceSessions, Key: "cart:8"},
	} {
		if derive(c, req).Digest == k.Digest {
			t.Errorf("%s derived the same digest", name)
		}
	}
	if derive(other, base).Digest == k.Digest {
		t.Error("another secret derived the same digest: the key is forgeable")
	}

	src := newRecord()
	src.set(k.Digest, 3)
	if v := mustGet(t, c, k.Entry, src.loader(k.Digest)); v.Version != 3 {
		t.Fatalf("read through the secure key = %+v", v)
	}
	if n := rdb.Exists(ctx, k.Key).Val(); n != 1 {
		t.Fatal("the entry is not stored under the secure key")
	}

	_, err := c.SecureKey(ctx, SecureKeyRequest{Namespace: "vault", Key: "x"})
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
	_, err = c.SecureKey(ctx, SecureKeyRequest{Namespace: NamespaceSessions})
	wantKind(t, err, store.EINVALID, "")
}

func TestValidateAccess_FollowsThePolicy(t *testing.T) {
	c, _ := newCache(t, func(cfg *Config) {
		cfg.Access = AccessPolicy{Rules: []AccessRule{
			{Role: store.RoleRestaurant, Namespaces: []Namespace{NamespaceOrders, NamespaceRestaurants}, Actions: []Action{ActionRead}},
			{Role: store.RoleRestaurant, ID: 12, Namespaces: []Namespace{NamespaceStatic}, Actions: []Action{ActionWarm, ActionClear}},
		}}
	})
	tests := []struct {
		ns                Namespace
		p                 store.Principal
		read, clear, warm bool
	}{
		{NamespaceOrders, store.Principal{Role: store.RoleAdmin}, true, true, true},
		{NamespaceOrders, store.Principal{Role: store.RoleRestaurant, ID: 12}, true, false, false},
		{NamespaceStatic, store.Principal{Role: store.RoleRestaurant, ID: 12}, false, true, true},
		{NamespaceStatic, store.Principal{Role: store.RoleRestaurant, ID: 13}, false, false, false},
		{NamespaceOrders, store.Principal{Role: store.RoleCustomer, ID: 7}, false, false, false},
	}
	for _, tt := range tests {
		d, err := c.ValidateAccess(tt.ns, tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Read != tt.read || d.Clear != tt.clear || d.Warm != tt.warm || d.Allowed != (tt.read || tt.clear || tt.warm) ||
			d.Reason == "" || d.Principal != tt.p.String() {
			t.Errorf("%s on %s = %+v, want read=%v clear=%v warm=%v", tt.p, tt.ns, d, tt.read, tt.clear, tt.warm)
		}
	}
	if err := c.Authorize(NamespaceOrders, store.Principal{Role: store.RoleCustomer, ID: 7}, ActionRead); !store.IsKind(err, store.EFORBIDDEN) {
		t.Errorf("customer read of orders: %v, want EFORBIDDEN", err)
	}
	_, err := c.ValidateAccess("vault", store.Principal{Role: store.RoleAdmin})
	wantKind(t, err, store.ENOTFOUND, "unknown_namespace")
}

func TestParsePrincipal(t *testing.T) {
	for in, want := range map[string]store.Principal{
		"admin":         {Role: store.RoleAdmin},
		"customer:7":    {Role: store.RoleCustomer, ID: 7},
		"restaurant:12": {Role: store.RoleRestaurant, ID: 12},
	} {
		if got, err := ParsePrincipal(in); err != nil || got != want {
			t.Errorf("ParsePrincipal(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "7", "customer", "customer:0", "customer:x", "admin:1", "system", "chef:3"} {
		if _, err := ParsePrincipal(in); !store.IsKind(err, store.EINVALID) {
			t.Errorf("ParsePrincipal(%q) error = %v, want EINVALID", in, err)
		}
	}
}
