-- Emergency plans (应急预案): the plan document (package plan's Plan as JSON) and where
-- it stands, and each plan's history. Times are INTEGER Unix microseconds (UTC); NULL
-- where a time may be absent.
CREATE TABLE plans (
    id           TEXT PRIMARY KEY,
    doc          TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'active', 'ended')),
    version      INTEGER NOT NULL,
    activated_at INTEGER,
    activated_by TEXT NOT NULL DEFAULT '',
    ends_at      INTEGER,
    ended_at     INTEGER,
    clear_since  INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX plans_state ON plans (state, created_at, id);

CREATE TABLE plan_events (
    plan_id TEXT NOT NULL REFERENCES plans (id),
    seq     INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    actor   TEXT NOT NULL,
    detail  TEXT,
    at      INTEGER NOT NULL,
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;
