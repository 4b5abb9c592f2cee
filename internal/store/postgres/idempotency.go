package postgres

import (
	"context"
	"time"

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

// PutIdempotency stores a key's record. The write travels with the transaction's next
// statement (see Tx.later): a taken key (ErrConflict) is returned by that statement's call
// or by Update — typically by the COMMIT of the command it records.
func (t *Tx) PutIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	return t.later(ctx, "put idempotency key "+r.Key+" of "+r.Principal, `
		INSERT INTO idempotency_keys (principal, key, request_hash, status, response, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		r.Principal, r.Key, orBytes(r.RequestHash), int32(r.Status), orBytes(r.Response), orNow(r.CreatedAt, t.now))
}

// orBytes is b, or an empty slice for nil (which pgx would send as NULL).
func orBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// pruneIdempotencySQL deletes the records made longest before $1, $2 at most, through
// idempotency_created from its first entry. Replicas pruning at once take different records
// (SKIP LOCKED) rather than wait for each other's.
const pruneIdempotencySQL = `
DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2
    FOR UPDATE SKIP LOCKED))`

// PruneIdempotency deletes the records of keys used before before (pruneIdempotencySQL).
func (t *Tx) PruneIdempotency(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneIdempotencySQL, "prune idempotency keys used before %v", before, limit)
}
