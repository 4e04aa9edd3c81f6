package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// Worker processes dabba's background tasks from the three queues: an
// asynq server whose handlers sit on an asynq.ServeMux as HTTP handlers sit
// on an http.ServeMux. Workers on every node compete for the tasks.
type Worker struct {
	srv *asynq.Server
	mux *asynq.ServeMux
	log *slog.Logger
}

// NewWorker prepares a worker; Start starts it. It needs Config.Redis,
// Cache, Analytics, Rollups and Tracking, and registers its task metrics on
// Config.Registerer.
func NewWorker(cfg Config) (*Worker, error) {
	cfg = cfg.withDefaults()
	err := cfg.require("worker", map[string]bool{"Redis": cfg.Redis != nil, "Cache": cfg.Cache != nil,
		"Analytics": cfg.Analytics != nil, "Rollups": cfg.Rollups != nil, "Tracking": cfg.Tracking != nil})
	if err != nil {
		return nil, err
	}
	m, err := newTaskMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "jobs")
	mux := handlers{cfg: cfg}.mux()
	mux.Use(m.observe)
	srv := asynq.NewServerFromRedisClient(cfg.Redis, asynq.Config{
		Concurrency: cfg.Concurrency,
		Queues: map[string]int{
			cfg.interactiveQueue(): 6,
			cfg.periodicQueue():    3,
			cfg.maintenanceQueue(): 1,
		},
		ShutdownTimeout:          cfg.ShutdownTimeout,
		RetryDelayFunc:           backoff(cfg.RetryBase, cfg.RetryMax),
		TaskCheckInterval:        cfg.PollInterval,
		DelayedTaskCheckInterval: cfg.PollInterval,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			retried, _ := asynq.GetRetryCount(ctx)
			maxRetry, _ := asynq.GetMaxRetry(ctx)
			log.Warn("background task failed", "type", t.Type(), "attempt", retried+1, "max_retry", maxRetry, "error", err)
		}),
		Logger:   asynqLogger{log},
		LogLevel: asynq.WarnLevel,
	})
	return &Worker{srv: srv, mux: mux, log: log}, nil
}

// Start starts processing tasks in the background.
func (w *Worker) Start() error {
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start jobs worker: %w", err)
	}
	w.log.Info("jobs worker started")
	return nil
}

// Shutdown stops taking tasks and waits up to Config.ShutdownTimeout for
// those running to finish; the ones still running then go back to their
// queue, for another worker or the next start.
func (w *Worker) Shutdown() {
	w.srv.Shutdown()
	w.log.Info("jobs worker stopped")
}

// backoff doubles the delay after each failure from base up to max, with
// ±20 % jitter so that tasks that failed together do not retry together.
// asynq's default grows as n⁴ with no cap, which leaves a task failing
// through a short outage unretried for hours.
func backoff(base, max time.Duration) asynq.RetryDelayFunc {
	return func(n int, _ error, _ *asynq.Task) time.Duration {
		d := max
		if n < 30 && base<<n < max {
			d = base << n
		}
		return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	}
}

// asynqLogger routes asynq's own log lines to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }

// sharedClientNotice is how asynq's scheduler starts the error it logs at
// every shutdown when it was given a Redis client rather than a connection
// of its own: it may not close that client, and must not.
const sharedClientNotice = "Failed to close redis client connection"

// schedulerLogger is asynqLogger for the scheduler, with that notice
// logged at debug level: it is no failure.
type schedulerLogger struct{ asynqLogger }

func (l schedulerLogger) Error(args ...any) {
	if msg := fmt.Sprint(args...); strings.HasPrefix(msg, sharedClientNotice) {
		l.log.Debug(msg)
		return
	}
	l.asynqLogger.Error(args...)
}

// Fatal logs and exits, as asynq's Logger contract requires.
func (l asynqLogger) Fatal(args ...any) {
	l.log.Error(fmt.Sprint(args...))
	os.Exit(1)
}
