package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/redis/go-redis/v9"

	"github.com/dabba/dabba/api"
	"github.com/dabba/dabba/cmd/dabba/internal/devenv"
	"github.com/dabba/dabba/store/cache"
	"github.com/dabba/dabba/store/postgres"
)

// platform is what every command stands on: the database, Redis and the
// token signer, with the embedded development servers started when the
// configuration names no real ones.
type platform struct {
	cfg   Config
	log   *slog.Logger
	db    *postgres.DB
	redis *redis.Client
	// breaker guards redis for every user of it (see cache.Guard).
	breaker *cache.Breaker
	tokens  *api.Tokens
	stops   []func()
}

// needs says which parts of the platform a command uses.
type needs struct {
	db, redis, migrate bool
}

func openPlatform(ctx context.Context, cfg Config, log *slog.Logger, n needs) (_ *platform, err error) {
	p := &platform{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.tokens, err = signer(cfg); err != nil {
		return nil, err
	}
	if n.db {
		if err := p.openDatabase(ctx, n.migrate); err != nil {
			return nil, err
		}
	}
	if n.redis {
		if err := p.openRedis(ctx); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// signer returns the token signer of cfg: its secret, or in development
// the generated one kept in the data folder.
func signer(cfg Config) (*api.Tokens, error) {
	secret := cfg.JWTSecret
	if secret == "" {
		if cfg.Production() {
			return nil, errors.New("production needs DABBA_JWT_SECRET (at least 32 random bytes, e.g. `openssl rand -hex 32`)")
		}
		s, err := devenv.SigningSecret(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("development signing secret: %w", err)
		}
		secret = s
	}
	return api.NewTokens([]byte(secret))
}

func (p *platform) openDatabase(ctx context.Context, migrate bool) error {
	url := p.cfg.DatabaseURL
	if url == "" {
		if p.cfg.Production() {
			return errors.New("production needs DATABASE_URL (the embedded PostgreSQL is for development only)")
		}
		p.log.Info("DATABASE_URL is not set: starting the embedded PostgreSQL", "dir", filepath.Join(p.cfg.DataDir, "pg"))
		pg, err := devenv.StartPostgres(ctx, devenv.PostgresConfig{Dir: p.cfg.DataDir, Logger: p.log})
		if err != nil {
			return fmt.Errorf("start embedded PostgreSQL: %w", err)
		}
		p.stops = append(p.stops, func() {
			if err := pg.Stop(context.Background()); err != nil {
				p.log.Warn("stop embedded PostgreSQL", "error", err)
			}
		})
		url = pg.URL
	}
	db, err := postgres.Open(ctx, url, postgres.Config{MaxConns: int32(p.cfg.DBMaxConns)})
	if err != nil {
		return err
	}
	p.db = db
	p.stops = append(p.stops, db.Close)
	if migrate {
		applied, err := db.MigrateUp(ctx)
		if err != nil {
			return err
		}
		for _, m := range applied {
			p.log.Info("applied migration", "version", m.Version, "name", m.Name)
		}
	}
	return nil
}

func (p *platform) openRedis(ctx context.Context) error {
	url := p.cfg.RedisURL
	if url == "" {
		if p.cfg.Production() {
			return errors.New("production needs REDIS_URL (the in-process Redis is for development only)")
		}
		p.log.Info("REDIS_URL is not set: starting an in-process Redis (miniredis)")
		r, err := devenv.StartRedis()
		if err != nil {
			return err
		}
		p.stops = append(p.stops, r.Stop)
		url = r.URL
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("parse REDIS_URL: %w", err)
	}
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return fmt.Errorf("connect to redis: %w", err)
	}
	p.redis = c
	p.breaker = cache.Guard(c, cache.BreakerConfig{})
	p.stops = append(p.stops, func() { _ = c.Close() })
	return nil
}

// Close stops what openPlatform started, last first.
func (p *platform) Close() {
	for i := len(p.stops) - 1; i >= 0; i-- {
		p.stops[i]()
	}
	p.stops = nil
}
