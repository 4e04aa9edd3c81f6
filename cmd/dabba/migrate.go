package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dabba migrate [flags] up|down|status\n\n  up      apply every pending migration\n  down    roll back the latest migration\n  status  list migrations and whether each is applied")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("migrate needs exactly one of up, down, status")
	}
	p, err := openPlatform(ctx, cfg, newLogger(&cfg, os.Stderr), needs{db: true})
	if err != nil {
		return err
	}
	defer p.Close()
	switch fs.Arg(0) {
	case "up":
		applied, err := p.db.MigrateUp(ctx)
		for _, m := range applied {
			fmt.Fprintf(stdout, "applied %s\n", m.Name)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(stdout, "the schema is up to date")
		}
		return err
	case "down":
		m, err := p.db.MigrateDown(ctx)
		if err == nil && m == nil {
			fmt.Fprintln(stdout, "no migration is applied")
		} else if m != nil {
			fmt.Fprintf(stdout, "rolled back %s\n", m.Name)
		}
		return err
	case "status":
		ms, err := p.db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED AT")
		for _, m := range ms {
			at := "pending"
			if m.Applied {
				at = m.AppliedAt.Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, m.Name, at)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown migrate action %q (want up, down or status)", fs.Arg(0))
}
