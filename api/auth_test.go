package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/store"
)

// operations lists every operation of the served OpenAPI description with
// whether it declares the bearer security requirement.
func operations(t *testing.T, h *harness) (out []struct {
	method, path string
	secured      bool
}) {
	t.Helper()
	res := must(http.Get(h.srv.URL + "/openapi.json"))
	defer res.Body.Close()
	var spec struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&spec); err != nil {
		t.Fatal(err)
	}
	for path, ops := range spec.Paths {
		for method, op := range ops {
			out = append(out, struct {
				method, path string
				secured      bool
			}{strings.ToUpper(method), path, len(op.Security) > 0})
		}
	}
	if len(out) < 30 {
		t.Fatalf("the description lists only %d operations", len(out))
	}
	return out
}

func TestEveryOperationButHealthAndDocsNeedsAToken(t *testing.T) {
	h := newHarness(t)
	public := map[string]bool{"/healthz": true, "/readyz": true, "/problems": true, "/problems/{code}": true}
	for _, op := range operations(t, h) {
		if !op.secured {
			if !public[op.path] {
				t.Errorf("%s %s is documented without the bearer requirement", op.method, op.path)
			}
			continue
		}
		path := strings.NewReplacer("{id}", "1", "{code}", "validation").Replace(op.path)
		req := must(http.NewRequest(op.method, h.srv.URL+path, strings.NewReader("{}")))
		req.Header.Set("Content-Type", "application/json")
		res := must(http.DefaultClient.Do(req))
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: status %d, want 401", op.method, op.path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s without a token: content type %q", op.method, op.path, ct)
		}
		if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s without a token: no WWW-Authenticate challenge", op.method, op.path)
		}
	}
}

func TestPublicEndpointsAnswerWithoutAToken(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/docs", "/metrics", "/problems", "/problems/validation"} {
		res := must(http.Get(h.srv.URL + path))
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, res.StatusCode)
		}
	}
}

func TestTokensThatMustBeRefused(t *testing.T) {
	h := newHarness(t)
	other, err := api.NewTokens([]byte("another-secret-another-secret-another"))
	if err != nil {
		t.Fatal(err)
	}
	foreign := must(other.Mint(store.Principal{Role: store.RoleAdmin}, time.Hour))
	expired := must(h.tokens.Mint(store.Principal{Role: store.RoleAdmin}, -time.Hour))
	unsigned := must(jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"role": "admin", "sub": "0", "iss": "dabba", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType))
	noExpiry := must(jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"role": "admin", "sub": "0", "iss": "dabba",
	}).SignedString([]byte("test-secret-test-secret-test-secret!")))
	badRole := must(jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"role": "superuser", "sub": "1", "iss": "dabba", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("test-secret-test-secret-test-secret!")))
	for name, tok := range map[string]string{
		"signed with another secret": foreign,
		"expired":                    expired,
		"alg none":                   unsigned,
		"without expiry":             noExpiry,
		"unknown role":               badRole,
		"garbage":                    "not.a.jwt",
	} {
		t.Run(name, func(t *testing.T) {
			res, err := h.withToken(tok).ListRestaurantsWithResponse(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			status(t, http.StatusUnauthorized, res, res.Body)
			if p := res.ApplicationproblemJSON401; p == nil || p.Code != "token_invalid" {
				t.Errorf("problem %s, want token_invalid", problemCode(p))
			}
		})
	}
}

func TestMintRefusesTokensWithoutASubject(t *testing.T) {
	tokens, err := api.NewTokens([]byte("test-secret-test-secret-test-secret!"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Mint(store.Principal{Role: store.RoleCustomer}, time.Hour); err == nil {
		t.Error("minted a customer token without a customer ID")
	}
	if _, err := tokens.Mint(store.Principal{Role: "root"}, time.Hour); err == nil {
		t.Error("minted a token for an unknown role")
	}
	if _, err := api.NewTokens([]byte("short")); err == nil {
		t.Error("accepted a 5-byte signing secret")
	}
}
