-- Smart triage's suggestions (issue 16): for a case's application text or a message, the
-- suggested reason, urgency, sentiment and knowledge-base articles (JSON array of ids).
CREATE TABLE triage_suggestions (
    subject_kind text NOT NULL CHECK (subject_kind IN ('case', 'message')),
    subject_id   text NOT NULL,
    case_id      text NOT NULL,
    reason       text NOT NULL,
    urgency      text NOT NULL CHECK (urgency IN ('urgent', 'high', 'normal', 'low')),
    sentiment    double precision NOT NULL CHECK (sentiment BETWEEN -1 AND 1),
    articles     jsonb NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (subject_kind, subject_id)
);
CREATE INDEX triage_suggestions_case ON triage_suggestions (case_id, created_at);
