// Package jobstest gives tests background queues of their own on the
// shared test Redis (store/cache/redistest), so that tests of several
// packages running at once never take each other's tasks.
package jobstest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/jobs"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
)

// Config returns a jobs configuration for the test: queues named after
// prefix (unique to the test), removed from Redis when the test ends;
// quick polling and retries (two, 20–100 ms apart); a scheduler heartbeat
// of 100 ms; quiet logs; and no periodic task unless the test sets its
// interval. Cache, Analytics, Rollups and Tracking are the test's to set.
//
// Call it before starting workers: cleanups run last first, so the queues
// are removed after the workers have stopped.
func Config(t testing.TB, rdb redis.UniversalClient, prefix string) jobs.Config {
	t.Helper()
	cfg := jobs.Config{
		Redis: rdb, QueuePrefix: prefix, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PollInterval: 50 * time.Millisecond, RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, MaxRetry: 2,
		ShutdownTimeout: 5 * time.Second, Heartbeat: 100 * time.Millisecond,
		Schedule: jobs.Schedule{Rollups: -1, FullRollups: -1, Predictive: -1, Reclaim: -1, Compaction: -1,
			Warm: map[cache.Namespace]time.Duration{cache.NamespaceRestaurants: -1, cache.NamespaceStatic: -1, cache.NamespaceAnalytics: -1}},
	}
	t.Cleanup(func() {
		// asynq keeps a queue's keys under "asynq:{queue}" and lists the
		// queues in one set.
		for _, q := range []string{"interactive", "periodic", "maintenance"} {
			queue := prefix + "-" + q
			redistest.Unlink(context.Background(), rdb, "asynq:{"+queue+"}*")
			rdb.SRem(context.Background(), "asynq:queues", queue)
		}
	})
	return cfg
}
