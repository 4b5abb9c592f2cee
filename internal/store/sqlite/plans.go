package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertPlan stores a new plan at version 1.
func (tx *Tx) InsertPlan(ctx context.Context, p store.PlanRecord) error {
	const q = `INSERT INTO plans (id, doc, state, version, activated_at, activated_by, ends_at, ended_at, clear_since, created_at)
VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, p.ID, string(p.Doc), p.State, nullMicros(p.ActivatedAt), p.ActivatedBy,
		nullMicros(p.EndsAt), nullMicros(p.EndedAt), nullMicros(p.ClearSince), micros(orNow(p.CreatedAt, tx.now))); err != nil {
		return fmt.Errorf("insert plan %s: %w", p.ID, dbErr(err))
	}
	return nil
}

// UpdatePlan stores p if the stored version is p.Version-1.
func (tx *Tx) UpdatePlan(ctx context.Context, p store.PlanRecord) error {
	const q = `UPDATE plans SET doc = ?, state = ?, version = ?, activated_at = ?, activated_by = ?, ends_at = ?, ended_at = ?, clear_since = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, string(p.Doc), p.State, p.Version, nullMicros(p.ActivatedAt), p.ActivatedBy,
		nullMicros(p.EndsAt), nullMicros(p.EndedAt), nullMicros(p.ClearSince), p.ID, p.Version-1)
	if err != nil {
		return fmt.Errorf("update plan %s: %w", p.ID, dbErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update plan %s: %w: version %d is not the one stored", p.ID, store.ErrConflict, p.Version-1)
	}
	return nil
}

const planColumns = `id, doc, state, version, activated_at, activated_by, ends_at, ended_at, clear_since, created_at`

func scanPlan(row scanner) (store.PlanRecord, error) {
	var (
		p                             store.PlanRecord
		doc                           string
		activated, ends, ended, clear sql.NullInt64
		created                       int64
	)
	if err := row.Scan(&p.ID, &doc, &p.State, &p.Version, &activated, &p.ActivatedBy, &ends, &ended, &clear, &created); err != nil {
		return store.PlanRecord{}, err
	}
	p.Doc = []byte(doc)
	p.ActivatedAt, p.EndsAt, p.EndedAt, p.ClearSince = fromNullMicros(activated), fromNullMicros(ends), fromNullMicros(ended), fromNullMicros(clear)
	p.CreatedAt = fromMicros(created)
	return p, nil
}

// Plan returns a plan.
func (tx *Tx) Plan(ctx context.Context, id string) (store.PlanRecord, error) {
	p, err := scanPlan(tx.queryRow(ctx, `SELECT `+planColumns+` FROM plans WHERE id = ?`, id))
	if err != nil {
		return store.PlanRecord{}, fmt.Errorf("plan %s: %w", id, dbErr(err))
	}
	return p, nil
}

// ListPlans returns every plan (or those in state), oldest first.
func (tx *Tx) ListPlans(ctx context.Context, state string) ([]store.PlanRecord, error) {
	f := &filter{}
	f.eq("state", state)
	rows, err := tx.query(ctx, `SELECT `+planColumns+` FROM plans`+f.sql()+` ORDER BY created_at, id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", dbErr(err))
	}
	defer rows.Close()
	var out []store.PlanRecord
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("list plans: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AppendPlanEvent adds an entry to a plan's history.
func (tx *Tx) AppendPlanEvent(ctx context.Context, e store.PlanEvent) error {
	detail, err := jsonOrNull(e.Detail)
	if err != nil {
		return fmt.Errorf("plan %s event: detail: %w", e.PlanID, err)
	}
	const q = `INSERT INTO plan_events (plan_id, seq, kind, actor, detail, at)
VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM plan_events WHERE plan_id = ?), ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, e.PlanID, e.PlanID, e.Kind, e.Actor, detail, micros(orNow(e.At, tx.now))); err != nil {
		return fmt.Errorf("plan %s event: %w", e.PlanID, dbErr(err))
	}
	return nil
}

// PlanEvents returns a plan's history, oldest first.
func (tx *Tx) PlanEvents(ctx context.Context, planID string) ([]store.PlanEvent, error) {
	rows, err := tx.query(ctx, `SELECT plan_id, seq, kind, actor, detail, at FROM plan_events WHERE plan_id = ? ORDER BY seq`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan %s events: %w", planID, dbErr(err))
	}
	defer rows.Close()
	var out []store.PlanEvent
	for rows.Next() {
		var (
			e      store.PlanEvent
			detail sql.NullString
			at     int64
		)
		if err := rows.Scan(&e.PlanID, &e.Seq, &e.Kind, &e.Actor, &detail, &at); err != nil {
			return nil, fmt.Errorf("plan %s events: %w", planID, err)
		}
		if detail.Valid {
			e.Detail = []byte(detail.String)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountCasesSince counts the cases created at or after since (cases_created).
func (tx *Tx) CountCasesSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE created_at >= ?`, micros(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases since %s: %w", since, dbErr(err))
	}
	return n, nil
}
