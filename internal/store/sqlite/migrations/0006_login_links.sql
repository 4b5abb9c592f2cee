-- Login links are single-use: the hash of each used link's signature is kept until the
-- link expires (store.Tx.UseLoginLink).
CREATE TABLE used_login_links (
    sig_hash   BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX used_login_links_expiry ON used_login_links (expires_at);
