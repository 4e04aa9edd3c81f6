package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store/cache"
)

// The events of the cache console's topic (api.CacheConsoleTopic).
const (
	// consoleStatsEvent carries the fleet's cache figures now, as
	// consoleStats. Latest-wins: a console that falls behind only needs the
	// newest figures.
	consoleStatsEvent = "cache.stats"
	// consoleAlertEvent carries one alert, as cache.Alert. Ordered and
	// resumable; its sequence is the alert's time in microseconds since the
	// Unix epoch, so every node of a fleet publishes one alert under the
	// same sequence and the broker sends it once.
	consoleAlertEvent = "cache.alert"
)

// consoleStats is the data of a cache.stats event: the fleet's figures at
// one moment, compact enough to send every few seconds.
type consoleStats struct {
	// At is when the figures were read, UTC.
	At time.Time `json:"at"`
	// Health is "healthy", or "degraded" while reads go to PostgreSQL.
	Health string `json:"health"`
	// Total sums every namespace; absent while Redis cannot be read.
	Total *consoleFigures `json:"total,omitempty"`
	// Namespaces in the spec's order; empty while Redis cannot be read.
	Namespaces []consoleFigures `json:"namespaces"`
	// AlertCounts counts the alerts of each kind since the counts began.
	AlertCounts []cache.AlertCount `json:"alert_counts"`
}

// consoleFigures are one namespace's (or the total's) figures on the
// console.
type consoleFigures struct {
	// Namespace counted; empty for the total.
	Namespace cache.Namespace `json:"namespace,omitempty"`
	// Reads through the cache.
	Reads int64 `json:"reads"`
	// HitRatio is the share of reads served from the cache.
	HitRatio float64 `json:"hit_ratio"`
	// Misses that loaded from PostgreSQL.
	Misses int64 `json:"misses"`
	// Writes through the cache.
	Writes int64 `json:"writes"`
	// Invalidations of entries and groups.
	Invalidations int64 `json:"invalidations"`
	// Fallbacks are reads served from PostgreSQL while Redis was unusable.
	Fallbacks int64 `json:"fallbacks"`
}

func figuresOf(s cache.NamespaceStats) consoleFigures {
	return consoleFigures{Namespace: s.Namespace, Reads: s.Reads, HitRatio: s.HitRatio, Misses: s.Misses,
		Writes: s.Writes, Invalidations: s.Invalidations, Fallbacks: s.Fallbacks}
}

// runCacheConsole feeds the admins' cache console until ctx ends: every
// period it publishes the fleet's figures (cache.stats, latest-wins) and
// each alert raised since the last one it published (cache.alert, ordered,
// oldest first) to api.CacheConsoleTopic. An alert is published once it is
// a period old, by when every node has added its alerts to the fleet's list
// (nodes do so every second), so alerts leave in the order they were raised.
// Every node may run it: the figures are fleet-wide and the broker sends
// each alert once. A tick that fails is logged at debug level and the next
// one tries again.
func runCacheConsole(ctx context.Context, c *cache.Cache, pub realtime.Publisher, every time.Duration, log *slog.Logger) {
	con := console{c: c, pub: pub, settle: every}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			tickCtx, cancel := context.WithTimeout(ctx, every)
			if err := con.publish(tickCtx, time.Now()); err != nil {
				log.Debug("cache console tick failed", "error", err)
			}
			cancel()
		}
	}
}

// console is the state of one node's cache console feed.
type console struct {
	c   *cache.Cache
	pub realtime.Publisher
	// settle is how old an alert must be to be published.
	settle time.Duration
	// published is the time of the newest alert published.
	published time.Time
}

// publish sends the figures and the settled new alerts as of now.
func (con *console) publish(ctx context.Context, now time.Time) error {
	stats := consoleStats{At: now.UTC(), Health: con.c.Health(ctx).Status, Namespaces: []consoleFigures{}, AlertCounts: []cache.AlertCount{}}
	report, statsErr := con.c.NamespaceStats(ctx)
	if statsErr == nil {
		total := figuresOf(report.Total)
		stats.Total = &total
		for _, s := range report.Namespaces {
			stats.Namespaces = append(stats.Namespaces, figuresOf(s))
		}
	}
	alerts, alertsErr := con.c.Alerts(ctx, 0)
	if alertsErr == nil {
		stats.AlertCounts = alerts.Counts
	}
	if err := con.send(ctx, consoleStatsEvent, stats, realtime.LatestWins, 0); err != nil {
		return err
	}
	if statsErr != nil || alertsErr != nil {
		return fmt.Errorf("read the cache's figures: %w", errors.Join(statsErr, alertsErr))
	}
	oldestFirst := slices.Clone(alerts.Recent)
	slices.Reverse(oldestFirst)
	for _, al := range oldestFirst {
		if !al.At.After(con.published) || now.Sub(al.At) < con.settle {
			continue
		}
		if err := con.send(ctx, consoleAlertEvent, al, realtime.Ordered, al.At.UnixMicro()); err != nil {
			return err
		}
		con.published = al.At
	}
	return nil
}

func (con *console) send(ctx context.Context, typ string, v any, d realtime.Delivery, seq int64) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", typ, err)
	}
	if _, err := con.pub.Publish(ctx, api.CacheConsoleTopic, realtime.Publication{Type: typ, Data: data, Delivery: d, Seq: seq}); err != nil {
		return fmt.Errorf("publish %s: %w", typ, err)
	}
	return nil
}
