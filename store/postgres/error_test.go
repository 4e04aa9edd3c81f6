package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

// A connection the server ends under the store (57P01, as a restart or a
// failover does) is "database unavailable", a 503 to retry — not an
// internal error.
func TestTerminatedConnectionsAreUnavailable(t *testing.T) {
	f := newFixture(t)
	r := f.restaurant()
	var database string
	if err := f.db.Pool().QueryRow(f.ctx, "SELECT current_database()").Scan(&database); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(f.ctx, pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	terminate := func() {
		t.Helper()
		if _, err := admin.Exec(f.ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", database); err != nil {
			t.Fatal(err)
		}
	}
	terminate()
	failures := 0
	for range 8 {
		_, err := f.Restaurants.Restaurant(f.ctx, r.ID)
		if err == nil {
			continue
		}
		failures++
		if store.KindOf(err) != store.EUNAVAILABLE || store.CodeOf(err) != "database_unavailable" {
			t.Fatalf("a read on a terminated connection failed with %v (kind %s), want unavailable database_unavailable", err, store.KindOf(err))
		}
	}
	if failures == 0 {
		t.Fatal("no read hit a terminated connection: the test proves nothing")
	}
}
