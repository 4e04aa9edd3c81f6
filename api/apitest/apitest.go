// Package apitest runs a whole dabba node for tests of any package: the API
// over a fresh PostgreSQL database (pgtest) and the shared test Redis under
// a key prefix of the test's own (redistest), with the tracking engine, the
// enterprise cache, the background job queues and the realtime hub wired as
// `dabba serve` wires them, served on a real socket. The api package's tests speak to it through the
// generated client; the browser tests of web/e2e point Chromium at it.
package apitest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/client"
	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/jobs/jobstest"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// Server is one test's dabba node. Everything it started stops when the
// test ends.
type Server struct {
	// Node is how clients reach it: its URL and the tokens it accepts.
	*Node
	// HTTP is the listening test server; HTTP.URL is its base URL.
	HTTP *httptest.Server
	// DB is the test's own database.
	DB *postgres.DB
	// Broker carries realtime events from the engine to the websockets.
	Broker *realtime.Broker
	// Cache is the enterprise cache the API reads through and administers.
	Cache *cache.Cache
	// Engine is the tracking engine the API places and moves orders with.
	Engine *actors.Engine
	// Jobs configures the API's background queues, of the test's own; no
	// worker runs unless the test starts one with it.
	Jobs jobs.Config
}

// Node is a dabba node as its clients see it: where it listens and the
// tokens it accepts. The fixtures are its methods, so they work against an
// in-process Server and a `dabba serve` process alike.
type Node struct {
	// BaseURL is where the node listens, e.g. http://127.0.0.1:41234.
	BaseURL string
	// Tokens mints the bearer tokens the node accepts.
	Tokens *api.Tokens

	t testing.TB
}

// Remote returns the client side of the node at baseURL that accepts
// tokens signed by tokens, e.g. a `dabba serve` process a test started.
func Remote(t testing.TB, baseURL string, tokens *api.Tokens) *Node {
	return &Node{BaseURL: baseURL, Tokens: tokens, t: t}
}

// Option adjusts the configuration of the API's cache, e.g. to point it at
// a Redis the test stops.
type Option func(*cache.Config)

// secret signs the tests' tokens.
const secret = "test-secret-test-secret-test-secret!"

// New starts a node for the test.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	db := pgtest.New(t)
	tokens, err := api.NewTokens([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := redistest.New(t)
	quiet := slog.New(slog.DiscardHandler)
	broker := realtime.NewBroker(rdb, realtime.BrokerConfig{KeyPrefix: prefix})

	// The engine and the API each have a cache over the same keys, as two
	// nodes would.
	// One breaker guards the client, for everything that uses it.
	breaker := cache.Guard(rdb, cache.BreakerConfig{})
	engineCache, err := cache.New(cache.Config{Redis: rdb, Breaker: breaker, Prefix: prefix + ":cache", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engineCache.Close() })
	engine, err := actors.Start(context.Background(), actors.Config{Dispatch: actors.DispatchConfig{PositionsKey: prefix + ":couriers"}},
		actors.Deps{Store: db.Services(), Kitchens: db.Kitchens(), Dispatch: db.Dispatch(), Cache: engineCache, Redis: rdb,
			Publisher: broker, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(engine.Stop)

	hub, err := realtime.New(realtime.Config{Broker: broker, Authenticator: api.NewSocketAuthenticator(tokens, db.Services().Orders)})
	if err != nil {
		t.Fatal(err)
	}
	cacheCfg := cache.Config{Redis: rdb, Prefix: prefix + ":cache", Source: db.Services(), Logger: quiet}
	for _, o := range opts {
		o(&cacheCfg)
	}
	if cacheCfg.Redis == rdb && cacheCfg.Breaker == nil {
		cacheCfg.Breaker = breaker
	}
	cached, err := cache.New(cacheCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cached.Close() })
	rollups := db.Analytics(postgres.AnalyticsConfig{})
	analytics := jobs.NewAnalytics(cached, rollups)
	jobsCfg := jobstest.Config(t, rdb, prefix)
	jobsCfg.Cache, jobsCfg.Analytics, jobsCfg.Rollups, jobsCfg.Tracking = cached, analytics, rollups, db
	queues, err := jobs.NewClient(jobsCfg)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := api.New(api.DefaultConfig(), api.Deps{
		Services: cached.Services(),
		Tokens:   tokens,
		Metrics:  prometheus.NewRegistry(),
		Checks: []api.Check{
			{Name: "postgres", Probe: db.Ping},
			{Name: "redis", Probe: func(ctx context.Context) error { return cacheCfg.Redis.Ping(ctx).Err() }, Optional: true},
		},
		Vital:     []api.Check{{Name: "tracking_cluster", Probe: engine.InCluster}},
		Socket:    hub,
		Engine:    engine,
		Cache:     cached,
		Analytics: analytics,
		Jobs:      queues,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() {
		_ = hub.Shutdown(context.Background())
		srv.Close()
	})
	return &Server{Node: Remote(t, srv.URL, tokens), HTTP: srv, DB: db, Broker: broker, Cache: cached, Engine: engine, Jobs: jobsCfg}
}

// URL is the node's base URL, e.g. http://127.0.0.1:41234.
func (s *Node) URL() string { return s.BaseURL }

// Token mints an hour's bearer token for the role and subject.
func (s *Node) Token(role store.Role, id int64) string {
	s.t.Helper()
	tok, err := s.Tokens.Mint(store.Principal{Role: role, ID: id}, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// Client returns a client of the node sending the bearer token ("" sends
// none).
func (s *Node) Client(token string) *client.ClientWithResponses {
	s.t.Helper()
	return Client(s.t, s.BaseURL, token)
}

// Client returns a client of the API at baseURL sending the bearer token
// ("" sends none).
func Client(t testing.TB, baseURL, token string) *client.ClientWithResponses {
	t.Helper()
	c, err := client.NewClientWithResponses(baseURL, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// As returns a client authenticated as the role and subject.
func (s *Node) As(role store.Role, id int64) *client.ClientWithResponses {
	s.t.Helper()
	return s.Client(s.Token(role, id))
}

// Admin returns a client authenticated as an admin.
func (s *Node) Admin() *client.ClientWithResponses {
	s.t.Helper()
	return s.As(store.RoleAdmin, 0)
}
