package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

const (
	// authTimeout bounds Authenticator.Authenticate.
	authTimeout = 5 * time.Second
	// discardFactor × MaxFrameBytes is the largest frame the hub reads (and
	// discards); a larger one closes the socket with CloseFrameTooLarge.
	discardFactor = 16
)

// Hub is one node's websocket endpoint (mount it at /ws): it authenticates
// sockets, authorizes their subscriptions, subscribes in Redis to the topics
// its sockets watch, and writes every event of those topics to them, from
// whichever node it was published on. Publishing goes through the Broker.
type Hub struct {
	cfg     Config
	broker  *Broker
	log     *slog.Logger
	metrics *metrics

	// id starts the marker tokens of this node's history reads.
	id     string
	tokens atomic.Uint64

	// ctx lives until Shutdown; background work stops with it.
	ctx    context.Context
	cancel context.CancelFunc
	// wg counts every goroutine the hub starts.
	wg       sync.WaitGroup
	stopOnce sync.Once

	// topicsMu guards topics and pubsub; it is taken before any topic.mu.
	topicsMu sync.RWMutex
	// topics are the topics this node has subscribers for, by channel.
	topics map[string]*topic
	// pubsub is the node's Redis subscription, started with its first topic.
	pubsub *redis.PubSub

	connsMu  sync.Mutex
	conns    map[*conn]struct{}
	draining bool
	// drained is closed once draining and no socket is left.
	drained     chan struct{}
	drainedOnce sync.Once

	// frames lends client-frame read buffers.
	frames sync.Pool
	// ready holds the sockets waiting for a flusher (see schedule).
	ready chan *conn
}

// New returns a hub; its heartbeat runs until Shutdown.
func New(cfg Config) (*Hub, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg:     cfg,
		broker:  cfg.Broker,
		log:     cfg.Logger.With("component", "realtime"),
		id:      randomID(),
		ctx:     ctx,
		cancel:  cancel,
		topics:  make(map[string]*topic),
		conns:   make(map[*conn]struct{}),
		drained: make(chan struct{}),
	}
	h.metrics = newMetrics(h.queuedBytes)
	if err := h.metrics.register(cfg.Registerer); err != nil {
		cancel()
		return nil, err
	}
	frameSize := cfg.MaxFrameBytes + 1
	h.frames.New = func() any { b := make([]byte, frameSize); return &b }
	h.ready = make(chan *conn, cfg.MaxConnections)
	for range runtime.GOMAXPROCS(0) {
		h.wg.Add(1)
		go h.flusher()
	}
	h.wg.Add(1)
	go h.heartbeat()
	return h, nil
}

// schedule hands c, whose queue just got a frame while no one was writing
// it, to a flusher. Flushers, one per processor, write what each socket
// takes at once and never wait for a peer: a delivery costs no goroutine,
// an event fanned out to many sockets wakes at most one flusher per
// processor, and a slow client cannot hold anyone up. Should the flushers
// fall that far behind (the channel holds one entry per socket), the
// socket gets a writer goroutine of its own.
func (h *Hub) schedule(c *conn) {
	select {
	case h.ready <- c:
	default:
		h.wg.Add(1)
		go c.writeWaiting(nil, nil, false)
	}
}

// flusher writes the queues of the sockets handed to it until the hub
// stops.
func (h *Hub) flusher() {
	defer h.wg.Done()
	var scratch net.Buffers
	for {
		select {
		case c := <-h.ready:
			scratch = c.flush(scratch)
		case <-h.ctx.Done():
			return
		}
	}
}

// ServeHTTP upgrades the request to a websocket, authenticates it and serves
// it until it closes. The request's goroutine returns once the socket is
// established: an idle socket costs one goroutine, not two.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hw := &hijackWriter{ResponseWriter: w, writeTimeout: h.cfg.WriteTimeout}
	ws, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
		Subprotocols:   []string{Subprotocol},
		OriginPatterns: h.cfg.OriginPatterns,
		// The hub frames its data frames itself, uncompressed (see wire).
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		h.log.Debug("websocket handshake refused", "remote", r.RemoteAddr, "error", err)
		return
	}
	ws.SetReadLimit(int64(h.cfg.MaxFrameBytes) * discardFactor)

	session, err := h.authenticate(r)
	if err != nil {
		h.log.Debug("websocket refused", "remote", r.RemoteAddr, "error", err)
		_ = ws.Close(CloseUnauthorized, "unauthorized")
		return
	}
	c := &conn{
		hub:         h,
		ws:          ws,
		out:         hw.out,
		session:     session,
		limiter:     rate.NewLimiter(rate.Limit(h.cfg.FramesPerSecond), h.cfg.FrameBurst),
		tokenExpiry: tokenExpiry(session),
	}
	if c.tokenExpired(time.Now()) {
		// An Authenticator may accept a token a little past its expiry
		// (clock leeway): the socket is refused as the heartbeat would
		// close it, so the client knows to fetch a fresh token.
		_ = ws.Close(CloseTokenExpired, "token expired")
		return
	}
	c.queue = c.one[:0]
	if code, reason, ok := h.register(c); !ok {
		_ = ws.Close(code, reason)
		return
	}
	go c.serve()
}

// errNoToken: the client presented no token.
var errNoToken = errors.New("authenticate: no token")

// authenticate returns the session of the request's token.
func (h *Hub) authenticate(r *http.Request) (Session, error) {
	token := RequestToken(r)
	if token == "" {
		return nil, errNoToken
	}
	// The request's context ends when ServeHTTP returns, the hub's at
	// Shutdown; authentication needs neither to outlive it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), authTimeout)
	defer cancel()
	s, err := h.cfg.Authenticator.Authenticate(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	return s, nil
}

// register admits c, unless the node is draining or full; it then counts
// c's reader goroutine.
func (h *Hub) register(c *conn) (websocket.StatusCode, string, bool) {
	h.connsMu.Lock()
	defer h.connsMu.Unlock()
	switch {
	case h.draining:
		return CloseReconnect, "reconnect", false
	case len(h.conns) >= h.cfg.MaxConnections:
		return CloseTryAgainLater, "connection limit", false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.metrics.connections.Inc()
	return 0, "", true
}

func (h *Hub) unregister(c *conn) {
	h.connsMu.Lock()
	defer h.connsMu.Unlock()
	delete(h.conns, c)
	h.metrics.connections.Dec()
	if h.draining && len(h.conns) == 0 {
		h.drainedOnce.Do(func() { close(h.drained) })
	}
}

// snapshot returns the open sockets.
func (h *Hub) snapshot() []*conn {
	h.connsMu.Lock()
	defer h.connsMu.Unlock()
	return slices.Collect(maps.Keys(h.conns))
}

// queuedBytes sums the sockets' send queues, for the queue_bytes gauge.
func (h *Hub) queuedBytes() float64 {
	var n int
	for _, c := range h.snapshot() {
		c.mu.Lock()
		n += c.queued
		c.mu.Unlock()
	}
	return float64(n)
}

// Shutdown drains the node: it refuses new sockets, closes every open one
// with CloseReconnect (clients reconnect, to another node, and resume), and
// waits for them to go, up to DrainTimeout or ctx's end, after which the
// rest are cut. It then stops the hub's Redis subscription and background
// work. http.Server.Shutdown does not close websockets: call this from
// http.Server.RegisterOnShutdown or next to it. It returns an error if some
// sockets had to be cut.
func (h *Hub) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.DrainTimeout)
	defer cancel()

	h.connsMu.Lock()
	first := !h.draining
	h.draining = true
	open := slices.Collect(maps.Keys(h.conns))
	if len(open) == 0 {
		h.drainedOnce.Do(func() { close(h.drained) })
	}
	h.connsMu.Unlock()
	if first {
		for _, c := range open {
			c.closeWith(CloseReconnect, "reconnect")
		}
	}

	var err error
	select {
	case <-h.drained:
	case <-ctx.Done():
		cut := h.snapshot()
		for _, c := range cut {
			c.abort()
		}
		err = fmt.Errorf("drain realtime hub: cut %d sockets: %w", len(cut), ctx.Err())
	}
	h.stopOnce.Do(func() {
		h.cancel()
		h.topicsMu.Lock()
		if h.pubsub != nil {
			_ = h.pubsub.Close()
		}
		h.topicsMu.Unlock()
	})
	h.wg.Wait()
	return err
}

// newToken returns a marker token unique to this node's history read.
func (h *Hub) newToken() string {
	return fmt.Sprintf("%s.%d", h.id, h.tokens.Add(1))
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
