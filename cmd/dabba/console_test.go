package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/cache/redistest"
)

func TestTheCacheConsoleStreamsFiguresAndEveryAlertOnceAcrossNodes(t *testing.T) {
	rdb, prefix := redistest.New(t)
	quiet := slog.New(slog.DiscardHandler)
	// Every Redis call counts as slow, so the cache keeps raising alerts.
	c, err := cache.New(cache.Config{Redis: rdb, Prefix: prefix + ":cache", FlushInterval: 50 * time.Millisecond,
		MonitorInterval: 100 * time.Millisecond, Alerts: cache.AlertConfig{SlowOperation: time.Nanosecond}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	broker := realtime.NewBroker(rdb, realtime.BrokerConfig{KeyPrefix: prefix})
	tokens, err := api.NewTokens([]byte("test-secret-test-secret-test-secret!"))
	if err != nil {
		t.Fatal(err)
	}
	hub, err := realtime.New(realtime.Config{Broker: broker, Authenticator: api.NewSocketAuthenticator(tokens, nil), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hub)
	t.Cleanup(func() {
		_ = hub.Shutdown(context.Background())
		srv.Close()
	})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := tokens.Mint(store.Principal{Role: store.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.DialOptions{
		Subprotocols: []string{realtime.Subprotocol, "bearer." + tok}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := wsjson.Write(ctx, ws, map[string]string{"op": "subscribe", "topic": api.CacheConsoleTopic}); err != nil {
		t.Fatal(err)
	}

	// Two nodes feed the console from the same fleet.
	nodes, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { runCacheConsole(nodes, c, broker, 100*time.Millisecond, quiet) })
	}
	defer func() { stop(); wg.Wait() }()

	var stats []consoleStats
	seen := map[string]bool{}
	var lastSeq int64
	for alerts := 0; alerts < 3 || len(stats) == 0; {
		var f struct {
			Op   string          `json:"op"`
			Seq  int64           `json:"seq"`
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := wsjson.Read(ctx, ws, &f); err != nil {
			t.Fatalf("after %d alerts and %d figures: %v", alerts, len(stats), err)
		}
		switch {
		case f.Op != "event":
		case f.Type == consoleStatsEvent:
			var s consoleStats
			if err := json.Unmarshal(f.Data, &s); err != nil {
				t.Fatal(err)
			}
			stats = append(stats, s)
		case f.Type == consoleAlertEvent:
			var al cache.Alert
			if err := json.Unmarshal(f.Data, &al); err != nil {
				t.Fatal(err)
			}
			id := al.At.String() + string(al.Kind) + string(al.Namespace) + al.Node
			if seen[id] {
				t.Errorf("alert %s at %s reached the console twice", al.Kind, al.At)
			}
			seen[id] = true
			if f.Seq != al.At.UnixMicro() || f.Seq <= lastSeq {
				t.Errorf("alert at %s came with sequence %d after %d", al.At, f.Seq, lastSeq)
			}
			if al.Kind != cache.AlertSlowOperation {
				t.Errorf("alert %+v, want slow operations only", al)
			}
			lastSeq = f.Seq
			alerts++
		default:
			t.Errorf("unexpected event %s", f.Type)
		}
	}
	s := stats[len(stats)-1]
	if s.Health != "healthy" || len(s.Namespaces) != len(cache.Namespaces()) || s.Total == nil || len(s.AlertCounts) == 0 {
		t.Errorf("figures on the console: %+v", s)
	}
}
