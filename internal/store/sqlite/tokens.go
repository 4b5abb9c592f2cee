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
INSERT INTO api_tokens (id, hash, name, role, merchant, customer, created_at, expires_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, t.ID, nonNil(t.Hash), t.Name, t.Role, t.Merchant, t.Customer,
		micros(orNow(t.CreatedAt, tx.now)), nullMicros(t.ExpiresAt), nullMicros(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("insert token %s: %w", t.ID, dbErr(err))
	}
	return nil
}

// TokenByHash finds a token by the SHA-256 of its secret.
func (tx *Tx) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	const q = `
SELECT id, hash, name, role, merchant, customer, created_at, expires_at, revoked_at
FROM api_tokens WHERE hash = ?`
	var (
		t                store.Token
		created          int64
		expires, revoked sql.NullInt64
	)
	err := tx.queryRow(ctx, q, nonNil(hash)).Scan(&t.ID, &t.Hash, &t.Name, &t.Role, &t.Merchant,
		&t.Customer, &created, &expires, &revoked)
	if err != nil {
		// The hash is a secret's fingerprint: it stays out of the message.
		return store.Token{}, fmt.Errorf("load token by hash: %w", dbErr(err))
	}
	t.CreatedAt = fromMicros(created)
	t.ExpiresAt = fromNullMicros(expires)
	t.RevokedAt = fromNullMicros(revoked)
	return t, nil
}
