package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Job is one background task as an admin sees it: what it does, where it
// is in its life and, once done, its result.
type Job struct {
	// ID identifies the job; GET /jobs/{id} reads it.
	ID string `json:"id" example:"3f2c9a4e-0d1b-4c55-9a57-1d2e8a7f6b10"`
	// Type of task, e.g. cache:warm or analytics:rollup:popular_items.
	Type string `json:"type" example:"cache:warm"`
	// Queue the task waits in.
	Queue string `json:"queue" example:"dabba-interactive"`
	// State is pending, active, scheduled, retry (failed, waiting for its
	// next attempt), archived (failed for good: the dead-letter view) or
	// completed.
	State string `json:"state" example:"completed"`
	// Payload is what the task was asked to do.
	Payload json.RawMessage `json:"payload,omitempty" swaggertype:"object"`
	// Result is what the task reported once completed: for a warm the keys
	// warmed and the time taken.
	Result json.RawMessage `json:"result,omitempty" swaggertype:"object"`
	// Retried is how many times the task was retried after failing.
	Retried int `json:"retried" example:"0"`
	// MaxRetry is how many retries it gets before it is archived.
	MaxRetry int `json:"max_retry" example:"5"`
	// LastError is the error of its latest failure.
	LastError string `json:"last_error,omitempty" example:"run rollup popular_items: database unavailable"`
	// LastFailedAt is when it last failed, UTC.
	LastFailedAt *time.Time `json:"last_failed_at,omitempty"`
	// NextProcessAt is when it runs next, UTC, for a pending, scheduled or
	// retrying task.
	NextProcessAt *time.Time `json:"next_process_at,omitempty"`
	// CompletedAt is when it succeeded, UTC.
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

func jobOf(t *asynq.TaskInfo) Job {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	j := Job{ID: t.ID, Type: t.Type, Queue: t.Queue, State: t.State.String(), Retried: t.Retried, MaxRetry: t.MaxRetry,
		LastError: t.LastErr, LastFailedAt: at(t.LastFailedAt), NextProcessAt: at(t.NextProcessAt), CompletedAt: at(t.CompletedAt)}
	if json.Valid(t.Payload) {
		j.Payload = t.Payload
	}
	if json.Valid(t.Result) {
		j.Result = t.Result
	}
	return j
}

// Client enqueues background work and reads the queues, for the API and
// the metrics. It is safe for concurrent use. asynq's inspector takes no
// context, so reads of the queues are not cancelled with their request;
// each is a few Redis commands.
type Client struct {
	cfg       Config
	client    *asynq.Client
	inspector *asynq.Inspector
}

// NewClient returns a client of the queues in Config.Redis, and registers
// the queue depth and latency metrics on Config.Registerer. It holds no
// connection of its own: Config.Redis stays its owner's to close.
func NewClient(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.require("client", map[string]bool{"Redis": cfg.Redis != nil}); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, client: asynq.NewClientFromRedisClient(cfg.Redis), inspector: asynq.NewInspectorFromRedisClient(cfg.Redis)}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(newQueueCollector(c)); err != nil {
			return nil, fmt.Errorf("jobs: register queue metrics: %w", err)
		}
	}
	return c, nil
}

// enqueue puts t on queue with the retries, timeout and retention of cfg.
func (c *Client) enqueue(ctx context.Context, t *asynq.Task, queue string, opts ...asynq.Option) (*Job, error) {
	opts = append([]asynq.Option{asynq.Queue(queue), asynq.MaxRetry(c.cfg.MaxRetry), asynq.Timeout(c.cfg.TaskTimeout),
		asynq.Retention(c.cfg.ResultRetention)}, opts...)
	info, err := c.client.EnqueueContext(ctx, t, opts...)
	if err != nil {
		return nil, unavailable(fmt.Errorf("enqueue %s: %w", t.Type(), err))
	}
	j := jobOf(info)
	return &j, nil
}

// EnqueueWarm asks for the warmer of namespace ns to run now, and returns
// the job to follow it by. An unknown namespace is ENOTFOUND.
func (c *Client) EnqueueWarm(ctx context.Context, ns cache.Namespace) (*Job, error) {
	if _, err := cache.ParseNamespace(string(ns)); err != nil {
		return nil, err
	}
	return c.enqueue(ctx, warmTask(ns, warmOnDemand), c.cfg.interactiveQueue())
}

// EnqueuePredictiveWarm asks for a predictive warm now, and returns the job
// to follow it by.
func (c *Client) EnqueuePredictiveWarm(ctx context.Context) (*Job, error) {
	return c.enqueue(ctx, predictiveWarmTask(), c.cfg.interactiveQueue())
}

// startupNamespaces are warmed when a node starts: popular restaurants,
// trending menu items and the analytics dashboards open with.
var startupNamespaces = []cache.Namespace{cache.NamespaceRestaurants, cache.NamespaceStatic, cache.NamespaceAnalytics}

// EnqueueStartup enqueues what a starting node needs done, and returns the
// jobs it enqueued: the rollups, caught up at once rather than after their
// first interval, and the start-up warm. It does not wait for them, so a
// node is ready before its cache is warm. Nodes starting within
// Config.StartupWindow of each other share one set: a duplicate is
// skipped, not an error.
func (c *Client) EnqueueStartup(ctx context.Context) ([]*Job, error) {
	type startup struct {
		task  *asynq.Task
		queue string
	}
	var tasks []startup
	for _, r := range store.Rollups() {
		tasks = append(tasks, startup{rollupTask(r, false), c.cfg.periodicQueue()})
	}
	for _, ns := range startupNamespaces {
		tasks = append(tasks, startup{warmTask(ns, warmStartup), c.cfg.interactiveQueue()})
	}
	var out []*Job
	for _, t := range tasks {
		j, err := c.enqueue(ctx, t.task, t.queue, asynq.Unique(c.cfg.StartupWindow))
		switch {
		case duplicate(err):
		case err != nil:
			return out, err
		default:
			out = append(out, j)
		}
	}
	return out, nil
}

// duplicate reports whether err refused a task that is already enqueued:
// success for an idempotent enqueue.
func duplicate(err error) bool {
	return errors.Is(err, asynq.ErrDuplicateTask) || errors.Is(err, asynq.ErrTaskIDConflict)
}

// unavailable marks a failure to reach the queues as EUNAVAILABLE, keeping
// the cause in the chain.
func unavailable(err error) error {
	if duplicate(err) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, store.Errorf(store.EUNAVAILABLE, "jobs_unavailable", "the background job queues cannot be reached"))
}

// Job returns the job with the given ID, from whichever queue holds it.
// An unknown ID, or a job whose result retention ran out, is ENOTFOUND.
func (c *Client) Job(_ context.Context, id string) (*Job, error) {
	for _, q := range c.cfg.queues() {
		info, err := c.inspector.GetTaskInfo(q, id)
		switch {
		case errors.Is(err, asynq.ErrQueueNotFound), errors.Is(err, asynq.ErrTaskNotFound):
			continue
		case err != nil:
			return nil, unavailable(fmt.Errorf("read job %s: %w", id, err))
		}
		j := jobOf(info)
		return &j, nil
	}
	return nil, store.Errorf(store.ENOTFOUND, "job_not_found", "job %q does not exist or its result has expired", id)
}

// maxDeadLetters bounds how deep into each queue's dead letters a page may
// reach.
const maxDeadLetters = 1000

// DeadLetters lists the jobs that failed for good (asynq's archived
// tasks) across the queues, latest failure first.
func (c *Client) DeadLetters(_ context.Context, page store.PageRequest) (store.Page[Job], error) {
	out := store.Page[Job]{Items: []Job{}}
	limit, err := page.EffectiveLimit()
	if err != nil {
		return out, err
	}
	var offset int
	if page.Cursor != "" {
		if err := store.DecodeCursor(page.Cursor, &offset); err != nil || offset < 0 || offset >= maxDeadLetters {
			return out, store.Invalid(store.FieldError{Field: "cursor", Reason: "is not a cursor returned by this list"})
		}
	}
	queues, err := c.existingQueues()
	if err != nil {
		return out, err
	}
	var all []Job
	for _, q := range queues {
		infos, err := c.inspector.ListArchivedTasks(q, asynq.PageSize(min(offset+limit+1, maxDeadLetters)), asynq.Page(1))
		if err != nil {
			return out, unavailable(fmt.Errorf("list dead letters of %s: %w", q, err))
		}
		for _, info := range infos {
			all = append(all, jobOf(info))
		}
	}
	failedAt := func(j Job) time.Time {
		if j.LastFailedAt == nil {
			return time.Time{}
		}
		return *j.LastFailedAt
	}
	slices.SortStableFunc(all, func(a, b Job) int {
		return cmp.Or(failedAt(b).Compare(failedAt(a)), cmp.Compare(a.ID, b.ID))
	})
	if offset < len(all) {
		out.Items = all[offset:min(offset+limit, len(all))]
	}
	if offset+limit < len(all) && offset+limit < maxDeadLetters {
		out.Next = store.EncodeCursor(offset + limit)
	}
	return out, nil
}

// existingQueues lists those of dabba's queues that hold or held tasks.
func (c *Client) existingQueues() ([]string, error) {
	all, err := c.inspector.Queues()
	if err != nil {
		return nil, unavailable(fmt.Errorf("list queues: %w", err))
	}
	return slices.DeleteFunc(c.cfg.queues(), func(q string) bool { return !slices.Contains(all, q) }), nil
}

// QueueSummary is the state of one background queue.
type QueueSummary struct {
	// Queue named.
	Queue string `json:"queue" example:"dabba-periodic"`
	// Pending tasks wait for a worker.
	Pending int `json:"pending" example:"0"`
	// Active tasks are running.
	Active int `json:"active" example:"1"`
	// Scheduled tasks wait for their time.
	Scheduled int `json:"scheduled" example:"0"`
	// Retry tasks failed and wait for their next attempt.
	Retry int `json:"retry" example:"0"`
	// Archived tasks failed for good: the dead letters.
	Archived int `json:"archived" example:"0"`
	// Completed tasks succeeded and keep their result for a while.
	Completed int `json:"completed" example:"42"`
	// LatencySeconds is how long the oldest pending task has waited.
	LatencySeconds float64 `json:"latency_seconds" example:"0.2"`
	// ProcessedToday counts the tasks run today (UTC), failed ones included.
	ProcessedToday int `json:"processed_today" example:"311"`
	// FailedToday counts the task runs that failed today (UTC).
	FailedToday int `json:"failed_today" example:"2"`
	// Paused is true when the queue is paused and its tasks wait.
	Paused bool `json:"paused" example:"false"`
}

// PeriodicTask is one task the scheduler enqueues on a schedule.
type PeriodicTask struct {
	// Type of task.
	Type string `json:"type" example:"analytics:rollup:popular_items"`
	// Spec is its schedule, e.g. "@every 5m0s".
	Spec string `json:"spec" example:"@every 5m0s"`
	// Payload is what each run is asked to do.
	Payload json.RawMessage `json:"payload,omitempty" swaggertype:"object"`
	// Next is when it is enqueued next, UTC.
	Next time.Time `json:"next"`
	// Prev is when it was last enqueued, UTC; absent before the first time.
	Prev *time.Time `json:"prev,omitempty"`
}

// Summary is the state of the background work, for GET /jobs and the
// cache's detailed health.
type Summary struct {
	// Status is "ok", "degraded" (dead letters, tasks waiting too long, no
	// worker or no scheduler) or "down" (the queues cannot be read).
	Status string `json:"status" example:"ok"`
	// Reasons says why the status is not ok.
	Reasons []string `json:"reasons" example:"3 tasks failed for good: see GET /jobs/dead-letters"`
	// Workers is how many worker processes serve dabba's queues.
	Workers int `json:"workers" example:"2"`
	// Queues are the queues, most urgent first.
	Queues []QueueSummary `json:"queues"`
	// Schedule lists the periodic tasks of the running schedulers.
	Schedule []PeriodicTask `json:"schedule"`
}

// queueInfo reads the state of each of dabba's queues; a queue that never
// held a task reads as empty.
func (c *Client) queueInfo() ([]QueueSummary, error) {
	existing, err := c.existingQueues()
	if err != nil {
		return nil, err
	}
	out := make([]QueueSummary, 0, 3)
	for _, q := range c.cfg.queues() {
		s := QueueSummary{Queue: q}
		if slices.Contains(existing, q) {
			info, err := c.inspector.GetQueueInfo(q)
			if err != nil {
				return nil, unavailable(fmt.Errorf("read queue %s: %w", q, err))
			}
			s = QueueSummary{Queue: q, Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled, Retry: info.Retry,
				Archived: info.Archived, Completed: info.Completed, LatencySeconds: info.Latency.Seconds(),
				ProcessedToday: info.Processed, FailedToday: info.Failed, Paused: info.Paused}
		}
		out = append(out, s)
	}
	return out, nil
}

// Summary reports the queues, the workers serving them and the schedule.
// It never fails: what cannot be read makes the status "down".
func (c *Client) Summary(_ context.Context) Summary {
	s := Summary{Status: "ok", Reasons: []string{}, Queues: []QueueSummary{}, Schedule: []PeriodicTask{}}
	queues, err := c.queueInfo()
	if err != nil {
		s.Status, s.Reasons = "down", append(s.Reasons, err.Error())
		return s
	}
	s.Queues = queues
	var dead int
	for _, q := range queues {
		dead += q.Archived
		if q.LatencySeconds > c.cfg.MaxLatency.Seconds() {
			s.Reasons = append(s.Reasons, fmt.Sprintf("the oldest task in %s has waited %.0fs: the workers are not keeping up", q.Queue, q.LatencySeconds))
		}
	}
	if dead > 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d tasks failed for good: see GET /jobs/dead-letters", dead))
	}
	if servers, err := c.inspector.Servers(); err == nil {
		for _, srv := range servers {
			if slices.ContainsFunc(c.cfg.queues(), func(q string) bool { return srv.Queues[q] > 0 }) {
				s.Workers++
			}
		}
	}
	if s.Workers == 0 {
		s.Reasons = append(s.Reasons, "no worker serves the queues: start `dabba worker` or `dabba serve`")
	}
	if entries, err := c.inspector.SchedulerEntries(); err == nil {
		for _, e := range entries {
			if slices.Contains(c.cfg.queues(), queueOf(e.Opts)) {
				p := PeriodicTask{Type: e.Task.Type(), Spec: e.Spec, Next: e.Next.UTC()}
				if json.Valid(e.Task.Payload()) {
					p.Payload = e.Task.Payload()
				}
				if !e.Prev.IsZero() {
					prev := e.Prev.UTC()
					p.Prev = &prev
				}
				s.Schedule = append(s.Schedule, p)
			}
		}
		slices.SortFunc(s.Schedule, func(a, b PeriodicTask) int { return cmp.Compare(a.Type+a.Spec, b.Type+b.Spec) })
	}
	if len(s.Schedule) == 0 {
		s.Reasons = append(s.Reasons, "no scheduler runs the periodic tasks: rollups and scheduled warms are not happening")
	}
	if len(s.Reasons) > 0 {
		s.Status = "degraded"
	}
	return s
}

// queueOf returns the queue an option list names.
func queueOf(opts []asynq.Option) string {
	for _, o := range opts {
		if o.Type() == asynq.QueueOpt {
			q, _ := o.Value().(string)
			return q
		}
	}
	return ""
}
