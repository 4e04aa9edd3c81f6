package actors_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"

	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// outage passes publications to the broker except while down, when each
// fails as it would with Redis unreachable.
type outage struct {
	realtime.Publisher
	down atomic.Bool
}

func (o *outage) Publish(ctx context.Context, topic string, p realtime.Publication) (int64, error) {
	if o.down.Load() {
		return 0, fmt.Errorf("publish to %s: %w", topic, cache.ErrRedisUnavailable)
	}
	return o.Publisher.Publish(ctx, topic, p)
}

// expectSeqs reads the socket's next events and fails unless they carry
// exactly the sequences want, in order.
func (f *fixture) expectSeqs(ws *websocket.Conn, want ...int64) {
	f.t.Helper()
	for _, seq := range want {
		if fr := f.next(ws); fr.Op != "event" || fr.Seq != seq {
			f.t.Fatalf("got %+v, want the event with seq %d (of %v)", fr, seq, want)
		}
	}
}

// watchedOrder is an order placed through an engine whose publications
// pass through flaky, watched on its topic, and its kitchen.
func watchedOrder(t *testing.T) (f *fixture, flaky *outage, o *store.Order, kitchen store.Principal, ws *websocket.Conn) {
	f = newFixture(t)
	flaky = &outage{Publisher: f.broker}
	f.crashAndRestart(func() { f.publisher = flaky })
	r := f.restaurant()
	o = f.order(r)
	return f, flaky, o, store.Principal{Role: store.RoleRestaurant, ID: r.ID}, f.watch(o.Topic())
}

func TestOrderTopic_EventsCommittedWhilePublishingFailedArriveLaterInOrder(t *testing.T) {
	f, flaky, o, kitchen, ws := watchedOrder(t)

	flaky.down.Store(true)
	f.move(o.ID, kitchen, store.StatusAccepted, "")
	f.move(o.ID, kitchen, store.StatusPreparing, "")
	flaky.down.Store(false)
	// Nothing else happens to the order: its grain's retry publishes the
	// two events the topic missed.
	f.expectSeqs(ws, 2, 3)

	flaky.down.Store(true)
	f.move(o.ID, kitchen, store.StatusReady, "")
	flaky.down.Store(false)
	// The next change publishes the missed event before its own.
	f.move(o.ID, admin, store.StatusCancelled, "other")
	f.expectSeqs(ws, 4, 5)
}

func TestOrderTopic_AGapLeftByACrashedNodeIsFilledFromTheTimeline(t *testing.T) {
	f, flaky, o, kitchen, ws := watchedOrder(t)

	flaky.down.Store(true)
	f.move(o.ID, kitchen, store.StatusAccepted, "")
	// The node dies before it could publish seq 2; the new grain knows
	// nothing of it, and the topic refuses seq 3 until 2 is there.
	f.crashAndRestart(func() { flaky.down.Store(false) })
	f.move(o.ID, kitchen, store.StatusPreparing, "")
	f.expectSeqs(ws, 2, 3)
}
