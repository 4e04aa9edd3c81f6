package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
)

// answer is what one cache endpoint said.
type answer struct {
	status int
	body   []byte
	// typed is true when a success body decoded into its schema's type.
	typed bool
}

// code is the problem code of an error answer.
func (a answer) code() string {
	var p api.Problem
	_ = json.Unmarshal(a.body, &p)
	return p.Code
}

// endpoint is one operation of the cache and enterprise API, called through
// the generated client.
type endpoint struct {
	name string
	call func(c *client.ClientWithResponses) answer
}

// cacheEndpoints lists every /cache and /enterprise operation with valid
// arguments about the world's records. validate asks about someone other
// than the caller (the other restaurant).
func cacheEndpoints(w world) []endpoint {
	typed := func(status int, body []byte, ok bool) answer { return answer{status, body, ok} }
	cascade := client.CascadeRequest{Entity: "restaurant", Id: w.restaurant.Id}
	secure := client.SecureKeyRequest{Namespace: "sessions", Key: "cart:7"}
	someone := "restaurant:" + itoa(w.otherRestaurant.Id)
	return []endpoint{
		{"GET /cache/health", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCacheHealthWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /cache/health/detailed", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCacheHealthDetailedWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil && r.JSON200.Jobs != nil && r.JSON200.Redis != "")
		}},
		{"GET /cache/stats/namespaces", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCacheNamespaceStatsWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /cache/stats/detailed", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCacheDetailedStatsWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /cache/memory-usage", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCacheMemoryUsageWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"DELETE /cache/clear/expired", func(c *client.ClientWithResponses) answer {
			r := must(c.ClearExpiredCacheKeysWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"DELETE /cache/clear/menu-items", func(c *client.ClientWithResponses) answer {
			r := must(c.ClearMenuItemsCacheWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"DELETE /cache/clear/restaurants", func(c *client.ClientWithResponses) answer {
			r := must(c.ClearRestaurantsCacheWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"DELETE /cache/clear/orders", func(c *client.ClientWithResponses) answer {
			r := must(c.ClearOrdersCacheWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"DELETE /cache/clear/analytics", func(c *client.ClientWithResponses) answer {
			r := must(c.ClearAnalyticsCacheWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /cache/keys/{namespace}", func(c *client.ClientWithResponses) answer {
			r := must(c.ListCacheKeysWithResponse(ctx, client.Restaurants, nil))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /cache/performance/namespace/{namespace}", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCacheNamespacePerformanceWithResponse(ctx, client.Restaurants))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"POST /cache/warm/{namespace}", func(c *client.ClientWithResponses) answer {
			r := must(c.WarmCacheNamespaceWithResponse(ctx, client.Static))
			return typed(r.StatusCode(), r.Body, r.JSON202 != nil)
		}},
		{"POST /cache/warm/restaurants", func(c *client.ClientWithResponses) answer {
			r := must(c.WarmRestaurantsCacheWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"POST /cache/warm/menu-items", func(c *client.ClientWithResponses) answer {
			r := must(c.WarmMenuItemsCacheWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /cache/audit", func(c *client.ClientWithResponses) answer {
			r := must(c.ListCacheAuditWithResponse(ctx, nil))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /enterprise/patterns/write-through", func(c *client.ClientWithResponses) answer {
			r := must(c.CheckWriteThroughWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /enterprise/patterns/cache-aside", func(c *client.ClientWithResponses) answer {
			r := must(c.CheckCacheAsideWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"POST /enterprise/invalidation/cascade", func(c *client.ClientWithResponses) answer {
			r := must(c.CascadeInvalidationWithResponse(ctx, cascade))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"POST /enterprise/warming/predictive", func(c *client.ClientWithResponses) answer {
			r := must(c.WarmPredictiveWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON202 != nil)
		}},
		{"GET /enterprise/analytics/patterns", func(c *client.ClientWithResponses) answer {
			r := must(c.AnalyzeCachePatternsWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /enterprise/performance/report", func(c *client.ClientWithResponses) answer {
			r := must(c.GetCachePerformanceReportWithResponse(ctx))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"GET /enterprise/security/validate/{namespace}", func(c *client.ClientWithResponses) answer {
			r := must(c.ValidateCacheAccessWithResponse(ctx, client.Orders, &client.ValidateCacheAccessParams{UserId: &someone}))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
		{"POST /enterprise/security/secure-key", func(c *client.ClientWithResponses) answer {
			r := must(c.CreateSecureKeyWithResponse(ctx, secure))
			return typed(r.StatusCode(), r.Body, r.JSON200 != nil)
		}},
	}
}

func TestEveryCacheEndpointAnswersAnAdminWithItsTypedBody(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	eps := cacheEndpoints(w)
	if n := countCacheOperations(t, h); n != len(eps) {
		t.Fatalf("the description has %d cache and enterprise operations, the test calls %d", n, len(eps))
	}
	for _, ep := range eps {
		t.Run(ep.name, func(t *testing.T) {
			a := ep.call(h.admin())
			// The warms are enqueued: 202 with the job.
			if (a.status != http.StatusOK && a.status != http.StatusAccepted) || !a.typed {
				t.Fatalf("status %d, typed body %v: %s", a.status, a.typed, a.body)
			}
		})
	}
}

// countCacheOperations counts the documented operations under /cache and
// /enterprise.
func countCacheOperations(t *testing.T, h *harness) int {
	n := 0
	for _, op := range operations(t, h) {
		if strings.HasPrefix(op.path, "/cache/") || strings.HasPrefix(op.path, "/enterprise/") {
			n++
		}
	}
	return n
}

func TestCacheEndpointsRefuseEveryoneButAdmins(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	callers := map[string]*client.ClientWithResponses{
		"customer":   h.as(store.RoleCustomer, w.asha.Id),
		"restaurant": h.as(store.RoleRestaurant, w.restaurant.Id),
		"courier":    h.as(store.RoleCourier, w.courier.Id),
	}
	for role, c := range callers {
		for _, ep := range cacheEndpoints(w) {
			if a := ep.call(c); a.status != http.StatusForbidden || a.code() != "cache_access_denied" {
				t.Errorf("%s as %s: %d %s, want 403 cache_access_denied", ep.name, role, a.status, a.code())
			}
		}
	}
}

func TestAnyRoleMayAskWhatItMayDoToANamespace(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	res := must(h.as(store.RoleCustomer, w.asha.Id).ValidateCacheAccessWithResponse(ctx, client.Sessions, nil))
	status(t, http.StatusOK, res, res.Body)
	d := res.JSON200
	if d.Principal != "customer:"+itoa(w.asha.Id) || d.Allowed || d.Read || d.Clear || d.Warm || d.Reason == "" {
		t.Errorf("a customer without grants was told %+v", d)
	}
	admin := "admin"
	res = must(h.admin().ValidateCacheAccessWithResponse(ctx, client.Sessions, &client.ValidateCacheAccessParams{UserId: &admin}))
	status(t, http.StatusOK, res, res.Body)
	if d := res.JSON200; !d.Allowed || !d.Read || !d.Clear || !d.Warm {
		t.Errorf("an admin may not do everything: %+v", d)
	}
	bad := "customer"
	res = must(h.admin().ValidateCacheAccessWithResponse(ctx, client.Sessions, &client.ValidateCacheAccessParams{UserId: &bad}))
	status(t, http.StatusBadRequest, res, res.Body)
}

func TestAPolicyGrantLetsARestaurantReadItsNamespaceOnly(t *testing.T) {
	h := newHarness(t, func(cfg *cache.Config) {
		cfg.Access = cache.AccessPolicy{Rules: []cache.AccessRule{{Role: store.RoleRestaurant,
			Namespaces: []cache.Namespace{cache.NamespaceRestaurants}, Actions: []cache.Action{cache.ActionRead}}}}
	})
	w := h.world()
	own := h.as(store.RoleRestaurant, w.restaurant.Id)

	keys := must(own.ListCacheKeysWithResponse(ctx, client.Restaurants, nil))
	status(t, http.StatusOK, keys, keys.Body)
	perf := must(own.GetCacheNamespacePerformanceWithResponse(ctx, client.Restaurants))
	status(t, http.StatusOK, perf, perf.Body)
	ns := client.Restaurants
	audit := must(own.ListCacheAuditWithResponse(ctx, &client.ListCacheAuditParams{Namespace: &ns}))
	status(t, http.StatusOK, audit, audit.Body)

	refused := map[string]answer{}
	r1 := must(own.ListCacheKeysWithResponse(ctx, client.Orders, nil))
	refused["keys of another namespace"] = answer{r1.StatusCode(), r1.Body, false}
	r2 := must(own.ClearRestaurantsCacheWithResponse(ctx))
	refused["a clear of the granted namespace"] = answer{r2.StatusCode(), r2.Body, false}
	r3 := must(own.WarmRestaurantsCacheWithResponse(ctx))
	refused["a warm of the granted namespace"] = answer{r3.StatusCode(), r3.Body, false}
	r4 := must(own.GetCacheNamespaceStatsWithResponse(ctx))
	refused["figures spanning every namespace"] = answer{r4.StatusCode(), r4.Body, false}
	r5 := must(own.ListCacheAuditWithResponse(ctx, nil))
	refused["the whole audit log"] = answer{r5.StatusCode(), r5.Body, false}
	for what, a := range refused {
		if a.status != http.StatusForbidden || a.code() != "cache_access_denied" {
			t.Errorf("%s: %d %s, want 403 cache_access_denied", what, a.status, a.code())
		}
	}

	d := must(own.ValidateCacheAccessWithResponse(ctx, client.Restaurants, nil))
	status(t, http.StatusOK, d, d.Body)
	if !d.JSON200.Read || d.JSON200.Clear || d.JSON200.Warm || !d.JSON200.Allowed {
		t.Errorf("the policy's decision for the restaurant: %+v", d.JSON200)
	}
}

func TestAnUnknownNamespaceIsNotFound(t *testing.T) {
	h := newHarness(t)
	admin := h.admin()
	nowhere := client.Namespace("nowhere")
	answers := map[string]answer{}
	r1 := must(admin.ListCacheKeysWithResponse(ctx, nowhere, nil))
	answers["keys"] = answer{r1.StatusCode(), r1.Body, false}
	r2 := must(admin.GetCacheNamespacePerformanceWithResponse(ctx, nowhere))
	answers["performance"] = answer{r2.StatusCode(), r2.Body, false}
	r3 := must(admin.WarmCacheNamespaceWithResponse(ctx, nowhere))
	answers["warm"] = answer{r3.StatusCode(), r3.Body, false}
	r4 := must(admin.ListCacheAuditWithResponse(ctx, &client.ListCacheAuditParams{Namespace: &nowhere}))
	answers["audit filter"] = answer{r4.StatusCode(), r4.Body, false}
	r5 := must(admin.ValidateCacheAccessWithResponse(ctx, nowhere, nil))
	answers["validate"] = answer{r5.StatusCode(), r5.Body, false}
	r6 := must(admin.CreateSecureKeyWithResponse(ctx, client.SecureKeyRequest{Namespace: "nowhere", Key: "cart:7"}))
	answers["secure key"] = answer{r6.StatusCode(), r6.Body, false}
	for what, a := range answers {
		if a.status != http.StatusNotFound || a.code() != "unknown_namespace" {
			t.Errorf("%s: %d %s, want 404 unknown_namespace", what, a.status, a.code())
		}
	}
}

// stats returns namespace ns's fleet-wide counts.
func (h *harness) stats(ns string) client.NamespaceStats {
	h.t.Helper()
	res := must(h.admin().GetCacheNamespaceStatsWithResponse(ctx))
	status(h.t, http.StatusOK, res, res.Body)
	for _, s := range res.JSON200.Namespaces {
		if s.Namespace == ns {
			return s
		}
	}
	h.t.Fatalf("no statistics for namespace %s", ns)
	return client.NamespaceStats{}
}

// readRestaurant reads a restaurant through the API and returns its name.
func (h *harness) readRestaurant(id int64) string {
	h.t.Helper()
	res := must(h.admin().GetRestaurantWithResponse(ctx, id))
	status(h.t, http.StatusOK, res, res.Body)
	return res.JSON200.Name
}

func TestClearingANamespaceMakesTheNextReadAMiss(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.readRestaurant(w.restaurant.Id)
	h.readRestaurant(w.restaurant.Id)
	before := h.stats("restaurants")
	h.readRestaurant(w.restaurant.Id)
	if got := h.stats("restaurants"); got.Hits != before.Hits+1 || got.Misses != before.Misses {
		t.Fatalf("a read of a cached restaurant: hits %d→%d, misses %d→%d; want one more hit", before.Hits, got.Hits, before.Misses, got.Misses)
	}

	res := must(h.admin().ClearRestaurantsCacheWithResponse(ctx))
	status(t, http.StatusOK, res, res.Body)
	cl := res.JSON200
	if cl.Action != "clear" || len(cl.Namespaces) != 1 || cl.Namespaces[0].Namespace != "restaurants" ||
		cl.Namespaces[0].Generation != cl.Namespaces[0].PreviousGeneration+1 {
		t.Fatalf("clear answered %+v", cl)
	}
	before = h.stats("restaurants")
	if name := h.readRestaurant(w.restaurant.Id); name != w.restaurant.Name {
		t.Errorf("read %q after the clear, want %q", name, w.restaurant.Name)
	}
	if got := h.stats("restaurants"); got.Misses != before.Misses+1 || got.Hits != before.Hits {
		t.Errorf("the first read after a clear: hits %d→%d, misses %d→%d; want one more miss", before.Hits, got.Hits, before.Misses, got.Misses)
	}
}

func TestTheAuditLogRecordsEveryClearNewestFirst(t *testing.T) {
	h := newHarness(t)
	h.world()
	admin := h.admin()
	restaurants := must(admin.ClearRestaurantsCacheWithResponse(ctx))
	status(t, http.StatusOK, restaurants, restaurants.Body)
	orders := must(admin.ClearOrdersCacheWithResponse(ctx))
	status(t, http.StatusOK, orders, orders.Body)

	all := must(admin.ListCacheAuditWithResponse(ctx, &client.ListCacheAuditParams{Limit: ptr(1)}))
	status(t, http.StatusOK, all, all.Body)
	if len(all.JSON200.Entries) != 1 || all.JSON200.NextCursor == nil {
		t.Fatalf("a one-entry page of the audit log: %s", all.Body)
	}
	newest := all.JSON200.Entries[0]
	if newest.Namespace != "orders" || newest.Action != "clear" || newest.Who != "admin" ||
		newest.Generation != orders.JSON200.Namespaces[0].Generation || newest.Reason != "DELETE /cache/clear/orders" {
		t.Errorf("the newest audit entry is %+v, want the clear of orders by admin", newest)
	}
	next := must(admin.ListCacheAuditWithResponse(ctx, &client.ListCacheAuditParams{Limit: ptr(1), Cursor: all.JSON200.NextCursor}))
	status(t, http.StatusOK, next, next.Body)
	if e := next.JSON200.Entries; len(e) != 1 || e[0].Namespace != "restaurants" || e[0].Action != "clear" || e[0].At.After(newest.At) {
		t.Errorf("the entry after the newest is %+v, want the earlier clear of restaurants", e)
	}

	ns := client.Restaurants
	only := must(admin.ListCacheAuditWithResponse(ctx, &client.ListCacheAuditParams{Namespace: &ns}))
	status(t, http.StatusOK, only, only.Body)
	entries := only.JSON200.Entries
	if len(entries) == 0 || entries[0].Action != "clear" || entries[0].Generation != restaurants.JSON200.Namespaces[0].Generation ||
		entries[0].Who != "admin" || entries[0].Reason != "DELETE /cache/clear/restaurants" {
		t.Fatalf("the restaurants audit starts with %+v, want the clear", entries)
	}
	for _, e := range entries {
		if e.Namespace != "restaurants" {
			t.Errorf("the filtered audit log holds an entry about %s", e.Namespace)
		}
	}
	if !slices.IsSortedFunc(entries, func(a, b client.AuditEntry) int { return b.At.Compare(a.At) }) {
		t.Error("the audit log is not newest first")
	}
}

func TestWarmingMakesLaterReadsHits(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	clear := must(h.admin().ClearRestaurantsCacheWithResponse(ctx))
	status(t, http.StatusOK, clear, clear.Body)

	warm := must(h.admin().WarmRestaurantsCacheWithResponse(ctx))
	status(t, http.StatusOK, warm, warm.Body)
	if warm.JSON200.Namespace != "restaurants" || warm.JSON200.KeysWarmed < 2 {
		t.Fatalf("warm answered %+v, want both restaurants stored", warm.JSON200)
	}
	keys := must(h.admin().ListCacheKeysWithResponse(ctx, client.Restaurants, &client.ListCacheKeysParams{Limit: ptr(100)}))
	status(t, http.StatusOK, keys, keys.Body)
	listed := map[string]string{}
	for _, k := range keys.JSON200.Keys {
		listed[k.Type+":"+k.Id] = k.State
	}
	before := h.stats("restaurants")
	for _, r := range []client.Restaurant{w.restaurant, w.otherRestaurant} {
		if state := listed["restaurant:"+itoa(r.Id)]; state != "value" {
			t.Errorf("restaurant %d is listed as %q after the warm, want value", r.Id, state)
		}
		h.readRestaurant(r.Id)
	}
	if got := h.stats("restaurants"); got.Hits != before.Hits+2 || got.Misses != before.Misses {
		t.Errorf("two reads after the warm: hits %d→%d, misses %d→%d; want two hits", before.Hits, got.Hits, before.Misses, got.Misses)
	}
}

func TestTheLiteralWarmRoutesWinOverTheNamespaceRoute(t *testing.T) {
	h := newHarness(t)
	h.world()
	admin := h.admin()
	menus := must(admin.WarmMenuItemsCacheWithResponse(ctx))
	status(t, http.StatusOK, menus, menus.Body)
	restaurants := must(admin.WarmRestaurantsCacheWithResponse(ctx))
	status(t, http.StatusOK, restaurants, restaurants.Body)
	static := must(admin.WarmCacheNamespaceWithResponse(ctx, client.Static))
	status(t, http.StatusAccepted, static, static.Body)
	payload, _ := static.JSON202.Payload.(map[string]any)
	if menus.JSON200.Namespace != "static" || restaurants.JSON200.Namespace != "restaurants" || payload["namespace"] != "static" {
		t.Errorf("warmed %s, %s, %v; want static, restaurants, static", menus.JSON200.Namespace, restaurants.JSON200.Namespace, payload["namespace"])
	}
	if menus.JSON200.KeysWarmed == 0 {
		t.Error("warming menu items stored nothing")
	}
}

func TestCacheKeysArePagedWithACursor(t *testing.T) {
	private := redistest.StartServer(t)
	h := newHarness(t, func(cfg *cache.Config) { cfg.Redis = privateClient(t, private) })
	for i := range 4 {
		h.restaurant(fmt.Sprintf("Kitchen %d", i), mgRoad)
	}
	warm := must(h.admin().WarmRestaurantsCacheWithResponse(ctx))
	status(t, http.StatusOK, warm, warm.Body)

	seen := map[string]bool{}
	var cursor *string
	for pages := 0; ; pages++ {
		res := must(h.admin().ListCacheKeysWithResponse(ctx, client.Restaurants, &client.ListCacheKeysParams{Limit: ptr(1), Cursor: cursor}))
		status(t, http.StatusOK, res, res.Body)
		for _, k := range res.JSON200.Keys {
			seen[k.Key] = true
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		if pages > 200 {
			t.Fatal("the key listing does not end")
		}
		cursor = res.JSON200.NextCursor
	}
	if len(seen) != warm.JSON200.KeysWarmed {
		t.Errorf("the pages listed %d keys, the warm stored %d", len(seen), warm.JSON200.KeysWarmed)
	}
}

func TestCascadeOnAMenuItemInvalidatesTheMenuAndTheLists(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	asha := h.as(store.RoleCustomer, w.asha.Id)
	readMenu := func() {
		res := must(asha.ListMenuItemsWithResponse(ctx, w.restaurant.Id, nil))
		status(t, http.StatusOK, res, res.Body)
	}
	readMenu()
	readMenu()

	reason := "price corrected by support"
	res := must(h.admin().CascadeInvalidationWithResponse(ctx, client.CascadeRequest{Entity: "menu_item", Id: w.biryani.Id, Reason: &reason}))
	status(t, http.StatusOK, res, res.Body)
	got := res.JSON200
	if got.Entity != "menu_item" || got.Id != w.biryani.Id || !got.Delivered || got.Reason != "cascade requested: "+reason {
		t.Fatalf("cascade answered %+v", got)
	}
	keys := map[string]bool{}
	for _, k := range got.Keys {
		keys[k.Namespace+" "+k.Key] = true
	}
	groups := map[string]bool{}
	for _, g := range got.Groups {
		groups[g.Namespace+" "+g.Group] = true
	}
	for _, want := range []string{"static menu_item:" + itoa(w.biryani.Id), "restaurants restaurant:" + itoa(w.restaurant.Id)} {
		if !keys[want] {
			t.Errorf("the cascade did not drop %s; it dropped %v", want, keys)
		}
	}
	for _, want := range []string{"static restaurant-" + itoa(w.restaurant.Id), "restaurants lists", "analytics restaurant-" + itoa(w.restaurant.Id)} {
		if !groups[want] {
			t.Errorf("the cascade did not renew %s (the menu, the lists, the analytics); it renewed %v", want, groups)
		}
	}
	if !slices.Equal(got.Namespaces, []string{"static", "analytics", "restaurants"}) {
		t.Errorf("the cascade touched %v", got.Namespaces)
	}

	before := h.stats("static")
	readMenu()
	if after := h.stats("static"); after.Misses != before.Misses+1 {
		t.Errorf("the menu read after the cascade: misses %d→%d, want a miss", before.Misses, after.Misses)
	}
	ns := client.Static
	audit := must(h.admin().ListCacheAuditWithResponse(ctx, &client.ListCacheAuditParams{Namespace: &ns, Limit: ptr(1)}))
	status(t, http.StatusOK, audit, audit.Body)
	if e := audit.JSON200.Entries; len(e) != 1 || e[0].Entity == nil || *e[0].Entity != "menu_item" || e[0].Reason != got.Reason {
		t.Errorf("the audit log's latest static entry is %+v, want the cascade", e)
	}
}

func TestAWriteThroughTheAPIIsVisibleOnTheNextRead(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	own := h.as(store.RoleRestaurant, w.restaurant.Id)
	asha := h.as(store.RoleCustomer, w.asha.Id)
	for i := range 3 {
		h.readRestaurant(w.restaurant.Id)
		name := fmt.Sprintf("Meghana Foods %d", i)
		patched := must(own.UpdateRestaurantWithResponse(ctx, w.restaurant.Id, client.RestaurantPatch{Name: &name}))
		status(t, http.StatusOK, patched, patched.Body)
		if got := h.readRestaurant(w.restaurant.Id); got != name {
			t.Fatalf("read %q right after renaming the restaurant to %q", got, name)
		}
		list := must(asha.ListRestaurantsWithResponse(ctx, nil))
		status(t, http.StatusOK, list, list.Body)
		if !slices.ContainsFunc(list.JSON200.Items, func(r client.RestaurantListing) bool { return r.Name == name }) {
			t.Fatalf("the restaurant list does not show the new name %q", name)
		}

		menu := must(asha.ListMenuItemsWithResponse(ctx, w.restaurant.Id, nil))
		status(t, http.StatusOK, menu, menu.Body)
		price := inr(33000 + int64(i)*100)
		item := must(own.UpdateMenuItemWithResponse(ctx, w.biryani.Id, client.MenuItemPatch{Price: &price}))
		status(t, http.StatusOK, item, item.Body)
		one := must(asha.GetMenuItemWithResponse(ctx, w.biryani.Id))
		status(t, http.StatusOK, one, one.Body)
		menu = must(asha.ListMenuItemsWithResponse(ctx, w.restaurant.Id, nil))
		status(t, http.StatusOK, menu, menu.Body)
		i := slices.IndexFunc(menu.JSON200.Items, func(m client.MenuItem) bool { return m.Id == w.biryani.Id })
		if one.JSON200.Price != price || i < 0 || menu.JSON200.Items[i].Price != price {
			t.Fatalf("after repricing the biryani to %v: the item reads %v, the menu %+v", price, one.JSON200.Price, menu.JSON200.Items)
		}
	}
}

func TestSecureKeysAreDeterministicAndNamespaced(t *testing.T) {
	h := newHarness(t)
	derive := func(ns, key string, subject *string) client.SecureKey {
		t.Helper()
		res := must(h.admin().CreateSecureKeyWithResponse(ctx, client.SecureKeyRequest{Namespace: ns, Key: key, Subject: subject}))
		status(t, http.StatusOK, res, res.Body)
		return *res.JSON200
	}
	first, again := derive("sessions", "cart:7", nil), derive("sessions", "cart:7", nil)
	if first.Key != again.Key || first.Digest != again.Digest {
		t.Errorf("the same input gave two keys: %s and %s", first.Key, again.Key)
	}
	if first.Algorithm != "HMAC-SHA256" || len(first.Digest) != 64 || first.Namespace != "sessions" {
		t.Errorf("secure key %+v", first)
	}
	if got := first.Key; !strings.HasSuffix(got, ":secure:"+first.Digest) || !strings.Contains(got, ":sessions:v") || strings.Contains(got, "cart") {
		t.Errorf("the physical key %q is not the digest in the sessions namespace, or shows the logical key", got)
	}
	other := derive("orders", "cart:7", nil)
	bound := derive("sessions", "cart:7", ptr("customer:7"))
	for what, k := range map[string]client.SecureKey{"another namespace": other, "a subject": bound, "another key": derive("sessions", "cart:8", nil)} {
		if k.Digest == first.Digest {
			t.Errorf("%s gave the same digest", what)
		}
	}
	if !strings.Contains(other.Key, ":orders:v") {
		t.Errorf("a key of the orders namespace lives at %s", other.Key)
	}
}

func TestThePatternSelfChecksFindCacheAndDatabaseAgree(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	wt := must(h.admin().CheckWriteThroughWithResponse(ctx))
	status(t, http.StatusOK, wt, wt.Body)
	aside := must(h.admin().CheckCacheAsideWithResponse(ctx))
	status(t, http.StatusOK, aside, aside.Body)
	for _, pc := range []*client.PatternCheck{wt.JSON200, aside.JSON200} {
		sc := pc.SelfCheck
		if !sc.Performed || !sc.Consistent || sc.Problem != nil || sc.Record == nil || *sc.Record != "restaurant "+itoa(w.restaurant.Id) {
			t.Errorf("%s self-check: %+v", pc.Pattern, sc)
		}
	}
	if f := wt.JSON200.Figures; f.Calls < 1 || f.WritesStored < 1 {
		t.Errorf("write-through figures count no write: %+v", f)
	}
	if f := aside.JSON200.Figures; f.Calls < 2 || f.Reads < 2 {
		t.Errorf("cache-aside figures count no reads: %+v", f)
	}
	var steps []string
	for _, s := range aside.JSON200.SelfCheck.Steps {
		steps = append(steps, s.Step+": "+s.Outcome)
	}
	if want := []string{"invalidate: entry dropped", "get_miss: loaded from the source and filled",
		"get_hit: served from the cache", "read_source: read the source"}; !slices.Equal(steps, want) {
		t.Errorf("cache-aside steps %q, want %q", steps, want)
	}
	if wt.JSON200.Pattern != "write_through" || aside.JSON200.Pattern != "cache_aside" {
		t.Errorf("patterns %s and %s", wt.JSON200.Pattern, aside.JSON200.Pattern)
	}
}

func TestWithoutACacheTheRoutesAnswer503AndAreStillDescribed(t *testing.T) {
	tokens := must(api.NewTokens([]byte("test-secret-test-secret-test-secret!")))
	rdb, prefix := redistest.New(t)
	c := must(cache.New(cache.Config{Redis: rdb, Prefix: prefix}))
	t.Cleanup(func() { _ = c.Close() })
	with := must(api.New(api.DefaultConfig(), api.Deps{Tokens: tokens, Metrics: prometheus.NewRegistry(), Cache: c}))
	without := must(api.New(api.DefaultConfig(), api.Deps{Tokens: tokens, Metrics: prometheus.NewRegistry()}))
	if string(with.OpenAPI()) != string(without.OpenAPI()) {
		t.Error("the OpenAPI description depends on whether the server has a cache")
	}
	srv := httptest.NewServer(without)
	t.Cleanup(srv.Close)
	h := &harness{t: t, srv: srv, tokens: tokens}
	res := must(h.admin().GetCacheHealthWithResponse(ctx))
	status(t, http.StatusServiceUnavailable, res, res.Body)
	if p := res.ApplicationproblemJSON503; p == nil || p.Code != "cache_unavailable" {
		t.Errorf("a server without a cache answered %s", problemCode(p))
	}
	if after := res.HTTPResponse.Header.Get("Retry-After"); after == "" {
		t.Error("the 503 does not say when to retry (no Retry-After)")
	}
}
