package wsbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/realtime"
)

// ServeConfig configures the hub server a bench run measures.
type ServeConfig struct {
	// Addr is the TCP address to listen on; "127.0.0.1:0" picks a port.
	Addr string
	// RedisURL is the Redis the hub's broker uses.
	RedisURL string
	// KeyPrefix is the broker's key prefix; the load generator publishes
	// under the same one.
	KeyPrefix string
	// MaxConnections caps the hub's sockets.
	MaxConnections int
}

// listeningPrefix starts the line Serve prints once it accepts sockets.
const listeningPrefix = "listening "

// Serve runs a realtime hub (the production Hub and Broker; only
// authentication is the bench's: any token may watch any topic) until ctx
// ends. Once it accepts sockets it prints "listening ws://<addr>/ws" to out.
func Serve(ctx context.Context, cfg ServeConfig, out io.Writer) error {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("bench server: parse redis url: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	hub, err := realtime.New(realtime.Config{
		Broker:         realtime.NewBroker(rdb, realtime.BrokerConfig{KeyPrefix: cfg.KeyPrefix}),
		Authenticator:  anyToken{},
		MaxConnections: cfg.MaxConnections,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fmt.Errorf("bench server: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("bench server: listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", hub)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(out, "%sws://%s/ws\n", listeningPrefix, ln.Addr()); err != nil {
		return fmt.Errorf("bench server: %w", err)
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("bench server: serve: %w", err)
	}
	stop, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(stop), hub.Shutdown(stop))
}

// anyToken lets every token watch every topic: the bench measures the hub,
// not the api package's JWT checks (which run once per socket).
type anyToken struct{}

func (anyToken) Authenticate(context.Context, string) (realtime.Session, error) {
	return anyToken{}, nil
}

func (anyToken) Authorize(context.Context, string) error { return nil }
