package jobs_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

func TestFailingTaskIsRetriedThenLandsInTheDeadLetterView(t *testing.T) {
	e := newEnv(t, nil)
	// The restaurants' warmer reads PostgreSQL, which is gone.
	e.db.Close()
	e.startWorker()

	enq, err := e.client.EnqueueWarm(e.ctx, cache.NamespaceRestaurants)
	if err != nil {
		t.Fatal(err)
	}
	dead := e.waitFor(enq.ID, "archived")
	if dead.Retried != 2 || dead.MaxRetry != 2 || !strings.Contains(dead.LastError, "warm restaurants") {
		t.Errorf("archived after %d of %d retries, last error %q", dead.Retried, dead.MaxRetry, dead.LastError)
	}
	if got := e.failures(jobs.TypeWarm); got != 3 {
		t.Errorf("failures counted: %v, want the first attempt and two retries", got)
	}

	page, err := e.client.DeadLetters(e.ctx, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != enq.ID || page.Items[0].Type != jobs.TypeWarm {
		t.Errorf("dead letters: %+v, want the warm", page.Items)
	}
	if s := e.client.Summary(e.ctx); s.Status != "degraded" || !strings.Contains(strings.Join(s.Reasons, ";"), "1 tasks failed for good") {
		t.Errorf("summary with a dead letter: %s %v", s.Status, s.Reasons)
	}
}

func TestUnknownWarmIsRefusedBeforeEnqueueing(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.client.EnqueueWarm(e.ctx, "kitchens"); store.KindOf(err) != store.ENOTFOUND {
		t.Errorf("warming an unknown namespace: %v, want ENOTFOUND", err)
	}
	if _, err := e.client.Job(e.ctx, "no-such-job"); store.KindOf(err) != store.ENOTFOUND {
		t.Errorf("reading an unknown job: %v, want ENOTFOUND", err)
	}
}

func TestStartupMakesLaterReadsHitsAndRunsOncePerWindow(t *testing.T) {
	e := newEnv(t, nil)
	w := e.world()
	e.startWorker()

	started, err := e.client.EnqueueStartup(e.ctx)
	if err != nil || len(started) != 6 {
		t.Fatalf("the start-up enqueued %d jobs (%v), want three rollups and warms of restaurants, static and analytics", len(started), err)
	}
	again, err := e.client.EnqueueStartup(e.ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("a second node starting at once enqueued %d more jobs (%v)", len(again), err)
	}
	for _, j := range started {
		done := e.waitFor(j.ID, "completed")
		if j.Type != jobs.TypeWarm {
			continue
		}
		var res cache.WarmResult
		if err := json.Unmarshal(done.Result, &res); err != nil || res.KeysWarmed == 0 {
			t.Errorf("warm of %s reports %s (%v): no keys warmed", res.Namespace, done.Result, err)
		}
	}

	restaurants, analytics := e.stats(cache.NamespaceRestaurants), e.stats(cache.NamespaceAnalytics)
	if _, err := e.cache.Services().Restaurants.Restaurant(e.ctx, w.restaurant.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.analytics.Trending(e.ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.analytics.RestaurantPerformance(e.ctx, w.restaurant.ID); err != nil {
		t.Fatal(err)
	}
	if after := e.stats(cache.NamespaceRestaurants); after.Hits-restaurants.Hits != 1 || after.Misses != restaurants.Misses {
		t.Errorf("restaurant read after the warm: %d hits, %d misses", after.Hits-restaurants.Hits, after.Misses-restaurants.Misses)
	}
	if after := e.stats(cache.NamespaceAnalytics); after.Hits-analytics.Hits != 2 || after.Misses != analytics.Misses {
		t.Errorf("analytics reads after the warm: %d hits, %d misses", after.Hits-analytics.Hits, after.Misses-analytics.Misses)
	}
}

func TestPredictiveWarmRefreshesHotKeysAndLeavesColdOnesToExpire(t *testing.T) {
	e := newEnv(t, func(c *cache.Config, _ *jobs.Config) {
		c.TTLOverrides = map[cache.Class]time.Duration{cache.ClassPopularItems: 2 * time.Second}
	})
	w := e.world()
	e.rollUp()
	e.startWorker()

	hot, cold := cache.PopularItemsKey(w.restaurant.ID), cache.PopularItemsKey(0)
	for range 5 {
		if _, err := e.analytics.Trending(e.ctx, w.restaurant.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.analytics.Trending(e.ctx, 0); err != nil {
		t.Fatal(err)
	}
	// Both entries expire; the hot one is predicted to be read again.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		cached := e.cached()
		if !cached[hot] && !cached[cold] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the 2 s entries never expired")
		}
	}

	enq, err := e.client.EnqueuePredictiveWarm(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := e.waitFor(enq.ID, "completed")
	var res cache.PredictiveWarmResult
	if err := json.Unmarshal(done.Result, &res); err != nil {
		t.Fatal(err)
	}
	if cached := e.cached(); !cached[hot] || cached[cold] {
		t.Errorf("after the predictive warm: hot key cached %v, cold key cached %v (result %s)", cached[hot], cached[cold], done.Result)
	}
}

// cached reports which analytics hot keys are in Redis now.
func (e *env) cached() map[cache.Key]bool {
	e.t.Helper()
	hot, err := e.cache.HotKeys(e.ctx, cache.NamespaceAnalytics, 10)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[cache.Key]bool{}
	for _, hk := range hot {
		out[hk.Entry] = hk.Cached
	}
	return out
}

func TestScheduledRollupRefreshesTheAnalyticsItChanged(t *testing.T) {
	e := newEnv(t, func(_ *cache.Config, j *jobs.Config) { j.Schedule.Rollups = time.Second })
	w := e.world()
	e.startWorker()
	s, err := jobs.NewScheduler(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)

	// Each rollup runs; that of popular items refreshes the restaurant's
	// trending items, which the order put in its buckets.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if sum := e.client.Summary(e.ctx); sum.Queues[1].Completed >= len(store.Rollups()) && len(sum.Schedule) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rollups did not run: %+v", e.client.Summary(e.ctx))
		}
	}
	before := e.stats(cache.NamespaceAnalytics)
	got, err := e.analytics.Trending(e.ctx, w.restaurant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if items := got.Window(store.WindowHour).Items; len(items) != 1 || items[0].MenuItemID != w.dish.ID || items[0].Quantity != 2 {
		t.Errorf("trending this hour: %+v, want 2 portions of the biryani", items)
	}
	if after := e.stats(cache.NamespaceAnalytics); after.Hits-before.Hits != 1 {
		t.Errorf("the refreshed entry was not a hit: %+v", after)
	}

	sum := e.client.Summary(e.ctx)
	if sum.Workers != 1 || len(sum.Schedule) != len(store.Rollups()) || sum.Queues[1].Completed == 0 {
		t.Errorf("summary: %+v", sum)
	}
	for _, name := range []string{"dabba_jobs_queue_tasks", "dabba_jobs_queue_latency_seconds", "dabba_jobs_task_duration_seconds"} {
		if e.series(name) == 0 {
			t.Errorf("no %s series", name)
		}
	}
}

func TestAWorkerStoppingPutsItsRunningTaskBackForTheNextWorker(t *testing.T) {
	e := newEnv(t, func(_ *cache.Config, j *jobs.Config) {
		j.Schedule.Rollups = time.Second
		j.ShutdownTimeout = 200 * time.Millisecond
	})
	e.world()
	// A long transaction holds the rollups' watermarks: every rollup waits.
	tx, err := e.db.Pool().Begin(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(e.ctx) }()
	if _, err := tx.Exec(e.ctx, "LOCK TABLE analytics_rollups IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	w, err := jobs.NewWorker(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	s, err := jobs.NewScheduler(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	periodic := func() jobs.QueueSummary { return e.client.Summary(e.ctx).Queues[1] }
	for deadline := time.Now().Add(30 * time.Second); periodic().Active == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no rollup started")
		}
	}
	s.Shutdown()
	w.Shutdown()
	if q := periodic(); q.Active != 0 || q.Pending == 0 || q.Retry != 0 || q.Archived != 0 {
		t.Fatalf("after the shutdown: %+v, want the running rollups back in the queue, not failed", q)
	}

	if err := tx.Rollback(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.startWorker()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		q := periodic()
		if q.Pending == 0 && q.Active == 0 && q.Completed > 0 {
			if q.Archived != 0 || q.Retry != 0 {
				t.Errorf("the re-queued rollups failed: %+v", q)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the next worker did not finish the re-queued rollups: %+v", q)
		}
	}
}
