package postgres_test

import (
	"testing"

	"github.com/dabba/dabba/store"
	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

func TestPing_AnswersWhileTheDatabaseIsUp(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestOpen_UnreachableServerIsAnError(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(t.Context(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", postgres.Config{})
	if err == nil {
		t.Fatal("Open succeeded against a port nobody listens on")
	}
	wantKind(t, err, store.EUNAVAILABLE, "database_unavailable")
}

func TestOpen_SizesThePoolFromConfig(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	for _, tc := range []struct {
		cfg  postgres.Config
		want int32
	}{
		{postgres.Config{}, postgres.DefaultMaxConns},
		{postgres.Config{MaxConns: 3}, 3},
	} {
		db, err := postgres.Open(t.Context(), dbURL, tc.cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		got := db.Pool().Config().MaxConns
		db.Close()
		if got != tc.want {
			t.Errorf("Open(%+v) pool size = %d, want %d", tc.cfg, got, tc.want)
		}
	}
}
