package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Enqueue adds messages to the outbox, available at once.
func (tx *Tx) Enqueue(ctx context.Context, msgs ...store.OutboxMessage) error {
	now := micros(tx.now)
	const q = `
INSERT INTO outbox (topic, key, payload, available_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?)`
	for _, m := range msgs {
		payload := m.Payload
		if payload == nil {
			payload = json.RawMessage("null")
		}
		if !json.Valid(payload) {
			return fmt.Errorf("enqueue %s %s: the payload is not valid JSON", m.Topic, m.Key)
		}
		if _, err := tx.exec(ctx, q, m.Topic, m.Key, string(payload), now, now, now); err != nil {
			return fmt.Errorf("enqueue %s %s: %w", m.Topic, m.Key, dbErr(err))
		}
	}
	return nil
}

// OutboxBacklog counts messages not yet delivered.
func (tx *Tx) OutboxBacklog(ctx context.Context) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox backlog: %w", err)
	}
	return n, nil
}

// outboxColumns are what scanOutbox reads, in its order.
const outboxColumns = `id, topic, key, payload, state, attempts, available_at, last_error, created_at`

// scanOutbox reads rows of outboxColumns.
func scanOutbox(rows *sql.Rows) ([]store.OutboxRecord, error) {
	defer rows.Close()
	var rs []store.OutboxRecord
	for rows.Next() {
		var (
			r                  store.OutboxRecord
			payload            string
			available, created int64
		)
		if err := rows.Scan(&r.ID, &r.Topic, &r.Key, &payload, &r.State, &r.Attempts, &available,
			&r.LastError, &created); err != nil {
			return nil, err
		}
		r.Payload = json.RawMessage(payload)
		r.AvailableAt = fromMicros(available)
		r.CreatedAt = fromMicros(created)
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// claimOutboxSQL leases the oldest available, unleased messages (through outbox_pending).
// The single writer makes the select and the update one step.
const claimOutboxSQL = `
UPDATE outbox SET lease_owner = ?, lease_until = ?, updated_at = ?
WHERE id IN (
    SELECT id FROM outbox
    WHERE state = 'pending' AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
    ORDER BY id LIMIT ?)
RETURNING ` + outboxColumns

// ClaimOutbox leases up to limit available messages to owner until Now()+lease, oldest
// first.
func (tx *Tx) ClaimOutbox(ctx context.Context, owner string, lease time.Duration, limit int) ([]store.OutboxRecord, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("claim outbox: the lease must be positive, not %v", lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	now := micros(tx.now)
	rows, err := tx.query(ctx, claimOutboxSQL, owner, micros(tx.now.Add(lease)), now, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", dbErr(err))
	}
	rs, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", dbErr(err))
	}
	slices.SortFunc(rs, func(a, b store.OutboxRecord) int { return cmp.Compare(a.ID, b.ID) })
	return rs, nil
}

// FinishOutbox marks a message owner leased as sent.
func (tx *Tx) FinishOutbox(ctx context.Context, id int64, owner string) error {
	const q = `
UPDATE outbox SET state = 'sent', updated_at = ?
WHERE id = ? AND state = 'pending' AND lease_owner = ?`
	res, err := tx.exec(ctx, q, micros(tx.now), id, owner)
	return leasedChange(res, err, "finish outbox message %d of %s", id, owner)
}

// FinishOutboxes marks the pending messages of ids that owner leases as sent; the ids
// come in as one JSON array.
func (tx *Tx) FinishOutboxes(ctx context.Context, owner string, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return 0, err
	}
	const q = `
UPDATE outbox SET state = 'sent', updated_at = ?
WHERE id IN (SELECT value FROM json_each(?)) AND state = 'pending' AND lease_owner = ?`
	res, err := tx.exec(ctx, q, micros(tx.now), string(list), owner)
	if err != nil {
		return 0, fmt.Errorf("finish %d outbox messages of %s: %w", len(ids), owner, dbErr(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// FailOutbox records a failed delivery and gives up owner's lease. A dead message keeps
// its available_at: it is never available again. A zero retryAt is Now().
func (tx *Tx) FailOutbox(ctx context.Context, id int64, owner string, retryAt time.Time, lastError string, dead bool) error {
	state, available := "pending", any(micros(orNow(retryAt, tx.now)))
	if dead {
		state, available = "dead", nil
	}
	const q = `
UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
    available_at = coalesce(?, available_at), lease_owner = NULL, lease_until = NULL, updated_at = ?
WHERE id = ? AND state = 'pending' AND lease_owner = ?`
	res, err := tx.exec(ctx, q, state, lastError, available, micros(tx.now), id, owner)
	return leasedChange(res, err, "fail outbox message %d of %s", id, owner)
}

// DeadLetters lists dead messages, newest first.
func (tx *Tx) DeadLetters(ctx context.Context, limit int) ([]store.OutboxRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	const q = `
SELECT ` + outboxColumns + ` FROM outbox WHERE state = 'dead' ORDER BY id DESC LIMIT ?`
	rows, err := tx.query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	rs, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	return rs, nil
}

// nextOutboxSQL reads the first entry of the outbox_next index (see nextTimerDueSQL).
const nextOutboxSQL = `
SELECT min(max(available_at, coalesce(lease_until, available_at))) FROM outbox WHERE state = 'pending'`

// pruneOutboxSQL deletes the oldest sent messages created before the first argument, the
// second at most: it reads outbox_sent from its first entry and stops at the first too young.
const pruneOutboxSQL = `
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE state = 'sent' AND created_at < ? ORDER BY created_at LIMIT ?)`

// PruneOutbox deletes the oldest sent messages created before before (pruneOutboxSQL).
func (tx *Tx) PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	return tx.prune(ctx, pruneOutboxSQL, "prune the outbox before %v", before, limit)
}

// NextOutboxAvailable is the earliest time a pending message can next be claimed.
func (tx *Tx) NextOutboxAvailable(ctx context.Context) (time.Time, bool, error) {
	return nextAt(tx.queryRow(ctx, nextOutboxSQL), "next outbox message available")
}
