package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
)

// Normalised address and phone, as the indexes of migration 0017 hold them.
const (
	normAddress = `lower(replace(%s.address, ' ', ''))`
	normPhone   = `replace(replace(%s.phone, ' ', ''), '-', '')`
)

// riskFeaturesSQL reads a customer's recent history in one statement: $1 the customer, $2
// the promotion window in days, $3 how many recent orders and cases, $4 the start of the 90
// days. The recent orders and cases come by their indexes (orders_customer_paid,
// cases_customer_created) and everything else by key through LATERAL joins (a case's
// inspection failures through case_events_failed, which holds nothing else), so that the
// plan stays a handful of index lookups per row whatever the tables' statistics say: a
// fresh database that grew fast had order_items seq-scanned in a hash join (7 ms, not 0.2).
var riskFeaturesSQL = `WITH c AS MATERIALIZED (
	SELECT id, order_no, created_at, type, reason FROM cases WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $3)
SELECT o.n, o.items, o.refunded, k.n, k.n90, k.refund_only, k.not_received, i.n, i.empty, i.swapped,
	(SELECT count(*) FROM customers me JOIN customers o ON ` + fmt.Sprintf(normAddress, "o") + ` = ` + fmt.Sprintf(normAddress, "me") + `
		AND o.address <> '' AND o.id <> me.id WHERE me.id = $1 AND me.address <> ''),
	(SELECT count(*) FROM customers me JOIN customers o ON ` + fmt.Sprintf(normPhone, "o") + ` = ` + fmt.Sprintf(normPhone, "me") + `
		AND o.phone <> '' AND o.id <> me.id WHERE me.id = $1 AND me.phone <> ''),
	(SELECT count(DISTINCT d2.customer_id) FROM customer_devices d1
		JOIN customer_devices d2 ON d2.device = d1.device AND d2.customer_id <> d1.customer_id WHERE d1.customer_id = $1),
	(SELECT count(*) FROM c CROSS JOIN LATERAL (SELECT paid_at FROM orders WHERE order_no = c.order_no) po
		WHERE c.reason <> 'recall' AND c.created_at <= po.paid_at + make_interval(days => $2)
		AND EXISTS (SELECT 1 FROM case_items ci JOIN order_items oi ON oi.order_no = c.order_no AND oi.sku = ci.sku
			WHERE ci.case_id = c.id AND oi.paid_amount < oi.unit_price * oi.quantity)),
	EXISTS (SELECT 1 FROM risk_watchlist WHERE customer_id = $1)
FROM (SELECT count(*) AS n, coalesce(sum(x.q), 0)::bigint AS items, coalesce(sum(x.r), 0)::bigint AS refunded
		FROM (SELECT order_no FROM orders WHERE customer_id = $1 ORDER BY paid_at DESC, order_no DESC LIMIT $3) ro
		CROSS JOIN LATERAL (SELECT sum(quantity) AS q, sum(refunded) AS r FROM order_items WHERE order_no = ro.order_no) x) o,
	(SELECT count(*) AS n, count(*) FILTER (WHERE created_at >= $4) AS n90, count(*) FILTER (WHERE type = 'refund_only') AS refund_only,
		count(*) FILTER (WHERE reason IN ('not_received', 'lost_parcel')) AS not_received FROM c WHERE reason <> 'recall') k,
	(SELECT count(*) AS n, count(*) FILTER (WHERE f.empty) AS empty, count(*) FILTER (WHERE f.swapped) AS swapped
		FROM c CROSS JOIN LATERAL (SELECT count(*) AS n,
			bool_or(e.data->'data'->>'finding' = 'empty_box' OR lower(e.note) LIKE '%empty%' OR e.note LIKE '%空包%' OR e.note LIKE '%空盒%') AS empty,
			bool_or(e.data->'data'->>'finding' = 'swapped_item' OR lower(e.note) LIKE '%swap%' OR e.note LIKE '%调包%' OR e.note LIKE '%掉包%') AS swapped
			FROM case_events e WHERE e.case_id = c.id AND e.to_state = 'inspection_failed') f
		WHERE f.n > 0) i`

// RiskFeatures gathers a customer's recent history in one statement (riskFeaturesSQL). A
// recall's cases (reason recall) are the platform's doing, not the customer's: they are not
// counted.
func (t *Tx) RiskFeatures(ctx context.Context, customerID string, since90 time.Time, promotionDays, recent int) (risk.Features, error) {
	var f risk.Features
	var orders, items, cases, cases90, refundOnly, notReceived, failed, empty, swapped, addr, phone, device, promo int64
	err := t.queryRow(ctx, riskFeaturesSQL, []any{customerID, promotionDays, recent, since90},
		&orders, &items, &f.RefundedMinor, &cases, &cases90, &refundOnly, &notReceived, &failed, &empty, &swapped,
		&addr, &phone, &device, &promo, &f.WatchListed)
	if err != nil {
		return f, wrap(err, "risk features of %s", customerID)
	}
	f.Orders, f.Items, f.Cases, f.Cases90, f.RefundOnly, f.NotReceived = int(orders), int(items), int(cases), int(cases90), int(refundOnly), int(notReceived)
	f.InspectionFailures, f.EmptyBox, f.Swapped = int(failed), int(empty), int(swapped)
	f.SharedAddress, f.SharedPhone, f.SharedDevice, f.AfterPromotion = int(addr), int(phone), int(device), int(promo)
	return f, nil
}

// AddWatch puts a customer on the watch list.
func (t *Tx) AddWatch(ctx context.Context, w store.WatchEntry) error {
	n, err := t.exec(ctx, `INSERT INTO risk_watchlist (customer_id, reason, by_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		w.CustomerID, w.Reason, w.By, orNow(w.At, t.now))
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: already on the watch list", store.ErrConflict)
	}
	return wrap(err, "watch %s", w.CustomerID)
}

// RemoveWatch takes a customer off the watch list.
func (t *Tx) RemoveWatch(ctx context.Context, customerID string) error {
	n, err := t.exec(ctx, `DELETE FROM risk_watchlist WHERE customer_id = $1`, customerID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "unwatch %s", customerID)
}

// Watch returns a customer's watch-list entry.
func (t *Tx) Watch(ctx context.Context, customerID string) (store.WatchEntry, error) {
	w := store.WatchEntry{CustomerID: customerID}
	err := t.queryRow(ctx, `SELECT reason, by_id, at FROM risk_watchlist WHERE customer_id = $1`, []any{customerID}, &w.Reason, &w.By, &w.At)
	w.At = w.At.UTC()
	return w, wrap(err, "watch %s", customerID)
}

// ListWatch returns the watch list, newest first.
func (t *Tx) ListWatch(ctx context.Context) ([]store.WatchEntry, error) {
	var out []store.WatchEntry
	err := t.query(ctx, `SELECT customer_id, reason, by_id, at FROM risk_watchlist ORDER BY at DESC, customer_id`, nil, func(rows pgx.Rows) error {
		var w store.WatchEntry
		if err := rows.Scan(&w.CustomerID, &w.Reason, &w.By, &w.At); err != nil {
			return err
		}
		w.At = w.At.UTC()
		out = append(out, w)
		return nil
	})
	return out, wrap(err, "watch list")
}

// RecordDevice notes a customer's device; the first sighting is kept.
func (t *Tx) RecordDevice(ctx context.Context, customerID, device string) error {
	_, err := t.exec(ctx, `INSERT INTO customer_devices (customer_id, device, first_seen) VALUES ($1, $2, $3)
		ON CONFLICT (customer_id, device) DO NOTHING`, customerID, device, t.now)
	return wrap(err, "device of %s", customerID)
}

// CustomerBoughtFrom says whether the customer ever ordered from the merchant (orders_customer_paid).
func (t *Tx) CustomerBoughtFrom(ctx context.Context, customerID, merchant string) (bool, error) {
	var ok bool
	err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = $1 AND merchant_code = $2)`, []any{customerID, merchant}, &ok)
	return ok, wrap(err, "orders of %s at %s", customerID, merchant)
}

// SetCaseRisk keeps a case's score at application.
func (t *Tx) SetCaseRisk(ctx context.Context, r store.CaseRisk) error {
	reasons := string(r.Reasons)
	if reasons == "" {
		reasons = "[]"
	}
	_, err := t.exec(ctx, `INSERT INTO case_risk (case_id, score, reasons, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (case_id) DO UPDATE SET score = excluded.score, reasons = excluded.reasons, at = excluded.at`,
		r.CaseID, r.Score, reasons, orNow(r.At, t.now))
	return wrap(err, "risk of case %s", r.CaseID)
}

// CaseRisk returns a case's score at application.
func (t *Tx) CaseRisk(ctx context.Context, caseID string) (store.CaseRisk, error) {
	r := store.CaseRisk{CaseID: caseID}
	var reasons string
	err := t.queryRow(ctx, `SELECT score, reasons::text, at FROM case_risk WHERE case_id = $1`, []any{caseID}, &r.Score, &reasons, &r.At)
	r.Reasons, r.At = []byte(reasons), r.At.UTC()
	return r, wrap(err, "risk of case %s", caseID)
}
