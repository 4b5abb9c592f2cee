package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// ScheduleTimers cancels the case's pending timers of the kinds in cancel and adds a
// pending timer for each deadline in set.
func (tx *Tx) ScheduleTimers(ctx context.Context, caseID string, cancel []aftersale.DeadlineKind, set []aftersale.Deadline) error {
	now := micros(tx.now)
	if len(cancel) > 0 {
		q := `
UPDATE timers SET state = 'cancelled', updated_at = ?
WHERE case_id = ? AND state = 'pending' AND kind IN (` + placeholders(len(cancel)) + `)`
		args := []any{now, caseID}
		for _, k := range cancel {
			args = append(args, string(k))
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("cancel timers of case %s: %w", caseID, dbErr(err))
		}
	}
	const q = `
INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
VALUES (?, ?, ?, ?, 'pending', ?, ?)`
	for _, d := range set {
		if _, err := tx.exec(ctx, q, newID(), caseID, string(d.Kind), micros(d.Due), now, now); err != nil {
			return fmt.Errorf("set %s timer of case %s: %w", d.Kind, caseID, dbErr(err))
		}
	}
	return nil
}

// timerColumns are what scanTimers reads, in its order.
const timerColumns = `id, case_id, kind, due_at, attempts, lease_owner, lease_until, last_error`

// scanTimers reads rows of timerColumns.
func scanTimers(rows *sql.Rows) ([]store.Timer, error) {
	defer rows.Close()
	var ts []store.Timer
	for rows.Next() {
		var (
			t          store.Timer
			kind       string
			due        int64
			owner      sql.NullString
			leaseUntil sql.NullInt64
		)
		if err := rows.Scan(&t.ID, &t.CaseID, &kind, &due, &t.Attempts, &owner, &leaseUntil, &t.LastError); err != nil {
			return nil, err
		}
		t.Kind = aftersale.DeadlineKind(kind)
		t.DueAt = fromMicros(due)
		t.LeaseOwner = owner.String
		t.LeaseUntil = fromNullMicros(leaseUntil)
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// PendingTimers lists a case's pending timers, soonest first.
func (tx *Tx) PendingTimers(ctx context.Context, caseID string) ([]store.Timer, error) {
	const q = `
SELECT ` + timerColumns + ` FROM timers
WHERE case_id = ? AND state = 'pending'
ORDER BY due_at, kind, id`
	rows, err := tx.query(ctx, q, caseID)
	if err != nil {
		return nil, fmt.Errorf("load timers of case %s: %w", caseID, err)
	}
	ts, err := scanTimers(rows)
	if err != nil {
		return nil, fmt.Errorf("load timers of case %s: %w", caseID, err)
	}
	return ts, nil
}

// claimTimersSQL leases the soonest due, unleased timers (through timers_due). The single
// writer makes the select and the update one step: no other claimer can come between them.
const claimTimersSQL = `
UPDATE timers SET lease_owner = ?, lease_until = ?, updated_at = ?
WHERE id IN (
    SELECT id FROM timers
    WHERE state = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
    ORDER BY due_at LIMIT ?)
RETURNING ` + timerColumns

// ClaimTimers leases up to limit due timers to owner until Now()+lease, soonest first.
func (tx *Tx) ClaimTimers(ctx context.Context, owner string, lease time.Duration, limit int) ([]store.Timer, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("claim timers: the lease must be positive, not %v", lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	now := micros(tx.now)
	rows, err := tx.query(ctx, claimTimersSQL, owner, micros(tx.now.Add(lease)), now, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim timers: %w", dbErr(err))
	}
	ts, err := scanTimers(rows)
	if err != nil {
		return nil, fmt.Errorf("claim timers: %w", dbErr(err))
	}
	sortTimers(ts)
	return ts, nil
}

// sortTimers puts timers soonest first (RETURNING has no order of its own).
func sortTimers(ts []store.Timer) {
	slices.SortFunc(ts, func(a, b store.Timer) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
}

// FinishTimer ends a timer that owner holds the lease of.
func (tx *Tx) FinishTimer(ctx context.Context, id, owner string, state store.TimerState) error {
	if state != store.TimerFired && state != store.TimerCancelled {
		return fmt.Errorf("finish timer %s: %q is not how a timer ends", id, state)
	}
	const q = `
UPDATE timers SET state = ?, updated_at = ?
WHERE id = ? AND state = 'pending' AND lease_owner = ?`
	res, err := tx.exec(ctx, q, string(state), micros(tx.now), id, owner)
	return leasedChange(res, err, "finish timer %s of %s", id, owner)
}

// RetryTimer gives up owner's lease after a failed firing; the lease end becomes the retry
// time, so that no claimer takes the timer before it.
func (tx *Tx) RetryTimer(ctx context.Context, id, owner string, retryAt time.Time, lastError string) error {
	const q = `
UPDATE timers SET attempts = attempts + 1, last_error = ?, lease_owner = NULL, lease_until = ?, updated_at = ?
WHERE id = ? AND state = 'pending' AND lease_owner = ?`
	res, err := tx.exec(ctx, q, lastError, nullMicros(retryAt), micros(tx.now), id, owner)
	return leasedChange(res, err, "retry timer %s of %s", id, owner)
}

// leasedChange is the result of a change to a row that owner must hold the lease of:
// ErrConflict when no row was changed.
func leasedChange(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return fmt.Errorf(format+": %w", append(args, dbErr(err))...)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf(format+": %w", append(args, err)...)
	}
	if n == 0 {
		return fmt.Errorf(format+": %w: not pending, or leased to another owner", append(args, store.ErrConflict)...)
	}
	return nil
}

// nextTimerDueSQL reads the first entry of the timers_next index. Written as ORDER BY …
// LIMIT 1 it is planned as a scan and a sort once ANALYZE has seen that most timers are
// pending; min() goes to the index whatever the statistics.
const nextTimerDueSQL = `
SELECT min(max(due_at, coalesce(lease_until, due_at))) FROM timers WHERE state = 'pending'`

// NextTimerDue is the earliest time at which a pending timer can next be claimed.
func (tx *Tx) NextTimerDue(ctx context.Context) (time.Time, bool, error) {
	return nextAt(tx.queryRow(ctx, nextTimerDueSQL), "next timer due")
}

// nextAt scans the time of a NextTimerDue or NextOutboxAvailable query (NULL: none).
func nextAt(row *sql.Row, what string) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := row.Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("%s: %w", what, err)
	}
	return fromNullMicros(at), at.Valid, nil
}

// pruneTimersSQL deletes the timers that ended longest before the first argument, the
// second at most: it reads timers_ended from its first entry and stops at the first too
// young.
const pruneTimersSQL = `
DELETE FROM timers WHERE id IN (
    SELECT id FROM timers WHERE state <> 'pending' AND updated_at < ? ORDER BY updated_at LIMIT ?)`

// PruneTimers deletes the timers that ended longest before before (pruneTimersSQL).
func (tx *Tx) PruneTimers(ctx context.Context, before time.Time, limit int) (int, error) {
	return tx.prune(ctx, pruneTimersSQL, "prune timers ended before %v", before, limit)
}

// TimerStats counts pending timers and those due at Now().
func (tx *Tx) TimerStats(ctx context.Context) (pending, due int, err error) {
	const q = `
SELECT count(*), count(*) FILTER (WHERE due_at <= ?) FROM timers WHERE state = 'pending'`
	if err := tx.queryRow(ctx, q, micros(tx.now)).Scan(&pending, &due); err != nil {
		return 0, 0, fmt.Errorf("timer stats: %w", err)
	}
	return pending, due, nil
}

// OverdueTimers lists pending timers due before the given time, soonest first.
func (tx *Tx) OverdueTimers(ctx context.Context, before time.Time, limit int) ([]store.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	const q = `
SELECT ` + timerColumns + ` FROM timers
WHERE state = 'pending' AND due_at < ?
ORDER BY due_at, id LIMIT ?`
	rows, err := tx.query(ctx, q, micros(before), limit)
	if err != nil {
		return nil, fmt.Errorf("overdue timers: %w", err)
	}
	ts, err := scanTimers(rows)
	if err != nil {
		return nil, fmt.Errorf("overdue timers: %w", err)
	}
	return ts, nil
}
