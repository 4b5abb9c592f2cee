-- Disputes (平台介入, package dispute) and complaints (投诉, package complaint), store.Disputes:
-- each a row with the whole value as JSON (body) beside the columns that queries filter and
-- sort on, and an append-only history. Times are INTEGER Unix microseconds (UTC).
CREATE TABLE disputes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    merchant   TEXT NOT NULL,
    customer   TEXT NOT NULL,
    state      TEXT NOT NULL,
    category   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body       TEXT NOT NULL            -- the whole dispute.Dispute
);
-- At most one dispute of a case has not ended (the states where dispute.State.Terminal is
-- false): a second is refused by this index (ErrConflict).
CREATE UNIQUE INDEX disputes_case_open ON disputes (case_id)
    WHERE state IN ('open', 'admitted', 'evidence', 'mediation');
-- A case's disputes, oldest first (CaseDisputes).
CREATE INDEX disputes_case ON disputes (case_id, created_at, id);
-- ListDisputes reads most recently updated first, of all, of a merchant or of a customer.
CREATE INDEX disputes_updated ON disputes (updated_at DESC, id DESC);
CREATE INDEX disputes_merchant_updated ON disputes (merchant, updated_at DESC, id DESC);
CREATE INDEX disputes_customer_updated ON disputes (customer, updated_at DESC, id DESC);

-- A dispute's history is append-only: the triggers refuse every UPDATE and DELETE.
CREATE TABLE dispute_events (
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    seq        INTEGER NOT NULL,
    body       TEXT NOT NULL,           -- the whole dispute.Event
    PRIMARY KEY (dispute_id, seq)
);
CREATE TRIGGER dispute_events_no_update BEFORE UPDATE ON dispute_events
BEGIN
    SELECT RAISE(ABORT, 'dispute_events is append-only');
END;
CREATE TRIGGER dispute_events_no_delete BEFORE DELETE ON dispute_events
BEGIN
    SELECT RAISE(ABORT, 'dispute_events is append-only');
END;

CREATE TABLE complaints (
    id         TEXT PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    customer   TEXT NOT NULL,
    merchant   TEXT NOT NULL,
    about      TEXT NOT NULL,
    filed_role TEXT NOT NULL,           -- who filed it (FiledBy.Role): a merchant's staff see theirs
    case_id    TEXT,                    -- NULL: about no case
    state      TEXT NOT NULL,
    tier       INTEGER NOT NULL,
    check_at   INTEGER,                 -- when the next target of the tier falls due; NULL: none
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body       TEXT NOT NULL            -- the whole complaint.Complaint
);
-- ListComplaints reads most recently updated first, of all, of a merchant or of a customer.
CREATE INDEX complaints_updated ON complaints (updated_at DESC, id DESC);
CREATE INDEX complaints_merchant_updated ON complaints (merchant, updated_at DESC, id DESC);
CREATE INDEX complaints_customer_updated ON complaints (customer, updated_at DESC, id DESC);
CREATE INDEX complaints_case ON complaints (case_id) WHERE case_id IS NOT NULL;
-- The complaints' SLA clock (DueComplaints, NextComplaintCheck): few complaints are open
-- with a target ahead.
CREATE INDEX complaints_check ON complaints (check_at, id) WHERE state = 'open' AND check_at IS NOT NULL;

CREATE TABLE complaint_events (
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    seq          INTEGER NOT NULL,
    body         TEXT NOT NULL,         -- the whole complaint.Event
    PRIMARY KEY (complaint_id, seq)
);
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint_events is append-only');
END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint_events is append-only');
END;
