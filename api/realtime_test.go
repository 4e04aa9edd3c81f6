package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// frame is a server frame of the /ws protocol.
type frame struct {
	Op    string          `json:"op"`
	Topic string          `json:"topic"`
	Seq   int64           `json:"seq"`
	Type  string          `json:"type"`
	Code  string          `json:"code"`
	Data  json.RawMessage `json:"data"`
}

// socket opens /ws as p, presenting the token the way browsers do.
func (h *harness) socket(t *testing.T, p store.Principal) *websocket.Conn {
	t.Helper()
	return h.socketWithToken(t, must(h.tokens.Mint(p, time.Hour)))
}

// socketWithToken opens /ws presenting tok the way browsers do.
func (h *harness) socketWithToken(t *testing.T, tok string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.srv.URL, "http")+"/ws", &websocket.DialOptions{
		Subprotocols: []string{realtime.Subprotocol, "bearer." + tok},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return ws
}

// subscribe asks for topic and returns the server's answer (subscribed or error).
func subscribe(t *testing.T, ws *websocket.Conn, topic string) frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, ws, map[string]any{"op": "subscribe", "topic": topic}); err != nil {
		t.Fatal(err)
	}
	var f frame
	if err := wsjson.Read(ctx, ws, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSocketTopicsFollowTheRESTVisibilityRules(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	o := h.order(w.asha.Id, w.biryaniOrder(1), "")
	order := "order:" + itoa(o.Id)
	cases := []struct {
		who   store.Principal
		topic string
		ok    bool
	}{
		{store.Principal{Role: store.RoleCustomer, ID: w.asha.Id}, order, true},
		{store.Principal{Role: store.RoleCustomer, ID: w.ravi.Id}, order, false},
		{store.Principal{Role: store.RoleRestaurant, ID: w.restaurant.Id}, order, true},
		{store.Principal{Role: store.RoleRestaurant, ID: w.otherRestaurant.Id}, order, false},
		{store.Principal{Role: store.RoleCourier, ID: w.courier.Id}, order, false},
		{store.Principal{Role: store.RoleRestaurant, ID: w.restaurant.Id}, "restaurant:" + itoa(w.restaurant.Id), true},
		{store.Principal{Role: store.RoleRestaurant, ID: w.restaurant.Id}, "restaurant:" + itoa(w.otherRestaurant.Id), false},
		{store.Principal{Role: store.RoleCustomer, ID: w.asha.Id}, "restaurant:" + itoa(w.restaurant.Id), false},
		{store.Principal{Role: store.RoleAdmin}, "cache:console", true},
		{store.Principal{Role: store.RoleRestaurant, ID: w.restaurant.Id}, "cache:console", false},
		{store.Principal{Role: store.RoleCustomer, ID: w.asha.Id}, "order:987654", false},
	}
	for _, c := range cases {
		got := subscribe(t, h.socket(t, c.who), c.topic)
		if c.ok && got.Op != "subscribed" {
			t.Errorf("%s subscribing to %s: %+v, want subscribed", c.who, c.topic, got)
		}
		if !c.ok && (got.Op != "error" || got.Code != "forbidden") {
			t.Errorf("%s subscribing to %s: %+v, want a forbidden error frame", c.who, c.topic, got)
		}
	}
}

func TestSocketDeliversAnOrderEventWithItsTimelineSequence(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	o := h.order(w.asha.Id, w.biryaniOrder(1), "")
	ws := h.socket(t, store.Principal{Role: store.RoleCustomer, ID: w.asha.Id})
	topic := "order:" + itoa(o.Id)
	if f := subscribe(t, ws, topic); f.Op != "subscribed" {
		t.Fatalf("subscribe: %+v", f)
	}
	if _, err := h.broker.Publish(ctx, topic, realtime.Publication{Type: "order.status_changed", Data: json.RawMessage(`{"to":"accepted"}`), Seq: 2}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var f frame
	if err := wsjson.Read(rctx, ws, &f); err != nil {
		t.Fatal(err)
	}
	if f.Op != "event" || f.Seq != 2 || f.Type != "order.status_changed" || string(f.Data) != `{"to":"accepted"}` {
		t.Errorf("event frame %+v", f)
	}
}

func TestSocketSessionExpiresWithItsToken(t *testing.T) {
	tokens := must(api.NewTokens([]byte(strings.Repeat("k", api.MinSecretBytes))))
	before := time.Now()
	tok := must(tokens.Mint(store.Principal{Role: store.RoleCustomer, ID: 1}, time.Hour))
	after := time.Now()
	s, err := api.NewSocketAuthenticator(tokens, nil).Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	expiring, ok := s.(realtime.ExpiringSession)
	if !ok {
		t.Fatalf("%T is not a realtime.ExpiringSession: the hub would never close its socket", s)
	}
	// exp is in whole seconds.
	got := expiring.ExpiresAt()
	if got.Before(before.Add(time.Hour).Truncate(time.Second)) || got.After(after.Add(time.Hour)) {
		t.Fatalf("session expires at %v, want the token's exp, an hour after %v", got, before)
	}
}

func TestSocketWithATokenPastItsExpiryIsClosedWithTokenExpired(t *testing.T) {
	h := newHarness(t)
	// Verify still accepts a token this little past its exp (clock
	// leeway); the hub closes the socket it opens all the same.
	tok := must(h.tokens.Mint(store.Principal{Role: store.RoleAdmin}, -10*time.Second))
	ws := h.socketWithToken(t, tok)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := ws.Read(ctx)
	if code := websocket.CloseStatus(err); code != realtime.CloseTokenExpired {
		t.Fatalf("socket ended with %v (close code %d), want close code %d", err, code, realtime.CloseTokenExpired)
	}
}
