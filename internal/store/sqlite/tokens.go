package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertToken stores an API token (CreatedAt defaults to Now); ErrConflict if its id or
// hash is taken.
func (tx *Tx) InsertToken(ctx context.Context, t store.Token) error {
	const q = `
INSERT INTO api_tokens (id, hash, name, role, merchant, customer, user_id, created_at, expires_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, t.ID, nonNil(t.Hash), t.Name, t.Role, t.Merchant, t.Customer, t.UserID,
		micros(orNow(t.CreatedAt, tx.now)), nullMicros(t.ExpiresAt), nullMicros(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("insert token %s: %w", t.ID, dbErr(err))
	}
	return nil
}

// TokenByHash finds a token by the SHA-256 of its secret.
func (tx *Tx) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	const q = `
SELECT id, hash, name, role, merchant, customer, user_id, created_at, expires_at, revoked_at
FROM api_tokens WHERE hash = ?`
	t, err := scanToken(tx.queryRow(ctx, q, nonNil(hash)))
	if err != nil {
		// The hash is a secret's fingerprint: it stays out of the message.
		return store.Token{}, fmt.Errorf("load token by hash: %w", dbErr(err))
	}
	return t, nil
}

// Tokens lists every token, newest first (created_at DESC, id DESC).
func (tx *Tx) Tokens(ctx context.Context) ([]store.Token, error) {
	const q = `
SELECT id, hash, name, role, merchant, customer, user_id, created_at, expires_at, revoked_at
FROM api_tokens ORDER BY created_at DESC, id DESC`
	rows, err := tx.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", dbErr(err))
	}
	defer rows.Close()
	var ts []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken marks a token revoked at Now, unless it is revoked already; ErrNotFound if
// there is no such token.
func (tx *Tx) RevokeToken(ctx context.Context, id string) error {
	const q = `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`
	res, err := tx.exec(ctx, q, micros(tx.now), id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	return nil
}

// scanToken reads a row of id, hash, name, role, merchant, customer, user_id, created_at,
// expires_at, revoked_at.
func scanToken(row scanner) (store.Token, error) {
	var (
		t                store.Token
		created          int64
		expires, revoked sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.Hash, &t.Name, &t.Role, &t.Merchant, &t.Customer, &t.UserID, &created,
		&expires, &revoked); err != nil {
		return store.Token{}, err
	}
	t.CreatedAt = fromMicros(created)
	t.ExpiresAt = fromNullMicros(expires)
	t.RevokedAt = fromNullMicros(revoked)
	return t, nil
}
