-- Logistics, tasks, notifications and webhooks (store.Logistics, store.Notifications,
-- store.Webhooks), and where staff and customers get email. Keys compare byte-wise
-- (COLLATE "C"), as in SQLite.

-- Shipments (package logistics): a row per parcel, keyed by its carrier and tracking
-- number as logistics normalises them, with the whole value as JSON (body).
CREATE TABLE shipments (
    carrier     text COLLATE "C" NOT NULL,
    tracking_no text COLLATE "C" NOT NULL,
    case_id     text COLLATE "C",          -- NULL: not matched to a case yet
    direction   text COLLATE "C" NOT NULL, -- return | outbound | '' while unmatched
    merchant    text COLLATE "C" NOT NULL,
    customer    text COLLATE "C" NOT NULL,
    status      text COLLATE "C" NOT NULL,
    check_at    timestamptz,               -- when the exception rules next look at it; NULL: never
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    body        jsonb NOT NULL,            -- the whole logistics.Shipment
    PRIMARY KEY (carrier, tracking_no)
);
-- A case's shipments, oldest first (CaseShipments).
CREATE INDEX shipments_case ON shipments (case_id, created_at) WHERE case_id IS NOT NULL;
-- The exception rules' clock (DueShipments): few shipments wait for a check.
CREATE INDEX shipments_check ON shipments (check_at) WHERE check_at IS NOT NULL;

-- Carrier events, idempotent by (carrier, event_id); a shipment's timeline is read in the
-- carriers' order (at, event_id).
CREATE TABLE shipment_events (
    carrier     text COLLATE "C" NOT NULL,
    event_id    text COLLATE "C" NOT NULL,
    tracking_no text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    body        jsonb NOT NULL,            -- the whole logistics.Event
    PRIMARY KEY (carrier, event_id)
);
CREATE INDEX shipment_events_timeline ON shipment_events (carrier, tracking_no, at, event_id);

-- The service desk's tasks (package task): a row per task with the whole value as JSON.
CREATE TABLE tasks (
    id         text COLLATE "C" PRIMARY KEY,
    key        text COLLATE "C" NOT NULL UNIQUE, -- the same key never opens a second task
    kind       text COLLATE "C" NOT NULL,
    rule       text COLLATE "C" NOT NULL,
    state      text COLLATE "C" NOT NULL,
    assignee   text COLLATE "C" NOT NULL,
    case_id    text COLLATE "C",                 -- NULL: about no case
    merchant   text COLLATE "C" NOT NULL,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    body       jsonb NOT NULL                    -- the whole task.Task
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
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient  text COLLATE "C" NOT NULL,  -- user:<id> | customer:<id>
    source     text COLLATE "C" NOT NULL,
    event      text NOT NULL,
    case_id    text NOT NULL,
    subject_zh text NOT NULL,
    subject_en text NOT NULL,
    body_zh    text NOT NULL,
    body_en    text NOT NULL,
    link       text NOT NULL,
    read_at    timestamptz,                -- NULL: unread
    at         timestamptz NOT NULL,
    UNIQUE (recipient, source)
);
CREATE INDEX notifications_recipient ON notifications (recipient, id);
CREATE INDEX notifications_unread ON notifications (recipient, id) WHERE read_at IS NULL;

-- Each person's channels (in-app always; email and SMS as chosen).
CREATE TABLE notification_prefs (
    person     text COLLATE "C" PRIMARY KEY,
    email      boolean NOT NULL,
    sms        boolean NOT NULL,
    address    text NOT NULL,
    phone      text NOT NULL,
    locale     text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Password-reset links: only the SHA-256 of the secret is kept; a link works once.
CREATE TABLE password_resets (
    hash       bytea PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,                -- NULL: not used
    created_at timestamptz NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Merchant systems' webhooks (merchant '': the platform's, every merchant's events), never
-- deleted but marked so: their deliveries are kept.
CREATE TABLE webhooks (
    id         text COLLATE "C" PRIMARY KEY,
    merchant   text COLLATE "C" NOT NULL,
    url        text NOT NULL,
    events     text NOT NULL,              -- JSON list of event names, or ["*"]
    secret     text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz                 -- NULL: active
);
CREATE INDEX webhooks_merchant ON webhooks (merchant, created_at) WHERE deleted_at IS NULL;

-- What was delivered to a webhook: one delivery per webhook and event.
CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  text COLLATE "C" NOT NULL REFERENCES webhooks (id),
    event_id    text COLLATE "C" NOT NULL,
    event       text NOT NULL,
    payload     json NOT NULL,             -- the body as sent, byte for byte (signatures)
    state       text NOT NULL,
    attempts    integer NOT NULL,
    status_code integer NOT NULL,
    last_error  text NOT NULL,
    next_at     timestamptz,               -- NULL: no attempt planned
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (webhook_id, event_id),
    CONSTRAINT webhook_deliveries_state CHECK (state IN ('pending', 'delivered', 'failed'))
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Where notifications and password resets go ('' none).
ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN email text NOT NULL DEFAULT '';
