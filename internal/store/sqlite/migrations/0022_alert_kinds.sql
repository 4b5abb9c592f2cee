-- The early warning watches a shop's complaint rate too (kind merchant_complaints).
-- SQLite cannot change a CHECK: the table is built again with its rows and indexes.
CREATE TABLE alerts_new (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('sku', 'category', 'merchant', 'merchant_complaints')),
    key         TEXT NOT NULL,
    merchant    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at   INTEGER NOT NULL,
    closed_at   INTEGER,
    opened_day  TEXT NOT NULL,
    loud_day    TEXT NOT NULL,
    rate        REAL NOT NULL,
    baseline    REAL NOT NULL,
    volume      INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    top_reasons TEXT NOT NULL DEFAULT '[]',
    ack_by      TEXT NOT NULL DEFAULT '',
    ack_at      INTEGER
);
INSERT INTO alerts_new SELECT id, kind, key, merchant, state, opened_at, closed_at, opened_day, loud_day,
    rate, baseline, volume, events, top_reasons, ack_by, ack_at FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE UNIQUE INDEX alerts_one_open ON alerts (kind, key, merchant) WHERE state = 'open';
CREATE INDEX alerts_merchant_opened ON alerts (merchant, opened_at DESC, id);
CREATE INDEX alerts_opened ON alerts (opened_at DESC, id);
