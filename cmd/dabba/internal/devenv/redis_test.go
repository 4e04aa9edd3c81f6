package devenv_test

import (
	"testing"
	"time"

	"github.com/dabba/dabba/cmd/dabba/internal/devenv"
	"github.com/redis/go-redis/v9"
)

func TestStartRedis_ExpiresKeysOnTheWallClock(t *testing.T) {
	r, err := devenv.StartRedis()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	opt, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatalf("parse %s: %v", r.URL, err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()

	if err := c.Set(ctx, "session", "x", 20*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "profile", "y", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if n, err := c.Exists(ctx, "session").Result(); err != nil || n != 0 {
		t.Errorf("a key past its TTL still exists (%d, %v)", n, err)
	}
	if n, err := c.Exists(ctx, "profile").Result(); err != nil || n != 1 {
		t.Errorf("a key within its TTL is gone (%d, %v)", n, err)
	}
}
