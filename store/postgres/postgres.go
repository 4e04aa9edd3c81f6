// Package postgres is dabba's system of record: it implements the service
// interfaces of package store over PostgreSQL with pgx.
//
// The schema lives in embedded, versioned goose migrations (migrations/*.sql)
// that DB.MigrateUp applies. Every statement the services run lives in a .sql
// file next to the Go file that runs it; the SQL uses pgx named arguments
// (@name). Constraints in the schema (foreign keys, checks, uniques) back up
// the validation the store types do in Go, and errors from PostgreSQL are
// turned into store errors in one place (error.go).
package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dabba/dabba/store"
)

// DefaultMaxConns is the pool size when Config.MaxConns is 0. pgx's own
// default, max(4, CPUs), starves an API that serves many requests at once.
const DefaultMaxConns = 20

// Config tunes the connection pool. The zero value is ready to use.
type Config struct {
	// MaxConns is the most connections the pool opens; 0 means DefaultMaxConns.
	MaxConns int32
	// MinConns is how many connections the pool keeps open while idle.
	MinConns int32
	// MaxConnLifetime is how long a connection is used before it is replaced;
	// 0 keeps pgx's default of one hour.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime is how long an idle connection stays open; 0 keeps
	// pgx's default of 30 minutes.
	MaxConnIdleTime time.Duration
	// ApplicationName is how the connections appear in pg_stat_activity;
	// empty means "dabba".
	ApplicationName string
}

// DB is dabba's PostgreSQL database: a connection pool and the services
// built on it. It is safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to the PostgreSQL server at databaseURL
// (postgres://user@host:port/db?sslmode=…) and checks that it answers. It
// does not migrate the schema; call MigrateUp for that.
func Open(ctx context.Context, databaseURL string, cfg Config) (*DB, error) {
	pc, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open database: parse URL: %w", err)
	}
	pc.MaxConns = DefaultMaxConns
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	pc.MinConns = min(cfg.MinConns, pc.MaxConns)
	if cfg.MaxConnLifetime > 0 {
		pc.MaxConnLifetime = cfg.MaxConnLifetime
	}
	if cfg.MaxConnIdleTime > 0 {
		pc.MaxConnIdleTime = cfg.MaxConnIdleTime
	}
	params := pc.ConnConfig.RuntimeParams
	params["application_name"] = cmp.Or(cfg.ApplicationName, "dabba")
	params["timezone"] = "UTC"
	// The list queries take optional filters as "@x IS NULL OR column = @x".
	// A cached generic plan cannot use an index for such a filter, so every
	// execution is planned for its actual arguments instead.
	params["plan_cache_mode"] = "force_custom_plan"
	pc.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		// Timestamps come back in UTC, whatever the process's local zone.
		conn.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// Ping checks that the database answers, for readiness probes. A failure is
// EUNAVAILABLE.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return &store.Error{Kind: store.EUNAVAILABLE, Code: "database_unavailable",
			Message: "the database does not answer: " + err.Error()}
	}
	return nil
}

// Close waits for borrowed connections to be returned and closes the pool.
func (db *DB) Close() { db.pool.Close() }

// Pool is the connection pool, for packages that run SQL of their own (the
// analytics rollups) against the same database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Services returns every domain service backed by this database.
func (db *DB) Services() store.Services {
	return store.Services{
		Restaurants: &restaurants{db: db},
		Menus:       &menus{db: db},
		Customers:   &customers{db: db},
		Couriers:    &couriers{db: db},
		Orders:      &orders{db: db},
		Reviews:     &reviews{db: db},
	}
}

// querier is what both the pool and a transaction can run.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// inTx runs fn in one READ COMMITTED transaction, committed when fn returns
// nil and rolled back otherwise. The isolation level is explicit because
// PlaceOrder's idempotency relies on statements seeing rows other
// transactions committed meanwhile.
//
// A transaction that fails to begin wrote nothing, whatever the error
// (errNotBegun; storeError makes it store.Unapplied).
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) (err error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("%w: %w", errNotBegun, err)
	}
	defer func() {
		if rerr := tx.Rollback(ctx); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) && err == nil {
			err = rerr
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// errNotBegun: a transaction failed to begin, so nothing of it reached the
// database.
var errNotBegun = errors.New("the transaction did not begin")

// now is the instant a change happens when the caller did not say, in UTC
// and at the microsecond precision PostgreSQL stores.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// instant returns t in UTC at PostgreSQL's precision, or now when t is zero.
func instant(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return t.UTC().Truncate(time.Microsecond)
}
