package cache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/dabba/dabba/store/cache/redistest"
)

func TestGuard_AnUnreachableRedisIsSkippedUntilAProbeFindsItBack(t *testing.T) {
	ctx := context.Background()
	srv := redistest.StartServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	b := Guard(rdb, BreakerConfig{Failures: 3, OpenFor: 200 * time.Millisecond})
	if err := rdb.Set(ctx, "guarded", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Get(ctx, "missing").Err(); !errors.Is(err, redis.Nil) || b.State() != gobreaker.StateClosed {
		t.Fatalf("a nil reply (%v) moved the breaker to %s; Redis answered", err, b.State())
	}

	srv.Stop()
	for range 3 {
		if err := rdb.Get(ctx, "guarded").Err(); err == nil || errors.Is(err, ErrRedisUnavailable) {
			t.Fatalf("a command while Redis is down and the breaker closed answered %v, want the connection's error", err)
		}
	}
	if b.State() != gobreaker.StateOpen {
		t.Fatalf("the breaker is %s after 3 failures, want open", b.State())
	}
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "guarded")
		p.Incr(ctx, "counter")
		return nil
	})
	if !errors.Is(err, ErrRedisUnavailable) || !errors.Is(cmds[1].Err(), ErrRedisUnavailable) {
		t.Fatalf("a pipeline with the breaker open answered %v, want ErrRedisUnavailable for each command", err)
	}

	srv.Start()
	for deadline := time.Now().Add(5 * time.Second); b.State() != gobreaker.StateClosed; time.Sleep(50 * time.Millisecond) {
		_ = rdb.Ping(ctx).Err()
		if time.Now().After(deadline) {
			t.Fatalf("the breaker is still %s 5 s after Redis came back", b.State())
		}
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("after recovery a command answered %v", err)
	}
}
