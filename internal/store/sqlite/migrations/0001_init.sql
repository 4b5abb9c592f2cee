-- Initial schema (SQLite). Money is INTEGER minor units (分); times are INTEGER Unix
-- microseconds (UTC), the precision PostgreSQL keeps, so both stores behave alike.

CREATE TABLE merchants (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE orders (
    order_no          TEXT PRIMARY KEY,
    merchant_code     TEXT NOT NULL REFERENCES merchants (code),
    customer_id       TEXT NOT NULL REFERENCES customers (id),
    currency          TEXT NOT NULL,
    payment_method    TEXT NOT NULL,
    shipping_fee      INTEGER NOT NULL CHECK (shipping_fee >= 0),
    freight_insurance INTEGER NOT NULL,
    paid_at           INTEGER NOT NULL,
    shipped_at        INTEGER,
    delivered_at      INTEGER,
    completed_at      INTEGER,
    shipping_held     INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX orders_merchant_paid ON orders (merchant_code, paid_at);
CREATE INDEX orders_customer_paid ON orders (customer_id, paid_at);

-- What after-sales holds of a line (claimed units, refunded and reserved money) is kept
-- here, changed in the same transaction as the case, and bounded by the line itself.
CREATE TABLE order_items (
    order_no    TEXT NOT NULL REFERENCES orders (order_no),
    sku         TEXT NOT NULL,
    title       TEXT NOT NULL,
    category    TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    paid_amount INTEGER NOT NULL CHECK (paid_amount >= 0),
    tags        TEXT NOT NULL DEFAULT '[]',
    claimed     INTEGER NOT NULL DEFAULT 0,
    refunded    INTEGER NOT NULL DEFAULT 0,
    reserved    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_no, sku),
    CONSTRAINT order_items_claimed CHECK (claimed >= 0 AND claimed <= quantity),
    CONSTRAINT order_items_money CHECK (refunded >= 0 AND reserved >= 0 AND refunded + reserved <= paid_amount)
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('case_numbers', 0);

CREATE TABLE cases (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    order_no      TEXT NOT NULL REFERENCES orders (order_no),
    merchant_code TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    type          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL,
    version       INTEGER NOT NULL,
    due_at        INTEGER,            -- the current deadline, for "overdue"
    data          TEXT NOT NULL,         -- the whole aftersale.Case
    decision      TEXT NOT NULL,         -- the policy decision at application
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX cases_created ON cases (created_at DESC, id DESC);
CREATE INDEX cases_merchant_created ON cases (merchant_code, created_at DESC, id DESC);
CREATE INDEX cases_customer_created ON cases (customer_id, created_at DESC, id DESC);
CREATE INDEX cases_state_created ON cases (state, created_at DESC, id DESC);
CREATE INDEX cases_order ON cases (order_no);
CREATE INDEX cases_due ON cases (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE case_items (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    paid_amount INTEGER NOT NULL,
    PRIMARY KEY (case_id, sku)
);
CREATE INDEX case_items_sku ON case_items (sku);

-- History is append-only: the triggers refuse every UPDATE and DELETE.
CREATE TABLE case_events (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    seq         INTEGER NOT NULL,
    action      TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    note        TEXT NOT NULL,
    data        TEXT NOT NULL,          -- evidence, the action's fields, policy version
    PRIMARY KEY (case_id, seq)
);

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TABLE timers (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    due_at      INTEGER NOT NULL,
    state       TEXT NOT NULL,           -- pending | fired | cancelled
    lease_owner TEXT,
    lease_until INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX timers_due ON timers (due_at) WHERE state = 'pending';
CREATE INDEX timers_case ON timers (case_id) WHERE state = 'pending';

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    topic        TEXT NOT NULL,
    key          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending', -- pending | sent | dead
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX outbox_available ON outbox (available_at) WHERE state = 'pending';

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    response     BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    case_id       TEXT REFERENCES cases (id),
    owner_role    TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    merchant_code TEXT NOT NULL DEFAULT '',
    customer_id   TEXT NOT NULL DEFAULT '',
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        BLOB NOT NULL,
    original_name TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id);

CREATE TABLE policy_versions (
    id        TEXT NOT NULL,
    version   INTEGER NOT NULL,
    layer     TEXT NOT NULL,
    merchant  TEXT NOT NULL DEFAULT '',
    category  TEXT NOT NULL DEFAULT '',
    document  BLOB NOT NULL,
    loaded_at INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    hash       BLOB NOT NULL UNIQUE,
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    merchant   TEXT NOT NULL DEFAULT '',
    customer   TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);
