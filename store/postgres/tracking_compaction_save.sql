-- Records how far compaction at a resolution got; it never moves back.
INSERT INTO tracking_compactions (resolution_us, finished_before)
VALUES (@resolution_us, @finished_before)
ON CONFLICT (resolution_us) DO UPDATE
SET finished_before = greatest(tracking_compactions.finished_before, excluded.finished_before)
