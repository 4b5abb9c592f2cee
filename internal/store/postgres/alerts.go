package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

const alertColumns = `id, kind, key, merchant, state, opened_at, closed_at, opened_day, loud_day,
	rate, baseline, volume, events, top_reasons, ack_by, ack_at`

func reasonsJSON(b []byte) string {
	if len(b) == 0 {
		return "[]"
	}
	return string(b)
}

// InsertAlert stores a new alert; a subject with an open alert refuses a second one
// (alerts_one_open; ON CONFLICT DO NOTHING keeps the transaction usable): ErrConflict.
func (t *Tx) InsertAlert(ctx context.Context, a store.Alert) error {
	n, err := t.exec(ctx, `INSERT INTO alerts (`+alertColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING`,
		a.ID, a.Kind, a.Key, a.Merchant, a.State, a.OpenedAt, nullTime(a.ClosedAt), a.OpenedDay, a.LoudDay,
		a.Rate, a.Baseline, a.Volume, a.Events, reasonsJSON(a.TopReasons), a.AckBy, nullTime(a.AckAt))
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: taken id or an open alert", store.ErrConflict)
	}
	return wrap(err, "insert alert %s (%s %q of %s)", a.ID, a.Kind, a.Key, a.Merchant)
}

// UpdateAlert replaces an alert's changing columns.
func (t *Tx) UpdateAlert(ctx context.Context, a store.Alert) error {
	n, err := t.exec(ctx, `UPDATE alerts SET state = $1, closed_at = $2, loud_day = $3, rate = $4, baseline = $5,
		volume = $6, events = $7, top_reasons = $8, ack_by = $9, ack_at = $10 WHERE id = $11`,
		a.State, nullTime(a.ClosedAt), a.LoudDay, a.Rate, a.Baseline, a.Volume, a.Events,
		reasonsJSON(a.TopReasons), a.AckBy, nullTime(a.AckAt), a.ID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update alert %s", a.ID)
}

// Alert returns one alert.
func (t *Tx) Alert(ctx context.Context, id string) (store.Alert, error) {
	as, err := t.queryAlerts(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, id)
	if err == nil && len(as) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Alert{}, wrap(err, "alert %s", id)
	}
	return as[0], nil
}

// ListAlerts returns alerts, newest opened first.
func (t *Tx) ListAlerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	f := &filter{}
	f.eq("state", q.State)
	f.eq("kind", q.Kind)
	f.eq("merchant", q.Merchant)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	lim := f.arg(limit)
	as, err := t.queryAlerts(ctx, `SELECT `+alertColumns+` FROM alerts`+f.sql()+` ORDER BY opened_at DESC, id DESC LIMIT `+lim, f.args...)
	return as, wrap(err, "list alerts")
}

func (t *Tx) queryAlerts(ctx context.Context, q string, args ...any) ([]store.Alert, error) {
	var out []store.Alert
	err := t.query(ctx, q, args, func(rows pgx.Rows) error {
		var (
			a           store.Alert
			closed, ack *time.Time
			reasons     []byte
		)
		if err := rows.Scan(&a.ID, &a.Kind, &a.Key, &a.Merchant, &a.State, &a.OpenedAt, &closed, &a.OpenedDay, &a.LoudDay,
			&a.Rate, &a.Baseline, &a.Volume, &a.Events, &reasons, &a.AckBy, &ack); err != nil {
			return err
		}
		a.OpenedAt, a.ClosedAt, a.AckAt = a.OpenedAt.UTC(), timeOf(closed), timeOf(ack)
		a.TopReasons = reasons
		out = append(out, a)
		return nil
	})
	return out, err
}

// AlertRules returns the stored warning rules and their version.
func (t *Tx) AlertRules(ctx context.Context) ([]byte, int, error) {
	return t.rulesDoc(ctx, "alert_rules", "alert rules")
}

// SaveAlertRules stores the warning rules as version (see saveRulesDoc).
func (t *Tx) SaveAlertRules(ctx context.Context, body []byte, version int) error {
	return t.saveRulesDoc(ctx, "alert_rules", "alert rules", body, version)
}
