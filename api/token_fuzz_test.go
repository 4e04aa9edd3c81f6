package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dabba/dabba/store"
)

// fuzzSecret signs the tokens of the fuzz targets. The committed seed
// corpus holds tokens signed with it, so it must not change.
const fuzzSecret = "fuzz-secret-fuzz-secret-fuzz-secret!"

// fuzzNow is when the fuzz targets' clock stands still.
var fuzzNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// fuzzTokens returns Tokens signing with fuzzSecret whose clock stands
// still at fuzzNow, so that a principal mints the same token on every run
// and a corpus entry found by the fuzzer fails again when re-run.
func fuzzTokens(tb testing.TB) *Tokens {
	tokens, err := NewTokens([]byte(fuzzSecret))
	if err != nil {
		tb.Fatal(err)
	}
	tokens.now = func() time.Time { return fuzzNow }
	return tokens
}

// mint is Mint for seeds, which cannot fail.
func mint(tb testing.TB, tokens *Tokens, p store.Principal, ttl time.Duration) string {
	token, err := tokens.Mint(p, ttl)
	if err != nil {
		tb.Fatal(err)
	}
	return token
}

// signed returns a token of claims signed by method with key, for seeds
// that Mint would never make.
func signed(tb testing.TB, method jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return token
}

// FuzzTokens_TamperedTokenNeverVerifies mints a token for a principal and
// checks that it verifies to that principal, and that no token one byte
// away from it verifies at all: not the token cut short anywhere, nor the
// token with any one byte replaced by b. A bearer token is the whole of a
// client's identity, so a token the server did not mint byte for byte
// must be refused. Every position is tried in each run, which leaves the
// fuzzer only the principal and b to search.
func FuzzTokens_TamperedTokenNeverVerifies(f *testing.F) {
	tokens := fuzzTokens(f)
	f.Add("customer", int64(7), byte('x'))
	f.Add("restaurant", int64(12), byte('.'))
	f.Add("courier", int64(1<<40), byte(0))
	f.Add("admin", int64(0), byte('A'))
	f.Add("admin", int64(-1), byte('-'))
	f.Add("customer", int64(0), byte('a'))
	f.Add("root", int64(1), byte('b'))
	f.Fuzz(func(t *testing.T, role string, id int64, b byte) {
		p := store.Principal{Role: store.Role(role), ID: id}
		token, err := tokens.Mint(p, time.Hour)
		if err != nil {
			// Mint refuses an unknown role and a subject Verify would
			// refuse; FuzzTokens_Verify tries tokens Mint never makes.
			return
		}
		if got, err := tokens.Verify(token); err != nil || got != p {
			t.Fatalf("minted %v, verified as %v, %v", p, got, err)
		}
		refused := func(how, tampered string) {
			t.Helper()
			got, err := tokens.Verify(tampered)
			if err == nil {
				t.Fatalf("%s: %q verified as %v; minted %q", how, tampered, got, token)
			}
			if store.KindOf(err) != store.EUNAUTHORIZED || store.CodeOf(err) != "token_invalid" {
				t.Fatalf("%s: error %#v, want EUNAUTHORIZED token_invalid", how, err)
			}
		}
		for i := range len(token) {
			refused(fmt.Sprintf("cut to %d bytes", i), token[:i])
			if token[i] != b {
				refused(fmt.Sprintf("byte %d changed to %q", i, b), token[:i]+string(b)+token[i+1:])
			}
		}
	})
}

// FuzzTokens_Verify feeds Verify whatever a client may put in an
// Authorization header. It must never panic, must refuse with the one
// error the API answers 401 token_invalid with, and may accept only a
// token exactly as minted: every segment in canonical unpadded base64url,
// so that no second spelling of a token exists.
func FuzzTokens_Verify(f *testing.F) {
	tokens := fuzzTokens(f)
	for _, p := range []store.Principal{{Role: store.RoleCustomer, ID: 7}, {Role: store.RoleAdmin}} {
		f.Add(mint(f, tokens, p, time.Hour))
		f.Add(mint(f, tokens, p, -time.Hour))
	}
	exp := fuzzNow.Add(time.Hour).Unix()
	f.Add(signed(f, jwt.SigningMethodNone, jwt.MapClaims{"role": "admin", "sub": "0", "iss": "dabba", "exp": exp}, jwt.UnsafeAllowNoneSignatureType))
	f.Add(signed(f, jwt.SigningMethodHS384, jwt.MapClaims{"role": "admin", "sub": "0", "iss": "dabba", "exp": exp}, []byte(fuzzSecret)))
	f.Add(signed(f, jwt.SigningMethodHS256, jwt.MapClaims{"role": "admin", "sub": "0", "iss": "dabba"}, []byte(fuzzSecret)))
	f.Add(signed(f, jwt.SigningMethodHS256, jwt.MapClaims{"role": "superuser", "sub": "1", "iss": "dabba", "exp": exp}, []byte(fuzzSecret)))
	f.Add(signed(f, jwt.SigningMethodHS256, jwt.MapClaims{"role": "customer", "sub": "-7", "iss": "dabba", "exp": exp}, []byte(fuzzSecret)))
	f.Add("")
	f.Add("not.a.jwt")
	f.Add("Bearer x")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := tokens.Verify(token)
		if err != nil {
			var e *store.Error
			if !errors.As(err, &e) || e.Kind != store.EUNAUTHORIZED || e.Code != "token_invalid" || e.Message == "" {
				t.Fatalf("Verify(%q) = %#v, want EUNAUTHORIZED token_invalid with a message", token, err)
			}
			if p != (store.Principal{}) {
				t.Fatalf("Verify(%q) refused the token but returned %v", token, p)
			}
			return
		}
		if !p.Role.Valid() || p.ID < 0 || (p.Role != store.RoleAdmin && p.ID == 0) {
			t.Fatalf("Verify(%q) accepted principal %v, which Mint never mints", token, p)
		}
		segments := strings.Split(token, ".")
		if len(segments) != 3 {
			t.Fatalf("Verify accepted %q, which has %d segments", token, len(segments))
		}
		for _, s := range segments {
			raw, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil || base64.RawURLEncoding.EncodeToString(raw) != s {
				t.Fatalf("Verify accepted %q, whose segment %q is not canonical base64url", token, s)
			}
		}
	})
}
