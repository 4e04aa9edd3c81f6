package realtime

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// topic is a topic this node has subscribers for, with its Redis
// subscription.
type topic struct {
	name    string
	channel string
	// ready is closed once Redis confirmed the node's subscription.
	ready chan struct{}

	mu sync.Mutex
	// confirmed is true once ready is closed.
	confirmed bool
	subs      []*subscription
	// catchUps are the history reads waiting for their marker, by token.
	catchUps map[string]*catchUp
}

// subscription is one socket watching one topic. It joins in two steps:
// attached (live events wait in pending) and caught up (history replayed,
// pending flushed, live from then on).
type subscription struct {
	conn  *conn
	topic *topic

	// The fields below are guarded by topic.mu.

	// attached is false once the subscription left its topic.
	attached bool
	// index is the subscription's place in topic.subs.
	index int
	// joining is true while the subscription catches up.
	joining bool
	// fresh is true until the client got its subscribed frame.
	fresh bool
	// position is the sequence to catch up from (the events after it are
	// replayed); -1 for none: the client only learns the current one.
	position int64
	// lastSeq is the last ordered sequence queued to the socket.
	lastSeq int64
	// pending holds the live events that arrive while joining.
	pending []*frame
	// by is the catch-up that will complete the join.
	by *catchUp

	// latestPos is 1 + the send-queue position of this subscription's
	// latest-wins frame still waiting to be written, 0 if none; guarded by
	// conn.mu.
	latestPos uint64
}

// join subscribes c to the topic name, replaying what c missed after
// position (-1: nothing). It returns once the client has its subscribed
// frame (and replay) queued.
func (h *Hub) join(ctx context.Context, c *conn, name string, position int64) (*subscription, error) {
	s, err := h.attach(ctx, c, name, position)
	if err != nil {
		return nil, err
	}
	select {
	case <-s.topic.ready:
	case <-ctx.Done():
		h.detach(s)
		return nil, fmt.Errorf("subscribe to %s: %w", name, ctx.Err())
	}
	if err := h.catchUp(ctx, s.topic, []*subscription{s}); err != nil {
		h.detach(s)
		return nil, fmt.Errorf("subscribe to %s: %w", name, err)
	}
	return s, nil
}

// attach adds a joining subscription of c to the topic name, subscribing
// the node in Redis if it is the topic's first.
func (h *Hub) attach(ctx context.Context, c *conn, name string, position int64) (*subscription, error) {
	channel := h.broker.channel(name)
	h.topicsMu.Lock()
	defer h.topicsMu.Unlock()
	t := h.topics[channel]
	if t == nil {
		// The topic is in the map before SUBSCRIBE goes out, so its
		// confirmation finds it.
		t = &topic{name: name, channel: channel, ready: make(chan struct{})}
		h.topics[channel] = t
		if err := h.subscribeLocked(ctx, channel); err != nil {
			delete(h.topics, channel)
			return nil, err
		}
	}
	s := &subscription{conn: c, topic: t, attached: true, joining: true, fresh: true, position: position}
	t.mu.Lock()
	s.index = len(t.subs)
	t.subs = append(t.subs, s)
	t.mu.Unlock()
	h.metrics.subscriptions.Inc()
	return s, nil
}

// subscribeLocked subscribes the node to channel in Redis, starting the
// node's pub/sub connection with its first channel. topicsMu is held.
func (h *Hub) subscribeLocked(ctx context.Context, channel string) error {
	if h.pubsub == nil {
		h.pubsub = h.broker.rdb.Subscribe(h.ctx)
		messages := h.pubsub.ChannelWithSubscriptions(redis.WithChannelSize(4096))
		h.wg.Add(1)
		go h.consume(messages)
	}
	if err := h.pubsub.Subscribe(ctx, channel); err != nil {
		// go-redis remembers the channel even when the command failed.
		_ = h.pubsub.Unsubscribe(context.WithoutCancel(ctx), channel)
		return fmt.Errorf("subscribe to %s in redis: %w", channel, err)
	}
	return nil
}

// detach removes s from its topic; the node leaves the topic in Redis when
// s was its last subscriber.
func (h *Hub) detach(s *subscription) {
	t := s.topic
	t.mu.Lock()
	if !s.attached {
		t.mu.Unlock()
		return
	}
	last := len(t.subs) - 1
	t.subs[s.index] = t.subs[last]
	t.subs[s.index].index = s.index
	t.subs[last] = nil
	t.subs = t.subs[:last]
	s.attached, s.joining, s.pending, s.by = false, false, nil, nil
	empty := len(t.subs) == 0
	t.mu.Unlock()
	h.metrics.subscriptions.Dec()
	if empty {
		h.release(t)
	}
}

// release unsubscribes the node from t in Redis if t has no subscriber
// left. A topic whose subscription is not yet confirmed is released when
// the confirmation comes, so a SUBSCRIBE is never answered after an
// UNSUBSCRIBE that followed it.
func (h *Hub) release(t *topic) {
	h.topicsMu.Lock()
	defer h.topicsMu.Unlock()
	if h.topics[t.channel] != t {
		return
	}
	t.mu.Lock()
	idle := t.confirmed && len(t.subs) == 0
	t.mu.Unlock()
	if !idle {
		return
	}
	delete(h.topics, t.channel)
	if err := h.pubsub.Unsubscribe(context.Background(), t.channel); err != nil && h.ctx.Err() == nil {
		h.log.Warn("unsubscribe from topic in redis", "topic", t.name, "error", err)
	}
}

// lookup returns the topic of a channel, nil if the node does not watch it.
func (h *Hub) lookup(channel string) *topic {
	h.topicsMu.RLock()
	defer h.topicsMu.RUnlock()
	return h.topics[channel]
}

// consume handles the node's pub/sub traffic until the subscription closes.
func (h *Hub) consume(messages <-chan any) {
	defer h.wg.Done()
	for m := range messages {
		switch m := m.(type) {
		case *redis.Message:
			h.route(m)
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				h.confirmed(m.Channel)
			}
		}
	}
}

// route hands a channel message to its topic's subscribers, or to the
// history read waiting for it if it is a marker.
func (h *Hub) route(m *redis.Message) {
	t := h.lookup(m.Channel)
	if t == nil {
		return
	}
	msg, err := parseChannelMessage(m.Payload)
	if err != nil {
		h.log.Warn("unreadable message on topic channel", "topic", t.name, "error", err)
		return
	}
	if msg.event != nil {
		h.fanout(t, msg.event)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if op := t.catchUps[msg.marker]; op != nil {
		op.marked = true
		h.completeIfReady(t, op)
	}
}

// fanout queues a live event to every subscriber of t on this node: the
// same frame for all of them.
func (h *Hub) fanout(t *topic, f *frame) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var restarted *frame
	for _, s := range t.subs {
		if s.joining {
			s.pending = append(s.pending, f)
			continue
		}
		// Live ordered events arrive in sequence order; one at or below the
		// last can only come from a sequence that started again.
		if f.kind == kindOrdered && f.seq <= s.lastSeq {
			if restarted == nil {
				restarted = resetFrame(t.name, ResetSequenceRestarted)
			}
			s.conn.enqueue(restarted, nil)
		}
		s.deliver(f)
	}
}

// deliver queues f to the subscription's socket. topic.mu is held.
func (s *subscription) deliver(f *frame) {
	if f.kind == kindOrdered {
		s.lastSeq = f.seq
	}
	s.conn.enqueue(f, s)
}

// confirmed handles Redis's confirmation of a subscription to channel: the
// first makes the topic ready; a later one means the pub/sub connection was
// re-established, and events published meanwhile never reached this node,
// so every live subscription catches up from its last sequence.
func (h *Hub) confirmed(channel string) {
	t := h.lookup(channel)
	if t == nil {
		return
	}
	t.mu.Lock()
	if !t.confirmed {
		t.confirmed = true
		close(t.ready)
		empty := len(t.subs) == 0
		t.mu.Unlock()
		if empty {
			h.release(t)
		}
		return
	}
	var live []*subscription
	for _, s := range t.subs {
		if !s.joining {
			s.joining, s.position = true, s.lastSeq
			live = append(live, s)
		}
	}
	t.mu.Unlock()
	if len(live) == 0 {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.resync(t, live)
	}()
}
