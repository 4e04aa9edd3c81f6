package postgres

import (
	"context"
	_ "embed"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dabba/dabba/store"
)

var (
	//go:embed tracking_compact.sql
	trackingCompactSQL string
	//go:embed tracking_compaction_watermark.sql
	trackingCompactionWatermarkSQL string
	//go:embed tracking_compaction_save.sql
	trackingCompactionSaveSQL string
)

// compactionBatch is how many orders one compaction statement handles, so
// that no statement holds locks on the tracking table for long.
const compactionBatch = 200

// CompactTracking implements store.TrackingCompactor. It resumes after the
// orders a previous pass at the same resolution compacted, walks the newly
// finished ones in batches of one statement each, and records how far it
// got. Batches that two workers compact at once delete each position once.
func (db *DB) CompactTracking(ctx context.Context, c store.TrackingCompaction) (store.TrackingCompactionResult, error) {
	var res store.TrackingCompactionResult
	if c.Resolution < 0 {
		return res, store.Invalid(store.FieldError{Field: "resolution", Reason: "must not be negative"})
	}
	resolution := c.Resolution.Microseconds()
	before := instant(c.FinishedBefore)
	var cursorAt time.Time
	err := db.pool.QueryRow(ctx, trackingCompactionWatermarkSQL, pgx.NamedArgs{"resolution_us": resolution}).Scan(&cursorAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return res, storeError("compact tracking points", err)
	}
	var cursorID int64
	for {
		var (
			lastAt          *time.Time
			lastID          *int64
			orders, deleted int64
		)
		err := db.pool.QueryRow(ctx, trackingCompactSQL, pgx.NamedArgs{
			"cursor_at": cursorAt, "cursor_id": cursorID, "before": before,
			"batch": compactionBatch, "resolution_us": resolution,
		}).Scan(&lastAt, &lastID, &orders, &deleted)
		if err != nil {
			return res, storeError("compact tracking points", err)
		}
		res.Orders += orders
		res.PointsDeleted += deleted
		if lastID == nil {
			break
		}
		cursorAt, cursorID = *lastAt, *lastID
	}
	_, err = db.pool.Exec(ctx, trackingCompactionSaveSQL, pgx.NamedArgs{"resolution_us": resolution, "finished_before": before})
	if err != nil {
		return res, storeError("compact tracking points", err)
	}
	return res, nil
}
