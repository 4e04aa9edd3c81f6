package devenv_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dabba/dabba/cmd/dabba/internal/devenv"
	"github.com/jackc/pgx/v5"
)

// stateDir returns a fresh development state folder. Run as root, the
// cluster belongs to the postgres user, who must be able to enter the
// folder's parent, which t.TempDir makes private.
func stateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestStartPostgres_KeepsDataAcrossRestartsAndReplacesALeftoverServer(t *testing.T) {
	// embedded-postgres leaves a log file in the temporary folder at every start.
	t.Setenv("TMPDIR", t.TempDir())
	ctx := t.Context()
	cfg := devenv.PostgresConfig{Dir: stateDir(t), Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}

	first := start(t, cfg)
	exec(t, first.URL, "CREATE TABLE notes (body text)")
	exec(t, first.URL, "INSERT INTO notes VALUES ('written by the first run')")
	if err := first.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}

	second := start(t, cfg)
	if second.Port != first.Port {
		t.Errorf("port changed across a restart: %d, then %d", first.Port, second.Port)
	}
	exec(t, second.URL, "INSERT INTO notes VALUES ('written by the second run')")
	// The second run "crashes": its server is never stopped.

	third := start(t, cfg)
	t.Cleanup(func() {
		if err := third.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	want := []string{"written by the first run", "written by the second run"}
	if got := notes(t, third.URL); !slices.Equal(got, want) {
		t.Errorf("notes after two restarts = %q, want %q", got, want)
	}
}

func start(t *testing.T, cfg devenv.PostgresConfig) *devenv.Postgres {
	t.Helper()
	pg, err := devenv.StartPostgres(t.Context(), cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return pg
}

func exec(t *testing.T, url, sql string) {
	t.Helper()
	conn := connect(t, url)
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func notes(t *testing.T, url string) []string {
	t.Helper()
	rows, err := connect(t, url).Query(t.Context(), "SELECT body FROM notes ORDER BY body")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}
