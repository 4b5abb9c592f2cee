package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertToken stores an API token; ErrConflict if its id or hash is taken.
func (t *Tx) InsertToken(ctx context.Context, tk store.Token) error {
	n, err := t.exec(ctx, `
		INSERT INTO api_tokens (id, hash, name, role, merchant, customer, user_id, created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT DO NOTHING`,
		tk.ID, orBytes(tk.Hash), tk.Name, tk.Role, tk.Merchant, tk.Customer, tk.UserID, orNow(tk.CreatedAt, t.now),
		nullTime(tk.ExpiresAt), nullTime(tk.RevokedAt))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	return wrap(err, "insert token %s", tk.ID)
}

// tokenColumns are what tokenRow receives, in its order.
const tokenColumns = `id, hash, name, role, merchant, customer, user_id, created_at, expires_at, revoked_at`

// TokenByHash finds a token by the SHA-256 of its secret, revoked and expired ones too.
func (t *Tx) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	var r tokenRow
	err := t.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1`, []any{hash}, r.dest()...)
	if err != nil {
		// The hash is a secret's fingerprint: it stays out of the message.
		return store.Token{}, wrap(err, "token by hash")
	}
	return r.token(), nil
}

// Tokens lists every token, newest first (created_at DESC, id DESC).
func (t *Tx) Tokens(ctx context.Context) ([]store.Token, error) {
	var ts []store.Token
	err := t.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY created_at DESC, id DESC`, nil,
		func(rows pgx.Rows) error {
			var r tokenRow
			if err := rows.Scan(r.dest()...); err != nil {
				return err
			}
			ts = append(ts, r.token())
			return nil
		})
	if err != nil {
		return nil, wrap(err, "tokens")
	}
	return ts, nil
}

// RevokeToken marks a token revoked at Now, unless it is revoked already; ErrNotFound,
// reported by the call, if there is no such token.
func (t *Tx) RevokeToken(ctx context.Context, id string) error {
	n, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, t.now)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "revoke token %s", id)
}

// tokenRow receives a row of tokenColumns.
type tokenRow struct {
	t                store.Token
	expires, revoked *time.Time
}

func (r *tokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.Hash, &r.t.Name, &r.t.Role, &r.t.Merchant, &r.t.Customer, &r.t.UserID, &r.t.CreatedAt,
		&r.expires, &r.revoked}
}

// token is the token the row holds.
func (r *tokenRow) token() store.Token {
	tk := r.t
	tk.ExpiresAt, tk.RevokedAt = timeOf(r.expires), timeOf(r.revoked)
	return tk
}
