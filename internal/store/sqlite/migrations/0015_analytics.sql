-- Reports (store.Analytics, store.Reporting): the aggregates reports read (cells), what
-- each source record last added to them (contributions), the records changed since they
-- were last folded in (dirty marks), scheduled reports and the merchants' monthly
-- scorecards. Times are INTEGER Unix microseconds (UTC); NULL where a time may be absent.

-- The cells: one metric's facts (n counted, sum of their values) for a merchant, a day
-- (YYYY-MM-DD, China Standard Time) and one key (k1, k2) of one dimension. The key leads
-- with what every query names (dim, metric), then the merchant and the day, so that a
-- merchant's report over a range of days is one range of the primary key.
CREATE TABLE report_cells (
    dim      TEXT NOT NULL,
    metric   TEXT NOT NULL,
    merchant TEXT NOT NULL,
    day      TEXT NOT NULL,
    k1       TEXT NOT NULL,
    k2       TEXT NOT NULL,
    n        INTEGER NOT NULL,
    sum      INTEGER NOT NULL,
    PRIMARY KEY (dim, metric, merchant, day, k1, k2)
) WITHOUT ROWID;
-- The platform's reports (every merchant) over a range of days, of every key or of one
-- (a category's trend, a SKU's).
CREATE INDEX report_cells_day ON report_cells (dim, metric, day);
CREATE INDEX report_cells_key_day ON report_cells (dim, metric, k1, day);

-- What each record (case, order, complaint, review) last added to the cells: package
-- analytics' facts as JSON.
CREATE TABLE report_contributions (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    facts      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- Records changed since they were last folded into the cells, oldest mark first; seq
-- moves with every mark, so that a mark made after a folder read it survives the
-- folder's clearing.
CREATE TABLE report_dirty (
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    marked_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX report_dirty_marked ON report_dirty (marked_at, kind, id);

-- Reports sent by themselves: due ones soonest first, a merchant's by id.
CREATE TABLE report_schedules (
    id         TEXT PRIMARY KEY,
    merchant   TEXT NOT NULL,           -- '' the platform's
    owner      TEXT NOT NULL,
    report     TEXT NOT NULL,
    params     TEXT,                    -- JSON; NULL none
    frequency  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    target     TEXT NOT NULL,
    secret     TEXT NOT NULL,           -- signs webhook deliveries; '' for email
    format     TEXT NOT NULL,
    lang       TEXT NOT NULL,
    next_at    INTEGER NOT NULL,
    last_at    INTEGER,                 -- NULL until sent once
    last_error TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX report_schedules_next ON report_schedules (next_at, id);
CREATE INDEX report_schedules_merchant ON report_schedules (merchant, id);

-- The merchants' monthly scorecards (YYYY-MM): a month's by score, a merchant's latest by
-- the primary key.
CREATE TABLE scorecards (
    merchant    TEXT NOT NULL,
    month       TEXT NOT NULL,
    score       REAL NOT NULL,
    tier        TEXT NOT NULL,
    figures     TEXT,                   -- JSON; NULL none
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (merchant, month)
) WITHOUT ROWID;
CREATE INDEX scorecards_month_score ON scorecards (month, score DESC, merchant);

-- The scorecard rules (analytics.ScorecardRules as JSON, kept byte for byte): one row,
-- replaced whole, each version once; none until an admin saves some (the defaults apply).
CREATE TABLE scorecard_rules (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
