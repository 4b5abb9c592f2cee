-- Reports (store.Analytics, store.Reporting): the aggregates reports read (cells), what
-- each source record last added to them (contributions), the records changed since they
-- were last folded in (dirty marks), scheduled reports and the merchants' monthly
-- scorecards. Keys compare byte-wise (COLLATE "C"), as in SQLite.

-- The cells: one metric's facts (n counted, sum of their values) for a merchant, a day
-- (YYYY-MM-DD, China Standard Time) and one key (k1, k2) of one dimension. The key leads
-- with what every query names (dim, metric), then the merchant and the day, so that a
-- merchant's report over a range of days is one range of the primary key.
CREATE TABLE report_cells (
    dim      text COLLATE "C" NOT NULL,
    metric   text COLLATE "C" NOT NULL,
    merchant text COLLATE "C" NOT NULL,
    day      text COLLATE "C" NOT NULL,
    k1       text COLLATE "C" NOT NULL,
    k2       text COLLATE "C" NOT NULL,
    n        bigint NOT NULL,
    sum      bigint NOT NULL,
    PRIMARY KEY (dim, metric, merchant, day, k1, k2)
);
-- The platform's reports (every merchant) over a range of days, of every key or of one
-- (a category's trend, a SKU's).
CREATE INDEX report_cells_day ON report_cells (dim, metric, day);
CREATE INDEX report_cells_key_day ON report_cells (dim, metric, k1, day);

-- What each record (case, order, complaint, review) last added to the cells: package
-- analytics' facts as JSON, kept as text (byte for byte).
CREATE TABLE report_contributions (
    kind       text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    facts      text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Records changed since they were last folded into the cells, oldest mark first; seq
-- moves with every mark, so that a mark made after a folder read it survives the
-- folder's clearing.
CREATE TABLE report_dirty (
    kind      text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    seq       bigint NOT NULL,
    marked_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX report_dirty_marked ON report_dirty (marked_at, kind, id);

-- Reports sent by themselves: due ones soonest first, a merchant's by id.
CREATE TABLE report_schedules (
    id         text COLLATE "C" PRIMARY KEY,
    merchant   text COLLATE "C" NOT NULL,  -- '' the platform's
    owner      text NOT NULL,
    report     text NOT NULL,
    params     json,                       -- NULL none
    frequency  text NOT NULL,
    channel    text NOT NULL,
    target     text NOT NULL,
    secret     text NOT NULL,              -- signs webhook deliveries; '' for email
    format     text NOT NULL,
    lang       text NOT NULL,
    next_at    timestamptz NOT NULL,
    last_at    timestamptz,                -- NULL until sent once
    last_error text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX report_schedules_next ON report_schedules (next_at, id);
CREATE INDEX report_schedules_merchant ON report_schedules (merchant, id);

-- The merchants' monthly scorecards (YYYY-MM): a month's by score, a merchant's latest by
-- the primary key.
CREATE TABLE scorecards (
    merchant    text COLLATE "C" NOT NULL,
    month       text COLLATE "C" NOT NULL,
    score       double precision NOT NULL,
    tier        text NOT NULL,
    figures     json,                      -- NULL none
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (merchant, month)
);
CREATE INDEX scorecards_month_score ON scorecards (month, score DESC, merchant);

-- The scorecard rules (analytics.ScorecardRules as JSON, kept byte for byte): one row,
-- replaced whole, each version once; none until an admin saves some (the defaults apply).
CREATE TABLE scorecard_rules (
    id         integer PRIMARY KEY CHECK (id = 1),
    version    bigint NOT NULL,
    body       json NOT NULL,
    updated_at timestamptz NOT NULL
);
