package realtime

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/store/cache/redistest"
)

func TestAuthorize_EachPrincipalWatchesOnlyItsTopics(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(nil)
	tests := []struct {
		token, topic string
		allowed      bool
	}{
		{"customer-1", "order:1", true},
		{"customer-1", "order:2", false},
		{"customer-2", "order:1", false},
		{"restaurant-7", "order:1", true},
		{"restaurant-7", "order:2", false},
		{"restaurant-7", "restaurant:7", true},
		{"restaurant-7", "restaurant:8", false},
		{"customer-1", "cache:console", false},
		{"admin", "cache:console", true},
		{"admin", "order:2", true},
	}
	for _, tt := range tests {
		t.Run(tt.token+" "+tt.topic, func(t *testing.T) {
			c := n.dial(t, tt.token)
			c.send(fmt.Sprintf(`{"op":"subscribe","topic":%q}`, tt.topic))
			f := c.next()
			if tt.allowed && f.Op != "subscribed" || !tt.allowed && (f.Op != "error" || f.Code != CodeForbidden || f.Topic != tt.topic) {
				t.Fatalf("got %+v, allowed=%v", f, tt.allowed)
			}
			// A refusal leaves the socket open.
			c.send(`{"op":"ping"}`)
			c.expect("pong")
		})
	}
}

func TestAuthenticate_TokenIsTakenFromHeaderSubprotocolOrQuery(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(nil)
	tests := []struct {
		name  string
		query string
		opts  *websocket.DialOptions
		proto string
	}{
		{"authorization header", "", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer customer-1"}}}, ""},
		{"subprotocol", "", &websocket.DialOptions{Subprotocols: []string{Subprotocol, "bearer.customer-1"}}, Subprotocol},
		{"query parameter", "?token=customer-1", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := n.dialWith(t, tt.query, tt.opts)
			if got := c.ws.Subprotocol(); got != tt.proto {
				t.Fatalf("accepted subprotocol %q, want %q", got, tt.proto)
			}
			c.subscribe("order:1", -1)
		})
	}
}

func TestAuthenticate_MissingOrRefusedTokenIsClosedUnauthorized(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(nil)
	for _, query := range []string{"", "?token=nobody-1"} {
		c := n.dialWith(t, query, nil)
		if _, code := c.drainUntilClosed(); code != CloseUnauthorized {
			t.Fatalf("query %q: closed with %d, want %d", query, code, CloseUnauthorized)
		}
	}
}

func TestTokenExpiry_SocketIsClosedWhenItsTokenExpiresWhileOthersStayOpen(t *testing.T) {
	cl := newCluster(t)
	// A short heartbeat, so the expiry is noticed within the test's
	// patience; the bound is readTimeout, and nothing is timed.
	n := cl.start(func(c *Config) { c.HeartbeatInterval = 100 * time.Millisecond })
	longLived := n.dial(t, expiringToken("customer-1", time.Now().Add(time.Hour)))
	longLived.subscribe("order:1", -1)
	neverExpiring := n.dial(t, "customer-1")
	neverExpiring.subscribe("order:1", -1)
	expiring := n.dial(t, expiringToken("customer-1", time.Now().Add(time.Second)))
	// Whether this subscribe lands before the expiry or after it, the
	// socket ends the same way.
	expiring.send(`{"op":"subscribe","topic":"order:1"}`)

	if _, code := expiring.drainUntilClosed(); code != CloseTokenExpired {
		t.Fatalf("socket with an expired token closed with %d, want %d", code, CloseTokenExpired)
	}
	// The others have been through the rounds that closed it.
	first := publish(t, n.broker, "order:1", 1)
	last := publish(t, n.broker, "order:1", 2)
	for _, c := range []*client{longLived, neverExpiring} {
		c.expectEvents("order:1", first, last)
		c.send(`{"op":"ping"}`)
		c.expect("pong")
	}
}

func TestTokenExpiry_SubscribeAfterTheTokenExpiredClosesTheSocket(t *testing.T) {
	cl := newCluster(t)
	// The default heartbeat (25 s) does not come round during the test;
	// if it did, it would close the socket with the same code.
	n := cl.start(nil)
	expiresAt := time.Now().Add(time.Second)
	c := n.dial(t, expiringToken("customer-1", expiresAt))
	time.Sleep(time.Until(expiresAt))

	// Should the dial itself have taken past the expiry, the hub closed the
	// socket at once and this write may fail; the close code is the same.
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, []byte(`{"op":"subscribe","topic":"order:1"}`))
	c.expectClosedWith(CloseTokenExpired)
}

func TestTokenExpiry_AlreadyExpiredTokenIsClosedAtOnce(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(nil)
	c := n.dial(t, expiringToken("customer-1", time.Now().Add(-time.Second)))
	c.expectClosedWith(CloseTokenExpired)
}

func TestOrigin_OnlyConfiguredBrowserOriginsMayConnect(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) { c.OriginPatterns = []string{"app.dabba.example"} })
	dial := func(origin string) error {
		ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, n.url+"?token=customer-1", &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {origin}},
		})
		if err == nil {
			_ = ws.CloseNow()
		}
		return err
	}
	if err := dial("https://app.dabba.example"); err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	if err := dial("https://evil.example"); err == nil {
		t.Fatal("foreign origin accepted")
	}
}

func TestFrames_MalformedOversizedAndUnknownGetAnErrorAndTheHubStaysHealthy(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) { c.MaxFrameBytes = 256 })
	c := n.dial(t, "customer-1")
	tests := []struct {
		name  string
		frame string
		want  ErrorCode
	}{
		{"not JSON", `hello`, CodeBadFrame},
		{"not an object", `[1,2]`, CodeBadFrame},
		{"no op", `{"topic":"order:1"}`, CodeBadFrame},
		{"op not a string", `{"op":7}`, CodeBadFrame},
		{"unknown op", `{"op":"dance"}`, CodeUnknownOp},
		{"oversized", `{"op":"ping","pad":"` + strings.Repeat("x", 1000) + `"}`, CodeFrameTooLarge},
		{"invalid topic", `{"op":"subscribe","topic":"Order 1"}`, CodeInvalidTopic},
		{"negative since", `{"op":"subscribe","topic":"order:1","since":-3}`, CodeBadFrame},
		{"unsubscribe unknown", `{"op":"unsubscribe","topic":"order:1"}`, CodeNotSubscribed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(tt.frame)
			if f := c.expect("error"); f.Code != tt.want || f.Message == "" {
				t.Fatalf("got %+v, want error %s with a message", f, tt.want)
			}
		})
	}
	t.Run("binary", func(t *testing.T) {
		if err := c.ws.Write(context.Background(), websocket.MessageBinary, []byte(`{"op":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		if f := c.expect("error"); f.Code != CodeBadFrame {
			t.Fatalf("got %+v, want bad_frame", f)
		}
	})

	huge := n.dial(t, "customer-1")
	huge.send(`{"op":"ping","pad":"` + strings.Repeat("x", 256*discardFactor) + `"}`)
	if _, code := huge.drainUntilClosed(); code != CloseFrameTooLarge {
		t.Fatalf("a frame over the discard limit closed with %d, want %d", code, CloseFrameTooLarge)
	}

	// The same socket, and the hub, still work.
	c.send(`{"op":"ping"}`)
	c.expect("pong")
	c.subscribe("order:1", -1)
	seq := publish(t, n.broker, "order:1", 1)
	c.expectEvents("order:1", seq, seq)
	c.send(`{"op":"subscribe","topic":"order:1"}`)
	if f := c.expect("error"); f.Code != CodeAlreadySubscribed {
		t.Fatalf("got %+v, want already_subscribed", f)
	}
	c.send(`{"op":"unsubscribe","topic":"order:1"}`)
	c.send(`{"op":"ping"}`)
	c.expect("pong") // the unsubscribe was handled
	publish(t, n.broker, "order:1", 2)
	c.send(`{"op":"ping"}`)
	c.expect("pong") // and no event: the socket left the topic
}

func TestLimits_ExceedingOneGetsAClearErrorOrCloseCode(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) {
		c.MaxConnections = 2
		c.MaxSubscriptions = 2
		c.FramesPerSecond = 0.001
		c.FrameBurst = 6
	})
	c := n.dial(t, "customer-1")

	t.Run("subscriptions per socket", func(t *testing.T) {
		c.subscribe("order:1", -1)
		c.subscribe("order:3", -1)
		c.send(`{"op":"subscribe","topic":"order:4"}`)
		if f := c.expect("error"); f.Code != CodeTooManySubscriptions || f.Topic != "order:4" {
			t.Fatalf("got %+v, want too_many_subscriptions for order:4", f)
		}
	})
	t.Run("frames per second", func(t *testing.T) {
		// Three of the burst of six are spent above.
		for range 5 {
			c.send(`{"op":"ping"}`)
		}
		var pongs, limited int
		for range 5 {
			switch f := c.next(); {
			case f.Op == "pong":
				pongs++
			case f.Op == "error" && f.Code == CodeRateLimited:
				limited++
			default:
				t.Fatalf("got %+v", f)
			}
		}
		if pongs != 3 || limited != 2 {
			t.Fatalf("got %d pongs and %d rate_limited, want 3 and 2", pongs, limited)
		}
	})
	t.Run("connections per node", func(t *testing.T) {
		n.dial(t, "customer-1").subscribe("order:1", -1)
		third := n.dial(t, "customer-1")
		if _, code := third.drainUntilClosed(); code != CloseTryAgainLater {
			t.Fatalf("third socket closed with %d, want %d", code, CloseTryAgainLater)
		}
	})
}

func TestShutdown_ClosesEverySocketWithReconnect(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) { c.DrainTimeout = 20 * time.Second })
	const sockets = 20
	codes := make(chan websocket.StatusCode, sockets)
	var wg sync.WaitGroup
	for i := range sockets {
		c := n.dial(t, "customer-1")
		c.subscribe(fmt.Sprintf("order:%d", 3+i%7), -1)
		wg.Go(func() {
			_, code := c.drainUntilClosed()
			codes <- code
		})
	}

	if err := n.hub.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != CloseReconnect {
			t.Fatalf("socket closed with %d, want %d", code, CloseReconnect)
		}
	}
	if got := n.metric(t, "dabba_realtime_connections"); got != 0 {
		t.Fatalf("connections after shutdown = %v", got)
	}
	late := n.dial(t, "customer-1")
	if _, code := late.drainUntilClosed(); code != CloseReconnect {
		t.Fatalf("socket opened after shutdown closed with %d, want %d", code, CloseReconnect)
	}
}

func TestShutdown_CutsSocketsThatDoNotCloseWithinTheDrainTime(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) { c.DrainTimeout = 500 * time.Millisecond })
	silent := n.dial(t, "customer-1")
	silent.subscribe("order:1", -1) // then never reads, so never answers the close

	if err := n.hub.Shutdown(context.Background()); err == nil {
		t.Fatal("shutdown reported a clean drain though a socket had to be cut")
	}
	if got := n.metric(t, "dabba_realtime_connections"); got != 0 {
		t.Fatalf("connections after shutdown = %v", got)
	}
	if _, err := silent.read(); err == nil {
		t.Fatal("the socket is still open after shutdown")
	}
}

// The node's Redis subscription drops (CLIENT KILL) and, atomically with
// it, events are published: the node never receives them live and must
// fetch them from history once it has resubscribed.
func TestRedisReconnect_SubscribersGetTheEventsPublishedWhileTheNodeWasUnsubscribed(t *testing.T) {
	server := redistest.StartServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: server.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	cl := &cluster{t: t, rdb: rdb, prefix: "reconnect"}
	n := cl.start(nil)
	c := n.dial(t, "customer-1")
	c.subscribe("order:1", -1)
	publish(t, n.broker, "order:1", 1)
	c.expectEvents("order:1", 1, 1)

	ctx := context.Background()
	_, err := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.ClientKillByFilter(ctx, "TYPE", "pubsub")
		for i := 2; i <= 30; i++ {
			keys, args, err := n.broker.publishArgs("order:1", Publication{Type: "order.status"}, time.Now())
			if err != nil {
				return err
			}
			n.broker.publish.Eval(ctx, pipe, keys, args...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	c.expectEvents("order:1", 2, 30)
	publish(t, n.broker, "order:1", 31)
	c.expectEvents("order:1", 31, 31)
}
