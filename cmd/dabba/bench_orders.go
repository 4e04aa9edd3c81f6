package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/dabba/dabba/actors/ordersbench"
)

// runBenchOrders is `dabba bench orders`: the tracking engine's
// measurements of issue 5 — order placements per second end to end with
// p50/p99, location pings per second with their websocket fan-out, and the
// memory per active order actor. It adds restaurants, customers, couriers
// and orders to the database it is given: point it at a scratch one.
func runBenchOrders(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dabba bench orders", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	var bench ordersbench.Config
	fs.IntVar(&bench.Orders, "orders", 2000, "orders to place in the placement phase")
	fs.IntVar(&bench.Concurrency, "concurrency", 16, "callers placing orders and sending pings at once")
	fs.IntVar(&bench.Tracked, "tracked", 50, "orders on their way during the ping phase")
	fs.IntVar(&bench.Pings, "pings", 5000, "courier positions to send in the ping phase")
	fs.IntVar(&bench.Subscribers, "subscribers", 3, "websockets watching each tracked order")
	fs.IntVar(&bench.Actors, "actors", 2000, "order actors to keep active in the memory phase (the issue's figure: 100000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	p, err := openPlatform(ctx, cfg, newLogger(&cfg, os.Stderr), needs{db: true, redis: true, migrate: true})
	if err != nil {
		return err
	}
	defer p.Close()
	bench.DB, bench.Redis = p.db, p.redis
	return ordersbench.Run(ctx, bench, stdout)
}
