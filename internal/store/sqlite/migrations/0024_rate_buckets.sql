-- Rate limits kept in the database (store.RateBuckets): one row per token bucket, its
-- theoretical arrival time (GCRA) in microseconds since the Unix epoch and its span,
-- (burst − 1) × interval in microseconds. On SQLite one process serves, and keeps its
-- limits in memory (httpapi); the table is here so that both stores do the same.
CREATE TABLE rate_buckets (
    key  TEXT PRIMARY KEY,
    tat  INTEGER NOT NULL,
    span INTEGER NOT NULL CHECK (span >= 0)
) WITHOUT ROWID;

