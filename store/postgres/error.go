package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dabba/dabba/store"
)

// storeError is the one place a failure of operation op becomes what the
// store's callers can act on: store errors pass through unchanged, database
// refusals become store errors of the fitting kind, and anything else stays
// an internal error wrapped with op.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	// The caller's own cancellation stays what it is: the client went away.
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if unreachable(err) {
		var ce *pgconn.ConnectError
		return &store.Error{Kind: store.EUNAVAILABLE, Code: "database_unavailable",
			Message:   op + ": the database is unavailable; retry shortly",
			Unapplied: errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, errNotBegun)}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if mapped := refusal(pe); mapped != nil {
			return mapped
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unreachable reports whether err means the database cannot serve now —
// it is down, starting, shutting down, out of connections, failing over
// or did not answer in time — rather than that it refused the request.
// Checked before the SQLSTATE refusals: a failed connection carries the
// server's PgError (57P03 "starting up") inside its ConnectError.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources: too many connections, out of memory or disk
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // admin/crash shutdown, cannot connect now
			pe.Code == "57014", // query canceled: a statement timeout
			pe.Code == "25006": // read-only transaction: a standby after failover
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || pgconn.Timeout(err) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, context.DeadlineExceeded) || isClosedConn(err)
}

// isClosedConn matches pgconn's "conn closed" of a connection that died
// under a query and pgxpool's "closed pool"; neither is exported.
func isClosedConn(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool")
}

// orNotFound turns "no rows" into ENOTFOUND for the entity with id; other
// errors pass through.
func orNotFound(err error, entity string, id int64) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.NotFound(entity, id)
	}
	return err
}

// refusal maps a PostgreSQL error that refuses the data (a constraint, a
// value out of range) or the moment (a deadlock) to a store error, or
// returns nil for errors that are failures of the system.
func refusal(pe *pgconn.PgError) *store.Error {
	// Constraints whose violation has a meaning of its own.
	switch pe.ConstraintName {
	case "customers_email_key":
		return store.Errorf(store.ECONFLICT, "email_taken", "the email belongs to another customer")
	case "reviews_order_id_key":
		return store.Errorf(store.ECONFLICT, "review_exists", "the order has been reviewed already")
	case "tracking_points_order_fkey":
		return store.Errorf(store.ENOTFOUND, "order_not_found", "a tracking point names an order that does not exist")
	case "tracking_points_courier_fkey":
		return store.Errorf(store.ENOTFOUND, "courier_not_found", "a tracking point names a courier that does not exist")
	}
	switch pe.Code {
	case "23505": // unique_violation
		return store.Errorf(store.ECONFLICT, "duplicate", "it conflicts with an existing record (%s)", pe.ConstraintName)
	case "23503": // foreign_key_violation
		return store.Errorf(store.ECONFLICT, "reference_violation", "it refers to a record that does not exist or is still referred to (%s)", pe.ConstraintName)
	case "23514", "23502": // check_violation, not_null_violation
		return store.Errorf(store.EINVALID, "constraint_violation", "a value breaks a rule of the record (%s)", violated(pe))
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return store.Errorf(store.EUNAVAILABLE, "retry", "the change collided with another one; retry it")
	}
	// Class 22, data exception: a value out of range or malformed, such as
	// an overflowing amount or a time zone PostgreSQL does not know.
	if len(pe.Code) == 5 && pe.Code[:2] == "22" {
		return store.Errorf(store.EINVALID, "invalid_value", "a value is out of range or malformed: %s", pe.Message)
	}
	return nil
}

// violated names what a check or not-null violation is about.
func violated(pe *pgconn.PgError) string {
	if pe.ConstraintName != "" {
		return pe.ConstraintName
	}
	return pe.TableName + "." + pe.ColumnName
}
