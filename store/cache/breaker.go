package cache

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// ErrRedisUnavailable is what every command on a guarded client answers
// while its breaker is open (or probing): Redis was failing, and it is not
// called until the breaker lets a probe through.
var ErrRedisUnavailable = errors.New("redis is unavailable (circuit breaker open)")

// Breaker is the circuit breaker of one Redis client, for every user of
// that client: the cache, the tracking engine's hot state and courier
// positions, the realtime broker, the rate limiter. After Failures
// consecutive failed commands it opens, and every command fails at once
// with ErrRedisUnavailable instead of waiting on a dead server (dial
// timeouts, retries with backoff); after OpenFor one command probes, and a
// success closes it. So a Redis outage costs its users one fast error per
// command, not a timeout each, and the breaker — not a timeout per call —
// decides when Redis is skipped.
//
// Replies Redis gave (a nil, a WRONGTYPE, a NOSCRIPT) are successes: the
// server answered. A command whose caller gave up (context canceled) does
// not count.
type Breaker struct {
	cb *gobreaker.CircuitBreaker[struct{}]

	mu        sync.Mutex
	listeners map[*func(from, to gobreaker.State)]bool
}

// Guard installs a breaker on rdb as a go-redis hook and returns it.
// Install one per client; every cache over the client takes it in
// Config.Breaker.
func Guard(rdb redis.UniversalClient, cfg BreakerConfig) *Breaker {
	cfg = cfg.withDefaults()
	b := &Breaker{listeners: map[*func(from, to gobreaker.State)]bool{}}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:    "redis",
		Timeout: cfg.OpenFor,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= cfg.Failures
		},
		IsSuccessful:  answered,
		IsExcluded:    func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: b.changed,
	})
	rdb.AddHook(b)
	return b
}

// answered reports whether Redis answered the command, whatever it said.
// A server still loading its data set answers, but cannot serve.
func answered(err error) bool {
	var reply redis.Error
	if err == nil || errors.Is(err, redis.Nil) {
		return true
	}
	return errors.As(err, &reply) && !strings.HasPrefix(reply.Error(), "LOADING")
}

// State is the breaker's state: closed (Redis is called), open or half-open.
func (b *Breaker) State() gobreaker.State { return b.cb.State() }

// Counts are the breaker's counts in its current state.
func (b *Breaker) Counts() gobreaker.Counts { return b.cb.Counts() }

// onChange calls fn (on the goroutine of the command that changed it)
// whenever the breaker changes state, until the returned func is called.
func (b *Breaker) onChange(fn func(from, to gobreaker.State)) (stop func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.listeners[&fn] = true
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.listeners, &fn)
	}
}

func (b *Breaker) changed(_ string, from, to gobreaker.State) {
	b.mu.Lock()
	listeners := make([]func(from, to gobreaker.State), 0, len(b.listeners))
	for fn := range b.listeners {
		listeners = append(listeners, *fn)
	}
	b.mu.Unlock()
	for _, fn := range listeners {
		fn(from, to)
	}
}

// run executes one round trip under the breaker.
func (b *Breaker) run(fn func() error) error {
	_, err := b.cb.Execute(func() (struct{}, error) { return struct{}{}, fn() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return ErrRedisUnavailable
	}
	return err
}

// DialHook implements redis.Hook; dials happen inside guarded commands.
func (b *Breaker) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (b *Breaker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if connectionSetup(cmd) {
			return next(ctx, cmd)
		}
		err := b.run(func() error { return next(ctx, cmd) })
		if errors.Is(err, ErrRedisUnavailable) {
			cmd.SetErr(err)
		}
		return err
	}
}

// ProcessPipelineHook implements redis.Hook: a pipeline is one round trip.
func (b *Breaker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && connectionSetup(cmds[0]) {
			return next(ctx, cmds)
		}
		var replied error
		err := b.run(func() error {
			replied = next(ctx, cmds)
			return pipelineFailure(replied, cmds)
		})
		if errors.Is(err, ErrRedisUnavailable) {
			for _, cmd := range cmds {
				cmd.SetErr(err)
			}
			return err
		}
		return replied
	}
}

// connectionSetup reports whether cmd is one go-redis sends while it opens
// a connection (HELLO, AUTH, SELECT, CLIENT SETNAME…), inside the command
// that needed the connection: that command is already under the breaker,
// and a half-open breaker would refuse the setup of its own probe.
func connectionSetup(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "select", "client", "readonly":
		return true
	}
	return false
}

// pipelineFailure is the error a pipeline's round trip failed with: go-redis
// returns the first command's error, which may be a reply (a redis.Nil of a
// GET), not a failure of the round trip.
func pipelineFailure(err error, cmds []redis.Cmder) error {
	if answered(err) {
		return nil
	}
	for _, cmd := range cmds {
		if cerr := cmd.Err(); cerr != nil && !answered(cerr) {
			return cerr
		}
	}
	return err
}
