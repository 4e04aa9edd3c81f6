package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/jobs/jobstest"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

func TestWorkerNeedsTheServersOfTheServeNodes(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("REDIS_URL", "")
	err := run(context.Background(), []string{"worker"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL and REDIS_URL") {
		t.Errorf("a worker without servers: %v", err)
	}
}

func TestWorkerServesMetricsAndStopsOnSignal(t *testing.T) {
	rdb, prefix := redistest.New(t)
	jobstest.Config(t, rdb, prefix) // removes the worker's queues when the test ends
	t.Setenv("DABBA_DATA_DIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"worker", "--database-url", pgtest.NewURL(t), "--redis-url", redistest.URL(),
			"--jobs-queue", prefix, "--workers", "1", "--scheduler", "--metrics-addr", "127.0.0.1:0", "--log-level", "warn"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	_, metrics, found := strings.Cut(strings.TrimSpace(line), "metrics at ")
	if err != nil || !found {
		t.Fatalf("the worker printed %q (%v), then stopped with %v", line, err, <-done)
	}
	res, err := http.Get(metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "dabba_jobs_queues_up 1") {
		t.Errorf("GET %s: %d without the queue metrics", metrics, res.StatusCode)
	}

	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the worker stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop after its context was cancelled")
	}
}
