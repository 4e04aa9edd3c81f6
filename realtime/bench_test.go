package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkPublishToLastDelivery publishes events one at a time to a topic
// watched by 100 sockets on another node and measures how long the last
// socket waits for each: Publish through Redis, pub/sub, fan-out, 100
// writes and 100 reads.
func BenchmarkPublishToLastDelivery(b *testing.B) {
	cl := newCluster(b)
	publisher, server := cl.start(nil), cl.start(nil)
	const watchers = 100
	var received sync.WaitGroup
	for range watchers {
		c := server.dial(b, "customer-1")
		c.subscribe("order:1", -1)
		go func() {
			for {
				// No deadline: a reader with one pays for a timer per read.
				if _, _, err := c.ws.Read(context.Background()); err != nil {
					return
				}
				received.Done()
			}
		}()
	}
	data := json.RawMessage(`{"status":"preparing","eta":"2026-01-01T12:00:00Z"}`)
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		received.Add(watchers)
		start := time.Now()
		if _, err := publisher.broker.Publish(context.Background(), "order:1", Publication{Type: "order.status", Data: data}); err != nil {
			b.Fatal(err)
		}
		received.Wait()
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
}
