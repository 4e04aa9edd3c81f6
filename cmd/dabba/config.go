package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dabba/dabba/actors"
)

// Config is everything dabba can be told, from flags and the environment
// (a flag wins over its variable). README.md documents each entry.
type Config struct {
	// Env is "development" (embedded defaults, generated secrets, short
	// cache TTLs) or "production" (real servers and secrets required).
	Env string
	// HTTPAddr is where the API, websockets and web apps listen.
	HTTPAddr string
	// DatabaseURL is the PostgreSQL server; empty in development starts an
	// embedded one.
	DatabaseURL string
	// RedisURL is the Redis server; empty in development starts an
	// in-process one.
	RedisURL string
	// JWTSecret signs bearer tokens; empty in development means a secret
	// generated once and kept in DataDir.
	JWTSecret string
	// DataDir holds the embedded PostgreSQL's data and the development secret.
	DataDir string
	// DBMaxConns sizes the PostgreSQL connection pool.
	DBMaxConns int
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
	// Seed loads the demo data on start (default: on in development).
	Seed bool
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// CachePrefix starts every cache key.
	CachePrefix string
	// CacheTTLOverrides replaces entries of the TTL table, e.g.
	// "restaurants=10m,orders=2m".
	CacheTTLOverrides string
	// CacheStaleIfError is how long after it expired a catalogue entry may
	// answer while PostgreSQL is away; negative keeps no copies.
	CacheStaleIfError time.Duration
	// CacheSecret keys the HMAC of secure cache keys; empty derives one
	// from the JWT secret, so every node of a fleet agrees.
	CacheSecret string
	// CacheLocal enables the in-process tier for TTL classes, each with its
	// staleness cap, e.g. "restaurants=5s,menu_items=5s".
	CacheLocal string
	// NoCache serves every read from PostgreSQL (to measure the cache).
	NoCache bool
	// Simulate runs simulated customers, kitchens and couriers against the
	// node (make run turns it on, so the apps have something live to show).
	Simulate bool
	// ClusterEtcd are the etcd endpoints, comma-separated, through which
	// the tracking engines of several dabba nodes form one cluster; empty
	// runs a one-member cluster in this process.
	ClusterEtcd string
	// ClusterName names the cluster; the nodes of one deployment share it.
	ClusterName string
	// ClusterBind is the host:port this node's cluster remoting listens
	// on; port 0 picks a free one.
	ClusterBind string
	// ClusterAdvertise is the host:port the other nodes reach this node's
	// remoting at, when it differs from ClusterBind.
	ClusterAdvertise string
	// AcceptTimeout is how long a restaurant has to accept an order before
	// its actor rejects it (accept_timeout).
	AcceptTimeout time.Duration
}

// Production reports whether dabba runs in production mode.
func (c *Config) Production() bool { return c.Env == "production" }

// cluster is how this node's tracking engine joins its cluster.
func (c *Config) cluster() (actors.ClusterConfig, error) {
	cc := actors.ClusterConfig{Name: c.ClusterName, AdvertisedHost: c.ClusterAdvertise}
	for e := range strings.SplitSeq(c.ClusterEtcd, ",") {
		if e = strings.TrimSpace(e); e != "" {
			cc.Etcd = append(cc.Etcd, e)
		}
	}
	host, port, err := net.SplitHostPort(c.ClusterBind)
	if err == nil {
		cc.Port, err = strconv.Atoi(port)
	}
	if err != nil || cc.Port < 0 || cc.Port > 65535 {
		return cc, fmt.Errorf("cluster-bind ($DABBA_CLUSTER_BIND) must be host:port, got %q", c.ClusterBind)
	}
	cc.Host = host
	if c.ClusterAdvertise != "" {
		_, port, err := net.SplitHostPort(c.ClusterAdvertise)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 {
			return cc, fmt.Errorf("cluster-advertise ($DABBA_CLUSTER_ADVERTISE) must be host:port, got %q", c.ClusterAdvertise)
		}
		if cc.Port == 0 {
			return cc, errors.New("cluster-advertise ($DABBA_CLUSTER_ADVERTISE) needs a fixed port in cluster-bind ($DABBA_CLUSTER_BIND), which it forwards to")
		}
	}
	return cc, nil
}

// bindFlags registers the configuration flags on fs, with defaults taken
// from the environment, and returns a function that validates the result.
func (c *Config) bindFlags(fs *flag.FlagSet) func() error {
	var errs []error
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, envOr(env, def), usage+" ($"+env+")")
	}
	str(&c.Env, "env", "DABBA_ENV", "development", "development or production")
	str(&c.HTTPAddr, "http-addr", "DABBA_HTTP_ADDR", "127.0.0.1:8080", "listen address of the HTTP server")
	str(&c.DatabaseURL, "database-url", "DATABASE_URL", "", "PostgreSQL URL; empty starts an embedded PostgreSQL in development")
	str(&c.RedisURL, "redis-url", "REDIS_URL", "", "Redis URL; empty starts an in-process Redis in development")
	str(&c.JWTSecret, "jwt-secret", "DABBA_JWT_SECRET", "", "secret that signs bearer tokens (at least 32 bytes); generated in development")
	str(&c.DataDir, "data-dir", "DABBA_DATA_DIR", ".dabba", "folder for the embedded PostgreSQL's data and the development secret")
	str(&c.LogLevel, "log-level", "DABBA_LOG_LEVEL", "info", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "DABBA_LOG_FORMAT", "text", "text or json")
	str(&c.CachePrefix, "cache-prefix", "DABBA_CACHE_PREFIX", "zomato-enterprise-cache", "prefix of every cache key")
	str(&c.CacheTTLOverrides, "cache-ttl", "DABBA_CACHE_TTL_OVERRIDES", "", "TTL table overrides, e.g. restaurants=10m,orders=2m")
	str(&c.CacheSecret, "cache-secret", "DABBA_CACHE_SECRET", "", "HMAC secret of secure cache keys (default: derived from the JWT secret)")
	str(&c.CacheLocal, "cache-local", "DABBA_CACHE_LOCAL", "", "in-process cache tier per TTL class with its staleness cap, e.g. restaurants=5s,menu_items=5s")
	fs.BoolVar(&c.Simulate, "simulate", os.Getenv("DABBA_SIMULATE") == "true", "drive the node with simulated customers, kitchens and couriers (development) ($DABBA_SIMULATE)")
	str(&c.ClusterEtcd, "cluster-etcd", "DABBA_CLUSTER_ETCD", "", "etcd endpoints (comma-separated host:port) through which several nodes form one tracking cluster; empty runs a one-member cluster")
	str(&c.ClusterName, "cluster-name", "DABBA_CLUSTER_NAME", "dabba", "name of the tracking cluster; the nodes of one deployment share it")
	str(&c.ClusterBind, "cluster-bind", "DABBA_CLUSTER_BIND", "127.0.0.1:0", "host:port the tracking cluster's remoting listens on (port 0 picks a free one)")
	str(&c.ClusterAdvertise, "cluster-advertise", "DABBA_CLUSTER_ADVERTISE", "", "host:port other nodes reach this node's cluster remoting at (default: the bound address)")
	fs.BoolVar(&c.NoCache, "no-cache", os.Getenv("DABBA_NO_CACHE") == "true", "serve reads from PostgreSQL only, bypassing the cache ($DABBA_NO_CACHE)")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", envInt("DABBA_DB_MAX_CONNS", 20, &errs), "PostgreSQL pool size ($DABBA_DB_MAX_CONNS)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDuration("DABBA_SHUTDOWN_TIMEOUT", 20*time.Second, &errs), "graceful shutdown bound ($DABBA_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&c.CacheStaleIfError, "cache-stale-if-error", envDuration("DABBA_CACHE_STALE_IF_ERROR", 10*time.Minute, &errs), "how long an expired restaurant, menu or review entry still answers while PostgreSQL is away; negative: never ($DABBA_CACHE_STALE_IF_ERROR)")
	fs.DurationVar(&c.AcceptTimeout, "accept-timeout", envDuration("DABBA_ACCEPT_TIMEOUT", actors.DefaultAcceptTimeout, &errs), "how long a restaurant has to accept an order before it is rejected ($DABBA_ACCEPT_TIMEOUT)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", int64(envInt("DABBA_MAX_BODY_BYTES", 64<<10, &errs)), "largest request body accepted ($DABBA_MAX_BODY_BYTES)")
	seedDefault := os.Getenv("DABBA_SEED")
	fs.BoolVar(&c.Seed, "seed", seedDefault == "true" || (seedDefault == "" && envOr("DABBA_ENV", "development") == "development"),
		"load the demo data on start ($DABBA_SEED; default true in development)")
	return func() error {
		if c.Env != "development" && c.Env != "production" {
			errs = append(errs, fmt.Errorf("env must be development or production, got %q", c.Env))
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			errs = append(errs, fmt.Errorf("log-format must be text or json, got %q", c.LogFormat))
		}
		if c.AcceptTimeout <= 0 {
			errs = append(errs, fmt.Errorf("accept-timeout must be positive, got %s", c.AcceptTimeout))
		}
		if c.DBMaxConns < 1 {
			errs = append(errs, fmt.Errorf("db-max-conns must be at least 1, got %d", c.DBMaxConns))
		}
		return errors.Join(errs...)
	}
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int, errs *[]error) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		*errs = append(*errs, fmt.Errorf("$%s must be an integer, got %q", name, v))
		return def
	}
	return n
}

func envDuration(name string, def time.Duration, errs *[]error) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		*errs = append(*errs, fmt.Errorf("$%s must be a duration such as 30s, got %q", name, v))
		return def
	}
	return d
}
