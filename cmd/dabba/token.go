package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dabba/dabba/store"
)

func runToken(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	var cfg Config
	validate := cfg.bindFlags(fs)
	role := fs.String("role", "", "customer, restaurant, courier or admin")
	sub := fs.Int64("sub", 0, "ID of the customer, restaurant or courier (ignored for admin)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dabba token --role <role> --sub <id> [--ttl 24h]\n\nPrints a bearer token signed with the server's secret.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	tokens, err := signer(cfg)
	if err != nil {
		return err
	}
	if *ttl <= 0 {
		return fmt.Errorf("--ttl must be positive")
	}
	tok, err := tokens.Mint(store.Principal{Role: store.Role(*role), ID: *sub}, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
