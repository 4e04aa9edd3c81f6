package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/dabba/dabba/actors"
	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/cmd/dabba/internal/demo"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	var jc jobsConfig
	validateJobs := jc.bindFlags(fs, serveJobs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(validate(), validateJobs()); err != nil {
		return err
	}
	cluster, err := cfg.cluster()
	if err != nil {
		return err
	}
	log := newLogger(&cfg, os.Stderr)
	slog.SetDefault(log)

	p, err := openPlatform(ctx, cfg, log, needs{db: true, redis: true, migrate: true})
	if err != nil {
		return err
	}
	defer p.Close()
	var showcase demo.Showcase
	if cfg.Seed {
		sum, err := seedDemo(ctx, p, log)
		if err != nil {
			return err
		}
		showcase = sum.Showcase
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cached, err := openCache(cfg, p, reg, log)
	if err != nil {
		return err
	}
	defer cached.Close()
	services := cached.Services()
	if cfg.NoCache {
		log.Warn("the cache is off (--no-cache): every read goes to PostgreSQL")
		services = p.db.Services()
	}
	broker := realtime.NewBroker(p.redis, realtime.BrokerConfig{})
	go runCacheConsole(ctx, cached, broker, 2*time.Second, log)
	engine, err := actors.Start(ctx, actors.Config{Cluster: cluster, AcceptTimeout: cfg.AcceptTimeout}, actors.Deps{
		Store: p.db.Services(), Kitchens: p.db.Kitchens(), Dispatch: p.db.Dispatch(),
		Cache: cached, Redis: p.redis, Publisher: broker, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("start the tracking engine: %w", err)
	}
	defer engine.Stop()
	bg, err := startJobs(ctx, cfg, jc, p, cached, reg, log)
	if err != nil {
		return fmt.Errorf("start the background jobs: %w", err)
	}
	defer bg.stop()
	hub, err := realtime.New(realtime.Config{
		Broker:        broker,
		Authenticator: api.NewSocketAuthenticator(p.tokens, services.Orders),
		Registerer:    reg,
		Logger:        log,
	})
	if err != nil {
		return fmt.Errorf("start the realtime hub: %w", err)
	}
	apiCfg := api.DefaultConfig()
	apiCfg.MaxBodyBytes = cfg.MaxBodyBytes
	apiCfg.Version = version()
	handler, err := api.New(apiCfg, api.Deps{
		Services:    services,
		Engine:      engine,
		Cache:       cached,
		Analytics:   bg.analytics,
		Jobs:        bg.client,
		JobsConsole: bg.console,
		Socket:      hub,
		Tokens:      p.tokens,
		Metrics:     reg,
		Checks: []api.Check{
			{Name: "postgres", Probe: p.db.Ping},
			{Name: "redis", Probe: func(ctx context.Context) error { return p.redis.Ping(ctx).Err() }, Optional: true},
		},
		Vital: []api.Check{{Name: "tracking_cluster", Probe: engine.InCluster}},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if err := welcome(ctx, stdout, p, "http://"+ln.Addr().String(), showcase); err != nil {
		log.Warn("could not print the welcome", "error", err)
	}
	if cfg.Simulate {
		if cfg.Production() {
			return errors.New("--simulate places fake orders: it is for development only")
		}
		sim := defaultSimulation()
		sim.Regular = showcase.CustomerID
		go func() {
			if err := newSimulator("http://"+ln.Addr().String(), p.tokens, sim, log).run(ctx); err != nil {
				log.Warn("the simulation stopped", "error", err)
			}
		}()
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// http.Server.Shutdown leaves hijacked websockets open: the hub tells
	// its clients to reconnect elsewhere and closes them itself.
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Shutdown(shutdownCtx) }()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down http server: %w", err)
	}
	if err := <-hubDone; err != nil {
		log.Warn("realtime hub shutdown", "error", err)
	}
	log.Info("stopped")
	return nil
}

// welcome prints where everything is and, in development, a token per
// role — for the demo's delivery on its way when there is one, else for the
// first records listed — so the platform can be tried at once.
func welcome(ctx context.Context, w io.Writer, p *platform, base string, show demo.Showcase) error {
	fmt.Fprintf(w, "\ndabba is running (%s)\n\n", p.cfg.Env)
	ws := "ws" + strings.TrimPrefix(base, "http")
	fmt.Fprintf(w, "  Apps           %s/app/  (track an order, run a kitchen, watch the cache)\n", base)
	fmt.Fprintf(w, "  API            %s\n  OpenAPI        %s/openapi.json\n  API docs       %s/docs\n  Websocket      %s/ws\n  Metrics        %s/metrics\n  Health         %s/healthz  %s/readyz\n\n",
		base, base, base, ws, base, base, base)
	if p.cfg.Production() {
		return nil
	}
	if show.OrderID != 0 {
		fmt.Fprintf(w, "  Demo order %d is on its way: %s/app/track/%d (sign in with the customer token below)\n", show.OrderID, base, show.OrderID)
		if p.cfg.Simulate {
			fmt.Fprintf(w, "  The simulation has customer %d order again whenever their order arrives: %s/app/orders\n", show.CustomerID, base)
		}
		fmt.Fprintln(w)
	}
	subject := demoSubjects(ctx, p.db.Services(), show)
	fmt.Fprintln(w, "  Development tokens (valid 7 days; mint more with `dabba token --role <role> --sub <id>`):")
	for _, role := range store.Roles() {
		id, ok := subject[role]
		if !ok {
			continue
		}
		tok, err := p.tokens.Mint(store.Principal{Role: role, ID: id}, 7*24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n  %s %d\n    %s\n", role, id, tok)
	}
	fmt.Fprintf(w, "\n  Try: curl -H \"Authorization: Bearer <token>\" %s/restaurants\n\n", base)
	return nil
}

// openCache builds the enterprise cache over the database from the
// configuration.
func openCache(cfg Config, p *platform, reg prometheus.Registerer, log *slog.Logger) (*cache.Cache, error) {
	profile, err := cache.ParseProfile(cfg.Env)
	if err != nil {
		return nil, err
	}
	overrides, err := cache.ParseTTLOverrides(cfg.CacheTTLOverrides)
	if err != nil {
		return nil, fmt.Errorf("DABBA_CACHE_TTL_OVERRIDES: %w", err)
	}
	local, err := cache.ParseTTLOverrides(cfg.CacheLocal)
	if err != nil {
		return nil, fmt.Errorf("DABBA_CACHE_LOCAL: %w", err)
	}
	secret := []byte(cfg.CacheSecret)
	if len(secret) == 0 {
		secret = p.tokens.Derive("dabba cache secure keys")
	}
	c, err := cache.New(cache.Config{
		Redis: p.redis, Breaker: p.breaker, Prefix: cfg.CachePrefix, Profile: profile, TTLOverrides: overrides,
		StaleIfError: cfg.CacheStaleIfError,
		Secret:       secret, Source: p.db.Services(), Registerer: reg, Logger: log,
		Local: cache.LocalConfig{Classes: local},
	})
	if err != nil {
		return nil, fmt.Errorf("start the cache: %w", err)
	}
	return c, nil
}

// demoSubjects picks who the development tokens speak for: the showcase
// delivery's customer, restaurant and courier, or else the first of each.
func demoSubjects(ctx context.Context, svc store.Services, show demo.Showcase) map[store.Role]int64 {
	subject := map[store.Role]int64{store.RoleAdmin: 0}
	if show.OrderID != 0 {
		subject[store.RoleCustomer], subject[store.RoleRestaurant], subject[store.RoleCourier] = show.CustomerID, show.RestaurantID, show.CourierID
		return subject
	}
	first := store.PageRequest{Limit: 1}
	if page, err := svc.Customers.Customers(ctx, first); err == nil && len(page.Items) > 0 {
		subject[store.RoleCustomer] = page.Items[0].ID
	}
	if page, err := svc.Restaurants.Restaurants(ctx, store.RestaurantFilter{Page: first}); err == nil && len(page.Items) > 0 {
		subject[store.RoleRestaurant] = page.Items[0].ID
	}
	if page, err := svc.Couriers.Couriers(ctx, store.CourierFilter{Page: first}); err == nil && len(page.Items) > 0 {
		subject[store.RoleCourier] = page.Items[0].ID
	}
	return subject
}

// version is the module version the binary was built from, or "dev".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
