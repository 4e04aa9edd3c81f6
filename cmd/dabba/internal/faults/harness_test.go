// Package faults_test proves dabba's promises under faults injected on real
// processes: it builds the dabba binary, runs `dabba serve` nodes over a
// private PostgreSQL and a private Redis (never the shared test servers),
// kills and restarts them by PID while clients place orders, read and watch
// over websockets, and checks from outside what survived.
package faults_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/api/apitest"
	"github.com/dabba/dabba/store/cache/redistest"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// dabbaBinary is the binary the tests run, built once by TestMain.
var dabbaBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dabba-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dabbaBinary = filepath.Join(dir, "dabba")
	build := exec.Command("go", "build", "-o", dabbaBinary, "github.com/dabba/dabba/cmd/dabba")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build dabba:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// secret signs the tokens of every node of a test.
const secret = "faults-secret-faults-secret-faults-secret"

// servers are a test's private PostgreSQL and Redis.
type servers struct {
	pg          *pgtest.Server
	redis       *redistest.Server
	databaseURL string
}

// startServers starts a private PostgreSQL with an empty database for
// dabba and a private Redis that keeps its data across restarts, as a
// production Redis with an append-only file does.
func startServers(t *testing.T) *servers {
	t.Helper()
	pg := pgtest.StartServer(t)
	return &servers{pg: pg, redis: redistest.StartServer(t, redistest.Persistent()), databaseURL: pg.CreateDatabase("dabba")}
}

// node is one `dabba serve` process, which the test may kill, stop and
// start again on the same address.
type node struct {
	*apitest.Node
	t    *testing.T
	name string
	addr string
	env  []string
	log  string
	cmd  *exec.Cmd
	// exited is closed when the current process ends; status is then its
	// exit status.
	exited chan struct{}
	status *os.ProcessState
}

// nodeOption adds settings (KEY=value) to a node's environment.
type nodeOption func(*[]string)

func withEnv(kv ...string) nodeOption { return func(env *[]string) { *env = append(*env, kv...) } }

// startNode starts a node over the servers and waits until it is ready.
func startNode(t *testing.T, s *servers, name string, opts ...nodeOption) *node {
	t.Helper()
	tokens, err := api.NewTokens([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	env := []string{
		"DABBA_ENV=development", "DABBA_SEED=false", "DABBA_SIMULATE=false",
		"DABBA_HTTP_ADDR=" + addr, "DABBA_DATA_DIR=" + dir, "DABBA_JWT_SECRET=" + secret,
		"DATABASE_URL=" + s.databaseURL, "REDIS_URL=" + s.redis.URL(),
		"DABBA_LOG_FORMAT=json", "DABBA_SHUTDOWN_TIMEOUT=10s",
	}
	for _, o := range opts {
		o(&env)
	}
	n := &node{Node: apitest.Remote(t, "http://"+addr, tokens), t: t, name: name, addr: addr, env: env,
		log: filepath.Join(dir, name+".log")}
	n.start()
	t.Cleanup(func() {
		if n.running() {
			n.kill()
		}
		n.keepLogOnFailure()
	})
	return n
}

// keepLogOnFailure copies the log of a failed test's node out of the
// test's temporary folder, which is about to be removed, and says where.
func (n *node) keepLogOnFailure() {
	if !n.t.Failed() {
		return
	}
	b, err := os.ReadFile(n.log)
	if err != nil {
		return
	}
	kept := filepath.Join(os.TempDir(), "dabba-faults", strings.ReplaceAll(n.t.Name(), "/", "_")+"-"+n.name+".log")
	if os.MkdirAll(filepath.Dir(kept), 0o755) == nil && os.WriteFile(kept, b, 0o644) == nil {
		n.t.Logf("the log of %s is kept in %s", n.name, kept)
	}
}

// start runs the process (again) and waits until /readyz answers 200.
func (n *node) start() {
	n.t.Helper()
	logFile, err := os.OpenFile(n.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		n.t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(dabbaBinary, "serve")
	cmd.Env = append(inheritedEnv(), n.env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", n.name, err)
	}
	n.cmd, n.exited, n.status = cmd, make(chan struct{}), nil
	go func(exited chan struct{}) {
		_ = cmd.Wait()
		n.status = cmd.ProcessState
		close(exited)
	}(n.exited)
	n.awaitReady(60 * time.Second)
}

// awaitReady waits until the node answers /readyz with 200.
func (n *node) awaitReady(within time.Duration) {
	n.t.Helper()
	c := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-n.exited:
			n.t.Fatalf("%s exited while starting (%v); its log:\n%s", n.name, n.status, n.tail(40))
		default:
		}
		res, err := c.Get(n.URL() + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	n.t.Fatalf("%s is not ready after %s; its log:\n%s", n.name, within, n.tail(40))
}

// running reports whether the node's process is alive.
func (n *node) running() bool {
	select {
	case <-n.exited:
		return false
	default:
		return n.cmd != nil
	}
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits until it is gone.
func (n *node) kill() {
	n.t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

// terminate sends SIGTERM, as an orchestrator does, and returns the exit
// status and how long the process took to end (at most within).
func (n *node) terminate(within time.Duration) (*os.ProcessState, time.Duration) {
	n.t.Helper()
	begin := time.Now()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
		return n.status, time.Since(begin)
	case <-time.After(within):
		n.kill()
		n.t.Fatalf("%s did not exit within %s of SIGTERM; its log:\n%s", n.name, within, n.tail(40))
		return nil, 0
	}
}

// logEntry is one line of a node's JSON log.
type logEntry struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Status int    `json:"status"`
	Path   string `json:"path"`
	Raw    string `json:"-"`
}

// logEntries reads every line the node's processes logged so far.
func (n *node) logEntries() []logEntry {
	n.t.Helper()
	f, err := os.Open(n.log)
	if err != nil {
		n.t.Fatal(err)
	}
	defer f.Close()
	var out []logEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e logEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			e.Msg = sc.Text() // the banner and anything else not JSON
		}
		e.Raw = sc.Text()
		out = append(out, e)
	}
	return out
}

// tail returns the last lines of the node's log, for failure messages.
func (n *node) tail(lines int) string {
	b, _ := os.ReadFile(n.log)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// serverErrors returns the requests the node answered with a 5xx other
// than the 503s that say a dependency is away (and when to retry).
func (n *node) serverErrors() []logEntry {
	var out []logEntry
	for _, e := range n.logEntries() {
		if e.Msg == "http request" && e.Status >= 500 && e.Status != http.StatusServiceUnavailable {
			out = append(out, e)
		}
	}
	return out
}

// jwtPrefix begins every bearer token a node accepts (base64 of `{"alg`).
const jwtPrefix = "eyJhbGci"

// expectCleanLog fails the test if the node's log shows a 500-class
// answer other than 503, or holds a secret: the signing secret or any of
// the bearer tokens the test's clients sent (in headers and websocket
// subprotocols).
func (n *node) expectCleanLog() {
	n.t.Helper()
	for _, e := range n.serverErrors() {
		n.t.Errorf("%s answered %d on %s: %s", n.name, e.Status, e.Path, e.Raw)
	}
	b, err := os.ReadFile(n.log)
	if err != nil {
		n.t.Fatal(err)
	}
	log := logWithoutBanner(string(b))
	for _, s := range []string{secret, jwtPrefix} {
		if i := strings.Index(log, s); i >= 0 {
			n.t.Errorf("%s logged a secret: %.40s…", n.name, log[i:])
		}
	}
}

// logWithoutBanner drops the development banner, which prints demo tokens
// on purpose (to the terminal, not the log stream).
func logWithoutBanner(log string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(log, "\n") {
		if strings.HasPrefix(line, "{") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// inheritedEnv is the test's environment without the settings a node gets
// from its test, so nothing of the developer's shell leaks in.
func inheritedEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DABBA_") || name == "DATABASE_URL" || name == "REDIS_URL" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
