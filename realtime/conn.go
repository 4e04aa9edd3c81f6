package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// subscribeTimeout bounds one subscribe: authorization, the Redis
// subscription and the history read.
const subscribeTimeout = 10 * time.Second

// conn is one client socket. Its reader goroutine (serve) handles the
// client's frames; the hub's flushers write its send queue, and a writer
// goroutine of its own exists only while its peer is slow to take frames,
// so an idle socket costs one goroutine.
type conn struct {
	hub     *Hub
	ws      *websocket.Conn
	out     *wire
	session Session
	limiter *rate.Limiter
	// tokenExpiry is when the session's token expires, in Unix
	// milliseconds; 0 if it never does (see tokenExpiry).
	tokenExpiry int64

	// subs are the socket's subscriptions; only the goroutine handling the
	// socket's current frame uses them (frames are handled one at a time).
	subs []*subscription

	mu sync.Mutex
	// queue holds the frames waiting to be written, oldest first. While no
	// writer runs it is backed by one, which holds the usual single waiting
	// frame without an allocation.
	queue []*frame
	one   [1]*frame
	// queueBase is the absolute position of queue[0] (positions only grow,
	// so a subscription can find its waiting latest-wins frame).
	queueBase uint64
	// queued is the bytes queued or being written.
	queued int
	// writing is true while the queue is being written (or the socket
	// waits for a flusher): the socket has one writer at a time.
	writing bool
	// closing is true once the socket is being closed: nothing more is
	// queued or handled.
	closing bool
}

// serve reads the client's frames until the socket closes.
func (c *conn) serve() {
	defer c.hub.wg.Done()
	defer c.finish()
	for {
		// No deadline: a context that ends would close the socket, and the
		// heartbeat finds dead peers.
		typ, r, err := c.ws.Reader(context.Background())
		if err != nil {
			return
		}
		if err := c.receive(typ, r); err != nil {
			return
		}
	}
}

// receive reads one client frame and handles it. It returns an error only
// when the socket failed.
func (c *conn) receive(typ websocket.MessageType, r io.Reader) error {
	bufp := c.hub.frames.Get().(*[]byte)
	defer c.hub.frames.Put(bufp)
	n, err := io.ReadFull(r, *bufp)
	switch {
	case err == nil: // longer than MaxFrameBytes
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	default:
		return err
	}
	switch {
	case c.isClosing():
	case !c.limiter.Allow():
		c.refuse("", CodeRateLimited, "too many frames: slow down")
	case n == len(*bufp):
		c.refuse("", CodeFrameTooLarge, "frame is longer than the hub accepts")
	case typ != websocket.MessageText:
		c.refuse("", CodeBadFrame, "frames are JSON text, not binary")
	default:
		// The frame's work (JSON decoding, authorization, Redis round
		// trips) runs on a goroutine of its own: its deep stack is freed
		// when it ends, while the reader, which lives as long as the
		// socket, keeps the small stack a read needs. Idle sockets are
		// most of a node's memory.
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.handle((*bufp)[:n])
		}()
		<-done
	}
	return nil
}

// handle acts on one client frame.
func (c *conn) handle(data []byte) {
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil || f.Op == "" {
		c.refuse("", CodeBadFrame, `a frame is a JSON object with a string "op"`)
		return
	}
	switch f.Op {
	case "subscribe":
		c.subscribe(f.Topic, f.Since)
	case "unsubscribe":
		c.unsubscribe(f.Topic)
	case "ping":
		c.enqueue(pongFrame, nil)
	default:
		c.refuse("", CodeUnknownOp, "op is subscribe, unsubscribe or ping")
	}
}

func (c *conn) subscribe(name string, since *int64) {
	switch {
	case !validTopic(name):
		c.refuse(echoTopic(name), CodeInvalidTopic, "a topic is <kind>:<id>, e.g. order:42")
		return
	case since != nil && *since < 0:
		c.refuse(name, CodeBadFrame, "since is a sequence number, 0 or more")
		return
	case c.find(name) >= 0:
		c.refuse(name, CodeAlreadySubscribed, "already subscribed")
		return
	case len(c.subs) >= c.hub.cfg.MaxSubscriptions:
		c.refuse(name, CodeTooManySubscriptions, "too many subscriptions on this socket")
		return
	}
	// The heartbeat closes a socket whose token expired only at its next
	// round; until then no topic may be authorised by the expired token.
	if c.tokenExpired(time.Now()) {
		c.closeWith(CloseTokenExpired, "token expired")
		return
	}
	ctx, cancel := context.WithTimeout(c.hub.ctx, subscribeTimeout)
	defer cancel()
	if err := c.session.Authorize(ctx, name); err != nil {
		if errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			c.refuse(name, CodeUnavailable, "authorization is unavailable, try again")
		} else {
			c.refuse(name, CodeForbidden, "not allowed to watch this topic")
		}
		return
	}
	position := int64(-1)
	if since != nil {
		position = *since
	}
	s, err := c.hub.join(ctx, c, name, position)
	if err != nil {
		c.hub.log.Warn("subscribe failed", "topic", name, "error", err)
		c.refuse(name, CodeUnavailable, "the hub could not subscribe now, try again")
		return
	}
	c.subs = append(c.subs, s)
}

func (c *conn) unsubscribe(name string) {
	i := c.find(name)
	if i < 0 {
		c.refuse(echoTopic(name), CodeNotSubscribed, "not subscribed")
		return
	}
	s := c.subs[i]
	c.subs = slices.Delete(c.subs, i, i+1)
	c.hub.detach(s)
}

// find returns the index of the subscription to topic name, -1 if none.
func (c *conn) find(name string) int {
	return slices.IndexFunc(c.subs, func(s *subscription) bool { return s.topic.name == name })
}

// echoTopic is name as an error frame may repeat it: a refused name is
// echoed only when it is of a sane length.
func echoTopic(name string) string {
	if len(name) > maxTopicLen {
		return ""
	}
	return name
}

// refuse answers a client frame with an error frame.
func (c *conn) refuse(topic string, code ErrorCode, message string) {
	c.hub.metrics.clientErrors.WithLabelValues(string(code)).Inc()
	c.enqueue(errorFrame(topic, code, message), nil)
}

// tokenExpired reports whether the session's token had expired at now.
func (c *conn) tokenExpired(now time.Time) bool {
	return c.tokenExpiry != 0 && now.UnixMilli() >= c.tokenExpiry
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// enqueue queues f to be written, handing the socket to a flusher if no
// writer runs. A latest-wins frame replaces s's previous one that is still
// waiting. A socket whose queue grows past SendQueueBytes is closed as a
// slow consumer; enqueue never blocks on the network.
func (c *conn) enqueue(f *frame, s *subscription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if f.kind == kindLatest && s != nil && s.latestPos > c.queueBase {
		if i := s.latestPos - 1 - c.queueBase; i < uint64(len(c.queue)) {
			c.queued += len(f.wire) - len(c.queue[i].wire)
			c.queue[i] = f
			return
		}
	}
	c.queue = append(c.queue, f)
	c.queued += len(f.wire)
	if f.kind == kindLatest && s != nil {
		s.latestPos = c.queueBase + uint64(len(c.queue))
	}
	if c.queued > c.hub.cfg.SendQueueBytes {
		c.hub.metrics.slowConsumerCloses.Inc()
		c.stopLocked()
		c.closeAsync(CloseSlowConsumer, "slow consumer")
		return
	}
	if !c.writing {
		c.writing = true
		c.hub.schedule(c)
	}
}

// flush writes c's queue until it is empty; it runs on a flusher (see
// Hub.schedule), which never waits for a peer. When the socket does not
// take a batch at once (its peer reads slower than the hub writes) or a
// control frame is being written, the rest of the batch, and then of the
// queue, goes to a goroutine of the socket's own (writeWaiting). scratch
// is the flusher's buffer list, returned for reuse.
func (c *conn) flush(scratch net.Buffers) net.Buffers {
	var done []*frame
	for {
		batch := c.next(done)
		if batch == nil {
			return scratch
		}
		locked, err := c.out.lockData(false)
		if err != nil { // sealed: the socket is closing
			return scratch
		}
		bufs := frameBufs(scratch[:0], batch)
		scratch = bufs
		if locked {
			if err := c.out.writeNow(&bufs); err != nil {
				c.out.unlock()
				clear(scratch)
				c.fail(err)
				return scratch
			}
		}
		if !locked || len(bufs) > 0 {
			// bufs shares scratch's array; the lock, if held, goes
			// with the rest of the batch.
			rest := slices.Clone(bufs)
			clear(scratch)
			c.hub.wg.Add(1)
			go c.writeWaiting(batch, rest, locked)
			return scratch
		}
		c.out.unlock()
		clear(scratch)
		done = batch
	}
}

// writeWaiting writes, on a goroutine of the socket's own, what a flusher
// could not write at once: rest, the unwritten bytes of batch (nil to
// start from the queue), holding c.out's data lock for it if locked; then
// the rest of the queue. Each write may wait for the peer up to
// WriteTimeout; a socket whose write takes longer is dropped.
func (c *conn) writeWaiting(batch []*frame, rest net.Buffers, locked bool) {
	defer c.hub.wg.Done()
	if batch == nil {
		if batch = c.next(nil); batch == nil {
			return
		}
		rest = frameBufs(nil, batch)
	}
	for {
		if !locked {
			if _, err := c.out.lockData(true); err != nil { // sealed
				return
			}
		}
		err := c.out.writeAll(&rest)
		c.out.unlock()
		if err != nil {
			c.fail(err)
			return
		}
		if batch = c.next(batch); batch == nil {
			return
		}
		rest, locked = frameBufs(nil, batch), false
	}
}

// next accounts for done, the batch just written (nil if none), and takes
// the next batch off the queue; it returns nil, and c is no longer being
// written, when the queue is empty or the socket is closing.
func (c *conn) next(done []*frame) []*frame {
	var n int
	if len(done) > 0 {
		now := time.Now().UnixNano()
		for _, f := range done {
			n += len(f.wire)
			if f.publishedAt > 0 {
				c.hub.metrics.latency.Observe(float64(now-f.publishedAt) / 1e9)
			}
		}
		clear(done)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil
	}
	c.queued -= n
	if len(c.queue) == 0 {
		c.writing = false
		c.queue = c.one[:0]
		return nil
	}
	batch := c.queue
	c.queue = nil
	c.queueBase += uint64(len(batch))
	return batch
}

// frameBufs appends the bytes of batch's frames to bufs.
func frameBufs(bufs net.Buffers, batch []*frame) net.Buffers {
	for _, f := range batch {
		bufs = append(bufs, f.wire)
	}
	return bufs
}

// fail drops the socket after a failed write: its peer did not take a
// write within WriteTimeout (a slow consumer), or it is gone.
func (c *conn) fail(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) && !c.isClosing() {
		c.hub.metrics.slowConsumerCloses.Inc()
	}
	c.abort()
}

// stopLocked marks the socket closing and drops its queue; it reports
// whether it was the first to. c.mu is held.
func (c *conn) stopLocked() bool {
	if c.closing {
		return false
	}
	c.closing = true
	clear(c.queue)
	c.queue, c.queued = nil, 0
	return true
}

// closeWith closes the socket with a close handshake (code, reason) in the
// background.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopLocked() {
		c.closeAsync(code, reason)
	}
}

// closeAsync runs the close handshake in its own goroutine: it waits for
// the peer. No data frame is written after the close frame. The reader
// goroutine, still counted, keeps wg above zero.
func (c *conn) closeAsync(code websocket.StatusCode, reason string) {
	c.out.seal()
	c.hub.wg.Add(1)
	go func() {
		defer c.hub.wg.Done()
		_ = c.ws.Close(code, reason)
	}()
}

// abort drops the socket without a close handshake.
func (c *conn) abort() {
	c.mu.Lock()
	c.stopLocked()
	c.mu.Unlock()
	_ = c.out.conn.Close()
}

// finish releases everything the socket held, once its reader stopped.
func (c *conn) finish() {
	c.abort()
	for _, s := range c.subs {
		c.hub.detach(s)
	}
	c.subs = nil
	_ = c.ws.CloseNow()
	c.hub.unregister(c)
}
