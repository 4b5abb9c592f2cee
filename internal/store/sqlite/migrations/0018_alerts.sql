-- The early warning's alerts (预警): one row per episode of a subject's return rate above
-- its baseline; an open row is also the episode's state between runs. At most one open
-- alert per subject, whichever replica opens it.
CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('sku', 'category', 'merchant')),
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
CREATE UNIQUE INDEX alerts_one_open ON alerts (kind, key, merchant) WHERE state = 'open';
CREATE INDEX alerts_merchant_opened ON alerts (merchant, opened_at DESC, id);
CREATE INDEX alerts_opened ON alerts (opened_at DESC, id);

-- The warning rules (warning.Rules as JSON): one row, replaced whole, each version once.
CREATE TABLE alert_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
