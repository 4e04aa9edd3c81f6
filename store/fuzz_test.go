package store_test

import (
	"errors"
	"math"
	"testing"

	"github.com/dabba/dabba/store"
)

// cursorPosition has the shape of the keyset positions store/postgres
// encodes (an ID, and a distance for the nearby search), so the fuzzer
// works on the cursors clients really hold.
type cursorPosition struct {
	DistanceM float64 `json:"d"`
	ID        int64   `json:"id"`
}

// FuzzDecodeCursor checks both directions of the cursor format: a position
// survives EncodeCursor and DecodeCursor unchanged, and a cursor a client
// made up is either refused with the EINVALID error naming "cursor" that
// the API turns into a 400, or read as a position that encodes back to a
// cursor reading the same position. Cursors arrive in query strings, so
// any string must be safe to pass.
func FuzzDecodeCursor(f *testing.F) {
	for _, c := range []struct {
		cursor string
		d      float64
		id     int64
	}{
		{store.EncodeCursor(cursorPosition{ID: 42}), 1250.5, 42},
		{store.EncodeCursor(cursorPosition{DistanceM: 0.25, ID: 1}), 0, math.MaxInt64},
		{"eyJpZCI6NDJ9", -1, math.MinInt64}, // {"id":42}
		{"", 0, 0},
		{"not a cursor", 0, 0},
		{"eyJpZCI6", 0, 0},        // {"id": cut short
		{"eyJpZCI6NDJ9==", 0, 0},  // padded, which RawURLEncoding refuses
		{"bnVsbA", 0, 0},          // null
		{"WzEsMl0", 0, 0},         // [1,2]
		{"eyJpZCI6IjQyIn0", 0, 0}, // {"id":"42"}
	} {
		f.Add(c.cursor, c.d, c.id)
	}
	f.Fuzz(func(t *testing.T, cursor string, d float64, id int64) {
		// JSON has no NaN or infinity, and a distance is never either.
		if !math.IsNaN(d) && !math.IsInf(d, 0) {
			want := cursorPosition{DistanceM: d, ID: id}
			var got cursorPosition
			if err := store.DecodeCursor(store.EncodeCursor(want), &got); err != nil || got != want {
				t.Fatalf("position %+v came back as %+v, %v", want, got, err)
			}
		}

		var p cursorPosition
		err := store.DecodeCursor(cursor, &p)
		if err != nil {
			var e *store.Error
			if !errors.As(err, &e) || e.Kind != store.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" {
				t.Fatalf("DecodeCursor(%q) = %#v, want an EINVALID error naming cursor", cursor, err)
			}
			return
		}
		var again cursorPosition
		if err := store.DecodeCursor(store.EncodeCursor(p), &again); err != nil || again != p {
			t.Fatalf("cursor %q read as %+v, which re-encoded reads as %+v, %v", cursor, p, again, err)
		}
	})
}
