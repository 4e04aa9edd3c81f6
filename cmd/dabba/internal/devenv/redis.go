package devenv

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// Redis is the in-process Redis of development mode (miniredis). It keeps
// nothing across restarts, which suits a cache, the realtime state and the
// job queue of a development run.
type Redis struct {
	// URL is the redis:// address clients connect to.
	URL string
	m   *miniredis.Miniredis
}

// StartRedis starts an in-process Redis on a free port of 127.0.0.1. TTLs run
// on the wall clock (miniredis otherwise never expires keys by itself).
func StartRedis() (*Redis, error) {
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start in-process redis: %w", err)
	}
	return &Redis{URL: "redis://" + m.Addr() + "/0", m: m}, nil
}

// Stop closes the server and drops its data.
func (r *Redis) Stop() { r.m.Close() }
