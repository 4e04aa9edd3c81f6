package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/realtime"
	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/cache"
)

// Config tunes the engine. Zero fields take the defaults named on them.
type Config struct {
	// Cluster says how this node joins the protoactor cluster.
	Cluster ClusterConfig
	// AcceptTimeout is how long a restaurant has to accept an order before
	// the order actor rejects it with reason accept_timeout. Default
	// DefaultAcceptTimeout.
	AcceptTimeout time.Duration
	// RequestTimeout bounds one request to a grain, and the database and
	// Redis work a grain does for it, when the caller's context has no
	// earlier deadline. Default 10 s.
	RequestTimeout time.Duration
	// OrderIdle is how long a live order's actor stays in memory without
	// messages; an order awaiting acceptance never passivates, since its
	// accept deadline runs in it. Default 5 min.
	OrderIdle time.Duration
	// TerminalOrderIdle is the same for delivered, rejected and cancelled
	// orders. Default 30 s.
	TerminalOrderIdle time.Duration
	// RestaurantIdle is how long a restaurant's actor stays in memory
	// without messages. Default 10 min.
	RestaurantIdle time.Duration
	// RestaurantRefresh is how old the restaurant record (opening hours,
	// location, fee) a restaurant actor decides with may grow before it is
	// read again. Default 1 min.
	RestaurantRefresh time.Duration
	// Tracking sets how courier positions are thinned and batched.
	Tracking TrackingConfig
	// Dispatch sets how couriers are found for accepted orders.
	Dispatch DispatchConfig
	// Surge sets the dynamic pricing.
	Surge SurgeConfig
	// SlotHorizon is how far ahead orders may be scheduled. Default 7 days.
	SlotHorizon time.Duration
}

// ClusterConfig says how this node joins the protoactor cluster. By
// default it forms a one-member cluster in this process; with Etcd (or a
// Provider) the nodes of a deployment form one cluster, in which a grain
// lives on the one node its identity hashes to among the members, and a
// node that leaves hands its grains over: they activate again on the
// remaining nodes, from PostgreSQL.
type ClusterConfig struct {
	// Name of the cluster; nodes of one deployment share it. Default "dabba".
	Name string
	// Host is the address the node's remoting listens on. Default 127.0.0.1.
	Host string
	// Port the remoting listens on; 0 picks a free one.
	Port int
	// AdvertisedHost is the host:port other nodes reach this one at, when
	// it differs from the listening address (containers, NAT, or a Host
	// such as 0.0.0.0 that names no one interface).
	AdvertisedHost string
	// Etcd are the endpoints (host:port) of the etcd cluster through which
	// the nodes find each other: each registers under /dabba/{Name}/ with a
	// lease of 3 s that it keeps alive, so a node that dies without leaving
	// drops out of the cluster 3 s later. Empty with a nil Provider runs a
	// one-member cluster in this process.
	Etcd []string
	// Provider finds the cluster's members when neither the one-member
	// default nor Etcd fits: one of protoactor's other providers
	// (Kubernetes, Consul, ZooKeeper or automanaged with a static host
	// list). It excludes Etcd.
	Provider cluster.ClusterProvider
}

// shared reports whether the nodes of a deployment find each other through
// the configuration: otherwise the node forms a one-member cluster.
func (c ClusterConfig) shared() bool { return c.Provider != nil || len(c.Etcd) > 0 }

// validate refuses a configuration that cannot form a cluster of several
// nodes: two providers, or a listening address other nodes cannot reach
// without an advertised one.
func (c ClusterConfig) validate() error {
	if c.Provider != nil && len(c.Etcd) > 0 {
		return errors.New("actors: the cluster has both a Provider and Etcd endpoints; give one")
	}
	if c.shared() && c.AdvertisedHost == "" {
		if ip := net.ParseIP(c.Host); ip != nil && ip.IsUnspecified() {
			return fmt.Errorf("actors: the cluster listens on %s, which other nodes cannot reach: advertise a host:port they can", c.Host)
		}
	}
	return nil
}

// TrackingConfig sets how courier positions are thinned and batched into
// PostgreSQL.
type TrackingConfig struct {
	// MinDistanceM: a position is stored when it is at least this far from
	// the last one stored. Default 25 m.
	MinDistanceM float64
	// MinInterval: or when it is at least this much later. Default 15 s.
	MinInterval time.Duration
	// BatchSize is how many positions are stored in one INSERT at most;
	// reaching it flushes at once. Default 20.
	BatchSize int
	// FlushInterval is how long a stored position may wait for its batch.
	// Default 5 s.
	FlushInterval time.Duration
	// DefaultSpeedMPS is the courier speed ETAs assume while the courier
	// reports none (or stands still). Default 5.5 m/s (about 20 km/h).
	DefaultSpeedMPS float64
	// Detour multiplies straight-line distances into road distances. Default 1.3.
	Detour float64
}

// DispatchConfig sets how couriers are found for accepted orders.
type DispatchConfig struct {
	// RadiusM is how far from the restaurant a courier may be. Default 5 km.
	RadiusM float64
	// Candidates is how many of the nearest couriers are considered. Default 20.
	Candidates int
	// RetryInterval is how often an accepted order without a courier looks
	// again. Default 30 s.
	RetryInterval time.Duration
	// PositionsKey is the Redis GEO set of couriers' last known positions.
	// Default "dabba:couriers:positions".
	PositionsKey string
}

// SurgeConfig sets the dynamic pricing: the delivery fee rises when a
// restaurant takes more orders than there are free couriers near it.
type SurgeConfig struct {
	// Window is the span of recent demand counted. Default 15 min.
	Window time.Duration
	// RadiusM is how near the restaurant a free courier counts as supply.
	// Default 5 km.
	RadiusM float64
	// StepBasisPoints is what each order beyond one per free courier adds
	// to the multiplier, per free courier. Default 2500 (+25 %).
	StepBasisPoints int
	// MaxBasisPoints caps the multiplier. Default 20000 (twice the fee).
	MaxBasisPoints int
}

// DefaultAcceptTimeout is how long a restaurant has to accept an order
// unless configured otherwise.
const DefaultAcceptTimeout = 10 * time.Minute

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.AcceptTimeout, DefaultAcceptTimeout)
	def(&c.RequestTimeout, 10*time.Second)
	def(&c.OrderIdle, 5*time.Minute)
	def(&c.TerminalOrderIdle, 30*time.Second)
	def(&c.RestaurantIdle, 10*time.Minute)
	def(&c.RestaurantRefresh, time.Minute)
	def(&c.SlotHorizon, 7*24*time.Hour)
	def(&c.Tracking.MinInterval, 15*time.Second)
	def(&c.Tracking.FlushInterval, 5*time.Second)
	def(&c.Dispatch.RetryInterval, 30*time.Second)
	def(&c.Surge.Window, 15*time.Minute)
	if c.Cluster.Name == "" {
		c.Cluster.Name = "dabba"
	}
	if c.Cluster.Host == "" {
		c.Cluster.Host = "127.0.0.1"
	}
	if c.Tracking.MinDistanceM <= 0 {
		c.Tracking.MinDistanceM = 25
	}
	if c.Tracking.BatchSize <= 0 {
		c.Tracking.BatchSize = 20
	}
	if c.Tracking.DefaultSpeedMPS <= 0 {
		c.Tracking.DefaultSpeedMPS = 5.5
	}
	if c.Tracking.Detour < 1 {
		c.Tracking.Detour = 1.3
	}
	if c.Dispatch.RadiusM <= 0 {
		c.Dispatch.RadiusM = 5000
	}
	if c.Dispatch.Candidates <= 0 {
		c.Dispatch.Candidates = 20
	}
	if c.Dispatch.PositionsKey == "" {
		c.Dispatch.PositionsKey = "dabba:couriers:positions"
	}
	if c.Surge.RadiusM <= 0 {
		c.Surge.RadiusM = 5000
	}
	if c.Surge.StepBasisPoints <= 0 {
		c.Surge.StepBasisPoints = 2500
	}
	if c.Surge.MaxBasisPoints <= 0 {
		c.Surge.MaxBasisPoints = 20000
	}
	return c
}

// Deps are what the engine works with.
type Deps struct {
	// Store is the system of record itself, not the cache decorators: the
	// engine writes its hot state through to the cache on its own.
	Store store.Services
	// Kitchens keeps kitchen settings and load.
	Kitchens store.KitchenService
	// Dispatch claims and frees couriers.
	Dispatch store.CourierDispatch
	// Cache receives the hot state (order, status, tracking, capacity,
	// slots, pricing) under its key scheme and TTL classes, and the
	// order invalidations.
	Cache *cache.Cache
	// Redis holds the couriers' GEO positions.
	Redis redis.UniversalClient
	// Publisher carries order, location and kitchen events to websockets.
	Publisher realtime.Publisher
	// Logger receives the engine's log; protoactor's own chatter below
	// warnings is dropped. Default slog.Default().
	Logger *slog.Logger
}

func (d Deps) validate() error {
	var missing []error
	if d.Store.Orders == nil || d.Store.Restaurants == nil || d.Store.Couriers == nil {
		missing = append(missing, errors.New("Store.Orders, Store.Restaurants and Store.Couriers"))
	}
	if d.Kitchens == nil {
		missing = append(missing, errors.New("Kitchens"))
	}
	if d.Dispatch == nil {
		missing = append(missing, errors.New("Dispatch"))
	}
	if d.Cache == nil {
		missing = append(missing, errors.New("Cache"))
	}
	if d.Redis == nil {
		missing = append(missing, errors.New("Redis"))
	}
	if d.Publisher == nil {
		missing = append(missing, errors.New("Publisher"))
	}
	if len(missing) > 0 {
		return fmt.Errorf("actors: missing dependencies: %w", errors.Join(missing...))
	}
	return nil
}
