package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change and whether the database has it.
type Migration struct {
	// Version orders the migrations; it is the number the file name starts with.
	Version int64
	// Name is the migration's file name, e.g. "00003_orders.sql".
	Name string
	// Applied reports whether the database has the change.
	Applied bool
	// AppliedAt is when it was applied, UTC; zero while pending.
	AppliedAt time.Time
}

// MigrateUp applies every pending migration and returns those it applied.
// Several processes may call it at once: a PostgreSQL advisory lock lets one
// of them migrate while the others wait.
func (db *DB) MigrateUp(ctx context.Context) ([]Migration, error) {
	var applied []Migration
	err := db.withMigrator(ctx, func(p *goose.Provider) error {
		results, err := p.Up(ctx)
		for _, r := range results {
			applied = append(applied, migrationOf(r.Source, true, time.Time{}))
		}
		return err
	})
	if err != nil {
		return applied, fmt.Errorf("migrate up: %w", err)
	}
	return applied, nil
}

// MigrateDown rolls back the most recently applied migration and returns
// it, or returns nil when no migration is applied.
func (db *DB) MigrateDown(ctx context.Context) (*Migration, error) {
	var undone *Migration
	err := db.withMigrator(ctx, func(p *goose.Provider) error {
		r, err := p.Down(ctx)
		if r != nil && err == nil {
			m := migrationOf(r.Source, false, time.Time{})
			undone = &m
		}
		return err
	})
	if errors.Is(err, goose.ErrNoNextVersion) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("migrate down: %w", err)
	}
	return undone, nil
}

// MigrationStatus lists every migration dabba knows, oldest first, with
// whether the database has it.
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	var all []Migration
	err := db.withMigrator(ctx, func(p *goose.Provider) error {
		status, err := p.Status(ctx)
		for _, s := range status {
			all = append(all, migrationOf(s.Source, s.State == goose.StateApplied, s.AppliedAt))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	return all, nil
}

// MigrationsChecksum identifies the embedded migrations: two builds with the
// same checksum create the same schema. Test helpers name template
// databases after it.
func MigrationsChecksum() string {
	h := sha256.New()
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		panic("postgres: bad migrations pattern: " + err.Error())
	}
	for _, name := range names { // fs.Glob returns them sorted
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			panic("postgres: unreadable embedded migration: " + err.Error())
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// withMigrator runs fn with a goose provider over the pool. The provider
// holds a session advisory lock while it migrates, so concurrent
// migrations of one database run one after the other.
func (db *DB) withMigrator(ctx context.Context, fn func(*goose.Provider) error) error {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	// Retry the lock every second for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, files, goose.WithSessionLocker(locker))
	if err != nil {
		return err
	}
	return fn(p)
}

func migrationOf(s *goose.Source, applied bool, at time.Time) Migration {
	m := Migration{Version: s.Version, Name: path.Base(s.Path), Applied: applied}
	if applied && !at.IsZero() {
		m.AppliedAt = at.UTC()
	}
	return m
}
