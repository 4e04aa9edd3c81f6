// Package wsbench measures the realtime hub the way issue 4 asks: it opens
// many websocket connections spread over topics, publishes events at fixed
// rates through the Broker (so every event crosses Redis, as it does
// between nodes), and prints publish-to-receive latency percentiles, events
// lost, the server's memory per idle connection and the CPU both processes
// used.
//
// The load generator runs in its own process, apart from the server it
// measures: by default Run starts a hub server as a child process
// (ServerCommand, which runs Serve) and reads its memory and CPU from /proc;
// it can also drive an already running hub (URL, and ServerPID to measure it).
package wsbench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/realtime"
)

// Config describes one bench run.
type Config struct {
	// URL is the websocket endpoint of a running hub ("ws://host:port/ws");
	// empty starts a server with ServerCommand.
	URL string
	// ServerCommand starts a bench server (argv): a process that runs
	// Serve, prints its "listening" line and stops when its stdin closes.
	ServerCommand []string
	// ServerPID is the running hub's process, measured when URL is set; 0
	// leaves memory and CPU out.
	ServerPID int
	// Token is what every connection presents; a bench server takes any, a
	// real hub needs one that may watch the bench topics (an admin's).
	Token string
	// RedisURL is the Redis the hub's broker uses.
	RedisURL string
	// KeyPrefix is the hub's broker key prefix.
	KeyPrefix string
	// Connections is the number of sockets, spread evenly over Topics
	// topics named bench:0, bench:1, ….
	Connections, Topics int
	// Rates are the events per second to publish, one phase each.
	Rates []int
	// Duration is how long each phase publishes.
	Duration time.Duration
	// PayloadBytes pads each event's data.
	PayloadBytes int
}

const (
	// dialers is how many sockets are opened at once.
	dialers = 64
	// publishers is how many goroutines publish; each owns some topics, so
	// a topic's events stay in order.
	publishers = 4
	// settle is how long memory is left to settle before it is read.
	settle = 3 * time.Second
	// quiet ends a phase's wait for stragglers: no event for this long.
	quiet = time.Second
	// straggle bounds that wait.
	straggle = 15 * time.Second
)

// Run runs the bench and prints its report to out.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	if cfg.Connections <= 0 || cfg.Topics <= 0 || cfg.Topics > cfg.Connections || len(cfg.Rates) == 0 || cfg.Duration <= 0 {
		return errors.New("bench ws: need connections ≥ topics > 0, at least one rate and a duration")
	}
	if err := checkFileLimit(cfg.Connections); err != nil {
		return err
	}
	if errNoPoller != nil {
		return errNoPoller
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	addr, pid := cfg.URL, cfg.ServerPID
	if addr == "" {
		server, err := startServer(ctx, cfg.ServerCommand)
		if err != nil {
			return err
		}
		defer server.stop()
		addr, pid = server.url, server.cmd.Process.Pid
	}
	target, err := url.Parse(addr)
	if err != nil || target.Scheme != "ws" || target.Host == "" {
		return fmt.Errorf("bench ws: %q is not a ws:// URL (the bench speaks plain websockets only)", addr)
	}

	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("bench ws: parse redis url: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	broker := realtime.NewBroker(rdb, realtime.BrokerConfig{KeyPrefix: cfg.KeyPrefix})
	defer func() {
		for i := range cfg.Topics {
			_ = broker.Forget(context.Background(), topicName(i))
		}
	}()

	if pid > 0 {
		time.Sleep(time.Second) // let the server's start-up garbage go
	}
	before := sample(pid)
	fmt.Fprintf(out, "dabba bench ws: %d connections over %d topics, %s per rate, hub at %s (pid %d)\n",
		cfg.Connections, cfg.Topics, cfg.Duration, target, pid)
	watchers, err := connect(ctx, target, cfg)
	defer func() {
		for _, w := range watchers {
			_ = syscall.Close(w.fd)
		}
	}()
	if err != nil {
		return err
	}
	var received atomic.Int64
	stopReading, err := listen(watchers, &received)
	if err != nil {
		return err
	}
	defer stopReading()
	idle := usage{}
	if before.valid {
		time.Sleep(settle)
		idle = sample(pid)
	}
	if before.valid && idle.valid {
		fmt.Fprintf(out, "idle: server RSS %s → %s, %.1f KB per connection\n\n", megabytes(before), megabytes(idle),
			float64(idle.rss-before.rss)/1024/float64(cfg.Connections))
	}

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "events/s\tpublished\tdelivered\tlost\tdup\tp50\tp99\tp999\tmax\tserver CPU\tloadgen CPU\tserver RSS\t")
	for i, rate := range cfg.Rates {
		phase := i + 1
		for _, w := range watchers {
			w.harvest(phase)
		}
		r, err := runPhase(ctx, broker, cfg, rate, phase, pid, watchers, &received)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, r.row())
	}
	return tw.Flush()
}

// result is one phase's outcome.
type result struct {
	rate                 int
	published, delivered int64
	lost, dups           int64
	latencies            []uint32
	server, loadgen      [2]usage
	closed               int
}

func (r result) row() string {
	p := func(q float64) string {
		if len(r.latencies) == 0 {
			return "-"
		}
		i := min(int(q*float64(len(r.latencies))), len(r.latencies)-1)
		return fmt.Sprintf("%.2fms", float64(r.latencies[i])/1000)
	}
	lost := fmt.Sprint(r.lost)
	if r.closed > 0 {
		lost += fmt.Sprintf(" (%d sockets closed)", r.closed)
	}
	return fmt.Sprintf("%d\t%d\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t",
		r.rate, r.published, r.delivered, lost, r.dups, p(0.5), p(0.99), p(0.999), p(1),
		cpuPercent(r.server[0], r.server[1]), cpuPercent(r.loadgen[0], r.loadgen[1]), megabytes(r.server[1]))
}

// runPhase publishes rate events per second for cfg.Duration, waits for
// the stragglers and collects what the watchers saw.
func runPhase(ctx context.Context, broker *realtime.Broker, cfg Config, rate, phase, pid int,
	watchers []*watcher, received *atomic.Int64) (result, error) {
	r := result{rate: rate}
	self := os.Getpid()
	r.server[0], r.loadgen[0] = sample(pid), sample(self)
	perTopic, err := publish(ctx, broker, cfg, rate, phase)
	if err != nil {
		return r, err
	}
	r.server[1], r.loadgen[1] = sample(pid), sample(self)

	deadline := time.Now().Add(straggle)
	for last := received.Load(); time.Now().Before(deadline); {
		time.Sleep(quiet)
		now := received.Load()
		if now == last {
			break
		}
		last = now
	}

	subscribers := make([]int64, cfg.Topics)
	for _, w := range watchers {
		subscribers[w.topic]++
	}
	var expected int64
	for t, n := range perTopic {
		r.published += n
		expected += n * subscribers[t]
	}
	for _, w := range watchers {
		lat, dups, closed := w.harvest(phase + 1)
		r.latencies = append(r.latencies, lat...)
		r.dups += dups
		if closed != nil {
			r.closed++
		}
	}
	r.delivered = int64(len(r.latencies))
	r.lost = max(0, expected-r.delivered)
	slices.Sort(r.latencies)
	return r, nil
}

// publish publishes rate events per second for cfg.Duration, round robin
// over the topics, and returns how many each topic got. The publishers
// take turns, so events are evenly spaced rather than sent in bursts of
// one per publisher. Each event's data carries its publish time and phase.
func publish(ctx context.Context, broker *realtime.Broker, cfg Config, rate, phase int) ([]int64, error) {
	perTopic := make([]int64, cfg.Topics)
	pad := strings.Repeat("x", cfg.PayloadBytes)
	workers := min(publishers, cfg.Topics)
	interval := time.Duration(float64(time.Second) * float64(workers) / float64(rate))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	begin := time.Now()
	for k := range workers {
		wg.Go(func() {
			start := begin.Add(time.Duration(k) * interval / time.Duration(workers))
			topic := k
			for i := 0; ; i++ {
				next := start.Add(time.Duration(i) * interval)
				if next.Sub(begin) >= cfg.Duration || ctx.Err() != nil {
					return
				}
				time.Sleep(time.Until(next))
				data := fmt.Sprintf(`{"t":%d,"p":%d,"pad":%q}`, time.Now().UnixNano(), phase, pad)
				if _, err := broker.Publish(ctx, topicName(topic), realtime.Publication{Type: "bench", Data: []byte(data)}); err != nil {
					errs[k] = fmt.Errorf("bench ws: %w", err)
					return
				}
				perTopic[topic]++
				if topic += workers; topic >= cfg.Topics {
					topic = k
				}
			}
		})
	}
	wg.Wait()
	return perTopic, errors.Join(errs...)
}

// connect opens the bench's sockets, dialers at a time.
func connect(ctx context.Context, target *url.URL, cfg Config) ([]*watcher, error) {
	watchers := make([]*watcher, cfg.Connections)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, dialers)
	for d := range dialers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < cfg.Connections && errs[d] == nil; i = int(next.Add(1)) - 1 {
				watchers[i], errs[d] = dialWatcher(ctx, target, cfg.Token, i%cfg.Topics)
			}
		})
	}
	wg.Wait()
	opened := slices.DeleteFunc(watchers, func(w *watcher) bool { return w == nil })
	if err := errors.Join(errs...); err != nil {
		return opened, fmt.Errorf("bench ws: open %d sockets: %w", cfg.Connections, err)
	}
	return opened, nil
}

// server is a bench server child process.
type server struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

// startServer starts argv and waits for its "listening" line.
func startServer(ctx context.Context, argv []string) (*server, error) {
	if len(argv) == 0 {
		return nil, errors.New("bench ws: no URL and no server command")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("bench ws: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench ws: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench ws: start server: %w", err)
	}
	s := &server{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), listeningPrefix)
	if err != nil || !ok {
		s.stop()
		return nil, fmt.Errorf("bench ws: server did not start: %q, %v", line, err)
	}
	s.url = url
	return s, nil
}

// stop closes the server's stdin, which stops it, and waits for it.
func (s *server) stop() {
	_ = s.stdin.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// checkFileLimit fails early when the process may not open enough sockets.
// (Go raises the soft limit to the hard one at start-up.)
func checkFileLimit(conns int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("bench ws: read the open-files limit: %w", err)
	}
	if need := uint64(conns) + 256; lim.Cur < need {
		return fmt.Errorf("bench ws: %d connections need an open-files limit of %d, have %d (raise it with ulimit -n)", conns, need, lim.Cur)
	}
	return nil
}
