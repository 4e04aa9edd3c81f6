package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
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
// client's frames; a writer goroutine exists only while frames wait in the
// send queue, so an idle socket costs one goroutine.
type conn struct {
	hub     *Hub
	ws      *websocket.Conn
	out     *batchWriter
	session Session
	limiter *rate.Limiter

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
	// writing is true while a writer goroutine runs.
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

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// enqueue queues f to be written, starting a writer if none runs. A
// latest-wins frame replaces s's previous one that is still waiting. A
// socket whose queue grows past SendQueueBytes is closed as a slow
// consumer; enqueue never blocks on the network.
func (c *conn) enqueue(f *frame, s *subscription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if f.kind == kindLatest && s != nil && s.latestPos > c.queueBase {
		if i := s.latestPos - 1 - c.queueBase; i < uint64(len(c.queue)) {
			c.queued += len(f.data) - len(c.queue[i].data)
			c.queue[i] = f
			return
		}
	}
	c.queue = append(c.queue, f)
	c.queued += len(f.data)
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
		c.hub.wg.Add(1)
		go c.writeLoop()
	}
}

// writeLoop writes queued frames until the queue is empty.
func (c *conn) writeLoop() {
	defer c.hub.wg.Done()
	for {
		c.mu.Lock()
		if c.closing || len(c.queue) == 0 {
			c.writing = false
			c.queue = c.one[:0]
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.queueBase += uint64(len(batch))
		c.mu.Unlock()

		n, err := c.write(batch)
		clear(batch)
		c.mu.Lock()
		if !c.closing {
			c.queued -= n
		}
		c.mu.Unlock()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && !c.isClosing() {
				c.hub.metrics.slowConsumerCloses.Inc()
			}
			c.abort()
			return
		}
	}
}

// write writes a batch of frames and returns the bytes written. A failed
// write (the write timeout passed, or the socket closed) fails the socket.
func (c *conn) write(batch []*frame) (int, error) {
	c.out.hold()
	var n int
	var err error
	for _, f := range batch {
		if err = c.ws.Write(context.Background(), websocket.MessageText, f.data); err != nil {
			break
		}
		n += len(f.data)
		if err = c.out.flushFull(); err != nil {
			break
		}
	}
	if releaseErr := c.out.release(); err == nil {
		err = releaseErr
	}
	if err != nil {
		return n, err
	}
	now := time.Now().UnixNano()
	for _, f := range batch {
		if f.publishedAt > 0 {
			c.hub.metrics.latency.Observe(float64(now-f.publishedAt) / 1e9)
		}
	}
	return n, nil
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
// the peer. The reader goroutine, still counted, keeps wg above zero.
func (c *conn) closeAsync(code websocket.StatusCode, reason string) {
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
