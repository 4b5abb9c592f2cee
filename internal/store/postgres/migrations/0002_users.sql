-- Staff accounts (merchant staff, agents, supervisors, admins) that log in with a password.
-- Customers arrive from the shop system and are not users; integrations use API tokens. The
-- access issue builds logins, sessions and lockout on this table.
CREATE TABLE users (
    id            text PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL,            -- merchant | agent | supervisor | admin
    merchant_code text REFERENCES merchants (code),
    password_hash text NOT NULL,            -- argon2id or bcrypt, never the password
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz,
    CONSTRAINT users_merchant_staff CHECK ((role = 'merchant') = (merchant_code IS NOT NULL))
);
