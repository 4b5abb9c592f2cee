package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Idempotency returns the record of a key, ErrNotFound if unused.
func (tx *Tx) Idempotency(ctx context.Context, principal, key string) (store.IdempotencyRecord, error) {
	const q = `
SELECT principal, key, request_hash, status, response, created_at
FROM idempotency_keys WHERE principal = ? AND key = ?`
	var (
		r       store.IdempotencyRecord
		created int64
	)
	err := tx.queryRow(ctx, q, principal, key).Scan(&r.Principal, &r.Key, &r.RequestHash,
		&r.Status, &r.Response, &created)
	if err != nil {
		return store.IdempotencyRecord{}, fmt.Errorf("load idempotency key %s of %s: %w", key, principal, dbErr(err))
	}
	r.CreatedAt = fromMicros(created)
	return r, nil
}

// PutIdempotency stores a key's record (CreatedAt defaults to Now); ErrConflict if the
// key is taken.
func (tx *Tx) PutIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	const q = `
INSERT INTO idempotency_keys (principal, key, request_hash, status, response, created_at)
VALUES (?, ?, ?, ?, ?, ?)`
	_, err := tx.exec(ctx, q, r.Principal, r.Key, nonNil(r.RequestHash), r.Status,
		nonNil(r.Response), micros(orNow(r.CreatedAt, tx.now)))
	if err != nil {
		return fmt.Errorf("store idempotency key %s of %s: %w", r.Key, r.Principal, dbErr(err))
	}
	return nil
}

// nonNil is b, or an empty slice for nil, which the driver would bind as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// pruneIdempotencySQL deletes the records made longest before the first argument, the
// second at most, through idempotency_created from its first entry.
const pruneIdempotencySQL = `
DELETE FROM idempotency_keys WHERE rowid IN (
    SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`

// PruneIdempotency deletes the records of keys used before before (pruneIdempotencySQL).
func (tx *Tx) PruneIdempotency(ctx context.Context, before time.Time, limit int) (int, error) {
	return tx.prune(ctx, pruneIdempotencySQL, "prune idempotency keys used before %v", before, limit)
}
