-- Staff accounts (merchant staff, agents, supervisors, admins) that log in with a password.
-- Customers arrive from the shop system and are not users; integrations use API tokens. The
-- access issue builds logins, sessions and lockout on this table.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,            -- merchant | agent | supervisor | admin
    merchant_code TEXT REFERENCES merchants (code),
    password_hash TEXT NOT NULL,            -- argon2id or bcrypt, never the password
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER,
    CONSTRAINT users_merchant_staff CHECK ((role = 'merchant') = (merchant_code IS NOT NULL))
);
