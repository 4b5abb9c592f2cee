-- Access: accounts with lockout, web sessions, login-link secrets, the audit log.
ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT '[]';        -- JSON list of merchant codes
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;

CREATE TABLE sessions (
    id_hash      BLOB PRIMARY KEY,
    role         TEXT NOT NULL,
    user_id      TEXT REFERENCES users (id),
    merchant     TEXT NOT NULL DEFAULT '',
    customer     TEXT NOT NULL DEFAULT '',
    scope        TEXT NOT NULL DEFAULT '[]',
    csrf_token   TEXT NOT NULL,
    addr         TEXT NOT NULL DEFAULT '',
    client       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE shop_secrets (
    shop       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_role  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    addr        TEXT NOT NULL,
    client      TEXT NOT NULL,
    detail      TEXT NOT NULL
);
-- ListAudit reads newest first, (at, id) descending, from the index of its most selective
-- filter; every index ends in (at DESC, id DESC) so that a page is read in order, never sorted.
CREATE INDEX audit_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_actor ON audit_log (actor_id, at DESC, id DESC);
CREATE INDEX audit_action ON audit_log (action, at DESC, id DESC);
CREATE INDEX audit_resource ON audit_log (resource, resource_id, at DESC, id DESC);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
