package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/postgres"
)

// jobsConfig is what `dabba serve` and `dabba worker` can be told about the
// background work, from flags and the environment. README.md documents
// each entry.
type jobsConfig struct {
	// Workers is how many tasks this node runs at once; 0 runs no worker.
	Workers int
	// Scheduler runs the periodic tasks' scheduler on this node; any number
	// of nodes may.
	Scheduler bool
	// Startup enqueues the rollups and the start-up warm when the node
	// starts.
	Startup bool
	// QueuePrefix names the queues; every node of a fleet must agree.
	QueuePrefix string
	// RollupInterval is how often the incremental rollups run.
	RollupInterval time.Duration
	// WarmIntervals overrides the scheduled warm per namespace, e.g.
	// "restaurants=30m,analytics=10m,static=off".
	WarmIntervals string
	// DeliveryPromise is when a delivery as soon as possible is late.
	DeliveryPromise time.Duration
	// TrackingThinAfter and TrackingDeleteAfter say when the courier
	// positions of a finished delivery are thinned out and deleted.
	TrackingThinAfter, TrackingDeleteAfter time.Duration
}

// bindFlags registers the background-work flags on fs, with defaults from
// the environment over def, and returns a function that validates them.
func (c *jobsConfig) bindFlags(fs *flag.FlagSet, def jobsConfig) func() error {
	var errs []error
	fs.IntVar(&c.Workers, "workers", envInt("DABBA_WORKERS", def.Workers, &errs), "background tasks run at once on this node; 0 runs none ($DABBA_WORKERS)")
	fs.BoolVar(&c.Scheduler, "scheduler", envBool("DABBA_SCHEDULER", def.Scheduler, &errs), "run the periodic tasks' scheduler on this node ($DABBA_SCHEDULER)")
	fs.BoolVar(&c.Startup, "startup-jobs", envBool("DABBA_STARTUP_JOBS", def.Startup, &errs), "on start, run the rollups and warm popular restaurants, menus and analytics ($DABBA_STARTUP_JOBS)")
	fs.StringVar(&c.QueuePrefix, "jobs-queue", envOr("DABBA_JOBS_QUEUE", "dabba"), "prefix of the background queues; every node must agree ($DABBA_JOBS_QUEUE)")
	fs.DurationVar(&c.RollupInterval, "rollup-interval", envDuration("DABBA_ROLLUP_INTERVAL", 5*time.Minute, &errs), "how often the analytics rollups run ($DABBA_ROLLUP_INTERVAL)")
	fs.StringVar(&c.WarmIntervals, "warm-intervals", envOr("DABBA_WARM_INTERVALS", ""), "scheduled warm per namespace, e.g. restaurants=30m,analytics=10m,static=off ($DABBA_WARM_INTERVALS)")
	fs.DurationVar(&c.DeliveryPromise, "delivery-promise", envDuration("DABBA_DELIVERY_PROMISE", 45*time.Minute, &errs), "when a delivery as soon as possible is late, after placing ($DABBA_DELIVERY_PROMISE)")
	fs.DurationVar(&c.TrackingThinAfter, "tracking-thin-after", envDuration("DABBA_TRACKING_THIN_AFTER", 7*24*time.Hour, &errs), "thin courier positions to one a minute this long after a delivery ends ($DABBA_TRACKING_THIN_AFTER)")
	fs.DurationVar(&c.TrackingDeleteAfter, "tracking-delete-after", envDuration("DABBA_TRACKING_DELETE_AFTER", 90*24*time.Hour, &errs), "delete courier positions this long after a delivery ends; 0 keeps them ($DABBA_TRACKING_DELETE_AFTER)")
	return func() error {
		if c.Workers < 0 {
			errs = append(errs, fmt.Errorf("workers must be 0 or more, got %d", c.Workers))
		}
		for name, d := range map[string]time.Duration{"rollup-interval": c.RollupInterval, "delivery-promise": c.DeliveryPromise, "tracking-thin-after": c.TrackingThinAfter} {
			if d <= 0 {
				errs = append(errs, fmt.Errorf("%s must be positive, got %s", name, d))
			}
		}
		if _, err := jobs.ParseWarmIntervals(c.WarmIntervals); err != nil {
			errs = append(errs, fmt.Errorf("warm-intervals: %w", err))
		}
		return errors.Join(errs...)
	}
}

// serveJobs is what `dabba serve` runs by default: workers, the scheduler
// and the start-up jobs.
var serveJobs = jobsConfig{Workers: 4, Scheduler: true, Startup: true}

func envBool(name string, def bool, errs *[]error) bool {
	switch v := os.Getenv(name); v {
	case "":
		return def
	case "true", "1":
		return true
	case "false", "0":
		return false
	default:
		*errs = append(*errs, fmt.Errorf("$%s must be true or false, got %q", name, v))
		return def
	}
}

// background is a node's side of the background work: the client the API
// enqueues with and reads the queues through, the analytics it serves, the
// queues' web console, and the worker and scheduler when the node runs
// them.
type background struct {
	client    *jobs.Client
	analytics *jobs.Analytics
	console   http.Handler
	worker    *jobs.Worker
	scheduler *jobs.Scheduler
}

// startJobs starts the background work of a node over the platform and its
// cache: the analytics (also registered as the cache's analytics warmer),
// the client, and per jc the worker, the scheduler and the start-up jobs
// (rollups and warm), which are enqueued, not awaited, so the node is ready
// at once. Stop it with stop.
func startJobs(ctx context.Context, cfg Config, jc jobsConfig, p *platform, cached *cache.Cache, reg prometheus.Registerer, log *slog.Logger) (*background, error) {
	warm, err := jobs.ParseWarmIntervals(jc.WarmIntervals)
	if err != nil {
		return nil, fmt.Errorf("warm-intervals: %w", err)
	}
	rollups := p.db.Analytics(postgres.AnalyticsConfig{DeliveryPromise: jc.DeliveryPromise})
	b := &background{analytics: jobs.NewAnalytics(cached, rollups)}
	cached.HandleWarm(cache.NamespaceAnalytics, b.analytics)
	deleteAfter := jc.TrackingDeleteAfter
	if deleteAfter == 0 {
		deleteAfter = -1
	}
	jcfg := jobs.Config{
		Redis: p.redis, QueuePrefix: jc.QueuePrefix, Cache: cached, Analytics: b.analytics, Rollups: rollups, Tracking: p.db,
		Concurrency: jc.Workers, ShutdownTimeout: cfg.ShutdownTimeout,
		Schedule:   jobs.Schedule{Rollups: jc.RollupInterval, Warm: warm},
		Compaction: jobs.Compaction{ThinAfter: jc.TrackingThinAfter, DeleteAfter: deleteAfter},
		Registerer: reg, Logger: log,
	}
	if b.client, err = jobs.NewClient(jcfg); err != nil {
		return nil, err
	}
	b.console = jobsConsole(p.redis)
	fail := func(err error) (*background, error) {
		b.stop()
		return nil, err
	}
	if jc.Workers > 0 {
		if b.worker, err = jobs.NewWorker(jcfg); err != nil {
			return fail(err)
		}
		if err = b.worker.Start(); err != nil {
			return fail(err)
		}
	}
	if jc.Scheduler {
		if b.scheduler, err = jobs.NewScheduler(jcfg); err != nil {
			return fail(err)
		}
		if err = b.scheduler.Start(); err != nil {
			return fail(err)
		}
	}
	if jc.Startup {
		started, err := b.client.EnqueueStartup(ctx)
		if err != nil {
			// The periodic tasks catch up later; start anyway.
			log.Warn("enqueue the start-up rollups and warm", "error", err)
		}
		for _, j := range started {
			log.Info("start-up job enqueued", "job", j.ID, "type", j.Type, "payload", string(j.Payload))
		}
	}
	return b, nil
}

// stop stops the scheduler and lets the worker finish (or re-queue) its
// tasks.
func (b *background) stop() {
	if b.scheduler != nil {
		b.scheduler.Shutdown()
	}
	if b.worker != nil {
		b.worker.Shutdown()
	}
}

// jobsConsole is asynqmon, the queues' web console, served under
// api.JobsConsolePath over the node's Redis connection.
func jobsConsole(rdb *redis.Client) http.Handler {
	return asynqmon.New(asynqmon.Options{RootPath: api.JobsConsolePath, RedisConnOpt: sharedRedis{rdb}})
}

// sharedRedis hands asynqmon the node's Redis client rather than a
// connection of its own; the console is never closed, so neither is the
// client through it.
type sharedRedis struct{ c *redis.Client }

// MakeRedisClient implements asynq.RedisConnOpt.
func (s sharedRedis) MakeRedisClient() any { return s.c }

var _ asynq.RedisConnOpt = sharedRedis{}
