package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store"
)

// startWorker runs a worker on the harness's queues until the test ends.
func (h *harness) startWorker() {
	h.t.Helper()
	w, err := jobs.NewWorker(h.jobs)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(w.Shutdown)
}

// awaitJob reads the job through the API until it reaches the state, and
// fails the test if it does not within half a minute.
func (h *harness) awaitJob(id, state string) client.Job {
	h.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res := must(h.admin().GetJobWithResponse(ctx, id))
		status(h.t, 200, res, res.Body)
		if res.JSON200.State == state {
			return *res.JSON200
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s is %s, never %s: %s", id, res.JSON200.State, state, res.Body)
		}
	}
}

func TestAWarmAskedForIsEnqueuedAndItsResultReadableAfterwards(t *testing.T) {
	h := newHarness(t)
	h.world()
	admin := h.admin()

	warm := must(admin.WarmCacheNamespaceWithResponse(ctx, client.Static))
	status(t, http.StatusAccepted, warm, warm.Body)
	if j := warm.JSON202; j.Type != jobs.TypeWarm || j.State != "pending" || j.Id == "" {
		t.Fatalf("the warm answered %+v, want a pending cache:warm job", j)
	}
	predictive := must(admin.WarmPredictiveWithResponse(ctx))
	status(t, http.StatusAccepted, predictive, predictive.Body)
	nowhere := must(admin.WarmCacheNamespaceWithResponse(ctx, client.Dynamic))
	status(t, http.StatusAccepted, nowhere, nowhere.Body)
	h.startWorker()

	done := h.awaitJob(warm.JSON202.Id, "completed")
	res, _ := done.Result.(map[string]any)
	if warmed, _ := res["keys_warmed"].(float64); res["namespace"] != "static" || warmed == 0 || res["duration_ms"] == nil {
		t.Errorf("the warm's result: %v, want the menus warmed and the time taken", done.Result)
	}
	if res, _ := h.awaitJob(predictive.JSON202.Id, "completed").Result.(map[string]any); res["namespaces"] == nil {
		t.Errorf("the predictive warm's result: %v", res)
	}
	// No retry gives the dynamic namespace a warmer: the job fails for good at once.
	failed := h.awaitJob(nowhere.JSON202.Id, "archived")
	if failed.Retried != 0 || failed.LastError == nil || !strings.Contains(*failed.LastError, "no_warmer") {
		t.Errorf("the warm of a namespace without a warmer: %+v", failed)
	}
	dead := must(admin.ListDeadLettersWithResponse(ctx, nil))
	status(t, 200, dead, dead.Body)
	if len(dead.JSON200.Items) != 1 || dead.JSON200.Items[0].Id != nowhere.JSON202.Id {
		t.Errorf("dead letters: %s", dead.Body)
	}
	sum := must(admin.GetJobsSummaryWithResponse(ctx))
	status(t, 200, sum, sum.Body)
	if s := sum.JSON200; s.Status != "degraded" || s.Workers != 1 || s.Queues[0].Completed != 2 || s.Queues[0].Archived != 1 {
		t.Errorf("summary: %s", sum.Body)
	}
}

func TestJobsAreForAdminsOnly(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	for role, c := range map[string]*client.ClientWithResponses{
		"customer":   h.as(store.RoleCustomer, w.asha.Id),
		"restaurant": h.as(store.RoleRestaurant, w.restaurant.Id),
		"courier":    h.as(store.RoleCourier, w.courier.Id),
	} {
		sum := must(c.GetJobsSummaryWithResponse(ctx))
		dead := must(c.ListDeadLettersWithResponse(ctx, nil))
		job := must(c.GetJobWithResponse(ctx, "some-job"))
		for what, got := range map[string]int{"summary": sum.StatusCode(), "dead letters": dead.StatusCode(), "a job": job.StatusCode()} {
			if got != http.StatusForbidden {
				t.Errorf("%s asking for %s: %d, want 403", role, what, got)
			}
		}
	}
	unknown := must(h.admin().GetJobWithResponse(ctx, "no-such-job"))
	status(t, http.StatusNotFound, unknown, unknown.Body)
}

func TestTheJobConsoleIsForAdminsOnly(t *testing.T) {
	tokens, err := api.NewTokens([]byte("test-secret-test-secret-test-secret!"))
	if err != nil {
		t.Fatal(err)
	}
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("console " + r.URL.Path)) })
	s, err := api.New(api.DefaultConfig(), api.Deps{Tokens: tokens, Metrics: prometheus.NewRegistry(), JobsConsole: console})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(p store.Principal) string {
		tok, err := tokens.Mint(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	admin, customer := mint(store.Principal{Role: store.RoleAdmin}), mint(store.Principal{Role: store.RoleCustomer, ID: 7})
	get := func(target string, edit func(*http.Request)) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if edit != nil {
			edit(r)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}

	if rec := get(api.JobsConsolePath, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("without a token: %d", rec.Code)
	}
	if rec := get(api.JobsConsolePath+"/queues", bearer(customer)); rec.Code != http.StatusForbidden {
		t.Errorf("a customer: %d", rec.Code)
	}
	if rec := get(api.JobsConsolePath+"/queues", bearer(admin)); rec.Code != http.StatusOK || rec.Body.String() != "console /admin/jobs/queues" {
		t.Errorf("an admin's bearer token: %d %s", rec.Code, rec.Body)
	}
	opened := get(api.JobsConsolePath+"?token="+admin, nil)
	cookies := opened.Result().Cookies()
	if opened.Code != http.StatusSeeOther || opened.Header().Get("Location") != api.JobsConsolePath || len(cookies) != 1 || !cookies[0].HttpOnly {
		t.Fatalf("opening the console with a token: %d, location %q, cookies %v", opened.Code, opened.Header().Get("Location"), cookies)
	}
	if rec := get(api.JobsConsolePath+"/api/queues", func(r *http.Request) { r.AddCookie(cookies[0]) }); rec.Code != http.StatusOK {
		t.Errorf("the console's own calls with the cookie: %d", rec.Code)
	}
	if rec := get(api.JobsConsolePath+"?token="+customer, nil); rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 {
		t.Errorf("opening the console with a customer's token: %d", rec.Code)
	}
}
