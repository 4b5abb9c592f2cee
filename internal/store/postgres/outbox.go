package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// OutboxBacklog counts messages not yet delivered.
func (t *Tx) OutboxBacklog(ctx context.Context) (int, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`, nil, &n)
	return int(n), wrap(err, "outbox backlog")
}

// outboxColumns are what queryOutbox reads, in its order.
const outboxColumns = `id, topic, key, payload, state, attempts, available_at, last_error, created_at`

// queryOutbox runs a query of outboxColumns.
func (t *Tx) queryOutbox(ctx context.Context, sql string, args ...any) ([]store.OutboxRecord, error) {
	var rs []store.OutboxRecord
	err := t.query(ctx, sql, args, func(rows pgx.Rows) error {
		var r store.OutboxRecord
		var payload []byte
		err := rows.Scan(&r.ID, &r.Topic, &r.Key, &payload, &r.State, &r.Attempts, &r.AvailableAt,
			&r.LastError, &r.CreatedAt)
		r.Payload = json.RawMessage(payload)
		rs = append(rs, r)
		return err
	})
	return rs, err
}

// claimOutboxSQL leases the oldest available, unleased messages: the inner select walks
// the outbox_pending index in id order and locks what it takes, skipping rows another
// relay has locked (see claimTimersSQL for why the ids go through an array).
const claimOutboxSQL = `
UPDATE outbox SET lease_owner = $1, lease_until = $3, updated_at = $2
WHERE id = ANY (ARRAY(
    SELECT id FROM outbox
    WHERE state = 'pending' AND available_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY id LIMIT $4
    FOR UPDATE SKIP LOCKED))
RETURNING ` + outboxColumns

// ClaimOutbox leases up to limit available messages to owner until Now()+lease, oldest
// first.
func (t *Tx) ClaimOutbox(ctx context.Context, owner string, lease time.Duration, limit int) ([]store.OutboxRecord, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("claim outbox: the lease must be positive, not %v", lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	until := t.now.Add(lease).Truncate(time.Microsecond)
	rs, err := t.queryOutbox(ctx, claimOutboxSQL, owner, t.now, until, limit)
	if err != nil {
		return nil, wrap(err, "claim outbox")
	}
	slices.SortFunc(rs, func(a, b store.OutboxRecord) int { return cmp.Compare(a.ID, b.ID) })
	return rs, nil
}

// FinishOutbox marks a message owner leased as sent. It is sent at once, not with the
// next statement, so that a lost lease is reported by the call.
func (t *Tx) FinishOutbox(ctx context.Context, id int64, owner string) error {
	n, err := t.exec(ctx, `
		UPDATE outbox SET state = 'sent', updated_at = $3
		WHERE id = $1 AND state = 'pending' AND lease_owner = $2`, id, owner, t.now)
	return leasedChange(n, err, "finish outbox message %d of %s", id, owner)
}

// FinishOutboxes marks the pending messages of ids that owner leases as sent.
func (t *Tx) FinishOutboxes(ctx context.Context, owner string, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := t.exec(ctx, `
		UPDATE outbox SET state = 'sent', updated_at = $3
		WHERE id = ANY ($1) AND state = 'pending' AND lease_owner = $2`, ids, owner, t.now)
	return int(n), wrap(err, "finish %d outbox messages of %s", len(ids), owner)
}

// FailOutbox records a failed delivery and gives up owner's lease. A dead message keeps
// its available_at: it is never available again. A zero retryAt is Now().
func (t *Tx) FailOutbox(ctx context.Context, id int64, owner string, retryAt time.Time, lastError string, dead bool) error {
	state, available := "pending", nullTime(orNow(retryAt, t.now))
	if dead {
		state, available = "dead", nil
	}
	n, err := t.exec(ctx, `
		UPDATE outbox SET state = $3, attempts = attempts + 1, last_error = $4,
		    available_at = coalesce($5, available_at), lease_owner = NULL, lease_until = NULL, updated_at = $6
		WHERE id = $1 AND state = 'pending' AND lease_owner = $2`,
		id, owner, state, lastError, available, t.now)
	return leasedChange(n, err, "fail outbox message %d of %s", id, owner)
}

// DeadLetters lists dead messages, newest first (outbox_dead).
func (t *Tx) DeadLetters(ctx context.Context, limit int) ([]store.OutboxRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	rs, err := t.queryOutbox(ctx, `
		SELECT `+outboxColumns+` FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(err, "dead letters")
	}
	return rs, nil
}

// nextOutboxSQL reads the first entry of the outbox_next index.
const nextOutboxSQL = `
SELECT min(greatest(available_at, coalesce(lease_until, available_at))) FROM outbox WHERE state = 'pending'`

// pruneOutboxSQL deletes the oldest sent messages created before $1, $2 at most: it reads
// outbox_sent from its first entry and stops at the first too young. Replicas pruning at
// once take different messages (SKIP LOCKED) rather than wait for each other's.
const pruneOutboxSQL = `
DELETE FROM outbox WHERE id = ANY (ARRAY(
    SELECT id FROM outbox WHERE state = 'sent' AND created_at < $1 ORDER BY created_at LIMIT $2
    FOR UPDATE SKIP LOCKED))`

// PruneOutbox deletes the oldest sent messages created before before (pruneOutboxSQL).
func (t *Tx) PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneOutboxSQL, "prune the outbox before %v", before, limit)
}

// NextOutboxAvailable is the earliest time a pending message can next be claimed.
func (t *Tx) NextOutboxAvailable(ctx context.Context) (time.Time, bool, error) {
	var at *time.Time
	if err := t.queryRow(ctx, nextOutboxSQL, nil, &at); err != nil {
		return time.Time{}, false, wrap(err, "next outbox message available")
	}
	return timeOf(at), at != nil, nil
}
