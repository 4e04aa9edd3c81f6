package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dabba/dabba/api"
)

// runOpenAPI writes the same OpenAPI description the server serves at
// /openapi.json, without connecting to anything.
func runOpenAPI(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	out := fs.String("o", "-", "file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec, err := describeAPI()
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(spec)
		return err
	}
	if err := os.WriteFile(*out, spec, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	return nil
}

// describeAPI builds the API's routes over nothing, to read its description.
func describeAPI() ([]byte, error) {
	tokens, err := api.NewTokens(make([]byte, api.MinSecretBytes))
	if err != nil {
		return nil, err
	}
	s, err := api.New(api.DefaultConfig(), api.Deps{Tokens: tokens, Metrics: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	return s.OpenAPI(), nil
}
