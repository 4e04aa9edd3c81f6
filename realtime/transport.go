package realtime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Sizes of a socket's buffers. A hijacked net/http connection brings a
// 4 KiB read and a 4 KiB write buffer that it keeps for its whole life;
// most of dabba's sockets are idle watchers whose client frames are a few
// dozen bytes, so the hub gives websocket.Accept smaller ones (see
// hijackWriter).
const (
	readBufferSize = 512
	// writeBufferSize is coder/websocket's write buffer. Only control
	// frames (ping, pong, close: a header and at most 125 bytes) go through
	// it; data frames bypass it (see wire).
	writeBufferSize = 256
)

// hijackWriter is the http.ResponseWriter the hub hands to websocket.Accept:
// its Hijack returns the connection with the hub's small read buffer and
// with writes going through a wire.
type hijackWriter struct {
	http.ResponseWriter
	writeTimeout time.Duration
	// out is set by Hijack.
	out *wire
}

// Hijack implements http.Hijacker.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// net/http sends the 101 response before it hands the connection over,
	// so the client's first frame may already sit in the server's buffer;
	// websocket.Accept expects such bytes in the reader's buffer.
	br := bufio.NewReaderSize(nc, readBufferSize)
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc), max(readBufferSize, n))
		if _, err := br.Peek(n); err != nil {
			_ = nc.Close()
			return nil, nil, err
		}
	}
	w.out = newWire(nc, w.writeTimeout)
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(w.out, writeBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errSealed: the socket's close frame is on its way; no data frame may
// follow it.
var errSealed = errors.New("socket is closing")

// opClose is the opcode of a websocket close frame (RFC 6455 §5.5.1).
const opClose = 0x8

// wire is the writing end of one socket, shared by two writers.
// coder/websocket writes its control frames (ping, pong, close) through the
// small bufio.Writer it was handed, which ends in Write; the hub writes its
// data frames, which it frames itself once per event (frame.wire), with
// writeNow and writeAll. A server frame's bytes are the same for every
// subscriber, and coder/websocket's per-message path (its locks, header
// encoding and timers) took a sixth of the hub's CPU when fanning events
// out, so data frames bypass it. mu keeps the two writers apart: a
// control frame fits the bufio buffer and coder/websocket flushes after
// every frame, so each reaches Write whole, and a data write holds mu
// until all its bytes are out (across a hand-over, see writeNow), so
// frames never interleave.
//
// Writes that may wait for the peer carry the hub's write timeout, set on
// the connection for the write and cleared after it; writeNow never waits,
// so it needs none.
type wire struct {
	mu   sync.Mutex
	conn net.Conn
	// raw reaches the socket's descriptor for writes that must not wait;
	// nil when the connection is not a plain socket (TLS terminated in the
	// process), and then every data write is one that may wait.
	raw     syscall.RawConn
	timeout time.Duration
	// sealed is set before the close frame is written (RFC 6455 allows no
	// data frame after it): a data write that gets mu after it writes
	// nothing.
	sealed atomic.Bool

	// rawWrite's input and output; mu is held.
	rawFn   func(fd uintptr) bool
	pending net.Buffers
	rawErr  error
}

func newWire(nc net.Conn, timeout time.Duration) *wire {
	w := &wire{conn: nc, timeout: timeout}
	w.attachRaw(nc)
	return w
}

// Write implements io.Writer for coder/websocket's control frames; each
// call carries whole frames. A close frame, whether the hub closes the
// socket or answers the peer's close, seals the wire.
func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(p) > 0 && p[0]&0x0F == opClose {
		w.sealed.Store(true)
	}
	bufs := net.Buffers{p}
	err := w.writeAll(&bufs)
	return len(p) - bufsLen(bufs), err
}

// seal makes every later data write a no-op; the hub calls it as soon as
// it decides to close the socket. A data write in progress finishes first:
// the close frame waits for mu.
func (w *wire) seal() { w.sealed.Store(true) }

// lockData takes mu for a data write, waiting for a control frame being
// written only if wait; it reports whether it took mu. It fails with
// errSealed once the close frame is on its way.
func (w *wire) lockData(wait bool) (bool, error) {
	if wait {
		w.mu.Lock()
	} else if !w.mu.TryLock() {
		return false, nil
	}
	if w.sealed.Load() {
		w.mu.Unlock()
		return false, errSealed
	}
	return true, nil
}

func (w *wire) unlock() { w.mu.Unlock() }

// writeNow writes what the socket takes of bufs at once, without waiting
// for the peer, and leaves the rest in bufs: unlike net.Conn.Write, which
// parks until the socket drains, so a flusher would wait on a slow peer
// with every socket queued behind it. mu is held; when something is
// left, mu must stay held until writeAll has written it, so nothing gets
// between the bytes of a frame (mu may be handed to another goroutine).
func (w *wire) writeNow(bufs *net.Buffers) error {
	if w.raw == nil {
		return nil
	}
	w.pending = *bufs
	err := w.raw.Write(w.rawFn)
	*bufs, w.pending = w.pending, nil
	if err == nil {
		err, w.rawErr = w.rawErr, nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// An expired deadline refuses even a write that need not wait;
		// writeAll sets a fresh one.
		return nil
	}
	return err
}

// writeAll writes bufs, waiting for the peer up to the write timeout, and
// leaves in bufs what it could not write. mu is held.
func (w *wire) writeAll(bufs *net.Buffers) error {
	if err := w.conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return err
	}
	if _, err := bufs.WriteTo(w.conn); err != nil {
		return err
	}
	// writeNow must not find the deadline expired later.
	return w.conn.SetWriteDeadline(time.Time{})
}

// bufsLen is the number of bytes in bufs.
func bufsLen(bufs net.Buffers) int {
	var n int
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// advance drops the first n bytes of bufs.
func advance(bufs net.Buffers, n int) net.Buffers {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if n > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}
