package postgres

import (
	"context"
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
	if len(cancel) > 0 {
		err := t.later(ctx, what, `
			UPDATE timers SET state = 'cancelled', updated_at = $3
			WHERE case_id = $1 AND state = 'pending' AND kind = ANY ($2::text[])`,
			caseID, strs(cancel), t.now)
		if err != nil {
			return err
		}
	}
	if len(set) > 0 {
		ids, kinds, dues := make([]string, len(set)), make([]string, len(set)), make([]time.Time, len(set))
		for i, d := range set {
			ids[i], kinds[i], dues[i] = newID("tmr_"), string(d.Kind), d.Due
		}
		return t.later(ctx, what, `
			INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
			SELECT d.id, $1, d.kind, d.due_at, 'pending', $5, $5
			FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS d (id, kind, due_at)`,
			caseID, ids, kinds, dues, t.now)
	}
	return nil
}

// PendingTimers lists a case's pending timers, soonest first.
func (t *Tx) PendingTimers(ctx context.Context, caseID string) ([]store.Timer, error) {
	var ts []store.Timer
	err := t.query(ctx, `
		SELECT id, kind, due_at FROM timers
		WHERE case_id = $1 AND state = 'pending' ORDER BY due_at, id`, []any{caseID},
		func(rows pgx.Rows) error {
			tm := store.Timer{CaseID: caseID}
			if err := rows.Scan(&tm.ID, &tm.Kind, &tm.DueAt); err != nil {
				return err
			}
			ts = append(ts, tm)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "pending timers of case %s", caseID)
	}
	return ts, nil
}
