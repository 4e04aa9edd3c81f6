package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a private PostgreSQL server process a test may stop and start
// by its PID, to see how the code under test behaves while the database is
// away. Its data lives in a temporary folder and survives Stop and Start;
// the shared test server is never touched.
type Server struct {
	// Port is the TCP port on 127.0.0.1; it stays the same across restarts.
	Port int
	t    testing.TB
	bin  string
	data string
	log  string
	// asPostgres runs PostgreSQL's programs as the postgres user, which a
	// root process must do: PostgreSQL refuses to run as root.
	asPostgres bool
	cmd        *exec.Cmd
	exited     chan struct{}
}

// StartServer initialises a cluster in a temporary folder and starts a
// private postgres on a free port with trust authentication; the test's
// cleanup stops it. It needs PostgreSQL's binaries (Debian's
// /usr/lib/postgresql/*/bin or pg_ctl on PATH; `make test` installs them).
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, err := binaries()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dir, err := os.MkdirTemp("", "dabba-pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s := &Server{t: t, bin: bin, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "postgres.log"),
		asPostgres: os.Geteuid() == 0, Port: freePort(t)}
	if s.asPostgres {
		if err := givePostgres(dir); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	initdb := s.command("initdb", "-D", s.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	s.Start()
	t.Cleanup(func() { s.stop(syscall.SIGINT) })
	return s
}

// URL connects to database db of the server as postgres.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// CreateDatabase makes a database on the server and returns its URL.
func (s *Server) CreateDatabase(name string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		s.t.Fatalf("pgtest: connect to the private server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		s.t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return s.URL(name)
}

// Start (re)starts the server and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	s.cmd = s.command("postgres", "-D", s.data, "-p", strconv.Itoa(s.Port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "max_connections=200")
	logFile, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		s.t.Fatalf("pgtest: open the server log: %v", err)
	}
	defer logFile.Close()
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("pgtest: start postgres: %v", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if conn, err := pgx.Connect(ctx, s.URL("postgres")); err == nil {
			_ = conn.Close(ctx)
			return
		}
		select {
		case <-s.exited:
			b, _ := os.ReadFile(s.log)
			s.t.Fatalf("pgtest: postgres exited at start; its log:\n%s", b)
		case <-time.After(50 * time.Millisecond):
		}
	}
	s.t.Fatalf("pgtest: postgres on port %d did not accept connections within 30 s", s.Port)
}

// Stop shuts the server down as an operator's fast shutdown does (SIGINT to
// the postmaster: sessions are ended, nothing is lost) and waits for it.
// It is safe to call when the server is stopped.
func (s *Server) Stop() { s.stop(syscall.SIGINT) }

func (s *Server) stop(sig syscall.Signal) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// PID is the postmaster's process ID while the server runs, else 0.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// command runs one of PostgreSQL's programs, as the postgres user when the
// test runs as root. setpriv execs the program, so the PID is the program's.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.asPostgres {
		return exec.Command("setpriv", append([]string{"--reuid=postgres", "--regid=postgres", "--init-groups", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// binaries finds the newest installed PostgreSQL's bin folder.
func binaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) < majorOf(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "postgres")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL binaries found (run the tests with `make test`, which installs them)")
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// givePostgres hands dir to the postgres user, who runs the server.
func givePostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("give %s to postgres: %w", dir, err)
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		return fmt.Errorf("running as root needs setpriv (util-linux) to run PostgreSQL as postgres: %w", err)
	}
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// String describes the server for test logs.
func (s *Server) String() string { return "postgres@127.0.0.1:" + strconv.Itoa(s.Port) }
