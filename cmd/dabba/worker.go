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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// runWorker is `dabba worker`: background workers (and, with --scheduler,
// the scheduler) without the API, so they scale apart from it. It shares
// PostgreSQL and Redis with the `dabba serve` nodes, so it needs their
// URLs, and serves its metrics at --metrics-addr.
func runWorker(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	var jc jobsConfig
	validateJobs := jc.bindFlags(fs, jobsConfig{Workers: 4})
	metricsAddr := fs.String("metrics-addr", envOr("DABBA_METRICS_ADDR", "127.0.0.1:9091"), "listen address of /metrics ($DABBA_METRICS_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(validate(), validateJobs()); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" || cfg.RedisURL == "" {
		return errors.New("dabba worker works for the dabba serve nodes: give it their DATABASE_URL and REDIS_URL")
	}
	if jc.Workers == 0 && !jc.Scheduler {
		return errors.New("nothing to run: give --workers a positive number, or --scheduler")
	}
	log := newLogger(&cfg, os.Stderr)
	slog.SetDefault(log)

	p, err := openPlatform(ctx, cfg, log, needs{db: true, redis: true, migrate: true})
	if err != nil {
		return err
	}
	defer p.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cached, err := openCache(cfg, p, reg, log)
	if err != nil {
		return err
	}
	defer cached.Close()
	bg, err := startJobs(ctx, cfg, jc, p, cached, reg, log)
	if err != nil {
		return err
	}
	defer bg.stop()

	ln, err := net.Listen("tcp", *metricsAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *metricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "dabba worker is running: %d workers, scheduler %v, queues %s-*; metrics at http://%s/metrics\n",
		jc.Workers, jc.Scheduler, jc.QueuePrefix, ln.Addr())

	select {
	case err := <-serveErr:
		return fmt.Errorf("metrics server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: running tasks finish or go back to their queue", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down metrics server: %w", err)
	}
	return nil
}
