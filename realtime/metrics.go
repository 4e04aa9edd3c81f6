package realtime

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the hub's Prometheus series, all named dabba_realtime_*.
type metrics struct {
	// connections is the number of open sockets on this node.
	connections prometheus.Gauge
	// subscriptions is the number of (socket, topic) subscriptions.
	subscriptions prometheus.Gauge
	// slowConsumerCloses counts sockets closed with CloseSlowConsumer.
	slowConsumerCloses prometheus.Counter
	// resumes counts subscribes with since by outcome; resumed and reset
	// are its two series.
	resumes        *prometheus.CounterVec
	resumed, reset prometheus.Counter
	// latency is the time from Publish to the frame's write to a socket.
	latency prometheus.Histogram
	// clientErrors counts error frames sent, by code.
	clientErrors *prometheus.CounterVec
	// queueBytes reports the bytes waiting in every socket's send queue.
	queueBytes prometheus.GaugeFunc
}

func newMetrics(queueBytes func() float64) *metrics {
	const ns, sub = "dabba", "realtime"
	resumes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "resumes_total",
		Help: "Subscribes with since, by outcome: recovered (missed events replayed) or reset (history no longer reached back).",
	}, []string{"outcome"})
	return &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "connections",
			Help: "Open websocket connections on this node.",
		}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "subscriptions",
			Help: "Topic subscriptions of the open connections on this node.",
		}),
		slowConsumerCloses: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "slow_consumer_closes_total",
			Help: "Connections closed because they did not take their events fast enough.",
		}),
		resumes: resumes,
		resumed: resumes.WithLabelValues("recovered"),
		reset:   resumes.WithLabelValues("reset"),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "publish_to_write_seconds",
			Help:    "Time from Publish to the event's write to a subscriber's socket.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		clientErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "client_errors_total",
			Help: "Error frames sent to clients, by code.",
		}, []string{"code"}),
		queueBytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "queue_bytes",
			Help: "Bytes waiting in the send queues of this node's connections.",
		}, queueBytes),
	}
}

// register registers every series with r; nil registers nothing. On
// failure (another hub registered them already) nothing stays registered.
func (m *metrics) register(r prometheus.Registerer) error {
	if r == nil {
		return nil
	}
	collectors := []prometheus.Collector{m.connections, m.subscriptions, m.slowConsumerCloses,
		m.resumes, m.latency, m.clientErrors, m.queueBytes}
	for i, c := range collectors {
		if err := r.Register(c); err != nil {
			for _, done := range collectors[:i] {
				r.Unregister(done)
			}
			return fmt.Errorf("register realtime metrics: %w", err)
		}
	}
	return nil
}
