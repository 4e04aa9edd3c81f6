package store

import (
	"encoding/base64"
	"encoding/json"
)

// Page is one page of a list. Next is the opaque cursor of the following
// page, empty on the last one.
type Page[T any] struct {
	// Items on this page, in the list's order.
	Items []T `json:"items"`
	// Next is the cursor to pass as `cursor` for the following page; empty when this is the last page.
	Next string `json:"next_cursor,omitempty" example:"eyJpZCI6NDJ9"`
}

// PageRequest asks for one page of a list.
type PageRequest struct {
	// Limit is the page size; 0 means DefaultPageLimit.
	Limit int
	// Cursor is the Next of the previous page, or empty for the first page.
	Cursor string
}

// Page size bounds shared by every list.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// EffectiveLimit returns the page size to use, or an EINVALID error.
func (r PageRequest) EffectiveLimit() (int, error) {
	switch {
	case r.Limit == 0:
		return DefaultPageLimit, nil
	case r.Limit < 0 || r.Limit > MaxPageLimit:
		return 0, Invalid(FieldError{Field: "limit", Reason: "must be between 1 and 100"})
	}
	return r.Limit, nil
}

// EncodeCursor turns a keyset position into an opaque cursor.
func EncodeCursor(position any) string {
	b, err := json.Marshal(position)
	if err != nil {
		// Positions are plain structs of numbers and strings; marshalling
		// them cannot fail.
		panic("store: unmarshallable cursor position: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into position. A cursor
// that was not made by EncodeCursor is an EINVALID error naming "cursor".
func DecodeCursor(cursor string, position any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, position)
	}
	if err != nil {
		return Invalid(FieldError{Field: "cursor", Reason: "is not a cursor returned by this list"})
	}
	return nil
}
