package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Config configures the worker, the scheduler and the client. Zero fields
// take the defaults documented on them; each part checks only what it uses.
type Config struct {
	// Redis holds the queues; every node of a fleet shares it. Required.
	Redis redis.UniversalClient
	// QueuePrefix names the three queues: {prefix}-interactive (warms an
	// admin asked for, start-up warming), {prefix}-periodic (rollups,
	// scheduled and predictive warming) and {prefix}-maintenance (key
	// reclamation, tracking compaction), served 6:3:1. Default "dabba".
	QueuePrefix string

	// Cache is the enterprise cache the warming tasks fill. Required by the
	// worker.
	Cache *cache.Cache
	// Analytics serves analytics from the cache; rollup tasks refresh its
	// entries. Required by the worker.
	Analytics *Analytics
	// Rollups recomputes the rollup tables. Required by the worker.
	Rollups store.AnalyticsRollups
	// Tracking compacts old courier positions. Required by the worker.
	Tracking store.TrackingCompactor

	// Concurrency is how many tasks a worker runs at once; default 4.
	Concurrency int
	// ShutdownTimeout is how long a stopping worker lets its tasks finish;
	// the tasks still running then go back to their queue. Default 20 s.
	ShutdownTimeout time.Duration
	// TaskTimeout bounds one run of a task; default 10 min.
	TaskTimeout time.Duration
	// MaxRetry is how often a failed task is retried before it is archived
	// in the dead-letter view; default 5.
	MaxRetry int
	// RetryBase is the delay before the first retry; each retry doubles it,
	// up to RetryMax. Defaults 10 s and 10 min.
	RetryBase, RetryMax time.Duration
	// PollInterval is how often an idle worker looks for tasks, and for
	// retries and scheduled tasks that became due; default 1 s.
	PollInterval time.Duration
	// Heartbeat is how often a scheduler publishes its schedule (what the
	// summary lists); default 10 s.
	Heartbeat time.Duration
	// ResultRetention is how long the result of a task the client enqueued
	// (on demand, at start-up) stays readable (GET /jobs/{id}); default 24 h.
	ResultRetention time.Duration
	// StartupWindow is how long after one node enqueued the start-up jobs
	// other nodes starting skip theirs; default 2 min.
	StartupWindow time.Duration
	// MaxLatency is how long the oldest pending task may wait before the
	// summary calls the queues degraded; default 5 min.
	MaxLatency time.Duration

	// Schedule says how often the scheduler enqueues each periodic task.
	Schedule Schedule
	// Compaction says which courier positions the compaction task keeps.
	Compaction Compaction

	// Registerer receives the metrics (queue depth and latency, task
	// durations and failures); nil registers nothing.
	Registerer prometheus.Registerer
	// Logger receives task failures and lifecycle notices; default
	// slog.Default().
	Logger *slog.Logger
}

// Schedule is how often each periodic task runs. A zero interval takes the
// default; a negative one turns the task off.
type Schedule struct {
	// Rollups is the interval of the incremental rollups; default 5 min.
	Rollups time.Duration
	// FullRollups is the interval of the rollups that recompute every
	// bucket, healing anything an incremental run missed; default 24 h.
	FullRollups time.Duration
	// Warm is the interval of the scheduled warm of each namespace; by
	// default restaurants and static (menus) every 30 min, half their 1 h
	// lifetime, and analytics every 10 min, inside its 15 min.
	Warm map[cache.Namespace]time.Duration
	// Predictive is the interval of predictive warming; default 1 min,
	// well inside the last quarter of the shortest warmable lifetime.
	Predictive time.Duration
	// Reclaim is the interval of old-generation key reclamation; default
	// 10 min.
	Reclaim time.Duration
	// Compaction is the interval of tracking-point compaction; default 1 h.
	Compaction time.Duration
}

// Compaction says which recorded courier positions are kept.
type Compaction struct {
	// ThinAfter is how long after a delivery ends its positions are thinned
	// to one per Resolution; default 7 days.
	ThinAfter time.Duration
	// Resolution is the spacing of the positions kept; default 1 min.
	Resolution time.Duration
	// DeleteAfter is how long after a delivery ends its positions are
	// deleted; default 90 days, negative keeps them.
	DeleteAfter time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.QueuePrefix == "" {
		c.QueuePrefix = "dabba"
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = 5
	}
	def(&c.ShutdownTimeout, 20*time.Second)
	def(&c.TaskTimeout, 10*time.Minute)
	def(&c.RetryBase, 10*time.Second)
	def(&c.RetryMax, 10*time.Minute)
	def(&c.PollInterval, time.Second)
	def(&c.Heartbeat, 10*time.Second)
	def(&c.ResultRetention, 24*time.Hour)
	def(&c.StartupWindow, 2*time.Minute)
	def(&c.MaxLatency, 5*time.Minute)
	s := &c.Schedule
	def(&s.Rollups, 5*time.Minute)
	def(&s.FullRollups, 24*time.Hour)
	def(&s.Predictive, time.Minute)
	def(&s.Reclaim, 10*time.Minute)
	def(&s.Compaction, time.Hour)
	warm := map[cache.Namespace]time.Duration{
		cache.NamespaceRestaurants: 30 * time.Minute,
		cache.NamespaceStatic:      30 * time.Minute,
		cache.NamespaceAnalytics:   10 * time.Minute,
	}
	maps.Copy(warm, s.Warm)
	s.Warm = warm
	def(&c.Compaction.ThinAfter, 7*24*time.Hour)
	def(&c.Compaction.Resolution, time.Minute)
	def(&c.Compaction.DeleteAfter, 90*24*time.Hour)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// The queues, by what waits on their tasks.
func (c Config) interactiveQueue() string { return c.QueuePrefix + "-interactive" }
func (c Config) periodicQueue() string    { return c.QueuePrefix + "-periodic" }
func (c Config) maintenanceQueue() string { return c.QueuePrefix + "-maintenance" }

// queues lists the queues, most urgent first.
func (c Config) queues() []string {
	return []string{c.interactiveQueue(), c.periodicQueue(), c.maintenanceQueue()}
}

// require reports the collaborators a part needs that cfg lacks.
func (c Config) require(part string, needs map[string]bool) error {
	var missing []string
	for name, ok := range needs {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("jobs: the %s needs Config.%s", part, strings.Join(missing, ", Config."))
}

// ParseWarmIntervals reads per-namespace warm intervals written as
// "restaurants=30m,analytics=10m" (DABBA_WARM_INTERVALS); "0" or "off"
// turns a namespace's scheduled warm off. An unknown namespace or a bad
// duration is an error.
func ParseWarmIntervals(s string) (map[cache.Namespace]time.Duration, error) {
	out := map[cache.Namespace]time.Duration{}
	var errs []error
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("%q is not namespace=interval", part))
			continue
		}
		ns, err := cache.ParseNamespace(strings.TrimSpace(name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch value = strings.TrimSpace(value); value {
		case "0", "off":
			out[ns] = -1
			continue
		}
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive duration such as 30m", ns, value))
			continue
		}
		out[ns] = d
	}
	return out, errors.Join(errs...)
}
