package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Session ids are secrets: their hashes stay out of error messages, as token hashes do.

// InsertSession stores a web session (CreatedAt and LastSeenAt default to Now);
// ErrConflict if its id hash is taken, ErrNotFound if its user is unknown.
func (tx *Tx) InsertSession(ctx context.Context, s store.Session) error {
	const q = `
INSERT INTO sessions (id_hash, role, user_id, merchant, customer, scope, csrf_token, addr, client,
                      created_at, last_seen_at, expires_at)
VALUES (?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, nonNil(s.IDHash), s.Role, s.UserID, s.Merchant, s.Customer,
		scopeJSON(s.Scope), s.CSRFToken, s.Addr, s.Client, micros(orNow(s.CreatedAt, tx.now)),
		micros(orNow(s.LastSeenAt, tx.now)), micros(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert %s session: %w", s.Role, dbErr(err))
	}
	return nil
}

// Session returns a session by the hash of its id, expired or not.
func (tx *Tx) Session(ctx context.Context, idHash []byte) (store.Session, error) {
	const q = `
SELECT id_hash, role, COALESCE(user_id, ''), merchant, customer, scope, csrf_token, addr, client,
       created_at, last_seen_at, expires_at
FROM sessions WHERE id_hash = ?`
	var (
		s                      store.Session
		scope                  string
		created, seen, expires int64
	)
	err := tx.queryRow(ctx, q, nonNil(idHash)).Scan(&s.IDHash, &s.Role, &s.UserID, &s.Merchant,
		&s.Customer, &scope, &s.CSRFToken, &s.Addr, &s.Client, &created, &seen, &expires)
	if err != nil {
		return store.Session{}, fmt.Errorf("load session: %w", dbErr(err))
	}
	if s.Scope, err = parseScope(scope); err != nil {
		return store.Session{}, fmt.Errorf("load session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return s, nil
}

// TouchSession moves a session's last-seen and expiry times; ErrNotFound if there is no
// such session (it ended meanwhile).
func (tx *Tx) TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error {
	const q = `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?`
	res, err := tx.exec(ctx, q, micros(lastSeen), micros(expires), nonNil(idHash))
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; an unknown one is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, nonNil(idHash)); err != nil {
		return fmt.Errorf("delete session: %w", dbErr(err))
	}
	return nil
}

// DeleteUserSessions ends every session of an account.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete sessions of user %s: %w", userID, dbErr(err))
	}
	return nil
}
