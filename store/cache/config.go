package cache

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store"
)

// DefaultPrefix is the spec's CACHE_PREFIX.
const DefaultPrefix = "zomato-enterprise-cache"

// Config configures a Cache. Zero fields take the defaults documented on
// them.
type Config struct {
	// Redis is the Redis every node shares (version 7.0 or newer: reads use
	// SET NX GET). Required.
	Redis redis.UniversalClient
	// Prefix starts every key; default DefaultPrefix.
	Prefix string
	// Profile applies the TTL table for the environment (DABBA_ENV); default
	// production.
	Profile Profile
	// TTLOverrides replaces the lifetime of individual classes after the
	// profile is applied (see ParseTTLOverrides); an override always wins.
	TTLOverrides map[Class]time.Duration
	// Jitter spreads lifetimes by ±Jitter (a fraction) so entries written
	// together do not expire together; default 0.10, negative disables.
	Jitter float64
	// NegativeTTL is how long "this ID does not exist" is remembered, so a
	// flood of requests for a missing ID costs one load per NegativeTTL;
	// default 15 s.
	NegativeTTL time.Duration
	// StaleIfError is how long after it expired a catalogue entry may still
	// answer a read while the source is unavailable, marked stale (see
	// grace.go). Default 10 min; negative keeps no copies.
	StaleIfError time.Duration
	// LeaseTTL is how long a reader that missed may hold an entry's slot
	// while it loads; a lease left by a crashed node frees itself after it.
	// Default 5 s.
	LeaseTTL time.Duration
	// LeaseWait bounds how long a reader waits for another node's fill
	// before it loads by itself (without filling); default 3 s.
	LeaseWait time.Duration
	// Breaker guards Redis (see Guard): while it is open the cache serves
	// from the source. Nil guards Redis with a breaker of default settings;
	// give the breaker of a client others use too, so they share one.
	Breaker *Breaker
	// FlushInterval is how often a node adds its counters and hot keys to
	// the fleet-wide figures in Redis; default 1 s.
	FlushInterval time.Duration
	// MonitorInterval is how often memory, hit ratios and the Redis server
	// are checked for alerts; default 15 s.
	MonitorInterval time.Duration
	// Alerts sets the alert thresholds.
	Alerts AlertConfig
	// HotKeys sets how key popularity is tracked.
	HotKeys HotKeyConfig
	// AuditMaxLen bounds the invalidation audit stream (approximately);
	// default 10000 entries.
	AuditMaxLen int64
	// Secret keys the HMAC of secure cache keys; every node must share it.
	// At least 32 bytes; when empty a random secret is drawn, which is only
	// good for a single node (development).
	Secret []byte
	// Access says who may read, clear and warm which namespace.
	Access AccessPolicy
	// Local configures the optional in-process tier; off when Classes is
	// empty.
	Local LocalConfig
	// Source is the system of record. When set, Services decorates it,
	// cascades look up related IDs in it, restaurants and menu items get
	// warmers, and the pattern self-checks probe one of its restaurants.
	Source store.Services
	// Probe gives the pattern self-checks a record to round-trip; default
	// the first restaurant of Source.
	Probe Probe
	// Registerer receives the cache's Prometheus metrics; nil registers
	// nothing (the metrics still feed the reports).
	Registerer prometheus.Registerer
	// Logger receives degradation and recovery notices; default slog.Default().
	Logger *slog.Logger
}

// BreakerConfig configures the circuit breaker in front of Redis (Guard).
type BreakerConfig struct {
	// Failures is how many consecutive failed Redis calls open the breaker;
	// default 5.
	Failures uint32
	// OpenFor is how long the breaker stays open before one probe call may
	// try Redis again; default 5 s.
	OpenFor time.Duration
}

func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.OpenFor <= 0 {
		c.OpenFor = 5 * time.Second
	}
	if c.Failures == 0 {
		c.Failures = 5
	}
	return c
}

// AlertConfig sets when the cache raises alerts.
type AlertConfig struct {
	// HitRatioTarget is the spec's hit-ratio target; a namespace below it
	// over a monitor interval raises hit_ratio_low. Default 0.80.
	HitRatioTarget float64
	// SlowOperation is the spec's response-time target; a cache operation
	// slower than it raises slow_operation. Default 100 ms.
	SlowOperation time.Duration
	// MemoryBytes raises memory_high when Redis uses more; default 90 % of
	// Redis's maxmemory, or 1 GiB when maxmemory is unlimited.
	MemoryBytes int64
	// MinReads is how many reads a namespace needs in a monitor interval
	// before its hit ratio is judged; default 100.
	MinReads int64
	// Keep bounds the alert list; default 200.
	Keep int64
}

// HotKeyConfig sets how key popularity is tracked.
type HotKeyConfig struct {
	// Keep bounds the tracked keys per namespace; default 1000.
	Keep int64
	// HalfLife is how fast popularity decays; default 10 min.
	HalfLife time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.Redis == nil {
		return c, errors.New("cache: Config.Redis is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Profile == "" {
		c.Profile = ProfileProduction
	}
	if c.Jitter == 0 {
		c.Jitter = 0.10
	}
	def(&c.NegativeTTL, 15*time.Second)
	def(&c.LeaseTTL, 5*time.Second)
	if c.StaleIfError == 0 {
		c.StaleIfError = 10 * time.Minute
	}
	def(&c.LeaseWait, 3*time.Second)
	def(&c.FlushInterval, time.Second)
	def(&c.MonitorInterval, 15*time.Second)
	if c.Alerts.HitRatioTarget == 0 {
		c.Alerts.HitRatioTarget = 0.80
	}
	def(&c.Alerts.SlowOperation, 100*time.Millisecond)
	if c.Alerts.MinReads == 0 {
		c.Alerts.MinReads = 100
	}
	if c.Alerts.Keep == 0 {
		c.Alerts.Keep = 200
	}
	if c.HotKeys.Keep == 0 {
		c.HotKeys.Keep = 1000
	}
	def(&c.HotKeys.HalfLife, 10*time.Minute)
	if c.AuditMaxLen == 0 {
		c.AuditMaxLen = 10000
	}
	switch {
	case len(c.Secret) == 0:
		c.Secret = make([]byte, 32)
		_, _ = rand.Read(c.Secret)
	case len(c.Secret) < 32:
		return c, errors.New("cache: Config.Secret must be at least 32 bytes")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if err := c.Local.validate(); err != nil {
		return c, err
	}
	return c, nil
}
