package realtime

import (
	"context"
	"time"
)

const (
	// heartbeatWorkers is how many pings may wait for their pong at once.
	// A ping occupies a worker for a round trip (a timeout for a dead peer);
	// a few dozen keep a round over tens of thousands of sockets short.
	heartbeatWorkers = 32
	// pingChunk is how many sockets are pinged between pauses: a round is
	// spread over half the interval, not sent in one burst.
	pingChunk = 64
)

// heartbeat pings every socket each HeartbeatInterval and drops the ones
// that do not answer within HeartbeatTimeout. coder/websocket's Ping waits
// for its pong, so a small pool of workers does the waiting instead of a
// goroutine or timer per socket.
//
// It also closes, with CloseTokenExpired, the sockets whose token has
// expired. This is the cheapest place at tens of thousands of sockets: a
// round visits every socket anyway, so the check is one comparison, and the
// expiry an int64 that leaves conn in its size class. A time.AfterFunc per
// socket holds no goroutine until it fires, but it adds a runtime timer and
// a closure (about 100 bytes) to every socket, a timer-heap insertion and
// removal to every connect and close, and a Stop to every way a socket ends
// (a missed one keeps the dead conn reachable until its token's expiry).
// What the heartbeat costs is precision: a socket may outlive its token by up
// to one and a half HeartbeatIntervals (a round is spread over half the
// interval, in no fixed order), about 40 s at the defaults; that is why subscribe
// checks the expiry itself, so no topic is ever authorised by an expired
// token.
func (h *Hub) heartbeat() {
	defer h.wg.Done()
	due := make(chan *conn)
	defer close(due)
	for range heartbeatWorkers {
		h.wg.Add(1)
		go h.pinger(due)
	}
	ticker := time.NewTicker(h.cfg.HeartbeatInterval)
	defer ticker.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-ticker.C:
		}
		round := h.snapshot()
		start := time.Now()
		for i, c := range round {
			if i > 0 && i%pingChunk == 0 {
				pause := time.Until(start.Add(h.cfg.HeartbeatInterval / 2 * time.Duration(i) / time.Duration(len(round))))
				if !h.sleep(pause) {
					return
				}
			}
			if c.tokenExpired(time.Now()) {
				c.closeWith(CloseTokenExpired, "token expired")
				continue
			}
			select {
			case due <- c:
			case <-h.ctx.Done():
				return
			}
		}
	}
}

// pinger pings the sockets it is handed.
func (h *Hub) pinger(due <-chan *conn) {
	defer h.wg.Done()
	for c := range due {
		if c.isClosing() {
			continue
		}
		ctx, cancel := context.WithTimeout(h.ctx, h.cfg.HeartbeatTimeout)
		err := c.ws.Ping(ctx)
		cancel()
		if err != nil && h.ctx.Err() == nil {
			h.log.Debug("dropping a socket that did not answer its heartbeat", "error", err)
			c.abort()
		}
	}
}

// sleep waits for d, or until the hub stops; it reports whether the hub is
// still running.
func (h *Hub) sleep(d time.Duration) bool {
	if d <= 0 {
		return h.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-h.ctx.Done():
		return false
	}
}
