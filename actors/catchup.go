package actors

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/dabba/dabba/actors/actorspb"
	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
)

// Catch-up retries start at catchUpFirst and double up to catchUpMax.
const (
	catchUpFirst = 500 * time.Millisecond
	catchUpMax   = 5 * time.Second
)

// topicLag is how far an order's websocket topic lags its timeline: the
// events after complete (a timeline sequence) have not reached the topic,
// because Redis was unreachable when they were committed.
type topicLag struct {
	behind   bool
	complete int64
	retry    time.Duration
	timer    *time.Timer
}

// announce publishes a committed event. While the topic lags, the event
// waits its turn behind the missing ones, so a watcher never sees a gap:
// the topic refuses an event whose predecessors it lacks.
func (g *orderGrain) announce(ctx context.Context, ev store.OrderEvent) {
	if g.topic.behind {
		g.publishMissing(ctx)
		return
	}
	if err := g.e.publishOrderEvent(ctx, g.order, ev); err != nil {
		g.lagging(ev.Seq-1, err)
	}
}

// lagging records that the topic lacks the events after complete, unless
// the error says it holds fewer.
func (g *orderGrain) lagging(complete int64, err error) {
	if gap := (*realtime.GapError)(nil); errors.As(err, &gap) {
		complete = gap.Current
	}
	g.e.sideEffectFailed("publish order event", err, "order", g.id, "after", complete)
	g.topic.behind, g.topic.complete = true, complete
}

// publishMissing publishes, in order, the timeline's events the topic
// lacks, each with the order as it is now. It stops at the first failure.
func (g *orderGrain) publishMissing(ctx context.Context) {
	events, err := g.e.deps.Store.Orders.Timeline(ctx, g.id, g.topic.complete)
	if err != nil {
		g.e.sideEffectFailed("read the timeline to catch the topic up", err, "order", g.id)
		return
	}
	for _, ev := range events {
		if err := g.e.publishOrderEvent(ctx, g.order, ev); err != nil {
			g.lagging(ev.Seq-1, err)
			return
		}
		g.topic.complete = ev.Seq
	}
	g.topic = topicLag{}
}

// catchUp is the grain's retry timer.
func (g *orderGrain) catchUp() {
	if !g.topic.behind || g.order == nil {
		return
	}
	octx, cancel := g.e.opContext()
	defer cancel()
	g.publishMissing(octx)
}

// scheduleCatchUp arms the retry timer while the topic lags, with backoff
// while Redis (or PostgreSQL) stays away.
func (g *orderGrain) scheduleCatchUp(ctx actor.Context) {
	if !g.topic.behind || g.topic.timer != nil {
		return
	}
	g.topic.retry = min(max(2*g.topic.retry, catchUpFirst), catchUpMax)
	// Jitter spreads the retries of the many grains an outage left behind,
	// so that they do not all come back at once.
	wait := g.topic.retry/2 + rand.N(g.topic.retry/2)
	g.topic.timer = g.e.after(ctx, wait, &actorspb.CatchUpTopic{})
}
