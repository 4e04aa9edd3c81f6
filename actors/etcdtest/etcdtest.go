// Package etcdtest gives tests a real etcd: a private etcd server on free
// ports with its data in a temporary folder, which the nodes of a test's
// tracking cluster find each other through.
package etcdtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Server is a private etcd server process.
type Server struct {
	// Endpoint is the host:port its clients connect to.
	Endpoint string
	cmd      *exec.Cmd
}

// StartServer starts a one-member etcd on free client and peer ports and
// waits until it reports healthy; the test's cleanup stops it. It needs the
// etcd binary (Debian's etcd-server package; `make test` installs it), and
// fails the test without it.
func StartServer(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("etcd"); err != nil {
		t.Fatalf("etcd is not installed (run the tests with `make test`, which installs Debian's etcd-server): %v", err)
	}
	client, peer := freeAddr(t), freeAddr(t)
	s := &Server{Endpoint: client}
	s.cmd = exec.Command("etcd",
		"--name", "test",
		"--data-dir", t.TempDir(),
		"--listen-client-urls", "http://"+client,
		"--advertise-client-urls", "http://"+client,
		"--listen-peer-urls", "http://"+peer,
		"--initial-advertise-peer-urls", "http://"+peer,
		"--initial-cluster", "test=http://"+peer,
		"--log-level", "error",
	)
	var log strings.Builder
	s.cmd.Stderr = &log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(s.Stop)
	if err := s.awaitHealthy(t.Context()); err != nil {
		s.Stop()
		t.Fatalf("etcd on %s: %v; its log:\n%s", client, err, log.String())
	}
	return s
}

// awaitHealthy polls the server's /health until it answers healthy.
func (s *Server) awaitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var last error
	for {
		if last = s.healthy(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not healthy within 20 s: %w", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) healthy(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Endpoint+"/health", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"health":"true"`) {
		return fmt.Errorf("health answered %s: %s", res.Status, body)
	}
	return nil
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

// freeAddr returns a loopback host:port nothing listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}
