-- Damages (赔偿金): what a dispute's ruling awards beyond the price under a compensation
-- standard (a refund plus three times the price for counterfeit goods). They pay back no
-- item, so no item's paid amount caps them. SQLite cannot change a CHECK constraint: the
-- table is rebuilt with the new kind, its rows copied, its indexes and triggers made again.
DROP TRIGGER ledger_entries_no_delete;
DROP TRIGGER ledger_entries_settled;
DROP TRIGGER ledger_entries_execution_only;
CREATE TABLE ledger_entries_next (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases (id),
    case_number     TEXT NOT NULL,
    merchant        TEXT NOT NULL,
    customer        TEXT NOT NULL,
    order_no        TEXT NOT NULL REFERENCES orders (order_no),
    sku             TEXT NOT NULL DEFAULT '',   -- '' for money not tied to one item
    kind            TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    payer           TEXT NOT NULL,
    payee           TEXT NOT NULL,
    method          TEXT NOT NULL,
    actor_role      TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    seq             INTEGER NOT NULL,           -- the case event that caused it; 0 for none
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    gateway_ref     TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,       -- the gateway's: one payment per key
    last_error      TEXT NOT NULL,
    replaces        TEXT NOT NULL DEFAULT '',   -- the failed entry this one pays again
    next_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    settled_at      INTEGER,
    CONSTRAINT ledger_entries_kind CHECK (kind IN ('refund', 'compensation', 'shipping_reimbursement',
        'price_difference', 'charge', 'advance', 'recovery', 'damages')),
    CONSTRAINT ledger_entries_amount CHECK (amount > 0),
    CONSTRAINT ledger_entries_parties CHECK (payer IN ('customer', 'merchant', 'platform', 'carrier')
        AND payee IN ('customer', 'merchant', 'platform', 'carrier')),
    CONSTRAINT ledger_entries_method CHECK (method IN ('original', 'balance', 'bank_card')),
    CONSTRAINT ledger_entries_state CHECK (state IN ('pending', 'succeeded', 'failed')),
    CONSTRAINT ledger_entries_attempts CHECK (attempts >= 0)
);
INSERT INTO ledger_entries_next SELECT * FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_next RENAME TO ledger_entries;
-- A failed entry is paid again (by another method) once.
CREATE UNIQUE INDEX ledger_entries_replaces ON ledger_entries (replaces) WHERE replaces <> '';
-- A case's entries, oldest first (CaseEntries).
CREATE INDEX ledger_entries_case ON ledger_entries (case_id, created_at, id);
-- ListEntries reads newest first, of a merchant or of all: a page is read in order, not sorted.
CREATE INDEX ledger_entries_merchant_created ON ledger_entries (merchant, created_at DESC, id DESC);
CREATE INDEX ledger_entries_created ON ledger_entries (created_at DESC, id DESC);
-- What is paid back for an order item, or for an order's shipping fee (sku ''): the sum that
-- InsertEntries checks.
CREATE INDEX ledger_entries_item ON ledger_entries (order_no, sku);
-- Few entries are pending: the oldest of them is the ledger's health (LedgerStats).
CREATE INDEX ledger_entries_pending ON ledger_entries (created_at) WHERE state = 'pending';

-- The ledger is a record of money: entries are never deleted, and only a pending entry's
-- execution (state, attempts, gateway reference, error, next attempt, settlement) changes.
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries: entries are never deleted');
END;
CREATE TRIGGER ledger_entries_settled BEFORE UPDATE ON ledger_entries
WHEN OLD.state <> 'pending'
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries: a settled entry never changes');
END;
CREATE TRIGGER ledger_entries_execution_only BEFORE UPDATE ON ledger_entries
WHEN (NEW.id, NEW.case_id, NEW.case_number, NEW.merchant, NEW.customer, NEW.order_no, NEW.sku, NEW.kind,
      NEW.amount, NEW.currency, NEW.payer, NEW.payee, NEW.method, NEW.actor_role, NEW.actor_id, NEW.seq,
      NEW.idempotency_key, NEW.replaces, NEW.created_at)
  IS NOT (OLD.id, OLD.case_id, OLD.case_number, OLD.merchant, OLD.customer, OLD.order_no, OLD.sku, OLD.kind,
      OLD.amount, OLD.currency, OLD.payer, OLD.payee, OLD.method, OLD.actor_role, OLD.actor_id, OLD.seq,
      OLD.idempotency_key, OLD.replaces, OLD.created_at)
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries: only an entry''s execution changes');
END;
