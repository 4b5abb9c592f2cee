-- The self-service assistant's conversations (智能客服): a session per conversation of a
-- customer, and its messages. Times are INTEGER Unix microseconds (UTC).
CREATE TABLE assistant_sessions (
    id          TEXT PRIMARY KEY,
    customer    TEXT NOT NULL,
    case_id     TEXT NOT NULL DEFAULT '',
    handover_to TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX assistant_sessions_customer ON assistant_sessions (customer, created_at);

CREATE TABLE assistant_messages (
    session_id TEXT NOT NULL REFERENCES assistant_sessions (id),
    seq        INTEGER NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text       TEXT NOT NULL,
    intent     TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
