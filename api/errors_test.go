package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/store"
)

// raw sends a request with the given body and decodes the problem it
// answers with.
func (h *harness) raw(t *testing.T, method, path, contentType, body string, p store.Principal) (*http.Response, api.Problem) {
	t.Helper()
	req := must(http.NewRequest(method, h.srv.URL+path, strings.NewReader(body)))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	tok := must(h.tokens.Mint(p, 3600e9))
	req.Header.Set("Authorization", "Bearer "+tok)
	res := must(http.DefaultClient.Do(req))
	defer res.Body.Close()
	b := must(io.ReadAll(res.Body))
	var prob api.Problem
	if res.StatusCode >= 400 {
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: status %d with content type %q, want application/problem+json; body %s", method, path, res.StatusCode, ct, b)
		}
		if err := json.Unmarshal(b, &prob); err != nil {
			t.Fatalf("%s %s: problem body is not JSON: %s", method, path, b)
		}
		if prob.Status != res.StatusCode || prob.Type != "/problems/"+prob.Code || prob.Title == "" {
			t.Errorf("%s %s: malformed problem %+v", method, path, prob)
		}
	}
	return res, prob
}

func TestEveryErrorKindIsAPreciseProblem(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	admin := store.Principal{Role: store.RoleAdmin}
	asha := store.Principal{Role: store.RoleCustomer, ID: w.asha.Id}
	json := "application/json"
	huge := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	cases := []struct {
		name                   string
		method, path, ct, body string
		as                     store.Principal
		status                 int
		code, field            string
	}{
		{"validation names the field", "POST", "/customers", json, `{"name":"A","email":"not-an-email","phone":"+919812345678"}`, admin, 400, "validation", "email"},
		{"nested validation names the path", "POST", "/orders", json, `{"restaurant_id":1,"items":[{"menu_item_id":1,"quantity":99}],"delivery_address":{"line":"x","location":{"lat":1,"lng":1}}}`, asha, 400, "validation", "items[0].quantity"},
		{"bad JSON", "POST", "/customers", json, `{"name":`, admin, 400, "bad_json", ""},
		{"wrong JSON type", "POST", "/customers", json, `{"name":42}`, admin, 400, "bad_json", ""},
		{"unknown field", "POST", "/customers", json, `{"name":"A","emial":"a@example.com"}`, admin, 400, "unknown_field", "emial"},
		{"body too large", "POST", "/customers", json, huge, admin, 413, "body_too_large", ""},
		{"not JSON", "POST", "/customers", "text/plain", `name=A`, admin, 415, "unsupported_media_type", ""},
		{"form body", "POST", "/customers", "application/x-www-form-urlencoded", `name=A`, admin, 415, "unsupported_media_type", ""},
		{"forbidden", "GET", "/customers", "", "", asha, 403, "admin_only", ""},
		{"missing record", "GET", "/restaurants/999999", "", "", admin, 404, "restaurant_not_found", ""},
		{"no such route", "GET", "/nowhere", "", "", admin, 404, "route_not_found", ""},
		{"method not allowed", "PUT", "/customers", json, `{}`, admin, 405, "method_not_allowed", ""},
		{"conflict", "POST", "/customers", json, `{"name":"A","email":"asha@example.com","phone":"+919812345678"}`, admin, 409, "email_taken", ""},
		{"unprocessable", "POST", "/orders", json, `{"restaurant_id":` + itoa(w.restaurant.Id) + `,"items":[{"menu_item_id":` + itoa(w.raita.Id) + `,"quantity":1}],"delivery_address":{"line":"x","location":{"lat":12.9784,"lng":77.6408}}}`, asha, 422, "below_minimum_order", ""},
		{"path ID not a number", "GET", "/restaurants/abc", "", "", admin, 400, "bad_parameter", "id"},
		{"path ID too large", "GET", "/restaurants/99999999999999999999", "", "", admin, 400, "bad_parameter", "id"},
		{"negative limit", "GET", "/restaurants?limit=-1", "", "", admin, 400, "bad_parameter", "limit"},
		{"forged cursor", "GET", "/restaurants?cursor=garbage!", "", "", admin, 400, "validation", "cursor"},
		{"half a point", "GET", "/restaurants?lat=12.9", "", "", admin, 400, "bad_parameter", "lat"},
		{"point off the globe", "GET", "/restaurants?lat=91&lng=0", "", "", admin, 400, "bad_parameter", "lat"},
		{"unknown status filter", "GET", "/orders?status=eaten", "", "", admin, 400, "bad_parameter", "status"},
		{"empty body", "POST", "/customers", json, ``, admin, 400, "validation", "name"},
		{"array body", "POST", "/customers", json, `[]`, admin, 400, "bad_json", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, p := h.raw(t, c.method, c.path, c.ct, c.body, c.as)
			if res.StatusCode != c.status || p.Code != c.code {
				t.Fatalf("got %d %s (%s), want %d %s", res.StatusCode, p.Code, p.Detail, c.status, c.code)
			}
			if p.Detail == "" {
				t.Error("the problem has no detail")
			}
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Errorf("errors %+v, want the first to name %q", p.Errors, c.field)
			}
			if c.status == 405 && res.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

// TestNothingAClientSendsIsA500 throws malformed input at every operation
// of the description and requires an answer below 500.
func TestNothingAClientSendsIsA500(t *testing.T) {
	h := newHarness(t)
	h.world()
	bodies := []string{``, `null`, `{}`, `[]`, `"x"`, `{"id":"x"}`, `{"items":[{}]}`, `{"location":{"lat":"north"}}`, `{"rating":1e309}`, "\xff\xfe", `{"name":"` + strings.Repeat("é", 500) + `"}`}
	ids := []string{"0", "-1", "1", "x", "1.5", "9223372036854775808"}
	for _, op := range operations(t, h) {
		for _, id := range ids {
			for _, body := range bodies {
				path := strings.NewReplacer("{id}", id, "{code}", id).Replace(op.path)
				for _, who := range []store.Principal{{Role: store.RoleAdmin}, {Role: store.RoleCustomer, ID: 1}} {
					res, _ := h.raw(t, op.method, path, "application/json", body, who)
					if res.StatusCode >= 500 {
						t.Errorf("%s %s as %s with body %q: status %d", op.method, path, who, body, res.StatusCode)
					}
				}
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
