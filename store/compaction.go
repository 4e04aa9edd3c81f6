package store

import (
	"context"
	"time"
)

// TrackingCompaction says which recorded courier positions a compaction
// pass keeps. Only finished deliveries are compacted: orders delivered,
// rejected or cancelled before FinishedBefore.
type TrackingCompaction struct {
	// FinishedBefore selects the orders whose positions are compacted: those
	// that reached a terminal status before this instant.
	FinishedBefore time.Time
	// Resolution keeps the first position of every Resolution-long stretch
	// of a delivery, and its last position, and deletes the rest; 0 deletes
	// every position of the selected orders.
	Resolution time.Duration
}

// TrackingCompactionResult reports one compaction pass.
type TrackingCompactionResult struct {
	// Orders is how many orders lost positions.
	Orders int64 `json:"orders" example:"120"`
	// PointsDeleted is how many positions were deleted.
	PointsDeleted int64 `json:"points_deleted" example:"8410"`
}

// TrackingCompactor thins out and deletes the courier positions of old
// deliveries, so the tracking table grows with the live deliveries rather
// than with history.
type TrackingCompactor interface {
	// CompactTracking applies c in batches. Compacting again with the same c
	// deletes nothing more.
	CompactTracking(ctx context.Context, c TrackingCompaction) (TrackingCompactionResult, error)
}
