-- Case conversation: public replies and internal notes, numbered per case.
CREATE TABLE case_messages (
    case_id     text NOT NULL REFERENCES cases (id),
    seq         bigint NOT NULL,
    author_role text NOT NULL,
    author_id   text NOT NULL,
    public      boolean NOT NULL,
    body        text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (case_id, seq)
);

