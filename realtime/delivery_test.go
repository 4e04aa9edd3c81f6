package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestEventPublishedOnOneNodeReachesSubscriberOnAnother(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.start(nil), cl.start(nil)
	watcher := b.dial(t, "customer-1")
	watcher.subscribe("order:1", -1)

	seq, err := a.broker.Publish(context.Background(), "order:1", Publication{
		Type: "order.status", Data: json.RawMessage(`{"status": "accepted"}`),
	})
	if err != nil {
		t.Fatal(err)
	}

	f := watcher.expect("event")
	if f.Topic != "order:1" || f.Seq != seq || f.Type != "order.status" ||
		string(f.Data) != `{"status":"accepted"}` || f.TS == 0 {
		t.Fatalf("got %+v, want order:1 #%d order.status {\"status\":\"accepted\"} with a ts", f, seq)
	}
}

func TestResume_ClientGetsExactlyTheFiftyEventsItMissedInOrder(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.start(nil), cl.start(nil)
	first := a.dial(t, "customer-1")
	first.subscribe("order:1", -1)
	for n := 1; n <= 3; n++ {
		publish(t, a.broker, "order:1", n)
	}
	first.expectEvents("order:1", 1, 3)
	_ = first.ws.CloseNow()

	for n := 4; n <= 53; n++ {
		publish(t, a.broker, "order:1", n)
	}

	again := b.dial(t, "customer-1")
	if seq := again.subscribe("order:1", 3); seq != 53 {
		t.Fatalf("subscribed at #%d, want #53", seq)
	}
	again.expectEvents("order:1", 4, 53)
	publish(t, a.broker, "order:1", 54)
	again.expectEvents("order:1", 54, 54)
}

func TestResume_NoGapNoDuplicateAtTheSeamWhileEventsKeepComing(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.start(nil), cl.start(nil)
	for n := 1; n <= 20; n++ {
		publish(t, a.broker, "order:1", n)
	}
	const total = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := 21; n <= total; n++ {
			if _, err := a.broker.Publish(context.Background(), "order:1", Publication{Type: "order.status"}); err != nil {
				t.Errorf("publish %d: %v", n, err)
				return
			}
		}
	})
	defer wg.Wait()

	c := b.dial(t, "customer-1")
	seq := c.subscribe("order:1", 10)
	if seq < 20 || seq > total {
		t.Fatalf("subscribed at #%d, want between #20 and #%d", seq, total)
	}
	c.expectEvents("order:1", 11, total)
}

func TestResume_HistoryThatCannotServeThePositionGivesReset(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) {
		c.Broker = NewBroker(cl.rdb, BrokerConfig{KeyPrefix: cl.prefix, HistoryLength: 10})
	})
	for i := 1; i <= 30; i++ {
		publish(t, n.broker, "order:1", i)
	}
	tests := []struct {
		name  string
		since int64
		want  ResetReason
	}{
		{"position older than the kept history", 5, ResetHistoryTrimmed},
		{"position ahead of the sequence", 1000, ResetSequenceRestarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := n.dial(t, "customer-1")
			seq := c.subscribe("order:1", tt.since)
			if f := c.expect("reset"); f.Topic != "order:1" || f.Reason != tt.want {
				t.Fatalf("got %+v, want reset of order:1 for %s", f, tt.want)
			}
			publish(t, n.broker, "order:1", 0)
			if f := c.expect("event"); f.Seq != seq+1 {
				t.Fatalf("after the reset got #%d, want the live #%d", f.Seq, seq+1)
			}
		})
	}
	if got := n.metric(t, "dabba_realtime_resumes_total"); got != 2 {
		t.Fatalf("resumes_total = %v, want 2", got)
	}
}

func TestResume_WithinTheKeptHistoryIsCountedAsRecovered(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(nil)
	publish(t, n.broker, "order:1", 1)
	c := n.dial(t, "customer-1")
	c.subscribe("order:1", 0)
	c.expectEvents("order:1", 1, 1)
	families, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var recovered float64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if f.GetName() == "dabba_realtime_resumes_total" && m.GetLabel()[0].GetValue() == "recovered" {
				recovered = m.GetCounter().GetValue()
			}
		}
	}
	if recovered != 1 {
		t.Fatalf("recovered resumes = %v, want 1", recovered)
	}
}

func TestPublish_ExplicitSeqIsTheEventsSeqAndRetriesSendNothing(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(nil)
	c := n.dial(t, "customer-1")
	c.subscribe("order:3", -1)
	ctx := context.Background()
	steps := []struct {
		p    Publication
		want int64
		gap  bool
	}{
		{Publication{Type: "order.placed", Seq: 1, Contiguous: true}, 1, false},
		{Publication{Type: "order.ready", Seq: 4, Contiguous: true}, 1, true}, // 2 and 3 missing: refused
		{Publication{Type: "order.accepted", Seq: 2, Contiguous: true}, 2, false},
		{Publication{Type: "order.preparing", Seq: 3, Contiguous: true}, 3, false},
		{Publication{Type: "order.ready", Seq: 4, Contiguous: true}, 4, false},
		{Publication{Type: "order.ready", Seq: 4, Contiguous: true}, 4, false},  // retry: nothing sent
		{Publication{Type: "order.accepted", Seq: 2}, 4, false},                 // stale: nothing sent
		{Publication{Type: "order.picked_up"}, 5, false},                        // next sequence
		{Publication{Type: "courier.location", Delivery: LatestWins}, 5, false}, // current sequence
		{Publication{Type: "order.delivered", Seq: 9}, 9, false},                // not contiguous: may jump
	}
	for _, s := range steps {
		got, err := n.broker.Publish(ctx, "order:3", s.p)
		var gap *GapError
		if got != s.want || errors.As(err, &gap) != s.gap || (err != nil && !s.gap) {
			t.Fatalf("publish %+v = %d, %v; want %d (gap error: %t)", s.p, got, err, s.want, s.gap)
		}
		if s.gap && (gap.Current != 1 || gap.Seq != 4) {
			t.Fatalf("gap error %+v, want current 1, seq 4", gap)
		}
	}
	for _, want := range []struct {
		typ string
		seq int64
	}{{"order.placed", 1}, {"order.accepted", 2}, {"order.preparing", 3}, {"order.ready", 4}, {"order.picked_up", 5}, {"courier.location", 5}, {"order.delivered", 9}} {
		if f := c.expect("event"); f.Type != want.typ || f.Seq != want.seq {
			t.Fatalf("got %s #%d, want %s #%d", f.Type, f.Seq, want.typ, want.seq)
		}
	}
}

func TestPublish_InvalidInputIsRefused(t *testing.T) {
	cl := newCluster(t)
	b := NewBroker(cl.rdb, BrokerConfig{KeyPrefix: cl.prefix})
	tests := []struct {
		name  string
		topic string
		p     Publication
		want  error
	}{
		{"topic without id", "order", Publication{Type: "x"}, ErrInvalidTopic},
		{"topic with a space", "order:4 2", Publication{Type: "x"}, ErrInvalidTopic},
		{"no type", "order:1", Publication{}, ErrInvalidPublication},
		{"data not JSON", "order:1", Publication{Type: "x", Data: json.RawMessage(`{`)}, ErrInvalidPublication},
		{"negative seq", "order:1", Publication{Type: "x", Seq: -1}, ErrInvalidPublication},
		{"latest-wins with a seq", "order:1", Publication{Type: "x", Seq: 3, Delivery: LatestWins}, ErrInvalidPublication},
		{"contiguous without a seq", "order:1", Publication{Type: "x", Contiguous: true}, ErrInvalidPublication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := b.Publish(context.Background(), tt.topic, tt.p); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSlowConsumer_NeverReadingClientIsClosedWhileOthersGetEveryEvent(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) { c.SendQueueBytes = 64 << 10 })
	slow := n.dialWith(t, "?token=customer-1", smallReceiveBuffer())
	slow.subscribe("order:1", -1)
	fast := n.dial(t, "customer-1")
	fast.subscribe("order:1", -1)

	pad := strings.Repeat("x", 8<<10)
	publishPadded := func(i int) int64 {
		seq, err := n.broker.Publish(context.Background(), "order:1", Publication{
			Type: "order.status", Data: json.RawMessage(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, pad)),
		})
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	const limit = 5000
	i := 1
	for ; i <= limit && n.metric(t, "dabba_realtime_slow_consumer_closes_total") == 0; i++ {
		seq := publishPadded(i)
		if f := fast.expect("event"); f.Seq != seq {
			t.Fatalf("fast client got #%d, want #%d", f.Seq, seq)
		}
	}
	if i > limit {
		t.Fatalf("the never-reading client was not closed after %d events", limit)
	}
	for j := range 10 {
		seq := publishPadded(i + j)
		if f := fast.expect("event"); f.Seq != seq {
			t.Fatalf("fast client got #%d after the slow one was closed, want #%d", f.Seq, seq)
		}
	}

	frames, code := slow.drainUntilClosed()
	if code != CloseSlowConsumer {
		t.Fatalf("slow client closed with %d, want %d", code, CloseSlowConsumer)
	}
	if len(frames) >= i {
		t.Fatalf("slow client read %d frames of %d published", len(frames), i)
	}
}

func TestLatestWins_CoalescedForASlowClientWhileOrderedEventsAllArrive(t *testing.T) {
	cl := newCluster(t)
	n := cl.start(func(c *Config) { c.SendQueueBytes = 64 << 20 })
	slow := n.dialWith(t, "?token=customer-1", smallReceiveBuffer())
	slow.subscribe("order:1", -1)
	ctx := context.Background()
	pad := strings.Repeat("x", 4<<10)
	location := func(i int) {
		if _, err := n.broker.Publish(ctx, "order:1", Publication{
			Type: "courier.location", Delivery: LatestWins,
			Data: json.RawMessage(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, pad)),
		}); err != nil {
			t.Fatal(err)
		}
	}

	publish(t, n.broker, "order:1", 1)
	// Publish locations until the client's queue backs up (two frames wait:
	// one being written, one coalescing), then fifty more, then an ordered
	// event.
	const limit = 20000
	published := 0
	for published < limit && n.metric(t, "dabba_realtime_queue_bytes") < float64(2*len(pad)) {
		published++
		location(published)
	}
	if published == limit {
		t.Fatalf("the queue did not back up after %d locations", limit)
	}
	for range 50 {
		published++
		location(published)
	}
	publish(t, n.broker, "order:1", 2)

	var ordered []int64
	var locations []int
	for len(ordered) < 2 {
		f := slow.expect("event")
		if f.Type != "courier.location" {
			ordered = append(ordered, f.Seq)
			continue
		}
		var d struct{ N int }
		if err := json.Unmarshal(f.Data, &d); err != nil {
			t.Fatal(err)
		}
		if len(locations) > 0 && d.N <= locations[len(locations)-1] {
			t.Fatalf("location %d after %d", d.N, locations[len(locations)-1])
		}
		locations = append(locations, d.N)
	}
	for len(locations) == 0 || locations[len(locations)-1] != published {
		f := slow.expect("event")
		var d struct{ N int }
		_ = json.Unmarshal(f.Data, &d)
		locations = append(locations, d.N)
	}
	if ordered[0] != 1 || ordered[1] != 2 {
		t.Fatalf("ordered events %v, want [1 2]", ordered)
	}
	if len(locations) >= published {
		t.Fatalf("got all %d locations, want the waiting ones coalesced", published)
	}
}
