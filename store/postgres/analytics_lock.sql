-- Makes runs of one rollup take turns: the lock is held until the
-- transaction ends.
SELECT pg_advisory_xact_lock(hashtext('dabba analytics rollup'), hashtext(@rollup))
