-- Where a rollup resumes: orders changed since this instant touch the
-- buckets it recomputes.
SELECT watermark FROM analytics_rollups WHERE name = @rollup
