package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// ScheduleTimers cancels the case's pending timers of the given kinds, then adds the new
// ones. The writes travel with the transaction's next statement (see Tx.later): an unknown
// case (ErrNotFound) is returned by that statement's call or by Update.
func (t *Tx) ScheduleTimers(ctx context.Context, caseID string, cancel []aftersale.DeadlineKind, set []aftersale.Deadline) error {
	what := "schedule timers of case " + caseID
	if len(set) == 0 {
		if len(cancel) == 0 {
			return nil
		}
		return t.later(ctx, what, cancelTimersSQL, caseID, strs(cancel), t.now)
	}
	ids, kinds, dues := make([]string, len(set)), make([]string, len(set)), make([]time.Time, len(set))
	for i, d := range set {
		ids[i], kinds[i], dues[i] = newID("tmr_"), string(d.Kind), d.Due
	}
	if len(cancel) == 0 {
		return t.later(ctx, what, addTimersSQL, caseID, ids, kinds, dues, t.now)
	}
	return t.later(ctx, what, moveTimersSQL, caseID, strs(cancel), t.now, ids, kinds, dues)
}

// cancelTimersSQL cancels the pending timers of case $1 of kinds $2 at $3.
const cancelTimersSQL = `
UPDATE timers SET state = 'cancelled', updated_at = $3
WHERE case_id = $1 AND state = 'pending' AND kind = ANY ($2::text[])`

// addTimersSQL adds pending timers to case $1 at $5: their ids, kinds and due times.
const addTimersSQL = `
INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
SELECT d.id, $1, d.kind, d.due_at, 'pending', $5, $5
FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS d (id, kind, due_at)`

// moveTimersSQL is cancelTimersSQL and addTimersSQL in one statement ($4, $5, $6: the new
// timers' ids, kinds and due times): a transition moves its case's SLA check, a cancel and
// an insert at every event. The insert does not see the cancel's changes, nor need to: it
// adds only new rows.
const moveTimersSQL = `
WITH cancelled AS (` + cancelTimersSQL + `)
INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
SELECT d.id, $1, d.kind, d.due_at, 'pending', $3, $3
FROM unnest($4::text[], $5::text[], $6::timestamptz[]) AS d (id, kind, due_at)`

// timerColumns are what scanTimer reads, in its order.
const timerColumns = `id, case_id, kind, due_at, attempts, lease_owner, lease_until, last_error`

// scanTimer reads a row of timerColumns.
func scanTimer(rows pgx.Rows) (store.Timer, error) {
	var tm store.Timer
	var owner *string
	var leaseUntil *time.Time
	err := rows.Scan(&tm.ID, &tm.CaseID, &tm.Kind, &tm.DueAt, &tm.Attempts, &owner, &leaseUntil, &tm.LastError)
	if owner != nil {
		tm.LeaseOwner = *owner
	}
	tm.LeaseUntil = timeOf(leaseUntil)
	return tm, err
}

// queryTimers runs a query of timerColumns.
func (t *Tx) queryTimers(ctx context.Context, sql string, args ...any) ([]store.Timer, error) {
	var ts []store.Timer
	err := t.query(ctx, sql, args, func(rows pgx.Rows) error {
		tm, err := scanTimer(rows)
		ts = append(ts, tm)
		return err
	})
	return ts, err
}

// PendingTimers lists a case's pending timers, soonest first.
func (t *Tx) PendingTimers(ctx context.Context, caseID string) ([]store.Timer, error) {
	ts, err := t.queryTimers(ctx, `
		SELECT `+timerColumns+` FROM timers
		WHERE case_id = $1 AND state = 'pending' ORDER BY due_at, id`, caseID)
	if err != nil {
		return nil, wrap(err, "pending timers of case %s", caseID)
	}
	return ts, nil
}

// claimTimersSQL leases the soonest due, unleased timers: the inner select walks the
// timers_due index and locks what it takes, skipping rows another claimer has locked, so
// that concurrent claimers never take the same timer. Under READ COMMITTED a row that
// another claimer leased and committed after this statement began is checked again when
// locked, and skipped. The ids are collected into an array (an InitPlan, run once) and the
// update finds them through the primary key: written as id IN (SELECT …), the generic plan
// that the store's connections use hash-joins the subquery against a scan of all timers.
const claimTimersSQL = `
UPDATE timers SET lease_owner = $1, lease_until = $3, updated_at = $2
WHERE id = ANY (ARRAY(
    SELECT id FROM timers
    WHERE state = 'pending' AND due_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
    ORDER BY due_at LIMIT $4
    FOR UPDATE SKIP LOCKED))
RETURNING ` + timerColumns

// ClaimTimers leases up to limit due timers to owner until Now()+lease, soonest first.
func (t *Tx) ClaimTimers(ctx context.Context, owner string, lease time.Duration, limit int) ([]store.Timer, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("claim timers: the lease must be positive, not %v", lease)
	}
	if limit <= 0 {
		return nil, nil
	}
	until := t.now.Add(lease).Truncate(time.Microsecond)
	ts, err := t.queryTimers(ctx, claimTimersSQL, owner, t.now, until, limit)
	if err != nil {
		return nil, wrap(err, "claim timers")
	}
	slices.SortFunc(ts, func(a, b store.Timer) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return ts, nil
}

// FinishTimer ends a timer that owner holds the lease of. It is sent at once, not with
// the next statement: the caller must learn of a lost lease before it commits anything.
func (t *Tx) FinishTimer(ctx context.Context, id, owner string, state store.TimerState) error {
	if state != store.TimerFired && state != store.TimerCancelled {
		return fmt.Errorf("finish timer %s: %q is not how a timer ends", id, state)
	}
	n, err := t.exec(ctx, `
		UPDATE timers SET state = $3, updated_at = $4
		WHERE id = $1 AND state = 'pending' AND lease_owner = $2`, id, owner, string(state), t.now)
	return leasedChange(n, err, "finish timer %s of %s", id, owner)
}

// RetryTimer gives up owner's lease after a failed firing; the lease end becomes the retry
// time, so that no claimer takes the timer before it. Sent at once, as FinishTimer.
func (t *Tx) RetryTimer(ctx context.Context, id, owner string, retryAt time.Time, lastError string) error {
	n, err := t.exec(ctx, `
		UPDATE timers SET attempts = attempts + 1, last_error = $3, lease_owner = NULL, lease_until = $4,
		    updated_at = $5
		WHERE id = $1 AND state = 'pending' AND lease_owner = $2`, id, owner, lastError, nullTime(retryAt), t.now)
	return leasedChange(n, err, "retry timer %s of %s", id, owner)
}

// leasedChange is the result of a change to n rows that owner must hold the lease of:
// ErrConflict when there were none.
func leasedChange(n int64, err error, format string, args ...any) error {
	if err != nil {
		return wrap(err, format, args...)
	}
	if n == 0 {
		return fmt.Errorf(format+": %w: not pending, or leased to another owner", append(args, store.ErrConflict)...)
	}
	return nil
}

// nextTimerDueSQL reads the first entry of the timers_next index.
const nextTimerDueSQL = `
SELECT min(greatest(due_at, coalesce(lease_until, due_at))) FROM timers WHERE state = 'pending'`

// NextTimerDue is the earliest time at which a pending timer can next be claimed.
func (t *Tx) NextTimerDue(ctx context.Context) (time.Time, bool, error) {
	var at *time.Time
	if err := t.queryRow(ctx, nextTimerDueSQL, nil, &at); err != nil {
		return time.Time{}, false, wrap(err, "next timer due")
	}
	return timeOf(at), at != nil, nil
}

// pruneTimersSQL deletes the timers that ended longest before $1, $2 at most: it reads
// timers_ended from its first entry and stops at the first too young. Replicas pruning at
// once take different timers (SKIP LOCKED) rather than wait for each other's.
const pruneTimersSQL = `
DELETE FROM timers WHERE id = ANY (ARRAY(
    SELECT id FROM timers WHERE state <> 'pending' AND updated_at < $1 ORDER BY updated_at LIMIT $2
    FOR UPDATE SKIP LOCKED))`

// PruneTimers deletes the timers that ended longest before before (pruneTimersSQL).
func (t *Tx) PruneTimers(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneTimersSQL, "prune timers ended before %v", before, limit)
}

// TimerStats counts pending timers and those due at Now().
func (t *Tx) TimerStats(ctx context.Context) (pending, due int, err error) {
	var p, d int64
	err = t.queryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE due_at <= $1) FROM timers WHERE state = 'pending'`,
		[]any{t.now}, &p, &d)
	if err != nil {
		return 0, 0, wrap(err, "timer stats")
	}
	return int(p), int(d), nil
}

// OverdueTimers lists pending timers due before the given time, soonest first.
func (t *Tx) OverdueTimers(ctx context.Context, before time.Time, limit int) ([]store.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	ts, err := t.queryTimers(ctx, `
		SELECT `+timerColumns+` FROM timers
		WHERE state = 'pending' AND due_at < $1 ORDER BY due_at, id LIMIT $2`, before, limit)
	if err != nil {
		return nil, wrap(err, "overdue timers")
	}
	return ts, nil
}
