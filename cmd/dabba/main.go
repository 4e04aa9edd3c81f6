// Command dabba is the one binary of the dabba food-delivery platform.
//
//	dabba serve      run the API, websockets, web apps and workers
//	dabba worker     run background workers (and, with --scheduler, the scheduler) without the API
//	dabba migrate    apply, roll back or list schema migrations
//	dabba seed       load the demo data
//	dabba openapi    write the OpenAPI description
//	dabba token      mint a bearer token
//	dabba simulate   drive a running dabba with simulated customers, kitchens, couriers
//	dabba bench      measure (bench ws: websocket fan-out; bench orders: the tracking
//	                 engine; bench cache: cached vs uncached reads)
//
// Run `dabba <command> -h` for a command's flags. Every flag also reads an
// environment variable, named in its help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the API, websockets, web apps and workers", runServe},
		{"worker", "run background workers (and, with --scheduler, the scheduler) without the API", runWorker},
		{"migrate", "apply (up), roll back (down) or list (status) schema migrations", runMigrate},
		{"seed", "load the demo data (restaurants, menus, customers, couriers, orders)", runSeed},
		{"openapi", "write the OpenAPI 3.1 description", runOpenAPI},
		{"token", "mint a bearer token for a role and subject", runToken},
		{"simulate", "drive a running dabba with simulated customers, kitchens and couriers", runSimulate},
		{"bench", "measure: `bench ws` (websocket fan-out), `bench orders` (the tracking engine), `bench cache` (cached vs uncached reads)", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "dabba:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: dabba <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
}

// runBench dispatches the measurement commands, each printing a table.
func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	benches := map[string]func(context.Context, []string, io.Writer) error{
		"ws":     runBenchWS,
		"orders": runBenchOrders,
		"cache":  runBenchCache,
	}
	if len(args) > 0 {
		if b, ok := benches[args[0]]; ok {
			return b(ctx, args[1:], stdout)
		}
	}
	return errors.New("usage: dabba bench ws|orders|cache [flags]")
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
