package wsbench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load connections speak just enough RFC 6455 to watch a topic: an
// upgrade request, masked client frames (subscribe, pong, close) and
// unfragmented server frames, read by a few epoll loops (poller) instead
// of a goroutine each. The load generator shares the machine's cores with
// the hub it measures, so what it spends per event is taken from the hub:
// a general websocket client (a goroutine per socket, a reader and an
// allocation per message) cost it more CPU than the hub's own writes.

// watcher is one load connection: it watches one topic and records, for the
// current phase, the publish-to-receive latency of every event and any
// event it got twice.
type watcher struct {
	// fd is the socket's descriptor, non-blocking, outside Go's poller.
	fd    int
	topic int
	// partial holds the start of a frame split across reads; only the
	// watcher's poller touches it.
	partial []byte

	mu sync.Mutex
	// phase is the phase being recorded; events of other phases are late.
	phase int
	// latencies are the phase's publish-to-receive times in microseconds.
	latencies []uint32
	lastSeq   int64
	dups      int64
	closed    error
}

// websocketGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialWatcher opens a socket to target (a ws:// URL), subscribes to topic
// and waits for the subscription.
func dialWatcher(ctx context.Context, target *url.URL, token string, topic int) (*watcher, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", target.Host)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	// The watcher keeps a duplicate of the descriptor, outside Go's poller.
	defer nc.Close()
	deadline, _ := ctx.Deadline()
	if err := nc.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	br, err := handshake(nc, target, token)
	if err != nil {
		return nil, err
	}
	sub := fmt.Sprintf(`{"op":"subscribe","topic":"%s"}`, topicName(topic))
	if _, err := nc.Write(clientFrame(opText, []byte(sub))); err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	var buf []byte
	for {
		op, payload, n := parseFrame(buf)
		if n == 0 {
			chunk := make([]byte, 512)
			m, err := br.Read(chunk)
			if err != nil {
				return nil, fmt.Errorf("subscribe to %s: %w", topicName(topic), err)
			}
			buf = append(buf, chunk[:m]...)
			continue
		}
		if op != opText || !bytes.HasPrefix(payload, []byte(`{"op":"subscribed"`)) {
			return nil, fmt.Errorf("subscribe to %s: got %q", topicName(topic), payload)
		}
		early, _ := br.Peek(br.Buffered())
		w := &watcher{topic: topic, partial: append(bytes.Clone(buf[n:]), early...)}
		w.lastSeq, _ = intAfter(payload, `"seq":`)
		if w.fd, err = detach(nc); err != nil {
			return nil, err
		}
		return w, nil
	}
}

// handshake sends the upgrade request and checks the hub's answer; the
// returned reader holds what followed it.
func handshake(nc net.Conn, target *url.URL, token string) (*bufio.Reader, error) {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	encodedKey := base64.StdEncoding.EncodeToString(key)
	query := target.Query()
	query.Set("token", token)
	req := fmt.Sprintf("GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", target.EscapedPath(), query.Encode(), target.Host, encodedKey)
	if _, err := nc.Write([]byte(req)); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	br := bufio.NewReaderSize(nc, 512)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	_ = resp.Body.Close()
	sum := sha1.Sum([]byte(encodedKey + websocketGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("handshake: the hub answered %s", resp.Status)
	}
	return br, nil
}

// detach returns a duplicate of nc's descriptor, which stays non-blocking;
// nc itself is closed by the caller, which takes it out of Go's poller.
func detach(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, errors.New("dial: not a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(s uintptr) { fd, dupErr = syscall.Dup(int(s)) }); err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	if dupErr != nil {
		return 0, fmt.Errorf("dial: duplicate the socket: %w", dupErr)
	}
	syscall.CloseOnExec(fd)
	return fd, nil
}

// topicName is the name of the bench's topic i.
func topicName(i int) string { return "bench:" + strconv.Itoa(i) }

// WebSocket opcodes (RFC 6455 §5.2).
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// parseFrame parses the unmasked, unfragmented server frame at the start
// of b: its opcode, its payload (which shares b) and its length on the
// wire; n is 0 when b does not hold a whole frame yet.
func parseFrame(b []byte) (op byte, payload []byte, n int) {
	if len(b) < 2 {
		return 0, nil, 0
	}
	length, header := uint64(b[1]&0x7F), 2
	switch length {
	case 126:
		if len(b) < 4 {
			return 0, nil, 0
		}
		length, header = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, nil, 0
		}
		length, header = binary.BigEndian.Uint64(b[2:]), 10
	}
	if uint64(len(b)-header) < length {
		return 0, nil, 0
	}
	n = header + int(length)
	return b[0] & 0x0F, b[header:n], n
}

// clientFrame returns a masked client frame (RFC 6455 §5.3) carrying
// payload, which must be shorter than 126 bytes: the bench sends only
// subscribes, pongs and close frames.
func clientFrame(op byte, payload []byte) []byte {
	f := make([]byte, 6, 6+len(payload))
	f[0] = 0x80 | op
	f[1] = 0x80 | byte(len(payload))
	_, _ = rand.Read(f[2:6])
	for i, c := range payload {
		f = append(f, c^f[2+i%4])
	}
	return f
}

// handle takes one frame the hub sent, received at now (Unix nanoseconds),
// and returns the frame to answer it with, if any. It reports false when
// the hub closed the socket.
func (w *watcher) handle(op byte, payload []byte, now int64, received *atomic.Int64) (reply []byte, open bool) {
	switch op {
	case opPing:
		return clientFrame(opPong, payload), true
	case opClose:
		code := -1
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		w.close(fmt.Errorf("closed by the hub with code %d", code))
		return clientFrame(opClose, payload[:min(len(payload), 2)]), false
	case opText:
		w.record(payload, now, received)
	}
	return nil, true
}

// record records an event frame.
func (w *watcher) record(data []byte, now int64, received *atomic.Int64) {
	if !bytes.HasPrefix(data, []byte(`{"op":"event"`)) {
		return
	}
	seq, ok1 := intAfter(data, `"seq":`)
	sent, ok2 := intAfter(data, `"data":{"t":`)
	phase, ok3 := intAfter(data, `,"p":`)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	received.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if seq <= w.lastSeq {
		w.dups++
	}
	w.lastSeq = max(w.lastSeq, seq)
	if int(phase) == w.phase {
		w.latencies = append(w.latencies, uint32(min((now-sent)/1e3, 1<<32-1)))
	}
}

// close records why the socket ended.
func (w *watcher) close(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed == nil {
		w.closed = err
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
