package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store/cache/redistest"
)

// readTimeout bounds every read a test client does; it is generous so a
// loaded machine does not fail a test that is right.
const readTimeout = 15 * time.Second

// testAuth authenticates tokens "customer-<id>", "restaurant-<id>" and
// "admin", and authorizes topics as the api package does: order:<id> for
// its customer, its restaurant and admins, restaurant:<id> for that
// restaurant and admins, cache:console for admins. A token may end in
// "@<Unix milliseconds>", when it expires (see expiringToken); one without
// never does.
type testAuth struct {
	// orders maps an order ID to its customer and restaurant.
	orders map[string][2]string
}

var errBadToken = errors.New("unknown token")

func (a testAuth) Authenticate(_ context.Context, token string) (Session, error) {
	token, expiry, expires := strings.Cut(token, "@")
	var expiresAt time.Time
	if expires {
		ms, err := strconv.ParseInt(expiry, 10, 64)
		if err != nil {
			return nil, errBadToken
		}
		expiresAt = time.UnixMilli(ms)
	}
	role, id, _ := strings.Cut(token, "-")
	switch role {
	case "customer", "restaurant":
		if _, err := strconv.Atoi(id); err == nil {
			return testSession{a, role, id, expiresAt}, nil
		}
	case "admin":
		return testSession{a, role, "", expiresAt}, nil
	}
	return nil, errBadToken
}

// expiringToken returns a testAuth token for principal ("customer-1")
// that expires at expiresAt.
func expiringToken(principal string, expiresAt time.Time) string {
	return fmt.Sprintf("%s@%d", principal, expiresAt.UnixMilli())
}

type testSession struct {
	auth      testAuth
	role, id  string
	expiresAt time.Time
}

func (s testSession) ExpiresAt() time.Time { return s.expiresAt }

func (s testSession) Authorize(_ context.Context, topic string) error {
	if s.role == "admin" {
		return nil
	}
	kind, id, _ := strings.Cut(topic, ":")
	switch kind {
	case "order":
		owners, ok := s.auth.orders[id]
		if ok && (s.role == "customer" && owners[0] == s.id || s.role == "restaurant" && owners[1] == s.id) {
			return nil
		}
	case "restaurant":
		if s.role == "restaurant" && id == s.id {
			return nil
		}
	}
	return fmt.Errorf("%s %s may not watch %s", s.role, s.id, topic)
}

// orders: order 1 is customer 1's at restaurant 7, order 2 customer 2's at
// restaurant 8; orders 3–9 are customer 1's at restaurant 7.
func testOrders() map[string][2]string {
	m := map[string][2]string{"1": {"1", "7"}, "2": {"2", "8"}}
	for i := 3; i <= 9; i++ {
		m[strconv.Itoa(i)] = [2]string{"1", "7"}
	}
	return m
}

// node is one hub behind its own HTTP server, like a dabba serve process.
type node struct {
	hub    *Hub
	broker *Broker
	reg    *prometheus.Registry
	url    string
}

// cluster is a test's view of Redis: a client and a key prefix of its own,
// which the nodes it starts share.
type cluster struct {
	t      testing.TB
	rdb    *redis.Client
	prefix string
}

func newCluster(t testing.TB) *cluster {
	rdb, prefix := redistest.New(t)
	return &cluster{t: t, rdb: rdb, prefix: prefix}
}

// start starts a node; tweak adjusts its configuration.
func (cl *cluster) start(tweak func(*Config)) *node {
	t := cl.t
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg := Config{
		Broker:        NewBroker(cl.rdb, BrokerConfig{KeyPrefix: cl.prefix}),
		Authenticator: testAuth{orders: testOrders()},
		Registerer:    reg,
		Logger:        slog.New(slog.DiscardHandler),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("new hub: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		srv.Close()
	})
	return &node{hub: h, broker: cfg.Broker, reg: reg, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// metric returns the value of a gauge or counter of the node, summed over
// its labels.
func (n *node) metric(t testing.TB, name string) float64 {
	t.Helper()
	families, err := n.reg.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	var v float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			v += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return v
}

// client is a test's websocket client.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

// serverFrame is any frame the hub sends.
type serverFrame struct {
	Op      string          `json:"op"`
	Topic   string          `json:"topic"`
	Seq     int64           `json:"seq"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
	TS      int64           `json:"ts"`
	Code    ErrorCode       `json:"code"`
	Message string          `json:"message"`
	Reason  ResetReason     `json:"reason"`
}

// dial connects to n with the token in the query string.
func (n *node) dial(t testing.TB, token string) *client {
	t.Helper()
	return n.dialWith(t, "?token="+token, nil)
}

func (n *node) dialWith(t testing.TB, query string, opts *websocket.DialOptions) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, n.url+query, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", n.url, err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &client{t: t, ws: ws}
}

// smallReceiveBuffer makes the client's socket hold at most a few KiB, so
// a client that stops reading backs the hub up quickly.
func smallReceiveBuffer() *websocket.DialOptions {
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		ctrlErr := rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(ctrlErr, err)
	}}
	return &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}}
}

func (c *client) send(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("send %s: %v", frame, err)
	}
}

// read returns the next frame, or the error that ended the socket.
func (c *client) read() (serverFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return serverFrame{}, err
	}
	var f serverFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return serverFrame{}, fmt.Errorf("frame %s: %w", data, err)
	}
	return f, nil
}

// next returns the next frame and fails the test if there is none.
func (c *client) next() serverFrame {
	c.t.Helper()
	f, err := c.read()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	return f
}

// expect returns the next frame, failing the test unless its op is op.
func (c *client) expect(op string) serverFrame {
	c.t.Helper()
	f := c.next()
	if f.Op != op {
		c.t.Fatalf("got %+v, want op %q", f, op)
	}
	return f
}

// subscribe subscribes to topic (since < 0: without since) and returns the
// topic's sequence from the subscribed frame.
func (c *client) subscribe(topic string, since int64) int64 {
	c.t.Helper()
	if since < 0 {
		c.send(fmt.Sprintf(`{"op":"subscribe","topic":%q}`, topic))
	} else {
		c.send(fmt.Sprintf(`{"op":"subscribe","topic":%q,"since":%d}`, topic, since))
	}
	f := c.expect("subscribed")
	if f.Topic != topic {
		c.t.Fatalf("subscribed to %q, want %q", f.Topic, topic)
	}
	return f.Seq
}

// publish publishes an ordered event numbered n and returns its sequence.
func publish(t testing.TB, p Publisher, topic string, n int) int64 {
	t.Helper()
	seq, err := p.Publish(context.Background(), topic, Publication{
		Type: "order.status", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)),
	})
	if err != nil {
		t.Fatalf("publish %d to %s: %v", n, topic, err)
	}
	return seq
}

// expectEvents reads events and fails unless they carry sequences
// from..to, in order.
func (c *client) expectEvents(topic string, from, to int64) {
	c.t.Helper()
	for want := from; want <= to; want++ {
		f := c.expect("event")
		if f.Topic != topic || f.Seq != want {
			c.t.Fatalf("got event %s #%d, want %s #%d", f.Topic, f.Seq, topic, want)
		}
	}
}

// expectClosedWith fails the test unless the hub sends no more frames and
// closes the socket with code.
func (c *client) expectClosedWith(code websocket.StatusCode) {
	c.t.Helper()
	frames, got := c.drainUntilClosed()
	if got != code {
		c.t.Fatalf("closed with %d, want %d", got, code)
	}
	if len(frames) > 0 {
		c.t.Fatalf("got %+v before the close, want no frame", frames)
	}
}

// drainUntilClosed reads until the socket ends; it returns the frames read
// and the close code.
func (c *client) drainUntilClosed() ([]serverFrame, websocket.StatusCode) {
	var frames []serverFrame
	for {
		f, err := c.read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return frames, -1
			}
			return frames, websocket.CloseStatus(err)
		}
		frames = append(frames, f)
	}
}
