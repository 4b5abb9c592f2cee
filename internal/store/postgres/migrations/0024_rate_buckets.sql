-- Rate limits the replicas share (store.RateBuckets, httpapi): one row per token bucket —
-- a principal's, an address's — holding its theoretical arrival time (GCRA) in microseconds
-- since the Unix epoch, and its span, (burst − 1) × interval in microseconds. Every API
-- write updates a row, so the table is UNLOGGED: no WAL for it, and after a crash the
-- buckets start full, which costs nothing but a moment's generosity. Rows of full buckets
-- (tat ≤ now) are swept now and then; the table holds the keys active in the last refill
-- period, and the sweep reads all of it.
CREATE UNLOGGED TABLE rate_buckets (
    key  text COLLATE "C" PRIMARY KEY,
    tat  bigint NOT NULL,
    span bigint NOT NULL CHECK (span >= 0)
);

