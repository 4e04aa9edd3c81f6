package store

import (
	"errors"
	"fmt"
)

// ErrorKind classifies a failure so every layer can react to it without
// parsing messages. The HTTP layer maps each kind to a status in one place.
type ErrorKind string

// The kinds of failure the domain reports.
const (
	// EINVALID: the input breaks a rule (a field is missing, out of range, malformed).
	EINVALID ErrorKind = "invalid"
	// ENOTFOUND: the thing does not exist, or the caller may not know it exists.
	ENOTFOUND ErrorKind = "not_found"
	// ECONFLICT: the request is well formed but collides with current state
	// (a duplicate email, an illegal status move, a restaurant at capacity).
	ECONFLICT ErrorKind = "conflict"
	// EUNPROCESSABLE: the request is understood but cannot be carried out as
	// asked (an idempotency key reused with a different body, an order under
	// the restaurant's minimum).
	EUNPROCESSABLE ErrorKind = "unprocessable"
	// EUNAUTHORIZED: the caller is not authenticated.
	EUNAUTHORIZED ErrorKind = "unauthorized"
	// EFORBIDDEN: the caller is authenticated but may not do this.
	EFORBIDDEN ErrorKind = "forbidden"
	// EUNAVAILABLE: a dependency is down; retrying later may succeed.
	EUNAVAILABLE ErrorKind = "unavailable"
	// EINTERNAL: a bug or an unexpected failure.
	EINTERNAL ErrorKind = "internal"
)

// Error is a domain failure. Code is a stable, machine-readable reason within
// the kind (for example "restaurant_at_capacity"); clients switch on it, so a
// code never changes meaning once published.
type Error struct {
	// Kind is the class of failure.
	Kind ErrorKind
	// Code is the stable reason; empty means the kind itself is the reason.
	Code string
	// Message is a human-readable explanation, safe to show to the caller.
	Message string
	// Fields lists the offending input fields of an EINVALID error.
	Fields []FieldError
	// Unapplied, on an EUNAVAILABLE error, says that the request never
	// reached the database (it could not connect): nothing of it was
	// written. Without it, a write that failed may or may not have been
	// committed.
	Unapplied bool
}

// FieldError names one invalid input field and what is wrong with it.
type FieldError struct {
	// Field is the JSON path of the field, e.g. "items[2].quantity".
	Field string `json:"field" example:"items[0].quantity"`
	// Reason says what is wrong, e.g. "must be between 1 and 50".
	Reason string `json:"reason" example:"must be between 1 and 50"`
}

// Error implements error.
func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s (%s): %s", e.Kind, e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// Errorf returns an *Error of the given kind and code.
func Errorf(kind ErrorKind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Unapplied reports whether err says that nothing of the request reached
// the database (see Error.Unapplied).
func Unapplied(err error) bool {
	var se *Error
	return errors.As(err, &se) && se.Unapplied
}

// Invalid returns an EINVALID error naming the offending fields.
func Invalid(fields ...FieldError) *Error {
	msg := "the request is invalid"
	if len(fields) > 0 {
		msg = fields[0].Field + " " + fields[0].Reason
		if len(fields) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(fields)-1)
		}
	}
	return &Error{Kind: EINVALID, Code: "validation", Message: msg, Fields: fields}
}

// NotFound returns an ENOTFOUND error for the entity with the given ID.
func NotFound(entity string, id int64) *Error {
	return &Error{Kind: ENOTFOUND, Code: entity + "_not_found", Message: fmt.Sprintf("%s %d not found", entity, id)}
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// EINTERNAL for any other non-nil error and "" for nil.
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return EINTERNAL
}

// IsKind reports whether err is an *Error of the given kind.
func IsKind(err error, kind ErrorKind) bool {
	return err != nil && KindOf(err) == kind
}

// CodeOf returns the code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
