-- Emergency plans (应急预案): the plan document (package plan's Plan as JSON) and where
-- it stands, and each plan's history.
CREATE TABLE plans (
    id           text PRIMARY KEY,
    doc          text NOT NULL,
    state        text NOT NULL CHECK (state IN ('draft', 'active', 'ended')),
    version      bigint NOT NULL,
    activated_at timestamptz,
    activated_by text NOT NULL DEFAULT '',
    ends_at      timestamptz,
    ended_at     timestamptz,
    clear_since  timestamptz,
    created_at   timestamptz NOT NULL
);
CREATE INDEX plans_state ON plans (state, created_at, id);

CREATE TABLE plan_events (
    plan_id text NOT NULL REFERENCES plans (id),
    seq     bigint NOT NULL,
    kind    text NOT NULL,
    actor   text NOT NULL,
    detail  text,
    at      timestamptz NOT NULL,
    PRIMARY KEY (plan_id, seq)
);
