-- Smart triage's suggestions (issue 16): for a case's application text or a message, the
-- suggested reason, urgency, sentiment and knowledge-base articles (JSON array of ids).
-- Times are INTEGER Unix microseconds (UTC).
CREATE TABLE triage_suggestions (
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('case', 'message')),
    subject_id   TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    urgency      TEXT NOT NULL CHECK (urgency IN ('urgent', 'high', 'normal', 'low')),
    sentiment    REAL NOT NULL CHECK (sentiment BETWEEN -1 AND 1),
    articles     TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (subject_kind, subject_id)
) WITHOUT ROWID;
CREATE INDEX triage_suggestions_case ON triage_suggestions (case_id, created_at);
