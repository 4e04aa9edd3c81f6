package realtime

import (
	"context"
	"errors"
	"time"
)

const (
	// markerTimeout is how long a history read waits for its marker to come
	// back through pub/sub before it reads again; the marker is lost only
	// when the node's Redis subscription drops.
	markerTimeout = 2 * time.Second
	// catchUpAttempts bounds the reads of one catch-up.
	catchUpAttempts = 3
)

// errMarkerLost: a history read's marker did not come back through pub/sub.
var errMarkerLost = errors.New("history marker did not arrive through pub/sub")

// catchUp is one history read on behalf of joining subscriptions. It
// completes when both the read's reply and its marker have arrived: then
// every live event published before the read has been received (and is in
// the history) and every later one is still to come.
type catchUp struct {
	token string
	subs  []*subscription
	// from is the earliest position among subs, -1 if none has one.
	from int64
	hist *history
	// marked is true once the marker arrived.
	marked    bool
	completed bool
	done      chan struct{}
}

// catchUp brings joining subscriptions of t up to date: it reads t's
// history from the earliest of their positions and completes their joins
// when the read's marker has come back through pub/sub (see history.lua).
// A read whose marker was lost (the pub/sub connection dropped) is retried.
func (h *Hub) catchUp(ctx context.Context, t *topic, subs []*subscription) error {
	var err error
	for range catchUpAttempts {
		op := h.beginCatchUp(t, subs)
		if op == nil {
			return nil
		}
		hist, readErr := h.broker.readHistory(ctx, t.name, op.from, op.token)
		if readErr != nil {
			h.endCatchUp(t, op)
			return readErr
		}
		t.mu.Lock()
		if t.catchUps[op.token] == op {
			op.hist = &hist
			h.completeIfReady(t, op)
		}
		t.mu.Unlock()

		timer := time.NewTimer(markerTimeout)
		select {
		case <-op.done:
		case <-timer.C:
			err = errMarkerLost
		case <-ctx.Done():
			err = ctx.Err()
		}
		timer.Stop()
		if h.endCatchUp(t, op) {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
	}
	return err
}

// beginCatchUp registers a history read for those of subs still joining t;
// nil if none is.
func (h *Hub) beginCatchUp(t *topic, subs []*subscription) *catchUp {
	op := &catchUp{token: h.newToken(), from: -1, done: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range subs {
		if !s.attached || !s.joining {
			continue
		}
		s.by = op
		op.subs = append(op.subs, s)
		if s.position >= 0 && (op.from < 0 || s.position < op.from) {
			op.from = s.position
		}
	}
	if len(op.subs) == 0 {
		return nil
	}
	if t.catchUps == nil {
		t.catchUps = make(map[string]*catchUp)
	}
	t.catchUps[op.token] = op
	return op
}

// endCatchUp forgets op and reports whether it completed.
func (h *Hub) endCatchUp(t *topic, op *catchUp) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.catchUps, op.token)
	return op.completed
}

// completeIfReady completes op's joins once its history and its marker
// have both arrived. topic.mu is held.
func (h *Hub) completeIfReady(t *topic, op *catchUp) {
	if op.completed || op.hist == nil || !op.marked {
		return
	}
	op.completed = true
	close(op.done)
	delete(t.catchUps, op.token)
	for _, s := range op.subs {
		if s.attached && s.joining && s.by == op {
			h.completeJoin(t, s, *op.hist)
		}
	}
}

// completeJoin queues to s's socket what it is owed after reading hist:
// its subscribed frame (first join), the events it missed after its
// position or a reset if the history no longer has them, then the live
// events that waited; from then on s is live. topic.mu is held.
func (h *Hub) completeJoin(t *topic, s *subscription, hist history) {
	c := s.conn
	if s.fresh {
		c.enqueue(subscribedFrame(t.name, hist.current), nil)
	}
	if s.position >= 0 {
		var reset ResetReason
		switch {
		case s.position > hist.current:
			reset = ResetSequenceRestarted
		case s.position < hist.current && !hist.reaches(s.position):
			reset = ResetHistoryTrimmed
		default:
			for _, f := range hist.events {
				if f.seq > s.position {
					c.enqueue(f, nil)
				}
			}
		}
		if reset != "" {
			c.enqueue(resetFrame(t.name, reset), nil)
		}
		if s.fresh && reset == "" {
			h.metrics.resumed.Inc()
		} else if s.fresh {
			h.metrics.reset.Inc()
		}
	}
	s.lastSeq = hist.current
	s.goLive()
}

// goLive flushes the events that waited while s was joining, skipping
// ordered ones its socket already has, and makes s live. topic.mu is held.
func (s *subscription) goLive() {
	for _, f := range s.pending {
		if f.kind == kindOrdered && f.seq <= s.lastSeq {
			continue
		}
		s.deliver(f)
	}
	s.pending, s.joining, s.fresh, s.by = nil, false, false, nil
}

// resyncPatience bounds how long resync keeps trying to read the history:
// the subscription may come back before Redis serves commands again (a
// circuit breaker in front of the client still open, a restarted server
// loading its data).
const resyncPatience = 10 * time.Second

// resync catches live subscriptions up after the node's Redis subscription
// came back, retrying with backoff for resyncPatience; if that fails they
// get a reset and go on live.
func (h *Hub) resync(t *topic, subs []*subscription) {
	giveUp := time.Now().Add(resyncPatience)
	err := h.catchUp(h.ctx, t, subs)
	for wait := 50 * time.Millisecond; err != nil && time.Now().Before(giveUp); wait = min(2*wait, time.Second) {
		select {
		case <-h.ctx.Done():
			return
		case <-time.After(wait):
		}
		err = h.catchUp(h.ctx, t, subs)
	}
	if err == nil || h.ctx.Err() != nil {
		return
	}
	h.log.Warn("could not catch subscribers up after a redis reconnect", "topic", t.name, "error", err)
	t.mu.Lock()
	defer t.mu.Unlock()
	reset := resetFrame(t.name, ResetHistoryUnavailable)
	for _, s := range subs {
		if s.attached && s.joining && !s.fresh {
			s.conn.enqueue(reset, nil)
			s.goLive()
		}
	}
}
