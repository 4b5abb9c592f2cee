-- Disputes (平台介入, package dispute) and complaints (投诉, package complaint), store.Disputes:
-- each a row with the whole value as JSON (body) beside the columns that queries filter and
-- sort on, and an append-only history.
CREATE TABLE disputes (
    id         text COLLATE "C" PRIMARY KEY,
    case_id    text COLLATE "C" NOT NULL REFERENCES cases (id),
    merchant   text COLLATE "C" NOT NULL,
    customer   text COLLATE "C" NOT NULL,
    state      text COLLATE "C" NOT NULL,
    category   text COLLATE "C" NOT NULL,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    body       jsonb NOT NULL           -- the whole dispute.Dispute
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

CREATE TABLE dispute_events (
    dispute_id text COLLATE "C" NOT NULL REFERENCES disputes (id),
    seq        bigint NOT NULL,
    body       jsonb NOT NULL,          -- the whole dispute.Event
    PRIMARY KEY (dispute_id, seq)
);

CREATE TABLE complaints (
    id         text COLLATE "C" PRIMARY KEY,
    number     text NOT NULL UNIQUE,
    customer   text COLLATE "C" NOT NULL,
    merchant   text COLLATE "C" NOT NULL,
    about      text COLLATE "C" NOT NULL,
    filed_role text COLLATE "C" NOT NULL, -- who filed it (FiledBy.Role): a merchant's staff see theirs
    case_id    text COLLATE "C",          -- NULL: about no case
    state      text COLLATE "C" NOT NULL,
    tier       integer NOT NULL,
    check_at   timestamptz,               -- when the next target of the tier falls due; NULL: none
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    body       jsonb NOT NULL             -- the whole complaint.Complaint
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
    complaint_id text COLLATE "C" NOT NULL REFERENCES complaints (id),
    seq          bigint NOT NULL,
    body         jsonb NOT NULL,        -- the whole complaint.Event
    PRIMARY KEY (complaint_id, seq)
);

-- Histories are append-only (as case_events): the trigger refuses every UPDATE and DELETE.
CREATE FUNCTION history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER dispute_events_append_only BEFORE UPDATE OR DELETE ON dispute_events
    FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events
    FOR EACH ROW EXECUTE FUNCTION history_append_only();
