package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/jobs/jobstest"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

func TestOpenAPICommandWritesTheCommittedDescription(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"openapi"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), committed) {
		t.Error("api/openapi.json differs from what `dabba openapi` writes: run `make openapi client`")
	}
}

func TestTokenCommandMintsATokenTheServerAccepts(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DABBA_DATA_DIR", dir)
	t.Setenv("DABBA_ENV", "development")
	t.Setenv("DABBA_JWT_SECRET", "")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "--role", "customer", "--sub", "7"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(dir + "/jwt-secret")
	if err != nil {
		t.Fatalf("the development secret was not kept in the data folder: %v", err)
	}
	tokens, err := api.NewTokens(bytes.TrimSpace(secret))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tokens.Verify(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	if p != (store.Principal{Role: store.RoleCustomer, ID: 7}) {
		t.Errorf("token speaks for %v, want customer:7", p)
	}
}

func TestProductionRefusesToStartWithoutItsSecrets(t *testing.T) {
	t.Setenv("DABBA_ENV", "production")
	t.Setenv("DABBA_JWT_SECRET", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("REDIS_URL", "")
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--http-addr", "127.0.0.1:0"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "DABBA_JWT_SECRET") {
		t.Errorf("serve in production without a secret: %v", err)
	}
	t.Setenv("DABBA_JWT_SECRET", strings.Repeat("s", 32))
	err = run(context.Background(), []string{"serve", "--http-addr", "127.0.0.1:0"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("serve in production without a database: %v", err)
	}
}

func TestBadConfigurationIsReportedPrecisely(t *testing.T) {
	t.Setenv("DABBA_DB_MAX_CONNS", "lots")
	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate", "status"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "DABBA_DB_MAX_CONNS") {
		t.Errorf("got %v, want an error naming DABBA_DB_MAX_CONNS", err)
	}
	if err := run(context.Background(), []string{"fly"}, &out, &out); err == nil {
		t.Error("an unknown command succeeded")
	}
}

func TestServeMigratesSeedsServesAndShutsDownOnSignal(t *testing.T) {
	t.Setenv("DABBA_ENV", "development")
	t.Setenv("DABBA_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", pgtest.NewURL(t))
	t.Setenv("REDIS_URL", redistest.URL())
	// Background jobs on queues of the test's own, removed when it ends.
	rdb, prefix := redistest.New(t)
	jobstest.Config(t, rdb, prefix)
	t.Setenv("DABBA_JOBS_QUEUE", prefix)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--http-addr", "127.0.0.1:0", "--log-level", "warn"}, pw, io.Discard)
		pw.Close()
	}()
	base := ""
	sc := bufio.NewScanner(pr)
	var token string
	for sc.Scan() && (base == "" || token == "") {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "API "); ok && base == "" {
			base = strings.TrimSpace(rest)
		}
		if strings.HasPrefix(line, "eyJ") && token == "" {
			token = line
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" || token == "" {
		t.Fatalf("serve did not print its URL and a token (err: %v)", <-done)
	}
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/restaurants?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct{ Items []json.RawMessage }
	_ = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(page.Items) < 40 {
		t.Errorf("GET /restaurants with the printed token: %d with %d restaurants, want 200 with the demo's dozens", res.StatusCode, len(page.Items))
	}

	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
}
