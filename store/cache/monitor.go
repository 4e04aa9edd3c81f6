package cache

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// The monitor runs every MonitorInterval on every node: it notices a Redis
// restart, finishes a pending recovery, and, on whichever node takes the
// turn, checks memory and hit ratios for alerts.

func (c *Cache) monitorLoop() {
	defer c.wg.Done()
	tick := time.NewTicker(c.cfg.MonitorInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.bg.Done():
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(c.bg, c.cfg.MonitorInterval)
			c.monitor(ctx)
			cancel()
		}
	}
}

func (c *Cache) monitor(ctx context.Context) {
	if c.breaker.State() == gobreaker.StateOpen {
		return
	}
	c.checkRestart(ctx)
	if !c.usable(ctx) {
		return
	}
	var won bool
	err := c.call(ctx, "", "monitor", func(ctx context.Context) error {
		var err error
		won, err = c.rdb.SetNX(ctx, c.keys.internal("locks", "monitor"), c.tokens.node, c.cfg.MonitorInterval*9/10).Result()
		return err
	})
	if err != nil || !won {
		return
	}
	if err := c.checkMemory(ctx); err != nil {
		c.log.Debug("cache memory check failed", "error", err)
	}
	if err := c.checkHitRatios(ctx); err != nil {
		c.log.Debug("cache hit ratio check failed", "error", err)
	}
}

// checkRestart renews every namespace when the Redis server restarted (its
// run_id changed): a server restored from a snapshot may hold entries that
// acknowledged invalidations had removed.
func (c *Cache) checkRestart(ctx context.Context) {
	info, err := c.info(ctx, "server")
	if err != nil {
		return
	}
	id := info["run_id"]
	if c.runID != "" && id != c.runID {
		c.log.Warn("redis restarted; renewing every namespace", "run_id", id)
		for _, ns := range Namespaces() {
			c.dirty.mark(ns)
		}
		c.local.flushAll()
	}
	c.runID = id
}

// info runs INFO section and parses it.
func (c *Cache) info(ctx context.Context, section string) (map[string]string, error) {
	var raw string
	err := c.call(ctx, "", "info", func(ctx context.Context) error {
		var err error
		raw, err = c.rdb.Info(ctx, section).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	return parseInfo(raw), nil
}

func parseInfo(raw string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

func infoInt(m map[string]string, k string) int64 {
	n, _ := strconv.ParseInt(m[k], 10, 64)
	return n
}

func infoFloat(m map[string]string, k string) float64 {
	f, _ := strconv.ParseFloat(m[k], 64)
	return f
}

// memoryThreshold is the memory_high threshold for a server with the given
// maxmemory.
func (c *Cache) memoryThreshold(maxmemory int64) int64 {
	switch {
	case c.cfg.Alerts.MemoryBytes > 0:
		return c.cfg.Alerts.MemoryBytes
	case maxmemory > 0:
		return maxmemory * 9 / 10
	}
	return 1 << 30
}

func (c *Cache) checkMemory(ctx context.Context) error {
	info, err := c.info(ctx, "memory")
	if err != nil {
		return err
	}
	used := infoInt(info, "used_memory")
	c.stats.metrics.memory.Set(float64(used))
	if limit := c.memoryThreshold(infoInt(info, "maxmemory")); used > limit {
		c.alerts.raise(Alert{Kind: AlertMemoryHigh, Value: float64(used), Threshold: float64(limit),
			Message: fmt.Sprintf("Redis uses %s, above the %s threshold", info["used_memory_human"], humanBytes(limit))})
	}
	return nil
}

// checkHitRatios compares each namespace's fleet hit ratio since the last
// check (kept in Redis, so it does not matter which node checked last)
// with the target.
func (c *Cache) checkHitRatios(ctx context.Context) error {
	now, _, err := c.fleet(ctx)
	if err != nil {
		return err
	}
	lastKey := c.keys.internal("monitor", "last")
	var prev map[string]string
	err = c.call(ctx, "", "monitor", func(ctx context.Context) error {
		var err error
		prev, err = c.rdb.HGetAll(ctx, lastKey).Result()
		return err
	})
	if err != nil {
		return err
	}
	snapshot := map[string]any{}
	for _, ns := range Namespaces() {
		d := now[ns]
		hits := d.counters[cHits] + d.counters[cLocalHits]
		reads := d.reads()
		snapshot[string(ns)+".hits"], snapshot[string(ns)+".reads"] = hits, reads
		prevHits, _ := strconv.ParseInt(prev[string(ns)+".hits"], 10, 64)
		prevReads, _ := strconv.ParseInt(prev[string(ns)+".reads"], 10, 64)
		windowReads := reads - prevReads
		if len(prev) == 0 || windowReads < c.cfg.Alerts.MinReads {
			continue
		}
		ratio := float64(hits-prevHits) / float64(windowReads)
		if ratio < c.cfg.Alerts.HitRatioTarget {
			c.alerts.raise(Alert{Kind: AlertHitRatioLow, Namespace: ns, Value: round3(ratio), Threshold: c.cfg.Alerts.HitRatioTarget,
				Message: fmt.Sprintf("hit ratio %.1f%% in %s over %d reads, below the %.0f%% target",
					100*ratio, ns, windowReads, 100*c.cfg.Alerts.HitRatioTarget)})
		}
	}
	return c.call(ctx, "", "monitor", func(ctx context.Context) error {
		return c.rdb.HSet(ctx, lastKey, snapshot).Err()
	})
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.2f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Health is the answer of GET /cache/health.
type Health struct {
	// Status is "healthy" when Redis answers and serves reads, "degraded"
	// when reads go to the source (Redis unreachable, breaker open, or a
	// recovery pending). dabba keeps working while degraded.
	Status string `json:"status" example:"healthy"`
	// Redis is "up" when it answered a PING just now, else "down".
	Redis string `json:"redis" example:"up"`
	// LatencyMS is the PING round trip in milliseconds.
	LatencyMS float64 `json:"latency_ms" example:"0.21"`
	// Breaker is the circuit breaker's state: closed, half-open or open.
	Breaker string `json:"breaker" example:"closed"`
	// Prefix is the key prefix this cache writes under.
	Prefix string `json:"prefix" example:"zomato-enterprise-cache"`
	// Profile is the TTL profile in force (DABBA_ENV).
	Profile Profile `json:"profile" example:"production"`
	// CheckedAt is when the check ran, UTC.
	CheckedAt time.Time `json:"checked_at" example:"2025-06-01T12:00:00Z"`
}

// Health pings Redis (bypassing the breaker, with a one-second bound) and
// reports whether the cache serves reads.
func (c *Cache) Health(ctx context.Context) Health {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	err := c.rdb.Ping(ctx).Err()
	h := Health{Status: "healthy", Redis: "up", LatencyMS: round3(float64(time.Since(start).Microseconds()) / 1000),
		Breaker: c.breaker.State().String(), Prefix: c.cfg.Prefix, Profile: c.cfg.Profile, CheckedAt: time.Now().UTC()}
	if err != nil {
		h.Redis = "down"
	}
	if err != nil || c.breaker.State() != gobreaker.StateClosed || !c.dirty.empty() {
		h.Status = "degraded"
	}
	return h
}

// DetailedHealth is the answer of GET /cache/health/detailed.
type DetailedHealth struct {
	Health
	// Reasons says why the cache is degraded; empty when healthy.
	Reasons []string `json:"reasons" example:"circuit breaker is open"`
	// PendingRenewals lists namespaces whose invalidations could not be
	// delivered; they are renewed before Redis serves reads again.
	PendingRenewals []Namespace `json:"pending_renewals" example:"restaurants"`
	// Server describes the Redis server.
	Server RedisServer `json:"server"`
	// Memory is Redis's memory report.
	Memory RedisMemory `json:"memory"`
	// Pool is this node's connection pool.
	Pool PoolStats `json:"pool"`
	// BreakerCounts are the breaker's counts in its current state.
	BreakerCounts BreakerCounts `json:"breaker_counts"`
	// Generations lists each namespace's current generation.
	Generations []NamespaceGeneration `json:"generations"`
	// LocalTier describes the in-process tier; absent when it is off.
	LocalTier *LocalTierStatus `json:"local_tier,omitempty"`
	// Alerts are the latest alerts and the count per kind.
	Alerts AlertReport `json:"alerts"`
}

// RedisServer describes the Redis server.
type RedisServer struct {
	// Version of Redis.
	Version string `json:"version" example:"7.0.15"`
	// Mode is standalone, cluster or sentinel.
	Mode string `json:"mode" example:"standalone"`
	// UptimeSeconds since the server started.
	UptimeSeconds int64 `json:"uptime_seconds" example:"86400"`
	// ConnectedClients counts client connections.
	ConnectedClients int64 `json:"connected_clients" example:"12"`
}

// RedisMemory is Redis's memory report.
type RedisMemory struct {
	// UsedBytes is memory allocated by Redis.
	UsedBytes int64 `json:"used_bytes" example:"1048576"`
	// UsedHuman is UsedBytes as Redis formats it.
	UsedHuman string `json:"used_human" example:"1.00M"`
	// PeakBytes is the most Redis has used.
	PeakBytes int64 `json:"peak_bytes" example:"2097152"`
	// MaxMemoryBytes is the configured limit; 0 means unlimited.
	MaxMemoryBytes int64 `json:"max_memory_bytes" example:"0"`
	// UsedRatio is UsedBytes over MaxMemoryBytes; 0 when unlimited.
	UsedRatio float64 `json:"used_ratio" example:"0.12"`
	// FragmentationRatio is RSS over used memory.
	FragmentationRatio float64 `json:"fragmentation_ratio" example:"1.3"`
	// EvictionPolicy is Redis's maxmemory-policy.
	EvictionPolicy string `json:"eviction_policy" example:"noeviction"`
	// AlertThresholdBytes is where memory_high is raised.
	AlertThresholdBytes int64 `json:"alert_threshold_bytes" example:"1073741824"`
}

// PoolStats describes this node's connection pool to Redis.
type PoolStats struct {
	// TotalConns is the number of open connections.
	TotalConns uint32 `json:"total_conns" example:"10"`
	// IdleConns is the number of idle connections.
	IdleConns uint32 `json:"idle_conns" example:"8"`
	// Hits counts requests that found a free connection.
	Hits uint32 `json:"hits" example:"10234"`
	// Misses counts requests that had to dial.
	Misses uint32 `json:"misses" example:"10"`
	// Timeouts counts requests that waited too long for a connection.
	Timeouts uint32 `json:"timeouts" example:"0"`
}

// BreakerCounts are the circuit breaker's counts in its current state.
type BreakerCounts struct {
	// Requests passed through.
	Requests uint32 `json:"requests" example:"5120"`
	// TotalFailures among them.
	TotalFailures uint32 `json:"total_failures" example:"0"`
	// ConsecutiveFailures at the end.
	ConsecutiveFailures uint32 `json:"consecutive_failures" example:"0"`
}

// NamespaceGeneration is a namespace's current generation.
type NamespaceGeneration struct {
	// Namespace concerned.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Generation is the number in its keys; each clear adds one.
	Generation int64 `json:"generation" example:"3"`
}

// DetailedHealth reports Health with what explains it: server, memory,
// pool, breaker, generations, local tier and alerts. Parts Redis cannot
// answer stay empty.
func (c *Cache) DetailedHealth(ctx context.Context) DetailedHealth {
	d := DetailedHealth{Health: c.Health(ctx), Reasons: []string{}, PendingRenewals: c.dirty.list(), Generations: []NamespaceGeneration{}}
	if d.Redis == "down" {
		d.Reasons = append(d.Reasons, "Redis does not answer PING")
	}
	if st := c.breaker.State(); st != gobreaker.StateClosed {
		d.Reasons = append(d.Reasons, "circuit breaker is "+st.String())
	}
	if len(d.PendingRenewals) > 0 {
		d.Reasons = append(d.Reasons, "invalidations not delivered while Redis was unreachable; namespaces renew on recovery")
	}
	if ps := c.rdb.PoolStats(); ps != nil {
		d.Pool = PoolStats{TotalConns: ps.TotalConns, IdleConns: ps.IdleConns, Hits: ps.Hits, Misses: ps.Misses, Timeouts: ps.Timeouts}
	}
	counts := c.breaker.Counts()
	d.BreakerCounts = BreakerCounts{Requests: counts.Requests, TotalFailures: counts.TotalFailures, ConsecutiveFailures: counts.ConsecutiveFailures}
	if c.local != nil {
		st := c.local.status()
		d.LocalTier = &st
	}
	if d.Redis == "down" {
		return d
	}
	if info, err := c.info(ctx, "server"); err == nil {
		d.Server = RedisServer{Version: info["redis_version"], Mode: info["redis_mode"],
			UptimeSeconds: infoInt(info, "uptime_in_seconds")}
	}
	if info, err := c.info(ctx, "clients"); err == nil {
		d.Server.ConnectedClients = infoInt(info, "connected_clients")
	}
	if m, err := c.redisMemory(ctx); err == nil {
		d.Memory = m
	}
	if gens, err := c.Generations(ctx); err == nil {
		d.Generations = gens
	}
	if a, err := c.Alerts(ctx, 10); err == nil {
		d.Alerts = a
	}
	return d
}

func (c *Cache) redisMemory(ctx context.Context) (RedisMemory, error) {
	info, err := c.info(ctx, "memory")
	if err != nil {
		return RedisMemory{}, err
	}
	m := RedisMemory{UsedBytes: infoInt(info, "used_memory"), UsedHuman: info["used_memory_human"],
		PeakBytes: infoInt(info, "used_memory_peak"), MaxMemoryBytes: infoInt(info, "maxmemory"),
		FragmentationRatio: infoFloat(info, "mem_fragmentation_ratio"), EvictionPolicy: info["maxmemory_policy"]}
	if m.MaxMemoryBytes > 0 {
		m.UsedRatio = round3(float64(m.UsedBytes) / float64(m.MaxMemoryBytes))
	}
	m.AlertThresholdBytes = c.memoryThreshold(m.MaxMemoryBytes)
	return m, nil
}

// Generations reads every namespace's current generation.
func (c *Cache) Generations(ctx context.Context) ([]NamespaceGeneration, error) {
	keys := make([]string, 0, len(Namespaces()))
	for _, ns := range Namespaces() {
		keys = append(keys, c.keys.nsGen(ns))
	}
	var vals []any
	err := c.call(ctx, "", "generations", func(ctx context.Context) error {
		var err error
		vals, err = c.rdb.MGet(ctx, keys...).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read cache generations: %w", err)
	}
	out := make([]NamespaceGeneration, 0, len(keys))
	for i, ns := range Namespaces() {
		g := parseGen(vals, i)
		c.gens.Store(keys[i], g)
		out = append(out, NamespaceGeneration{Namespace: ns, Generation: g})
	}
	return out, nil
}

// MemoryUsage is the answer of GET /cache/memory-usage.
type MemoryUsage struct {
	// Redis is the server's memory report.
	Redis RedisMemory `json:"redis"`
	// Namespaces estimates each namespace's share from a MEMORY USAGE
	// sample of its keys.
	Namespaces []NamespaceMemory `json:"namespaces"`
	// InternalKeys counts the cache's own bookkeeping keys (stats, audit,
	// alerts, hot keys).
	InternalKeys int64 `json:"internal_keys" example:"40"`
	// KeysScanned is how many keys the SCAN visited.
	KeysScanned int64 `json:"keys_scanned" example:"5120"`
	// Complete is false when the scan stopped at its bound before visiting
	// every key; the counts are then lower bounds.
	Complete bool `json:"complete" example:"true"`
	// MeasuredAt is when the measurement ran, UTC.
	MeasuredAt time.Time `json:"measured_at" example:"2025-06-01T12:00:00Z"`
}

// NamespaceMemory is one namespace's estimated memory.
type NamespaceMemory struct {
	// Namespace measured.
	Namespace Namespace `json:"namespace" example:"restaurants"`
	// Keys counts the namespace's keys of every generation (old ones await
	// reclamation), leases and generation counters included.
	Keys int64 `json:"keys" example:"1200"`
	// SampledKeys is how many keys MEMORY USAGE measured.
	SampledKeys int `json:"sampled_keys" example:"50"`
	// AverageKeyBytes is the mean size of the sampled keys.
	AverageKeyBytes float64 `json:"average_key_bytes" example:"812.5"`
	// EstimatedBytes is AverageKeyBytes × Keys.
	EstimatedBytes int64 `json:"estimated_bytes" example:"975000"`
}

// Bounds of a memory measurement.
const (
	memoryScanLimit   = 200000
	memorySamplePerNS = 50
	scanBatch         = 1000
	internalNamespace = Namespace("_internal")
)

// MemoryUsage reports Redis's memory and estimates each namespace's share:
// it SCANs the cache's keys (at most 200 000) and samples MEMORY USAGE of
// up to 50 keys per namespace.
func (c *Cache) MemoryUsage(ctx context.Context) (MemoryUsage, error) {
	mem, err := c.redisMemory(ctx)
	if err != nil {
		return MemoryUsage{}, fmt.Errorf("measure cache memory: %w", err)
	}
	u := MemoryUsage{Redis: mem, Complete: true, MeasuredAt: time.Now().UTC()}
	counts := map[Namespace]int64{}
	samples := map[Namespace][]string{}
	var cursor uint64
	for {
		var keys []string
		err := c.call(ctx, "", "scan", func(ctx context.Context) error {
			var err error
			keys, cursor, err = c.rdb.Scan(ctx, cursor, c.keys.allPattern(), scanBatch).Result()
			return err
		})
		if err != nil {
			return u, fmt.Errorf("measure cache memory: %w", err)
		}
		for _, k := range keys {
			ns := c.keys.namespaceOf(k)
			counts[ns]++
			if len(samples[ns]) < memorySamplePerNS {
				samples[ns] = append(samples[ns], k)
			}
		}
		u.KeysScanned += int64(len(keys))
		if cursor == 0 {
			break
		}
		if u.KeysScanned >= memoryScanLimit {
			u.Complete = false
			break
		}
	}
	sizes := map[Namespace][]*redis.IntCmd{}
	err = c.pipelined(ctx, "", "memory", func(p redis.Pipeliner) {
		for ns, keys := range samples {
			for _, k := range keys {
				sizes[ns] = append(sizes[ns], p.MemoryUsage(ctx, k))
			}
		}
	})
	if err != nil {
		return u, fmt.Errorf("measure cache memory: %w", err)
	}
	u.InternalKeys = counts[internalNamespace]
	for _, ns := range Namespaces() {
		nm := NamespaceMemory{Namespace: ns, Keys: counts[ns]}
		var total, n int64
		for _, cmd := range sizes[ns] {
			if v, err := cmd.Result(); err == nil {
				total += v
				n++
			}
		}
		if n > 0 {
			nm.SampledKeys = int(n)
			nm.AverageKeyBytes = round3(float64(total) / float64(n))
			nm.EstimatedBytes = int64(nm.AverageKeyBytes * float64(nm.Keys))
		}
		u.Namespaces = append(u.Namespaces, nm)
	}
	return u, nil
}
