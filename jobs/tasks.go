package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// The task types: the names under which asynq, its web UI, the metrics and
// GET /jobs/{id} know dabba's background work.
const (
	// TypeRollupPrefix starts the type of each rollup's task, followed by
	// the rollup's name: "analytics:rollup:popular_items".
	TypeRollupPrefix = "analytics:rollup:"
	// TypeWarm fills one cache namespace through its warmer.
	TypeWarm = "cache:warm"
	// TypePredictiveWarm refreshes the hot keys predicted to miss soon.
	TypePredictiveWarm = "cache:warm_predictive"
	// TypeReclaim unlinks the keys of old cache generations.
	TypeReclaim = "cache:reclaim"
	// TypeCompactTracking thins and deletes old courier positions.
	TypeCompactTracking = "tracking:compact"
)

// Why a warm runs, recorded in its payload.
const (
	warmOnDemand  = "on_demand"
	warmStartup   = "startup"
	warmScheduled = "scheduled"
)

// rollupPayload is the payload of a rollup task.
type rollupPayload struct {
	// Full recomputes every bucket rather than those touched since the
	// previous run.
	Full bool `json:"full"`
}

// warmPayload is the payload of a warm task.
type warmPayload struct {
	Namespace cache.Namespace `json:"namespace"`
	Reason    string          `json:"reason"`
}

// rollupTask, warmTask, … build the tasks; the payloads are plain structs
// whose encoding cannot fail.
func rollupTask(r store.Rollup, full bool) *asynq.Task {
	return asynq.NewTask(TypeRollupPrefix+string(r), mustJSON(rollupPayload{Full: full}))
}

func warmTask(ns cache.Namespace, reason string) *asynq.Task {
	return asynq.NewTask(TypeWarm, mustJSON(warmPayload{Namespace: ns, Reason: reason}))
}

func predictiveWarmTask() *asynq.Task { return asynq.NewTask(TypePredictiveWarm, nil) }
func reclaimTask() *asynq.Task        { return asynq.NewTask(TypeReclaim, nil) }
func compactTrackingTask() *asynq.Task {
	return asynq.NewTask(TypeCompactTracking, nil)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("jobs: unmarshallable payload: " + err.Error())
	}
	return b
}

// RollupReport is the result of a rollup task: the run, and how many
// analytics cache entries it refreshed.
type RollupReport struct {
	store.RollupResult
	// EntriesRefreshed is how many cache entries were stored afresh.
	EntriesRefreshed int `json:"entries_refreshed" example:"31"`
}

// CompactionReport is the result of a tracking compaction task.
type CompactionReport struct {
	// Thinned is the pass that thinned out positions of deliveries that
	// ended more than ThinAfter ago.
	Thinned store.TrackingCompactionResult `json:"thinned"`
	// Deleted is the pass that deleted positions of deliveries that ended
	// more than DeleteAfter ago; empty when positions are kept.
	Deleted store.TrackingCompactionResult `json:"deleted"`
}

// handlers are the task handlers of a worker; each mirrors an
// http.HandlerFunc and writes its result for GET /jobs/{id}.
type handlers struct {
	cfg Config
}

// mux routes each task type to its handler, like an http.ServeMux.
func (h handlers) mux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeRollupPrefix, h.rollup)
	mux.HandleFunc(TypeWarm, h.warm)
	mux.HandleFunc(TypePredictiveWarm, h.predictiveWarm)
	mux.HandleFunc(TypeReclaim, h.reclaim)
	mux.HandleFunc(TypeCompactTracking, h.compactTracking)
	return mux
}

// rollup runs one rollup and refreshes the cache entries it changed.
func (h handlers) rollup(ctx context.Context, t *asynq.Task) error {
	r, err := store.ParseRollup(t.Type()[len(TypeRollupPrefix):])
	if err != nil {
		return permanent(err)
	}
	var p rollupPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	res, err := h.cfg.Rollups.RunRollup(ctx, r, p.Full)
	if err != nil {
		return classify(fmt.Errorf("run rollup %s: %w", r, err))
	}
	rep := RollupReport{RollupResult: res}
	rep.EntriesRefreshed, err = h.cfg.Analytics.Refresh(ctx, res)
	if err != nil {
		// The tables are right; entries left unrefreshed are read from
		// them on the next miss.
		h.cfg.Logger.Warn("refresh analytics cache after rollup", "rollup", r, "error", err)
	}
	return writeResult(t, rep)
}

// warm runs the warmer of one namespace.
func (h handlers) warm(ctx context.Context, t *asynq.Task) error {
	var p warmPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	res, err := h.cfg.Cache.Warm(ctx, p.Namespace)
	if err != nil {
		return classify(fmt.Errorf("warm %s (%s): %w", p.Namespace, p.Reason, err))
	}
	return writeResult(t, res)
}

// predictiveWarm refreshes the keys the cache predicts will be read before
// they would be refilled. The cache's lease check keeps any value written
// since the warm began.
func (h handlers) predictiveWarm(ctx context.Context, t *asynq.Task) error {
	res, err := h.cfg.Cache.WarmPredictive(ctx)
	if err != nil {
		return classify(fmt.Errorf("predictive warm: %w", err))
	}
	return writeResult(t, res)
}

// reclaim unlinks the keys of old cache generations.
func (h handlers) reclaim(ctx context.Context, t *asynq.Task) error {
	res, err := h.cfg.Cache.Reclaim(ctx)
	if err != nil {
		return classify(fmt.Errorf("reclaim cache keys: %w", err))
	}
	return writeResult(t, res)
}

// compactTracking thins, then deletes, the positions of old deliveries.
func (h handlers) compactTracking(ctx context.Context, t *asynq.Task) error {
	c := h.cfg.Compaction
	now := time.Now()
	var rep CompactionReport
	var err error
	rep.Thinned, err = h.cfg.Tracking.CompactTracking(ctx, store.TrackingCompaction{FinishedBefore: now.Add(-c.ThinAfter), Resolution: c.Resolution})
	if err == nil && c.DeleteAfter > 0 {
		rep.Deleted, err = h.cfg.Tracking.CompactTracking(ctx, store.TrackingCompaction{FinishedBefore: now.Add(-c.DeleteAfter)})
	}
	if err != nil {
		return classify(fmt.Errorf("compact tracking points: %w", err))
	}
	return writeResult(t, rep)
}

func decode(t *asynq.Task, v any) error {
	if err := json.Unmarshal(t.Payload(), v); err != nil {
		return permanent(fmt.Errorf("decode %s payload: %w", t.Type(), err))
	}
	return nil
}

func writeResult(t *asynq.Task, v any) error {
	if _, err := t.ResultWriter().Write(mustJSON(v)); err != nil {
		return fmt.Errorf("write %s result: %w", t.Type(), err)
	}
	return nil
}

// classify marks failures that a retry cannot fix (a bad request, an
// unknown namespace, a namespace without a warmer) so they go to the
// dead-letter view at once; anything else is retried with backoff.
func classify(err error) error {
	switch store.KindOf(err) {
	case store.EINVALID, store.ENOTFOUND, store.EUNPROCESSABLE, store.EFORBIDDEN:
		return permanent(err)
	}
	return err
}

func permanent(err error) error { return fmt.Errorf("%w (%w)", err, asynq.SkipRetry) }
