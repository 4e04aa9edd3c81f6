package jobs

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Scheduler enqueues the periodic tasks: incremental and full rollups,
// scheduled warming per namespace, predictive warming, key reclamation and
// tracking compaction. Several nodes may run one: every periodic task is
// unique for its interval, so a task another node enqueued is not enqueued
// again while it waits or runs.
type Scheduler struct {
	s   *asynq.Scheduler
	log *slog.Logger
}

// periodicRetention is how long a periodic task's result stays readable
// (GET /jobs/{id}, the web UI): long enough to look at the last runs.
const periodicRetention = time.Hour

// NewScheduler prepares a scheduler with Config.Schedule; Start starts it.
// It needs Config.Redis.
func NewScheduler(cfg Config) (*Scheduler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.require("scheduler", map[string]bool{"Redis": cfg.Redis != nil}); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "jobs-scheduler")
	s := asynq.NewSchedulerFromRedisClient(cfg.Redis, &asynq.SchedulerOpts{
		HeartbeatInterval: cfg.Heartbeat,
		Logger:            schedulerLogger{asynqLogger{log}},
		LogLevel:          asynq.WarnLevel,
		PostEnqueueFunc: func(_ *asynq.TaskInfo, err error) {
			if err != nil && !duplicate(err) {
				log.Warn("enqueue periodic task", "error", err)
			}
		},
	})
	for _, p := range periodicTasks(cfg) {
		if p.every <= 0 {
			continue
		}
		_, err := s.Register(fmt.Sprintf("@every %s", p.every), p.task, asynq.Queue(p.queue),
			asynq.MaxRetry(cfg.MaxRetry), asynq.Timeout(cfg.TaskTimeout), asynq.Retention(periodicRetention),
			asynq.Unique(max(p.every, time.Second)))
		if err != nil {
			return nil, fmt.Errorf("jobs: schedule %s every %s: %w", p.task.Type(), p.every, err)
		}
	}
	return &Scheduler{s: s, log: log}, nil
}

// periodic is one task on a schedule.
type periodic struct {
	task  *asynq.Task
	queue string
	every time.Duration
}

// periodicTasks is the schedule: one entry per periodic task, disabled
// when its interval is not positive.
func periodicTasks(cfg Config) []periodic {
	s := cfg.Schedule
	var out []periodic
	for _, r := range store.Rollups() {
		out = append(out,
			periodic{rollupTask(r, false), cfg.periodicQueue(), s.Rollups},
			periodic{rollupTask(r, true), cfg.periodicQueue(), s.FullRollups})
	}
	for _, ns := range cache.Namespaces() {
		if every, ok := s.Warm[ns]; ok {
			out = append(out, periodic{warmTask(ns, warmScheduled), cfg.periodicQueue(), every})
		}
	}
	return slices.Concat(out, []periodic{
		{predictiveWarmTask(), cfg.periodicQueue(), s.Predictive},
		{reclaimTask(), cfg.maintenanceQueue(), s.Reclaim},
		{compactTrackingTask(), cfg.maintenanceQueue(), s.Compaction},
	})
}

// Start starts enqueuing in the background.
func (s *Scheduler) Start() error {
	if err := s.s.Start(); err != nil {
		return fmt.Errorf("start jobs scheduler: %w", err)
	}
	s.log.Info("jobs scheduler started")
	return nil
}

// Shutdown stops enqueuing.
func (s *Scheduler) Shutdown() {
	s.s.Shutdown()
	s.log.Info("jobs scheduler stopped")
}
