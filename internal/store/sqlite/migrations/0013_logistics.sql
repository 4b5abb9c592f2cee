-- Logistics, tasks, notifications and webhooks (store.Logistics, store.Notifications,
-- store.Webhooks), and where staff and customers get email. Times are INTEGER Unix
-- microseconds (UTC); NULL where a time may be absent.

-- Shipments (package logistics): a row per parcel, keyed by its carrier and tracking
-- number as logistics normalises them, with the whole value as JSON (body).
CREATE TABLE shipments (
    carrier     TEXT NOT NULL,
    tracking_no TEXT NOT NULL,
    case_id     TEXT,                   -- NULL: not matched to a case yet
    direction   TEXT NOT NULL,          -- return | outbound | '' while unmatched
    merchant    TEXT NOT NULL,
    customer    TEXT NOT NULL,
    status      TEXT NOT NULL,
    check_at    INTEGER,                -- when the exception rules next look at it; NULL: never
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    body        TEXT NOT NULL,          -- the whole logistics.Shipment
    PRIMARY KEY (carrier, tracking_no)
);
-- A case's shipments, oldest first (CaseShipments).
CREATE INDEX shipments_case ON shipments (case_id, created_at) WHERE case_id IS NOT NULL;
-- The exception rules' clock (DueShipments): few shipments wait for a check.
CREATE INDEX shipments_check ON shipments (check_at) WHERE check_at IS NOT NULL;

-- Carrier events, idempotent by (carrier, event_id); a shipment's timeline is read in the
-- carriers' order (at, event_id).
CREATE TABLE shipment_events (
    carrier     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    tracking_no TEXT NOT NULL,
    at          INTEGER NOT NULL,
    body        TEXT NOT NULL,          -- the whole logistics.Event
    PRIMARY KEY (carrier, event_id)
);
CREATE INDEX shipment_events_timeline ON shipment_events (carrier, tracking_no, at, event_id);

-- The service desk's tasks (package task): a row per task with the whole value as JSON.
CREATE TABLE tasks (
    id         TEXT PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,    -- the same key never opens a second task
    kind       TEXT NOT NULL,
    rule       TEXT NOT NULL,
    state      TEXT NOT NULL,
    assignee   TEXT NOT NULL,
    case_id    TEXT,                    -- NULL: about no case
    merchant   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body       TEXT NOT NULL            -- the whole task.Task
);
-- ListTasks reads newest first, of all, in a state, of a kind, of a merchant.
CREATE INDEX tasks_created ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_state_created ON tasks (state, created_at DESC, id DESC);
CREATE INDEX tasks_kind_created ON tasks (kind, state, created_at DESC, id DESC);
CREATE INDEX tasks_merchant_created ON tasks (merchant, created_at DESC, id DESC);
CREATE INDEX tasks_case ON tasks (case_id) WHERE case_id IS NOT NULL;

-- The in-app inbox: one notification per recipient and source (a message relayed again is
-- not shown twice), read newest first (id descending).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient  TEXT NOT NULL,           -- user:<id> | customer:<id>
    source     TEXT NOT NULL,
    event      TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    subject_zh TEXT NOT NULL,
    subject_en TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    link       TEXT NOT NULL,
    read_at    INTEGER,                 -- NULL: unread
    at         INTEGER NOT NULL,
    UNIQUE (recipient, source)
);
CREATE INDEX notifications_recipient ON notifications (recipient, id);
CREATE INDEX notifications_unread ON notifications (recipient, id) WHERE read_at IS NULL;

-- Each person's channels (in-app always; email and SMS as chosen).
CREATE TABLE notification_prefs (
    person     TEXT PRIMARY KEY,
    email      INTEGER NOT NULL,
    sms        INTEGER NOT NULL,
    address    TEXT NOT NULL,
    phone      TEXT NOT NULL,
    locale     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Password-reset links: only the SHA-256 of the secret is kept; a link works once.
CREATE TABLE password_resets (
    hash       BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,                 -- NULL: not used
    created_at INTEGER NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Merchant systems' webhooks (merchant '': the platform's, every merchant's events), never
-- deleted but marked so: their deliveries are kept.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    merchant   TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,           -- JSON list of event names, or ["*"]
    secret     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER                  -- NULL: active
);
CREATE INDEX webhooks_merchant ON webhooks (merchant, created_at) WHERE deleted_at IS NULL;

-- What was delivered to a webhook: one delivery per webhook and event.
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id),
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    payload     TEXT NOT NULL,          -- the body as sent, byte for byte
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    last_error  TEXT NOT NULL,
    next_at     INTEGER,                -- NULL: no attempt planned
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id),
    CONSTRAINT webhook_deliveries_state CHECK (state IN ('pending', 'delivered', 'failed'))
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Where notifications and password resets go ('' none).
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN email TEXT NOT NULL DEFAULT '';
