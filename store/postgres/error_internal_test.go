package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dabba/dabba/store"
)

// The SQLSTATEs a live server answers while it starts, stops or runs out of
// room cannot be provoked on the shared test server; their mapping is
// checked here on the errors pgx reports them as.
func TestStoreErrorUnavailableClasses(t *testing.T) {
	unavailable := map[string]error{
		"starting up, inside the connect error": &pgconn.ConnectError{},
		"57P01 admin shutdown":                  &pgconn.PgError{Code: "57P01"},
		"57P02 crash shutdown":                  &pgconn.PgError{Code: "57P02"},
		"57P03 cannot connect now":              &pgconn.PgError{Code: "57P03"},
		"08006 connection failure":              &pgconn.PgError{Code: "08006"},
		"53300 too many connections":            &pgconn.PgError{Code: "53300"},
		"57014 statement timeout":               &pgconn.PgError{Code: "57014"},
		"25006 read-only standby":               &pgconn.PgError{Code: "25006"},
		"unexpected EOF":                        fmt.Errorf("read: %w", io.ErrUnexpectedEOF),
		"deadline":                              context.DeadlineExceeded,
		"conn closed":                           errors.New("conn closed"),
	}
	for name, err := range unavailable {
		got := storeError("op", err)
		if store.KindOf(got) != store.EUNAVAILABLE || store.CodeOf(got) != "database_unavailable" {
			t.Errorf("%s: mapped to %v, want unavailable database_unavailable", name, got)
		}
	}
	// Only a request that could not connect certainly wrote nothing.
	if got := storeError("op", fmt.Errorf("begin: %w", &pgconn.ConnectError{})); !store.Unapplied(got) {
		t.Errorf("a failed connect is unapplied, mapped to %#v", got)
	}
	if got := storeError("op", fmt.Errorf("%w: %w", errNotBegun, io.EOF)); !store.Unapplied(got) {
		t.Errorf("a transaction that did not begin is unapplied, mapped to %#v", got)
	}
	if got := storeError("op", &pgconn.PgError{Code: "57P01"}); store.Unapplied(got) {
		t.Errorf("a session ended under a statement may have committed it, mapped to %#v", got)
	}
	if got := storeError("op", &pgconn.PgError{Code: "42P01"}); store.KindOf(got) != store.EINTERNAL {
		t.Errorf("an undefined table is a bug, mapped to %v", got)
	}
	if got := storeError("op", context.Canceled); !errors.Is(got, context.Canceled) {
		t.Errorf("the caller's cancellation must stay visible, mapped to %v", got)
	}
}
