-- Access: accounts with lockout, web sessions, login-link secrets, the audit log.
ALTER TABLE users ADD COLUMN scope text NOT NULL DEFAULT '[]';        -- JSON list of merchant codes
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;
-- Users lists accounts by username byte-wise, as SQLite does, whatever the database's locale.
ALTER TABLE users ALTER COLUMN username TYPE text COLLATE "C";

CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    role         text NOT NULL,
    user_id      text REFERENCES users (id),
    merchant     text NOT NULL DEFAULT '',
    customer     text NOT NULL DEFAULT '',
    scope        text NOT NULL DEFAULT '[]',
    csrf_token   text NOT NULL,
    addr         text NOT NULL DEFAULT '',
    client       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE shop_secrets (
    shop       text PRIMARY KEY,
    secret     bytea NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_role  text NOT NULL,
    actor_id    text COLLATE "C" NOT NULL,
    action      text COLLATE "C" NOT NULL,    -- byte-wise: an action prefix (case.) is a range
    resource    text COLLATE "C" NOT NULL,
    resource_id text COLLATE "C" NOT NULL,
    outcome     text NOT NULL,
    addr        text NOT NULL,
    client      text NOT NULL,
    detail      json NOT NULL
);
-- ListAudit reads newest first, (at, id) descending, from the index of its most selective
-- filter; every index ends in (at DESC, id DESC) so that a page is read in order, never sorted.
CREATE INDEX audit_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_actor ON audit_log (actor_id, at DESC, id DESC);
CREATE INDEX audit_action ON audit_log (action, at DESC, id DESC);
CREATE INDEX audit_resource ON audit_log (resource, resource_id, at DESC, id DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- TRUNCATE skips row triggers: refuse it too.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
