-- Records a rollup's run; the watermark never moves back.
INSERT INTO analytics_rollups (name, watermark, ran_at)
VALUES (@rollup, @watermark, now())
ON CONFLICT (name) DO UPDATE
SET watermark = greatest(analytics_rollups.watermark, excluded.watermark),
    ran_at = excluded.ran_at
