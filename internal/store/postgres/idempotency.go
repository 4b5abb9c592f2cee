package postgres

import (
	"context"

	"github.com/aftersales/aftersales/internal/store"
)

// Idempotency returns the record of a key, ErrNotFound if unused.
func (t *Tx) Idempotency(ctx context.Context, principal, key string) (store.IdempotencyRecord, error) {
	r := store.IdempotencyRecord{Principal: principal, Key: key}
	var status int32
	err := t.queryRow(ctx, `
		SELECT request_hash, status, response, created_at FROM idempotency_keys
		WHERE principal = $1 AND key = $2`, []any{principal, key},
		&r.RequestHash, &status, &r.Response, &r.CreatedAt)
	if err != nil {
		return store.IdempotencyRecord{}, wrap(err, "idempotency key %s of %s", key, principal)
	}
	r.Status = int(status)
	return r, nil
}

// PutIdempotency stores a key's record; ErrConflict if the key is taken (the transaction
// stays usable).
func (t *Tx) PutIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	n, err := t.exec(ctx, `
		INSERT INTO idempotency_keys (principal, key, request_hash, status, response, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (principal, key) DO NOTHING`,
		r.Principal, r.Key, orBytes(r.RequestHash), int32(r.Status), orBytes(r.Response), orNow(r.CreatedAt, t.now))
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	return wrap(err, "put idempotency key %s of %s", r.Key, r.Principal)
}

// orBytes is b, or an empty slice for nil (which pgx would send as NULL).
func orBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
