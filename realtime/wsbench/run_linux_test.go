package wsbench

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dabba/dabba/store/cache/redistest"
)

// The load generator reads through epoll (poll_linux.go): Run works on
// Linux only and says so elsewhere.

func TestRun_EveryEventReachesEverySocketOfItsTopic(t *testing.T) {
	_, prefix := redistest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	listening, announce := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- Serve(ctx, ServeConfig{Addr: "127.0.0.1:0", RedisURL: redistest.URL(), KeyPrefix: prefix, MaxConnections: 100}, announce)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line, err := bufio.NewReader(listening).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, listeningPrefix))

	var out bytes.Buffer
	err = Run(ctx, Config{
		URL: url, Token: "any", RedisURL: redistest.URL(), KeyPrefix: prefix,
		Connections: 6, Topics: 3, Rates: []int{40}, Duration: 500 * time.Millisecond, PayloadBytes: 8,
	}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}

	// events/s published delivered lost dup p50 p99 p999 max …
	var row []string
	for l := range strings.Lines(out.String()) {
		if f := strings.Fields(l); len(f) > 5 && f[0] == "40" {
			row = f
		}
	}
	if row == nil {
		t.Fatalf("no row for 40 events/s in\n%s", &out)
	}
	published, _ := strconv.Atoi(row[1])
	delivered, _ := strconv.Atoi(row[2])
	if published == 0 || delivered != 2*published || row[3] != "0" || row[4] != "0" {
		t.Fatalf("published %d, delivered %d, lost %s, dup %s; want every event delivered to both sockets of its topic\n%s",
			published, delivered, row[3], row[4], &out)
	}
}
