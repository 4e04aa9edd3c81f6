package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dabba/dabba/realtime/wsbench"
)

// runBenchWS is `dabba bench ws`: the websocket load test of issue 4. By
// default it starts a hub server as a child process of this same binary
// (`dabba bench ws -serve-hub`, hidden from the usage) and drives it from
// this process; with -url it drives a hub that is already running.
func runBenchWS(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dabba bench ws", flag.ContinueOnError)
	conns := fs.Int("conns", 10_000, "websocket connections to open")
	topics := fs.Int("topics", 100, "topics to spread the connections over")
	rates := fs.String("rates", "200,500,1000", "events per second to publish, comma-separated: one phase each")
	duration := fs.Duration("duration", 30*time.Second, "how long each rate publishes")
	payload := fs.Int("payload", 64, "bytes of padding in each event's data")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis the hub and the publisher share (env REDIS_URL)")
	url := fs.String("url", "", "websocket URL of a running hub, e.g. ws://127.0.0.1:8080/ws (default: start one in a child process)")
	token := fs.String("token", "bench", "token every connection presents (with -url: an admin's)")
	serverPID := fs.Int("server-pid", 0, "process ID of the hub at -url, to measure its memory and CPU")
	prefix := fs.String("prefix", "", "the hub's broker key prefix (default: a fresh one for a child hub, dabba:realtime with -url)")
	serveHub := fs.Bool("serve-hub", false, "")
	listen := fs.String("listen", "127.0.0.1:0", "")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dabba bench ws [flags]\n\nflags:")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage != "" { // -serve-hub and -listen are the child's
				fmt.Fprintf(fs.Output(), "  -%s\t%s (default %q)\n", f.Name, f.Usage, f.DefValue)
			}
		})
	}
	if err := fs.Parse(args); err != nil {
		return err
	}

	if *serveHub {
		// The parent stops the child by closing its stdin.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		return wsbench.Serve(ctx, wsbench.ServeConfig{
			Addr: *listen, RedisURL: *redisURL, KeyPrefix: *prefix, MaxConnections: *conns + 1000,
		}, stdout)
	}

	cfg := wsbench.Config{
		URL: *url, ServerPID: *serverPID, Token: *token, RedisURL: *redisURL, KeyPrefix: *prefix,
		Connections: *conns, Topics: *topics, Duration: *duration, PayloadBytes: *payload,
	}
	for r := range strings.SplitSeq(*rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil || n <= 0 {
			return fmt.Errorf("bench ws: -rates: %q is not a positive number", r)
		}
		cfg.Rates = append(cfg.Rates, n)
	}
	if cfg.URL == "" {
		if cfg.KeyPrefix == "" {
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			cfg.KeyPrefix = "wsbench-" + hex.EncodeToString(b)
		}
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench ws: find this binary: %w", err)
		}
		cfg.ServerCommand = []string{exe, "bench", "ws", "-serve-hub",
			"-conns", strconv.Itoa(*conns), "-redis", *redisURL, "-prefix", cfg.KeyPrefix}
	} else if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "dabba:realtime"
	}
	return wsbench.Run(ctx, cfg, stdout)
}
