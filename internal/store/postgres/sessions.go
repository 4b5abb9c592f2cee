package postgres

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Session ids are secrets: their hashes stay out of error messages, as token hashes do.

// InsertSession stores a web session (CreatedAt and LastSeenAt default to Now). The write
// travels with the transaction's next statement (see Tx.later): a taken id hash
// (ErrConflict) or an unknown user (ErrNotFound) is returned by that statement's call or by
// Update.
func (t *Tx) InsertSession(ctx context.Context, s store.Session) error {
	return t.later(ctx, "insert "+s.Role+" session", `
		INSERT INTO sessions (id_hash, role, user_id, merchant, customer, scope, csrf_token, addr, client,
		                      created_at, last_seen_at, expires_at)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		orBytes(s.IDHash), s.Role, s.UserID, s.Merchant, s.Customer, scopeJSON(s.Scope), s.CSRFToken,
		s.Addr, s.Client, orNow(s.CreatedAt, t.now), orNow(s.LastSeenAt, t.now), s.ExpiresAt.UTC())
}

// Session returns a session by the hash of its id, expired or not.
func (t *Tx) Session(ctx context.Context, idHash []byte) (store.Session, error) {
	var s store.Session
	var scope string
	err := t.queryRow(ctx, `
		SELECT id_hash, role, COALESCE(user_id, ''), merchant, customer, scope, csrf_token, addr, client,
		       created_at, last_seen_at, expires_at
		FROM sessions WHERE id_hash = $1`, []any{orBytes(idHash)},
		&s.IDHash, &s.Role, &s.UserID, &s.Merchant, &s.Customer, &scope, &s.CSRFToken, &s.Addr,
		&s.Client, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if err != nil {
		return store.Session{}, wrap(err, "session")
	}
	if s.Scope, err = parseScope(scope); err != nil {
		return store.Session{}, wrap(err, "session")
	}
	return s, nil
}

// TouchSession moves a session's last-seen and expiry times; ErrNotFound, reported by the
// call, if there is no such session (it ended meanwhile).
func (t *Tx) TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error {
	n, err := t.exec(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1`,
		orBytes(idHash), lastSeen.UTC(), expires.UTC())
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "touch session")
}

// DeleteSession ends a session; an unknown one is not an error. The write travels with the
// transaction's next statement (see Tx.later).
func (t *Tx) DeleteSession(ctx context.Context, idHash []byte) error {
	return t.later(ctx, "delete session", `DELETE FROM sessions WHERE id_hash = $1`, orBytes(idHash))
}

// DeleteUserSessions ends every session of an account. The write travels with the
// transaction's next statement (see Tx.later).
func (t *Tx) DeleteUserSessions(ctx context.Context, userID string) error {
	return t.later(ctx, "delete sessions of user "+userID, `DELETE FROM sessions WHERE user_id = $1`, userID)
}
