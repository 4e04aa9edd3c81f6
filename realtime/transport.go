package realtime

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Sizes of a socket's buffers. A hijacked net/http connection brings a
// 4 KiB read and a 4 KiB write buffer that it keeps for its whole life;
// most of dabba's sockets are idle watchers whose client frames are a few
// dozen bytes, so the hub gives websocket.Accept smaller ones (see
// hijackWriter). Writes are batched in a pooled buffer instead (batchWriter).
const (
	readBufferSize  = 512
	writeBufferSize = 512
	// maxBatchBytes is how much a batch collects before it is written.
	maxBatchBytes = 64 << 10
	// maxPooledBatch is the largest batch buffer kept for reuse.
	maxPooledBatch = 4 * maxBatchBytes
)

// hijackWriter is the http.ResponseWriter the hub hands to websocket.Accept:
// its Hijack returns the connection with the hub's small read buffer and
// with writes going through a batchWriter.
type hijackWriter struct {
	http.ResponseWriter
	writeTimeout time.Duration
	batches      *sync.Pool
	// out is set by Hijack.
	out *batchWriter
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
	w.out = &batchWriter{conn: nc, timeout: w.writeTimeout, batches: w.batches}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(w.out, writeBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// batchWriter is the writer under a socket's websocket framing. Outside a
// batch every write goes straight to the network; during one (between hold
// and release) the frames the socket's writer produces are collected and
// sent with one system call per maxBatchBytes, so a client that fell behind
// catches up in few writes and a busy node spends its CPU on delivery, not
// on system calls. Every network write carries the hub's write timeout,
// set on the connection (no timer per frame).
type batchWriter struct {
	mu      sync.Mutex
	conn    net.Conn
	timeout time.Duration
	batches *sync.Pool
	// buf collects the batch; nil outside one.
	buf *[]byte
}

// Write implements io.Writer.
func (w *batchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf != nil {
		*w.buf = append(*w.buf, p...)
		return len(p), nil
	}
	return w.send(p)
}

func (w *batchWriter) send(p []byte) (int, error) {
	if err := w.conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	return w.conn.Write(p)
}

// hold starts a batch.
func (w *batchWriter) hold() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = w.batches.Get().(*[]byte)
}

// flushFull writes the batch so far if it reached maxBatchBytes.
func (w *batchWriter) flushFull() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(*w.buf) < maxBatchBytes {
		return nil
	}
	return w.flushLocked()
}

func (w *batchWriter) flushLocked() error {
	_, err := w.send(*w.buf)
	*w.buf = (*w.buf)[:0]
	return err
}

// release writes what the batch collected and ends it.
func (w *batchWriter) release() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var err error
	if len(*w.buf) > 0 {
		err = w.flushLocked()
	}
	if cap(*w.buf) <= maxPooledBatch {
		w.batches.Put(w.buf)
	}
	w.buf = nil
	return err
}
