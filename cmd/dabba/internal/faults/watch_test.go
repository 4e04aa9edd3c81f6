package faults_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// watcher is a websocket client following order topics as the apps do:
// it keeps the last ordered seq per topic and, whenever its socket ends,
// reconnects (to the next of its nodes) and resumes with since.
type watcher struct {
	mu sync.Mutex
	// seqs are the ordered events' sequences received, per topic, in the
	// order they arrived.
	seqs map[string][]int64
	// resets counts the reset frames received, per topic.
	resets map[string]int
	// reconnects counts the sockets opened after the first.
	reconnects int
	// closes are the close codes the server ended sockets with.
	closes []websocket.StatusCode
	done   chan struct{}
}

// watch follows the topics as principal p until ctx ends, through nodes in
// turn (one after another when a socket ends).
func watch(ctx context.Context, t *testing.T, p store.Principal, topics []string, nodes ...*node) *watcher {
	w := &watcher{seqs: map[string][]int64{}, resets: map[string]int{}, done: make(chan struct{})}
	token, err := nodes[0].Tokens.Mint(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		for i := 0; ctx.Err() == nil; i++ {
			if i > 0 {
				w.mu.Lock()
				w.reconnects++
				w.mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
			}
			w.follow(ctx, nodes[i%len(nodes)], token, topics)
		}
	}()
	t.Cleanup(func() { <-w.done })
	return w
}

// follow runs one socket until it ends.
func (w *watcher) follow(ctx context.Context, n *node, token string, topics []string) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(n.URL(), "http")+"/ws", &websocket.DialOptions{
		Subprotocols: []string{realtime.Subprotocol, "bearer." + token},
	})
	cancel()
	if err != nil {
		return
	}
	defer ws.CloseNow()
	for _, topic := range topics {
		msg := map[string]any{"op": "subscribe", "topic": topic, "since": w.last(topic)}
		if err := wsjson.Write(ctx, ws, msg); err != nil {
			return
		}
	}
	for {
		var f struct {
			Op    string `json:"op"`
			Topic string `json:"topic"`
			Seq   int64  `json:"seq"`
			Type  string `json:"type"`
		}
		if err := wsjson.Read(ctx, ws, &f); err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				w.mu.Lock()
				w.closes = append(w.closes, code)
				w.mu.Unlock()
			}
			return
		}
		w.mu.Lock()
		switch {
		case f.Op == "event" && f.Type != "courier.location":
			w.seqs[f.Topic] = append(w.seqs[f.Topic], f.Seq)
		case f.Op == "reset":
			w.resets[f.Topic]++
		}
		w.mu.Unlock()
	}
}

// last is the last ordered seq received on topic, 0 for none.
func (w *watcher) last(topic string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.seqs[topic]
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// expectEvery waits (up to within) until the topic's events 1..upTo have
// all arrived, then checks they came once each, in order, with no reset.
func (w *watcher) expectEvery(t *testing.T, topic string, upTo int64, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); w.last(topic) < upTo && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	got := w.seqs[topic]
	ok := len(got) == int(upTo) && w.resets[topic] == 0
	for i := range got {
		ok = ok && got[i] == int64(i+1)
	}
	if !ok {
		b, _ := json.Marshal(got)
		t.Errorf("%s: the watcher got seqs %s and %d resets over %d reconnects, want 1..%d once each",
			topic, b, w.resets[topic], w.reconnects, upTo)
	}
}

// closedWith reports whether the server ended one of the sockets with code.
func (w *watcher) closedWith(code websocket.StatusCode) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Contains(w.closes, code)
}
