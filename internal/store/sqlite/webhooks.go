package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertWebhook stores a webhook (CreatedAt defaults to Now); ErrConflict if its id is
// taken.
func (tx *Tx) InsertWebhook(ctx context.Context, w store.Webhook) error {
	w, err := store.StoredWebhook(w, tx.now)
	if err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	const q = `
INSERT INTO webhooks (id, merchant, url, events, secret, created_by, created_at, deleted_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.exec(ctx, q, w.ID, w.Merchant, w.URL, scopeJSON(w.Events), w.Secret, w.CreatedBy,
		micros(w.CreatedAt), nullMicros(w.DeletedAt))
	if err != nil {
		return fmt.Errorf("insert webhook %s: %w", w.ID, dbErr(err))
	}
	return nil
}

// webhookColumns are what scanWebhook reads, in its order.
const webhookColumns = `id, merchant, url, events, secret, created_by, created_at, deleted_at`

// scanWebhook reads a row of webhookColumns.
func scanWebhook(row scanner) (store.Webhook, error) {
	var (
		w       store.Webhook
		events  string
		created int64
		deleted sql.NullInt64
	)
	if err := row.Scan(&w.ID, &w.Merchant, &w.URL, &events, &w.Secret, &w.CreatedBy, &created, &deleted); err != nil {
		return store.Webhook{}, err
	}
	var err error
	if w.Events, err = parseScope(events); err != nil { // a JSON list, as scopes are kept
		return store.Webhook{}, fmt.Errorf("webhook %s: %w", w.ID, err)
	}
	w.CreatedAt, w.DeletedAt = fromMicros(created), fromNullMicros(deleted)
	return w, nil
}

// Webhook returns a webhook by id, deleted ones too.
func (tx *Tx) Webhook(ctx context.Context, id string) (store.Webhook, error) {
	w, err := scanWebhook(tx.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if err != nil {
		return store.Webhook{}, fmt.Errorf("webhook %s: %w", id, dbErr(err))
	}
	return w, nil
}

// ListWebhooks lists the webhooks not deleted, oldest first: a merchant's, or all
// (merchant "").
func (tx *Tx) ListWebhooks(ctx context.Context, merchant string) ([]store.Webhook, error) {
	f := &filter{}
	f.add("deleted_at IS NULL")
	f.eq("merchant", merchant)
	rows, err := tx.query(ctx, `SELECT `+webhookColumns+` FROM webhooks`+f.sql()+`
ORDER BY created_at, id`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", dbErr(err))
	}
	defer rows.Close()
	var ws []store.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		ws = append(ws, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return ws, nil
}

// DeleteWebhook marks a webhook deleted at Now(); ErrNotFound for an unknown or deleted id.
func (tx *Tx) DeleteWebhook(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, micros(tx.now), id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	return nil
}

// deliveryColumns are what scanDelivery reads, in its order.
const deliveryColumns = `id, webhook_id, event_id, event, payload, state, attempts, status_code, last_error,
       next_at, created_at, updated_at`

// scanDelivery reads a row of deliveryColumns.
func scanDelivery(row scanner) (store.WebhookDelivery, error) {
	var (
		d                store.WebhookDelivery
		payload          string
		next             sql.NullInt64
		created, updated int64
	)
	err := row.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.Event, &payload, &d.State, &d.Attempts, &d.StatusCode,
		&d.LastError, &next, &created, &updated)
	if err != nil {
		return store.WebhookDelivery{}, err
	}
	d.Payload = json.RawMessage(payload)
	d.NextAt, d.CreatedAt, d.UpdatedAt = fromNullMicros(next), fromMicros(created), fromMicros(updated)
	return d, nil
}

// InsertDelivery stores a delivery unless its webhook has one for the same event id
// (webhook_deliveries' unique key): then it returns that one, inserted false. ErrNotFound
// for an unknown webhook.
func (tx *Tx) InsertDelivery(ctx context.Context, d store.WebhookDelivery) (store.WebhookDelivery, bool, error) {
	if d.WebhookID == "" || d.EventID == "" {
		return store.WebhookDelivery{}, false, fmt.Errorf("insert delivery: a delivery needs a webhook and an event id")
	}
	d, err := store.StoredDelivery(d, tx.now)
	if err != nil {
		return store.WebhookDelivery{}, false, fmt.Errorf("insert delivery: %w", err)
	}
	const q = `
INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, state, attempts, status_code, last_error,
                                next_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (webhook_id, event_id) DO NOTHING
RETURNING ` + deliveryColumns
	stored, err := scanDelivery(tx.queryRow(ctx, q, d.WebhookID, d.EventID, d.Event, string(d.Payload), d.State,
		d.Attempts, d.StatusCode, d.LastError, nullMicros(d.NextAt), micros(d.CreatedAt), micros(d.UpdatedAt)))
	if err == nil {
		return stored, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.WebhookDelivery{}, false, fmt.Errorf("insert delivery %s to webhook %s: %w", d.EventID, d.WebhookID, dbErr(err))
	}
	// The webhook has a delivery of this event: that one is the delivery.
	stored, err = scanDelivery(tx.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
WHERE webhook_id = ? AND event_id = ?`, d.WebhookID, d.EventID))
	if err != nil {
		return store.WebhookDelivery{}, false, fmt.Errorf("insert delivery %s to webhook %s: %w", d.EventID, d.WebhookID, dbErr(err))
	}
	return stored, false, nil
}

// UpdateDelivery stores a delivery's state, attempts, last answer and next attempt
// (UpdatedAt defaults to Now); ErrNotFound for an unknown id.
func (tx *Tx) UpdateDelivery(ctx context.Context, d store.WebhookDelivery) error {
	d, err := store.StoredDelivery(d, tx.now)
	if err != nil {
		return fmt.Errorf("update delivery %d: %w", d.ID, err)
	}
	const q = `
UPDATE webhook_deliveries
SET state = ?, attempts = ?, status_code = ?, last_error = ?, next_at = ?, updated_at = ?
WHERE id = ?`
	res, err := tx.exec(ctx, q, d.State, d.Attempts, d.StatusCode, d.LastError, nullMicros(d.NextAt),
		micros(d.UpdatedAt), d.ID)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update delivery %d: %w", d.ID, err)
	}
	return nil
}

// Delivery returns a delivery by id.
func (tx *Tx) Delivery(ctx context.Context, id int64) (store.WebhookDelivery, error) {
	d, err := scanDelivery(tx.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("delivery %d: %w", id, dbErr(err))
	}
	return d, nil
}

// Deliveries lists a webhook's deliveries, newest first (webhook_deliveries_webhook), at
// most limit (1–500; 0 or less means 100).
func (tx *Tx) Deliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	limit = deliveryLimit(limit)
	rows, err := tx.query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
WHERE webhook_id = ?
ORDER BY id DESC
LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of webhook %s: %w", webhookID, dbErr(err))
	}
	defer rows.Close()
	var ds []store.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("deliveries of webhook %s: %w", webhookID, err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deliveries of webhook %s: %w", webhookID, err)
	}
	return ds, nil
}

// deliveryLimit is Deliveries's limit: 100 for 0 or less, at most 500.
func deliveryLimit(limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > 500:
		return 500
	}
	return limit
}

// pruneDeliveriesSQL deletes the deliveries that ended (delivered, or failed for good)
// longest before the first argument, the second at most, through webhook_deliveries_ended.
const pruneDeliveriesSQL = `
DELETE FROM webhook_deliveries WHERE id IN (
    SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < ? ORDER BY updated_at LIMIT ?)`

// PruneDeliveries deletes the deliveries that ended before before (pruneDeliveriesSQL).
func (tx *Tx) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	return tx.prune(ctx, pruneDeliveriesSQL, "prune webhook deliveries ended before %v", before, limit)
}
