-- Case conversation: public replies and internal notes, numbered per case.
CREATE TABLE case_messages (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    seq         INTEGER NOT NULL,
    author_role TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    public      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (case_id, seq)
);

