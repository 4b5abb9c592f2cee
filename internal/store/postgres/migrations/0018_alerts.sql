-- The early warning's alerts (预警): one row per episode of a subject's return rate above
-- its baseline; an open row is also the episode's state between runs. At most one open
-- alert per subject, whichever replica opens it.
CREATE TABLE alerts (
    id          text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('sku', 'category', 'merchant')),
    key         text NOT NULL,
    merchant    text NOT NULL,
    state       text NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at   timestamptz NOT NULL,
    closed_at   timestamptz,
    opened_day  text NOT NULL,
    loud_day    text NOT NULL,
    rate        double precision NOT NULL,
    baseline    double precision NOT NULL,
    volume      bigint NOT NULL,
    events      bigint NOT NULL,
    top_reasons json NOT NULL DEFAULT '[]',
    ack_by      text NOT NULL DEFAULT '',
    ack_at      timestamptz
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (kind, key, merchant) WHERE state = 'open';
CREATE INDEX alerts_merchant_opened ON alerts (merchant, opened_at DESC, id);
CREATE INDEX alerts_opened ON alerts (opened_at DESC, id);

-- The warning rules (warning.Rules as JSON): one row, replaced whole, each version once.
CREATE TABLE alert_rules (
    id         integer PRIMARY KEY CHECK (id = 1),
    version    bigint NOT NULL,
    body       json NOT NULL,
    updated_at timestamptz NOT NULL
);
