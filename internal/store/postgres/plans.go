package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertPlan stores a new plan at version 1.
func (t *Tx) InsertPlan(ctx context.Context, p store.PlanRecord) error {
	_, err := t.exec(ctx, `INSERT INTO plans (id, doc, state, version, activated_at, activated_by, ends_at, ended_at, clear_since, created_at)
		VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9)`,
		p.ID, string(p.Doc), p.State, nullTime(utcMicro(p.ActivatedAt)), p.ActivatedBy,
		nullTime(utcMicro(p.EndsAt)), nullTime(utcMicro(p.EndedAt)), nullTime(utcMicro(p.ClearSince)), utcMicro(orNow(p.CreatedAt, t.now)))
	return wrap(err, "insert plan %s", p.ID)
}

// UpdatePlan stores p if the stored version is p.Version-1; sent at once, so that a
// conflict comes back from the call.
func (t *Tx) UpdatePlan(ctx context.Context, p store.PlanRecord) error {
	n, err := t.exec(ctx, `UPDATE plans SET doc = $1, state = $2, version = $3, activated_at = $4, activated_by = $5,
		ends_at = $6, ended_at = $7, clear_since = $8 WHERE id = $9 AND version = $10`,
		string(p.Doc), p.State, int64(p.Version), nullTime(utcMicro(p.ActivatedAt)), p.ActivatedBy,
		nullTime(utcMicro(p.EndsAt)), nullTime(utcMicro(p.EndedAt)), nullTime(utcMicro(p.ClearSince)), p.ID, int64(p.Version-1))
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: version %d is not the one stored", store.ErrConflict, p.Version-1)
	}
	return wrap(err, "update plan %s", p.ID)
}

const planColumns = `id, doc, state, version, activated_at, activated_by, ends_at, ended_at, clear_since, created_at`

type planRow struct {
	p                             store.PlanRecord
	doc                           string
	version                       int64
	activated, ends, ended, clear *time.Time
}

func (r *planRow) dest() []any {
	return []any{&r.p.ID, &r.doc, &r.p.State, &r.version, &r.activated, &r.p.ActivatedBy, &r.ends, &r.ended, &r.clear, &r.p.CreatedAt}
}

func (r *planRow) record() store.PlanRecord {
	p := r.p
	p.Doc = []byte(r.doc)
	p.Version = int(r.version)
	at := func(x *time.Time) time.Time {
		if x == nil {
			return time.Time{}
		}
		return x.UTC()
	}
	p.ActivatedAt, p.EndsAt, p.EndedAt, p.ClearSince = at(r.activated), at(r.ends), at(r.ended), at(r.clear)
	p.CreatedAt = p.CreatedAt.UTC()
	return p
}

// Plan returns a plan.
func (t *Tx) Plan(ctx context.Context, id string) (store.PlanRecord, error) {
	var r planRow
	if err := t.queryRow(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, []any{id}, r.dest()...); err != nil {
		return store.PlanRecord{}, wrap(err, "plan %s", id)
	}
	return r.record(), nil
}

// ListPlans returns every plan (or those in state), oldest first.
func (t *Tx) ListPlans(ctx context.Context, state string) ([]store.PlanRecord, error) {
	f := &filter{}
	f.eq("state", state)
	var out []store.PlanRecord
	err := t.query(ctx, `SELECT `+planColumns+` FROM plans`+f.sql()+` ORDER BY created_at, id`, f.args,
		func(rows pgx.Rows) error {
			var r planRow
			if err := rows.Scan(r.dest()...); err != nil {
				return err
			}
			out = append(out, r.record())
			return nil
		})
	return out, wrap(err, "list plans")
}

// AppendPlanEvent adds an entry to a plan's history.
func (t *Tx) AppendPlanEvent(ctx context.Context, e store.PlanEvent) error {
	detail, err := jsonOrNull(e.Detail)
	if err != nil {
		return fmt.Errorf("plan %s event: detail: %w", e.PlanID, err)
	}
	_, err = t.exec(ctx, `INSERT INTO plan_events (plan_id, seq, kind, actor, detail, at)
		VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM plan_events WHERE plan_id = $1), $2, $3, $4, $5)`,
		e.PlanID, e.Kind, e.Actor, detail, utcMicro(orNow(e.At, t.now)))
	return wrap(err, "plan %s event", e.PlanID)
}

// PlanEvents returns a plan's history, oldest first.
func (t *Tx) PlanEvents(ctx context.Context, planID string) ([]store.PlanEvent, error) {
	var out []store.PlanEvent
	err := t.query(ctx, `SELECT plan_id, seq, kind, actor, detail, at FROM plan_events WHERE plan_id = $1 ORDER BY seq`, []any{planID},
		func(rows pgx.Rows) error {
			var (
				e      store.PlanEvent
				seq    int64
				detail *string
			)
			if err := rows.Scan(&e.PlanID, &seq, &e.Kind, &e.Actor, &detail, &e.At); err != nil {
				return err
			}
			e.Seq = int(seq)
			if detail != nil {
				e.Detail = []byte(*detail)
			}
			e.At = e.At.UTC()
			out = append(out, e)
			return nil
		})
	return out, wrap(err, "plan %s events", planID)
}

// CountCasesSince counts the cases created at or after since (cases_created).
func (t *Tx) CountCasesSince(ctx context.Context, since time.Time) (int, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE created_at >= $1`, []any{utcMicro(since)}, &n)
	return int(n), wrap(err, "count cases since %s", since)
}
