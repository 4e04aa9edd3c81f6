package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/client"
)

func TestHealthz_AsksForARestartWhileAVitalCheckFails(t *testing.T) {
	var stranded atomic.Bool
	tokens := must(api.NewTokens([]byte(strings.Repeat("k", api.MinSecretBytes))))
	handler := must(api.New(api.DefaultConfig(), api.Deps{Tokens: tokens, Metrics: prometheus.NewRegistry(),
		Vital: []api.Check{{Name: "tracking_cluster", Probe: func(context.Context) error {
			if stranded.Load() {
				return errors.New("this node dropped out of the tracking cluster")
			}
			return nil
		}}}}))
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c := must(client.NewClientWithResponses(srv.URL))

	res := must(c.HealthzWithResponse(t.Context()))
	if res.StatusCode() != http.StatusOK || res.JSON200 == nil || res.JSON200.Status != "ok" {
		t.Fatalf("healthz of a node in its cluster: %d %s", res.StatusCode(), res.Body)
	}

	stranded.Store(true)
	res = must(c.HealthzWithResponse(t.Context()))
	if res.StatusCode() != http.StatusServiceUnavailable || res.JSON503 == nil || res.JSON503.Status != "restart_needed" ||
		res.JSON503.Reason == nil || *res.JSON503.Reason != "tracking_cluster: this node dropped out of the tracking cluster" {
		t.Fatalf("healthz of a stranded node: %d %s, want 503 restart_needed naming the check", res.StatusCode(), res.Body)
	}
}
