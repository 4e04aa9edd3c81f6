package realtime

import (
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Hub. Zero fields take the defaults named on them.
type Config struct {
	// Broker carries events between nodes and keeps topic history.
	// Required.
	Broker *Broker
	// Authenticator turns a client's token into a Session. Required.
	Authenticator Authenticator
	// OriginPatterns lists the browser origins allowed to open a socket
	// besides the hub's own host: host patterns in path.Match syntax
	// ("app.dabba.example", "*.dabba.example"), or "scheme://host"
	// patterns. Requests without an Origin header (non-browser clients) are
	// always allowed; other origins are refused with HTTP 403.
	OriginPatterns []string

	// MaxConnections caps this node's open sockets; a socket above it is
	// closed with CloseTryAgainLater. Default 20,000.
	MaxConnections int
	// MaxSubscriptions caps the topics one socket watches. Default 64.
	MaxSubscriptions int
	// MaxFrameBytes caps a client frame: a longer one is discarded with a
	// frame_too_large error, and one over 16 × MaxFrameBytes closes the
	// socket with CloseFrameTooLarge. Default 4 KiB.
	MaxFrameBytes int
	// FramesPerSecond is the sustained rate of client frames a socket may
	// send; frames beyond it (after FrameBurst) get a rate_limited error and
	// are ignored. Default 20.
	FramesPerSecond float64
	// FrameBurst is how many frames a socket may send at once. Default 40.
	FrameBurst int

	// SendQueueBytes bounds the frames waiting to be written to one socket;
	// a socket over it is closed with CloseSlowConsumer. Default 1 MiB.
	SendQueueBytes int
	// WriteTimeout bounds one network write to a socket; a socket whose
	// write takes longer is dropped as a slow consumer. Default 10 s.
	WriteTimeout time.Duration

	// HeartbeatInterval is how often the hub pings each socket, and checks
	// whether its token has expired (see ExpiringSession). Default 25 s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a socket may take to answer a ping before
	// it is dropped. Default 10 s.
	HeartbeatTimeout time.Duration
	// DrainTimeout bounds Shutdown: sockets still open after it (clients
	// that did not complete the close handshake) are cut. Default 10 s.
	DrainTimeout time.Duration

	// Registerer receives the hub's metrics (see metrics.go); nil leaves
	// them unregistered.
	Registerer prometheus.Registerer
	// Logger receives the hub's operational log; nil means slog.Default().
	// Tokens are never logged.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Broker == nil {
		return c, errors.New("realtime: Config.Broker is required")
	}
	if c.Authenticator == nil {
		return c, errors.New("realtime: Config.Authenticator is required")
	}
	setDefault(&c.MaxConnections, 20_000)
	setDefault(&c.MaxSubscriptions, 64)
	setDefault(&c.MaxFrameBytes, 4<<10)
	setDefault(&c.FramesPerSecond, 20)
	setDefault(&c.FrameBurst, 40)
	setDefault(&c.SendQueueBytes, 1<<20)
	setDefault(&c.WriteTimeout, 10*time.Second)
	setDefault(&c.HeartbeatInterval, 25*time.Second)
	setDefault(&c.HeartbeatTimeout, 10*time.Second)
	setDefault(&c.DrainTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func setDefault[T int | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
