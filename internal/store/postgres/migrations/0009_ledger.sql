-- The money ledger (store.Ledger, package ledger): every money movement a case causes, written
-- in the transaction of the transition that causes it and settled by the payment gateway's
-- answers. Amounts are bigint minor units, always positive; payer and payee say who pays
-- whom. An entry is pending until it succeeds or fails, and never changes once settled.
CREATE TABLE ledger_entries (
    id              text COLLATE "C" PRIMARY KEY,
    case_id         text COLLATE "C" NOT NULL REFERENCES cases (id),
    case_number     text NOT NULL,
    merchant        text COLLATE "C" NOT NULL,
    customer        text NOT NULL,
    order_no        text NOT NULL REFERENCES orders (order_no),
    sku             text COLLATE "C" NOT NULL DEFAULT '',   -- '' for money not tied to one item
    kind            text COLLATE "C" NOT NULL,
    amount          bigint NOT NULL,
    currency        text COLLATE "C" NOT NULL,
    payer           text NOT NULL,
    payee           text NOT NULL,
    method          text NOT NULL,
    actor_role      text NOT NULL,
    actor_id        text NOT NULL,
    seq             bigint NOT NULL,                       -- the case event that caused it; 0 for none
    state           text COLLATE "C" NOT NULL,
    attempts        integer NOT NULL,
    gateway_ref     text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,                  -- the gateway's: one payment per key
    last_error      text NOT NULL,
    replaces        text COLLATE "C" NOT NULL DEFAULT '',  -- the failed entry this one pays again
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL,
    settled_at      timestamptz,
    CONSTRAINT ledger_entries_kind CHECK (kind IN ('refund', 'compensation', 'shipping_reimbursement',
        'price_difference', 'charge', 'advance', 'recovery')),
    CONSTRAINT ledger_entries_amount CHECK (amount > 0),
    CONSTRAINT ledger_entries_parties CHECK (payer IN ('customer', 'merchant', 'platform', 'carrier')
        AND payee IN ('customer', 'merchant', 'platform', 'carrier')),
    CONSTRAINT ledger_entries_method CHECK (method IN ('original', 'balance', 'bank_card')),
    CONSTRAINT ledger_entries_state CHECK (state IN ('pending', 'succeeded', 'failed')),
    CONSTRAINT ledger_entries_attempts CHECK (attempts >= 0)
);
-- A failed entry is paid again (by another method) once.
CREATE UNIQUE INDEX ledger_entries_replaces ON ledger_entries (replaces) WHERE replaces <> '';
-- A case's entries, oldest first (CaseEntries).
CREATE INDEX ledger_entries_case ON ledger_entries (case_id, created_at, id);
-- ListEntries reads newest first, of a merchant or of all: a page is read in order, not sorted.
CREATE INDEX ledger_entries_merchant_created ON ledger_entries (merchant, created_at DESC, id DESC);
CREATE INDEX ledger_entries_created ON ledger_entries (created_at DESC, id DESC);
-- What is paid back for an order item, or for an order's shipping fee (sku ''): the sum that
-- InsertEntries checks under the item's lock.
CREATE INDEX ledger_entries_item ON ledger_entries (order_no, sku);
-- Few entries are pending: the oldest of them is the ledger's health (LedgerStats).
CREATE INDEX ledger_entries_pending ON ledger_entries (created_at) WHERE state = 'pending';

-- The ledger is a record of money: entries are never deleted, and only a pending entry's
-- execution (state, attempts, gateway reference, error, next attempt, settlement) changes.
CREATE FUNCTION ledger_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'ledger_entries: entries are never deleted';
    END IF;
    IF OLD.state <> 'pending' THEN
        RAISE EXCEPTION 'ledger_entries: entry % is settled (%) and never changes', OLD.id, OLD.state;
    END IF;
    IF (NEW.id, NEW.case_id, NEW.case_number, NEW.merchant, NEW.customer, NEW.order_no, NEW.sku, NEW.kind,
        NEW.amount, NEW.currency, NEW.payer, NEW.payee, NEW.method, NEW.actor_role, NEW.actor_id, NEW.seq,
        NEW.idempotency_key, NEW.replaces, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.case_id, OLD.case_number, OLD.merchant, OLD.customer, OLD.order_no, OLD.sku, OLD.kind,
        OLD.amount, OLD.currency, OLD.payer, OLD.payee, OLD.method, OLD.actor_role, OLD.actor_id, OLD.seq,
        OLD.idempotency_key, OLD.replaces, OLD.created_at) THEN
        RAISE EXCEPTION 'ledger_entries: only the execution of entry % changes', OLD.id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_entries_guard BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_guard();
-- TRUNCATE skips row triggers: refuse it too.
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_guard();
