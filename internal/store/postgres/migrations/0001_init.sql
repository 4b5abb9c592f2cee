-- Initial schema. Money is integer minor units (分); times are timestamptz.
-- SQL stays within what PostgreSQL-compatible distributed databases accept (DESIGN.md §6):
-- no advisory locks, no LISTEN/NOTIFY dependence, sequences and row locks only.
-- JSON documents the store only writes and reads whole are json, not jsonb: kept byte for
-- byte and cheaper to write (validated, not converted).
-- Keys that results are ordered by (SKUs, case, timer and policy ids) compare byte-wise
-- (COLLATE "C"), as in SQLite, whatever the database's locale.

CREATE TABLE merchants (
    code        text PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    category    text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

CREATE TABLE customers (
    id          text PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    address     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

CREATE TABLE orders (
    order_no          text PRIMARY KEY,
    merchant_code     text NOT NULL REFERENCES merchants (code),
    customer_id       text NOT NULL REFERENCES customers (id),
    currency          text NOT NULL,
    payment_method    text NOT NULL,
    shipping_fee      bigint NOT NULL CHECK (shipping_fee >= 0),
    freight_insurance boolean NOT NULL,
    paid_at           timestamptz NOT NULL,
    shipped_at        timestamptz,
    delivered_at      timestamptz,
    completed_at      timestamptz,
    shipping_held     boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX orders_merchant_paid ON orders (merchant_code, paid_at);
CREATE INDEX orders_customer_paid ON orders (customer_id, paid_at);

-- What after-sales holds of a line (claimed units, refunded and reserved money) is kept
-- here, changed in the same transaction as the case, and bounded by the line itself.
CREATE TABLE order_items (
    order_no    text NOT NULL REFERENCES orders (order_no),
    sku         text COLLATE "C" NOT NULL,
    title       text NOT NULL,
    category    text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  bigint NOT NULL CHECK (unit_price >= 0),
    paid_amount bigint NOT NULL CHECK (paid_amount >= 0),
    tags        text NOT NULL DEFAULT '[]',
    claimed     integer NOT NULL DEFAULT 0,
    refunded    bigint NOT NULL DEFAULT 0,
    reserved    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (order_no, sku),
    CONSTRAINT order_items_claimed CHECK (claimed >= 0 AND claimed <= quantity),
    CONSTRAINT order_items_money CHECK (refunded >= 0 AND reserved >= 0 AND refunded + reserved <= paid_amount)
);

CREATE SEQUENCE case_numbers;

CREATE TABLE cases (
    id            text COLLATE "C" PRIMARY KEY,
    number        text NOT NULL UNIQUE,
    order_no      text NOT NULL REFERENCES orders (order_no),
    merchant_code text NOT NULL,
    customer_id   text NOT NULL,
    type          text NOT NULL,
    reason        text NOT NULL,
    state         text NOT NULL,
    version       bigint NOT NULL,
    due_at        timestamptz,            -- the current deadline, for "overdue"
    data          json NOT NULL,          -- the whole aftersale.Case (read whole, never queried)
    decision      json NOT NULL,          -- the policy decision at application, kept byte for byte
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX cases_created ON cases (created_at DESC, id DESC);
CREATE INDEX cases_merchant_created ON cases (merchant_code, created_at DESC, id DESC);
CREATE INDEX cases_customer_created ON cases (customer_id, created_at DESC, id DESC);
CREATE INDEX cases_state_created ON cases (state, created_at DESC, id DESC);
CREATE INDEX cases_order ON cases (order_no);
CREATE INDEX cases_due ON cases (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE case_items (
    case_id     text COLLATE "C" NOT NULL REFERENCES cases (id),
    sku         text COLLATE "C" NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    paid_amount bigint NOT NULL,
    PRIMARY KEY (case_id, sku)
);
CREATE INDEX case_items_sku ON case_items (sku);

-- History is append-only: the trigger refuses every UPDATE and DELETE.
CREATE TABLE case_events (
    case_id     text COLLATE "C" NOT NULL REFERENCES cases (id),
    seq         bigint NOT NULL,
    action      text NOT NULL,
    actor_role  text NOT NULL,
    actor_id    text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    at          timestamptz NOT NULL,
    note        text NOT NULL,
    data        json NOT NULL,           -- evidence, the action's fields, policy version
    PRIMARY KEY (case_id, seq)
);

CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

CREATE TABLE timers (
    id          text COLLATE "C" PRIMARY KEY,
    case_id     text COLLATE "C" NOT NULL REFERENCES cases (id),
    kind        text NOT NULL,
    due_at      timestamptz NOT NULL,
    state       text NOT NULL,           -- pending | fired | cancelled
    lease_owner text,
    lease_until timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX timers_due ON timers (due_at) WHERE state = 'pending';
CREATE INDEX timers_case ON timers (case_id) WHERE state = 'pending';

CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text NOT NULL,
    key          text NOT NULL,
    payload      json NOT NULL,          -- byte for byte as enqueued (webhook signatures)
    state        text NOT NULL DEFAULT 'pending', -- pending | sent | dead
    attempts     integer NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL,
    lease_owner  text,
    lease_until  timestamptz,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX outbox_available ON outbox (available_at) WHERE state = 'pending';

CREATE TABLE idempotency_keys (
    principal    text NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       integer NOT NULL,
    response     bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

CREATE TABLE attachments (
    id            text PRIMARY KEY,
    case_id       text COLLATE "C" REFERENCES cases (id),
    owner_role    text NOT NULL,
    owner_id      text NOT NULL,
    merchant_code text NOT NULL DEFAULT '',
    customer_id   text NOT NULL DEFAULT '',
    content_type  text NOT NULL,
    size          bigint NOT NULL,
    sha256        bytea NOT NULL,
    original_name text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id);

CREATE TABLE policy_versions (
    id        text COLLATE "C" NOT NULL,
    version   integer NOT NULL,
    layer     text NOT NULL,
    merchant  text NOT NULL DEFAULT '',
    category  text NOT NULL DEFAULT '',
    document  bytea NOT NULL,
    loaded_at timestamptz NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE api_tokens (
    id         text PRIMARY KEY,
    hash       bytea NOT NULL UNIQUE,
    name       text NOT NULL DEFAULT '',
    role       text NOT NULL,
    merchant   text NOT NULL DEFAULT '',
    customer   text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);
