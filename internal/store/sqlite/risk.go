package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
)

// Normalised address and phone, as the indexes of migration 0017 hold them.
const (
	normAddress = `lower(replace(%s.address, ' ', ''))`
	normPhone   = `replace(replace(%s.phone, ' ', ''), '-', '')`
)

// recentCases are a customer's most recent cases (customer, limit), by cases_customer_created.
const recentCases = `SELECT id, order_no, created_at, type, reason FROM cases WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`

var riskSharedSQL = `SELECT
	(SELECT count(*) FROM customers me JOIN customers o ON ` + fmt.Sprintf(normAddress, "o") + ` = ` + fmt.Sprintf(normAddress, "me") + `
		AND o.address <> '' AND o.id <> me.id WHERE me.id = ? AND me.address <> ''),
	(SELECT count(*) FROM customers me JOIN customers o ON ` + fmt.Sprintf(normPhone, "o") + ` = ` + fmt.Sprintf(normPhone, "me") + `
		AND o.phone <> '' AND o.id <> me.id WHERE me.id = ? AND me.phone <> ''),
	(SELECT count(DISTINCT d2.customer_id) FROM customer_devices d1
		JOIN customer_devices d2 ON d2.device = d1.device AND d2.customer_id <> d1.customer_id WHERE d1.customer_id = ?),
	(SELECT count(DISTINCT c.id) FROM (` + recentCases + `) c JOIN case_items ci ON ci.case_id = c.id
		JOIN order_items oi ON oi.order_no = c.order_no AND oi.sku = ci.sku JOIN orders o ON o.order_no = c.order_no
		WHERE c.reason <> 'recall' AND oi.paid_amount < oi.unit_price * oi.quantity AND c.created_at <= o.paid_at + ?),
	EXISTS (SELECT 1 FROM risk_watchlist WHERE customer_id = ?)`

// riskFailuresSQL counts the recent cases (customer, limit) that failed an inspection, and
// those of them that were an empty box or a swapped item: the events through
// case_events_failed, which holds only inspection failures.
const riskFailuresSQL = `SELECT count(DISTINCT e.case_id),
	count(DISTINCT CASE WHEN json_extract(e.data, '$.data.finding') = 'empty_box' OR lower(e.note) LIKE '%empty%' OR e.note LIKE '%空包%' OR e.note LIKE '%空盒%' THEN e.case_id END),
	count(DISTINCT CASE WHEN json_extract(e.data, '$.data.finding') = 'swapped_item' OR lower(e.note) LIKE '%swap%' OR e.note LIKE '%调包%' OR e.note LIKE '%掉包%' THEN e.case_id END)
	FROM (` + recentCases + `) c JOIN case_events e ON e.case_id = c.id WHERE e.to_state = 'inspection_failed'`

// RiskFeatures gathers a customer's recent history in four aggregate statements. A recall's
// cases (reason recall) are the platform's doing, not the customer's: they are not counted.
func (tx *Tx) RiskFeatures(ctx context.Context, customerID string, since90 time.Time, promotionDays, recent int) (risk.Features, error) {
	var f risk.Features
	err := tx.queryRow(ctx, `SELECT count(DISTINCT o.order_no), coalesce(sum(oi.quantity), 0), coalesce(sum(oi.refunded), 0)
		FROM (SELECT order_no FROM orders WHERE customer_id = ? ORDER BY paid_at DESC, order_no DESC LIMIT ?) o
		LEFT JOIN order_items oi ON oi.order_no = o.order_no`, customerID, recent).
		Scan(&f.Orders, &f.Items, &f.RefundedMinor)
	if err == nil {
		err = tx.queryRow(ctx, `SELECT count(*), coalesce(sum(created_at >= ?), 0), coalesce(sum(type = 'refund_only'), 0),
			coalesce(sum(reason IN ('not_received', 'lost_parcel')), 0) FROM (`+recentCases+`) WHERE reason <> 'recall'`, micros(since90), customerID, recent).
			Scan(&f.Cases, &f.Cases90, &f.RefundOnly, &f.NotReceived)
	}
	if err == nil {
		err = tx.queryRow(ctx, riskFailuresSQL, customerID, recent).Scan(&f.InspectionFailures, &f.EmptyBox, &f.Swapped)
	}
	if err == nil {
		days := int64(promotionDays) * int64(24*time.Hour/time.Microsecond)
		err = tx.queryRow(ctx, riskSharedSQL, customerID, customerID, customerID, customerID, recent, days, customerID).
			Scan(&f.SharedAddress, &f.SharedPhone, &f.SharedDevice, &f.AfterPromotion, &f.WatchListed)
	}
	if err != nil {
		return f, fmt.Errorf("risk features of %s: %w", customerID, dbErr(err))
	}
	return f, nil
}

// AddWatch puts a customer on the watch list.
func (tx *Tx) AddWatch(ctx context.Context, w store.WatchEntry) error {
	_, err := tx.exec(ctx, `INSERT INTO risk_watchlist (customer_id, reason, by_id, at) VALUES (?, ?, ?, ?)`,
		w.CustomerID, w.Reason, w.By, micros(orNowSQLite(w.At, tx.now)))
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.CustomerID, dbErr(err))
	}
	return nil
}

func orNowSQLite(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// RemoveWatch takes a customer off the watch list.
func (tx *Tx) RemoveWatch(ctx context.Context, customerID string) error {
	res, err := tx.exec(ctx, `DELETE FROM risk_watchlist WHERE customer_id = ?`, customerID)
	if err != nil {
		return fmt.Errorf("unwatch %s: %w", customerID, dbErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("unwatch %s: %w", customerID, store.ErrNotFound)
	}
	return nil
}

// Watch returns a customer's watch-list entry.
func (tx *Tx) Watch(ctx context.Context, customerID string) (store.WatchEntry, error) {
	w := store.WatchEntry{CustomerID: customerID}
	var at int64
	err := tx.queryRow(ctx, `SELECT reason, by_id, at FROM risk_watchlist WHERE customer_id = ?`, customerID).Scan(&w.Reason, &w.By, &at)
	if err != nil {
		return w, fmt.Errorf("watch %s: %w", customerID, dbErr(err))
	}
	w.At = fromMicros(at)
	return w, nil
}

// ListWatch returns the watch list, newest first.
func (tx *Tx) ListWatch(ctx context.Context) ([]store.WatchEntry, error) {
	rows, err := tx.query(ctx, `SELECT customer_id, reason, by_id, at FROM risk_watchlist ORDER BY at DESC, customer_id`)
	if err != nil {
		return nil, fmt.Errorf("watch list: %w", dbErr(err))
	}
	defer rows.Close()
	var out []store.WatchEntry
	for rows.Next() {
		var w store.WatchEntry
		var at int64
		if err := rows.Scan(&w.CustomerID, &w.Reason, &w.By, &at); err != nil {
			return nil, fmt.Errorf("watch list: %w", err)
		}
		w.At = fromMicros(at)
		out = append(out, w)
	}
	return out, rows.Err()
}

// RecordDevice notes a customer's device; the first sighting is kept.
func (tx *Tx) RecordDevice(ctx context.Context, customerID, device string) error {
	_, err := tx.exec(ctx, `INSERT INTO customer_devices (customer_id, device, first_seen) VALUES (?, ?, ?)
		ON CONFLICT (customer_id, device) DO NOTHING`, customerID, device, micros(tx.now))
	if err != nil {
		return fmt.Errorf("device of %s: %w", customerID, dbErr(err))
	}
	return nil
}

// CustomerBoughtFrom says whether the customer ever ordered from the merchant (orders_customer_paid).
func (tx *Tx) CustomerBoughtFrom(ctx context.Context, customerID, merchant string) (bool, error) {
	var ok bool
	err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = ? AND merchant_code = ?)`, customerID, merchant).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("orders of %s at %s: %w", customerID, merchant, dbErr(err))
	}
	return ok, nil
}

// SetCaseRisk keeps a case's score at application.
func (tx *Tx) SetCaseRisk(ctx context.Context, r store.CaseRisk) error {
	reasons := string(r.Reasons)
	if reasons == "" {
		reasons = "[]"
	}
	_, err := tx.exec(ctx, `INSERT INTO case_risk (case_id, score, reasons, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET score = excluded.score, reasons = excluded.reasons, at = excluded.at`,
		r.CaseID, r.Score, reasons, micros(orNowSQLite(r.At, tx.now)))
	if err != nil {
		return fmt.Errorf("risk of case %s: %w", r.CaseID, dbErr(err))
	}
	return nil
}

// CaseRisk returns a case's score at application.
func (tx *Tx) CaseRisk(ctx context.Context, caseID string) (store.CaseRisk, error) {
	r := store.CaseRisk{CaseID: caseID}
	var reasons string
	var at int64
	err := tx.queryRow(ctx, `SELECT score, reasons, at FROM case_risk WHERE case_id = ?`, caseID).Scan(&r.Score, &reasons, &at)
	if err != nil {
		return r, fmt.Errorf("risk of case %s: %w", caseID, dbErr(err))
	}
	r.Reasons, r.At = []byte(reasons), fromMicros(at)
	return r, nil
}
