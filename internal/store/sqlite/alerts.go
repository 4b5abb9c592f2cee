package sqlite

import (
	"context"
	"database/sql"
	"fmt"

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
// (alerts_one_open): ErrConflict.
func (tx *Tx) InsertAlert(ctx context.Context, a store.Alert) error {
	res, err := tx.exec(ctx, `INSERT INTO alerts (`+alertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, a.Kind, a.Key, a.Merchant, a.State, micros(a.OpenedAt), nullMicros(a.ClosedAt), a.OpenedDay, a.LoudDay,
		a.Rate, a.Baseline, a.Volume, a.Events, reasonsJSON(a.TopReasons), a.AckBy, nullMicros(a.AckAt))
	if err != nil {
		return fmt.Errorf("insert alert %s: %w", a.ID, dbErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("insert alert %s: %w", a.ID, err)
	} else if n == 0 {
		return fmt.Errorf("insert alert %s (%s %q of %s): %w: taken id or an open alert", a.ID, a.Kind, a.Key, a.Merchant, store.ErrConflict)
	}
	return nil
}

// UpdateAlert replaces an alert's changing columns.
func (tx *Tx) UpdateAlert(ctx context.Context, a store.Alert) error {
	res, err := tx.exec(ctx, `UPDATE alerts SET state = ?, closed_at = ?, loud_day = ?, rate = ?, baseline = ?,
		volume = ?, events = ?, top_reasons = ?, ack_by = ?, ack_at = ? WHERE id = ?`,
		a.State, nullMicros(a.ClosedAt), a.LoudDay, a.Rate, a.Baseline, a.Volume, a.Events,
		reasonsJSON(a.TopReasons), a.AckBy, nullMicros(a.AckAt), a.ID)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update alert %s: %w", a.ID, dbErr(err))
	}
	return nil
}

// Alert returns one alert.
func (tx *Tx) Alert(ctx context.Context, id string) (store.Alert, error) {
	as, err := tx.queryAlerts(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id)
	if err != nil {
		return store.Alert{}, fmt.Errorf("alert %s: %w", id, err)
	}
	if len(as) == 0 {
		return store.Alert{}, fmt.Errorf("alert %s: %w", id, store.ErrNotFound)
	}
	return as[0], nil
}

// ListAlerts returns alerts, newest opened first.
func (tx *Tx) ListAlerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	f := &filter{}
	f.eq("state", q.State)
	f.eq("kind", q.Kind)
	f.eq("merchant", q.Merchant)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	as, err := tx.queryAlerts(ctx, `SELECT `+alertColumns+` FROM alerts`+f.sql()+` ORDER BY opened_at DESC, id DESC LIMIT ?`,
		append(f.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return as, nil
}

func (tx *Tx) queryAlerts(ctx context.Context, q string, args ...any) ([]store.Alert, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		var (
			a           store.Alert
			opened      int64
			closed, ack sql.NullInt64
			reasons     string
		)
		if err := rows.Scan(&a.ID, &a.Kind, &a.Key, &a.Merchant, &a.State, &opened, &closed, &a.OpenedDay, &a.LoudDay,
			&a.Rate, &a.Baseline, &a.Volume, &a.Events, &reasons, &a.AckBy, &ack); err != nil {
			return nil, err
		}
		a.OpenedAt, a.ClosedAt, a.AckAt = fromMicros(opened), fromNullMicros(closed), fromNullMicros(ack)
		a.TopReasons = []byte(reasons)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AlertRules returns the stored warning rules and their version.
func (tx *Tx) AlertRules(ctx context.Context) ([]byte, int, error) {
	return tx.rulesDoc(ctx, "alert_rules", "alert rules")
}

// SaveAlertRules stores the warning rules as version (see saveRulesDoc).
func (tx *Tx) SaveAlertRules(ctx context.Context, body []byte, version int) error {
	return tx.saveRulesDoc(ctx, "alert_rules", "alert rules", body, version)
}
