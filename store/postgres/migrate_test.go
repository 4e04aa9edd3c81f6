package postgres_test

import (
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store/postgres"
	"github.com/dabba/dabba/store/postgres/pgtest"
)

func TestMigrations_RollBackOneAtATimeAndReapply(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := t.Context()
	status, err := db.MigrationStatus(ctx)
	if err != nil {
		t.Fatalf("MigrationStatus: %v", err)
	}
	if len(status) == 0 {
		t.Fatal("no migrations")
	}
	for _, m := range status {
		if !m.Applied || m.AppliedAt.IsZero() {
			t.Errorf("migration %s of a fresh test database is not applied", m.Name)
		}
	}
	for i := len(status) - 1; i >= 0; i-- {
		undone, err := db.MigrateDown(ctx)
		if err != nil {
			t.Fatalf("MigrateDown: %v", err)
		}
		if undone == nil || undone.Version != status[i].Version || undone.Applied {
			t.Fatalf("MigrateDown undid %+v, want %s", undone, status[i].Name)
		}
	}
	if undone, err := db.MigrateDown(ctx); err != nil || undone != nil {
		t.Errorf("MigrateDown with nothing applied = %+v, %v; want nil, nil", undone, err)
	}
	var leftover []string
	rows, _ := db.Pool().Query(ctx, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relname NOT LIKE 'goose\_db\_version%'
		UNION ALL
		SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'public'`)
	leftover, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(leftover) != 0 {
		t.Errorf("left after rolling everything back: %v (err %v), want nothing", leftover, err)
	}

	// Nodes of one deployment start together: each applies what is pending
	// and together they apply each migration once.
	var (
		mu      sync.Mutex
		applied []postgres.Migration
		wg      sync.WaitGroup
	)
	for range 2 {
		wg.Go(func() {
			ms, err := db.MigrateUp(ctx)
			if err != nil {
				t.Errorf("MigrateUp: %v", err)
			}
			mu.Lock()
			applied = append(applied, ms...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(applied) != len(status) {
		t.Errorf("concurrent MigrateUp applied %d migrations, want %d", len(applied), len(status))
	}
	after, err := db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range after {
		if !m.Applied {
			t.Errorf("migration %s not applied again", m.Name)
		}
	}
}
