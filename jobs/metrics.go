package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// taskMetrics are a worker's figures of the tasks it ran.
type taskMetrics struct {
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

func newTaskMetrics(reg prometheus.Registerer) (*taskMetrics, error) {
	m := &taskMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dabba_jobs_task_duration_seconds",
			Help:    "How long background tasks ran on this node, by task type and outcome (succeeded, failed).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"type", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dabba_jobs_task_failures_total",
			Help: "Background task runs on this node that failed (each retry counts), by task type.",
		}, []string{"type"}),
	}
	if reg == nil {
		return m, nil
	}
	// A worker started again in the same process (after a shutdown) counts
	// on in the series of its predecessor.
	var err error
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.failures, err = register(reg, m.failures); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c on reg, or returns the collector of the same
// description registered already.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("jobs: register task metrics: %w", err)
	}
	return c, nil
}

// observe is mux middleware timing each task and counting its failures.
func (m *taskMetrics) observe(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		outcome := "succeeded"
		if err != nil {
			outcome = "failed"
			m.failures.WithLabelValues(t.Type()).Inc()
		}
		m.duration.WithLabelValues(t.Type(), outcome).Observe(time.Since(start).Seconds())
		return err
	})
}

// queueCollector reports the depth and latency of dabba's queues on each
// scrape, read from Redis, so every node reports the fleet's queues.
type queueCollector struct {
	c       *Client
	tasks   *prometheus.Desc
	latency *prometheus.Desc
	up      *prometheus.Desc
}

func newQueueCollector(c *Client) *queueCollector {
	return &queueCollector{
		c: c,
		tasks: prometheus.NewDesc("dabba_jobs_queue_tasks",
			"Tasks in a background queue, by state (pending, active, scheduled, retry, archived — the dead letters — and completed).",
			[]string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("dabba_jobs_queue_latency_seconds",
			"How long the oldest pending task of a background queue has waited.", []string{"queue"}, nil),
		up: prometheus.NewDesc("dabba_jobs_queues_up",
			"1 when the background queues could be read from Redis at the scrape, else 0.", nil, nil),
	}
}

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.tasks
	ch <- q.latency
	ch <- q.up
}

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	queues, err := q.c.queueInfo()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, 1)
	for _, s := range queues {
		for state, n := range map[string]int{"pending": s.Pending, "active": s.Active, "scheduled": s.Scheduled,
			"retry": s.Retry, "archived": s.Archived, "completed": s.Completed} {
			ch <- prometheus.MustNewConstMetric(q.tasks, prometheus.GaugeValue, float64(n), s.Queue, state)
		}
		ch <- prometheus.MustNewConstMetric(q.latency, prometheus.GaugeValue, s.LatencySeconds, s.Queue)
	}
}
