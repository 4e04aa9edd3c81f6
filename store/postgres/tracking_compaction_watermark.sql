-- Where compaction at a resolution resumes: orders finished before this
-- instant are compacted already.
SELECT finished_before FROM tracking_compactions WHERE resolution_us = @resolution_us
