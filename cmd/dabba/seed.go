package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/dabba/dabba/cmd/dabba/internal/demo"
)

func runSeed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	p, err := openPlatform(ctx, cfg, newLogger(&cfg, os.Stderr), needs{db: true, migrate: true})
	if err != nil {
		return err
	}
	defer p.Close()
	sum, err := demo.Seed(ctx, p.db.Services(), demo.Options{})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%+v\n", sum)
	return err
}

// seedDemo loads the demo data unless it is there already.
func seedDemo(ctx context.Context, p *platform, log *slog.Logger) (demo.Summary, error) {
	sum, err := demo.Seed(ctx, p.db.Services(), demo.Options{})
	if err != nil {
		return sum, fmt.Errorf("load demo data: %w", err)
	}
	log.Info("demo data ready", "loaded_now", sum.Loaded, "restaurants", sum.Restaurants, "menu_items", sum.MenuItems,
		"customers", sum.Customers, "couriers", sum.Couriers, "orders", sum.Orders, "reviews", sum.Reviews)
	return sum, nil
}
