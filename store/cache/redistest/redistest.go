// Package redistest gives tests a real Redis: the shared one named by
// TEST_REDIS_URL (default redis://127.0.0.1:6379/0) with a key prefix of
// their own, or a private redis-server they may stop and start.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL returns the Redis the tests share.
func URL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// New returns a client of the shared test Redis and a key prefix unique to
// the test. Keys under the prefix are removed when the test ends. Tests
// never flush the database: other packages run against it at the same time.
func New(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("parse TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opt)
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s is not reachable (run the tests with `make test`, which starts one): %v", URL(), err)
	}
	prefix := "test-" + randomHex(6)
	t.Cleanup(func() {
		Unlink(context.Background(), c, prefix+"*")
		_ = c.Close()
	})
	return c, prefix
}

// Unlink removes every key matching pattern with SCAN and UNLINK.
func Unlink(ctx context.Context, c redis.UniversalClient, pattern string) {
	iter := c.Scan(ctx, 0, pattern, 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			c.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		c.Unlink(ctx, batch...)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Server is a private redis-server process a test may stop and restart, to
// see how the code under test behaves when Redis goes away and comes back.
type Server struct {
	// Addr is host:port; it stays the same across restarts.
	Addr       string
	t          testing.TB
	cmd        *exec.Cmd
	dir        string
	persistent bool
}

// ServerOption configures StartServer.
type ServerOption func(*Server)

// Persistent makes the server keep its data across Stop and Start, like a
// production Redis restarting: an append-only file synced on every write.
func Persistent() ServerOption { return func(s *Server) { s.persistent = true } }

// StartServer starts a private redis-server on a free port. It needs the
// redis-server binary (Debian's redis-server package; `make test` installs it).
func StartServer(t testing.TB, opts ...ServerOption) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (run the tests with `make test`, which installs it): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s := &Server{Addr: addr, t: t, dir: t.TempDir()}
	for _, o := range opts {
		o(s)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	aof := []string{"--appendonly", "no"}
	if s.persistent {
		aof = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--dir", s.dir}, aof...)
	s.cmd = exec.Command("redis-server", args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	for range 200 {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatalf("redis-server on %s did not answer", s.Addr)
}

// Stop kills the server; it is safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Port is the server's TCP port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("redis-server@%s", s.Addr) }
