package postgres

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertToken stores an API token; ErrConflict if its id or hash is taken.
func (t *Tx) InsertToken(ctx context.Context, tk store.Token) error {
	n, err := t.exec(ctx, `
		INSERT INTO api_tokens (id, hash, name, role, merchant, customer, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT DO NOTHING`,
		tk.ID, orBytes(tk.Hash), tk.Name, tk.Role, tk.Merchant, tk.Customer, orNow(tk.CreatedAt, t.now),
		nullTime(tk.ExpiresAt), nullTime(tk.RevokedAt))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	return wrap(err, "insert token %s", tk.ID)
}

// TokenByHash finds a token by the SHA-256 of its secret, revoked and expired ones too.
func (t *Tx) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	var tk store.Token
	var expires, revoked *time.Time
	err := t.queryRow(ctx, `
		SELECT id, hash, name, role, merchant, customer, created_at, expires_at, revoked_at
		FROM api_tokens WHERE hash = $1`, []any{hash},
		&tk.ID, &tk.Hash, &tk.Name, &tk.Role, &tk.Merchant, &tk.Customer, &tk.CreatedAt, &expires, &revoked)
	if err != nil {
		return store.Token{}, wrap(err, "token by hash")
	}
	tk.ExpiresAt, tk.RevokedAt = timeOf(expires), timeOf(revoked)
	return tk, nil
}
