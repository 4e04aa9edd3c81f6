package wsbench

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// watcher is one load connection: it watches one topic and records, for the
// current phase, the publish-to-receive latency of every event and any
// event it got twice.
type watcher struct {
	ws    *websocket.Conn
	topic int

	mu sync.Mutex
	// phase is the phase being recorded; events of other phases are late.
	phase int
	// latencies are the phase's publish-to-receive times in microseconds.
	latencies []uint32
	lastSeq   int64
	dups      int64
	closed    error
}

// dialWatcher opens a socket to url, subscribes to topic and waits for the
// subscription.
func dialWatcher(ctx context.Context, url, token string, topic int) (*watcher, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url+"?token="+token, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	w := &watcher{ws: ws, topic: topic}
	sub := fmt.Sprintf(`{"op":"subscribe","topic":"%s"}`, topicName(topic))
	if err := ws.Write(ctx, websocket.MessageText, []byte(sub)); err != nil {
		_ = ws.CloseNow()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	_, data, err := ws.Read(ctx)
	if err != nil || !bytes.HasPrefix(data, []byte(`{"op":"subscribed"`)) {
		_ = ws.CloseNow()
		return nil, fmt.Errorf("subscribe to %s: got %q, %v", topicName(topic), data, err)
	}
	w.lastSeq, _ = intAfter(data, `"seq":`)
	return w, nil
}

// topicName is the name of the bench's topic i.
func topicName(i int) string { return "bench:" + strconv.Itoa(i) }

// read records events until the socket closes; received counts them.
func (w *watcher) read(received *atomic.Int64) {
	for {
		// No deadline: a context with one would cost a timer per read.
		_, data, err := w.ws.Read(context.Background())
		now := time.Now().UnixNano()
		if err != nil {
			w.mu.Lock()
			w.closed = err
			w.mu.Unlock()
			return
		}
		if !bytes.HasPrefix(data, []byte(`{"op":"event"`)) {
			continue
		}
		seq, ok1 := intAfter(data, `"seq":`)
		sent, ok2 := intAfter(data, `"data":{"t":`)
		phase, ok3 := intAfter(data, `,"p":`)
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		received.Add(1)
		w.mu.Lock()
		if seq <= w.lastSeq {
			w.dups++
		}
		w.lastSeq = max(w.lastSeq, seq)
		if int(phase) == w.phase {
			w.latencies = append(w.latencies, uint32(min((now-sent)/1e3, 1<<32-1)))
		}
		w.mu.Unlock()
	}
}

// harvest returns what the watcher recorded for the phase ending and starts
// recording the next one.
func (w *watcher) harvest(next int) (latencies []uint32, dups int64, closed error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	latencies, dups, closed = w.latencies, w.dups, w.closed
	w.latencies, w.dups, w.phase = nil, 0, next
	return latencies, dups, closed
}

// intAfter parses the decimal integer that follows key in frame. The bench
// reads only the fields it needs, without decoding the JSON: the load
// generator shares the machine with the server it measures.
func intAfter(frame []byte, key string) (int64, bool) {
	i := bytes.Index(frame, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := frame[i+len(key):]
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return n, err == nil
}
