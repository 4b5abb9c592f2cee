-- The self-service assistant's conversations (智能客服): a session per conversation of a
-- customer, and its messages.
CREATE TABLE assistant_sessions (
    id          text PRIMARY KEY,
    customer    text NOT NULL,
    case_id     text NOT NULL DEFAULT '',
    handover_to text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX assistant_sessions_customer ON assistant_sessions (customer, created_at);

CREATE TABLE assistant_messages (
    session_id text NOT NULL REFERENCES assistant_sessions (id),
    seq        bigint NOT NULL,
    role       text NOT NULL CHECK (role IN ('user', 'assistant')),
    text       text NOT NULL,
    intent     text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL,
    PRIMARY KEY (session_id, seq)
);
