package sqlite

import (
	"context"
	"fmt"

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

// PendingTimers lists a case's pending timers, soonest first.
func (tx *Tx) PendingTimers(ctx context.Context, caseID string) ([]store.Timer, error) {
	const q = `
SELECT id, case_id, kind, due_at FROM timers
WHERE case_id = ? AND state = 'pending'
ORDER BY due_at, kind, id`
	rows, err := tx.query(ctx, q, caseID)
	if err != nil {
		return nil, fmt.Errorf("load timers of case %s: %w", caseID, err)
	}
	defer rows.Close()
	var ts []store.Timer
	for rows.Next() {
		var (
			t    store.Timer
			kind string
			due  int64
		)
		if err := rows.Scan(&t.ID, &t.CaseID, &kind, &due); err != nil {
			return nil, fmt.Errorf("load timers of case %s: %w", caseID, err)
		}
		t.Kind = aftersale.DeadlineKind(kind)
		t.DueAt = fromMicros(due)
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load timers of case %s: %w", caseID, err)
	}
	return ts, nil
}
