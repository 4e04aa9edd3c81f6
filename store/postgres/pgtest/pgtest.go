// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// database on the server named by TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable), with dabba's
// schema migrated, dropped when the test ends. Tests of any package may use
// it and run in parallel.
//
// Migrating a database for every test would be slow, so the schema is
// migrated once into a template database named after the migrations'
// checksum, and every test's database is a copy of it (CREATE DATABASE …
// TEMPLATE), which takes milliseconds. The template stays on the server for
// later runs and is replaced when the migrations change.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store/postgres"
)

// ServerURL is the URL of the test server's maintenance database, from
// TEST_DATABASE_URL or the default. It must be a URL, not a key=value string.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// New returns a DB on a fresh, migrated database of the test's own. The pool
// is closed and the database dropped when the test ends.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	dbURL := NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Small pools: many tests and packages share one server.
	db, err := postgres.Open(ctx, dbURL, postgres.Config{MaxConns: 8, ApplicationName: "dabba-test"})
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// NewURL creates a fresh, migrated database of the test's own and returns
// its URL, for code under test that opens its own pool. The database is
// dropped when the test ends, closing any connection still open.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	server, err := url.Parse(ServerURL())
	if err != nil {
		t.Fatalf("pgtest: TEST_DATABASE_URL is not a URL: %v", err)
	}
	admin, err := pgx.Connect(ctx, server.String())
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL at %s is not reachable (run the tests with `make test`, which starts one): %v", server.Redacted(), err)
	}
	defer admin.Close(ctx)

	template, err := ensureTemplate(ctx, admin, server)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := "dabba_test_" + randomHex(8)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(template)); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, server, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return withDatabase(server, name)
}

// ensureTemplate returns the name of the template database holding the
// current schema, building it first when no process has yet. An advisory
// lock lets one process build it while the others wait; the template is
// built under a scratch name and renamed when complete, so a template that
// exists is always whole.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, server *url.URL) (string, error) {
	template := "dabba_tpl_" + postgres.MigrationsChecksum()[:16]
	if ok, err := databaseExists(ctx, admin, template); err != nil || ok {
		return template, err
	}
	const lockKey = "dabba pgtest template"
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", lockKey); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer func() {
		// A failed unlock is released with the session, which ends soon.
		_, _ = admin.Exec(ctx, "SELECT pg_advisory_unlock(hashtext($1))", lockKey)
	}()
	if ok, err := databaseExists(ctx, admin, template); err != nil || ok {
		return template, err
	}
	scratch := template + "_build"
	for _, stmt := range []string{
		"DROP DATABASE IF EXISTS " + ident(scratch) + " WITH (FORCE)", // left by a crashed build
		"CREATE DATABASE " + ident(scratch),
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return "", fmt.Errorf("build template: %w", err)
		}
	}
	db, err := postgres.Open(ctx, withDatabase(server, scratch), postgres.Config{MaxConns: 2})
	if err != nil {
		return "", fmt.Errorf("build template: %w", err)
	}
	_, err = db.MigrateUp(ctx)
	db.Close()
	if err != nil {
		return "", fmt.Errorf("build template: %w", err)
	}
	for _, stmt := range []string{
		"ALTER DATABASE " + ident(scratch) + " RENAME TO " + ident(template),
		"COMMENT ON DATABASE " + ident(template) + " IS '" + time.Now().UTC().Format(time.RFC3339) + "'",
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return "", fmt.Errorf("build template: %w", err)
		}
	}
	dropStaleTemplates(ctx, admin, template)
	return template, nil
}

// staleTemplateAge is how old another schema's template must be before it
// is dropped: a checkout with other migrations (another branch, another
// developer) may be testing against the same server right now.
const staleTemplateAge = 24 * time.Hour

// dropStaleTemplates removes the templates of other migrations built more
// than staleTemplateAge ago (their comment is their build time). One still
// being copied from cannot be dropped and is left for a later run.
func dropStaleTemplates(ctx context.Context, admin *pgx.Conn, current string) {
	rows, _ := admin.Query(ctx, `SELECT datname FROM pg_database
		WHERE datname LIKE 'dabba\_tpl\_%' AND datname NOT LIKE '%\_build' AND datname <> $1
		AND coalesce(shobj_description(oid, 'pg_database'), '') < $2`,
		current, time.Now().UTC().Add(-staleTemplateAge).Format(time.RFC3339))
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range stale {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name))
	}
}

func databaseExists(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var exists bool
	err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("look up database %s: %w", name, err)
	}
	return exists, nil
}

func dropDatabase(ctx context.Context, server *url.URL, name string) error {
	admin, err := pgx.Connect(ctx, server.String())
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// withDatabase returns the server URL with its database replaced by name.
func withDatabase(server *url.URL, name string) string {
	u := *server
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
