package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertWebhook stores a webhook (CreatedAt defaults to Now). A taken id is ErrConflict:
// the statement is sent at once and skips a taken id (ON CONFLICT DO NOTHING), so the
// refusal comes back from the call and leaves the transaction usable.
func (t *Tx) InsertWebhook(ctx context.Context, w store.Webhook) error {
	w, err := store.StoredWebhook(w, t.now)
	if err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO webhooks (id, merchant, url, events, secret, created_by, created_at, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT DO NOTHING`,
		w.ID, w.Merchant, w.URL, scopeJSON(w.Events), w.Secret, w.CreatedBy, w.CreatedAt, nullTime(w.DeletedAt))
	if err == nil && added == 0 {
		err = fmt.Errorf("the id is taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert webhook %s", w.ID)
}

// webhookColumns are what webhookRow receives, in its order.
const webhookColumns = `id, merchant, url, events, secret, created_by, created_at, deleted_at`

// webhookRow receives a row of webhookColumns.
type webhookRow struct {
	w       store.Webhook
	events  string
	deleted *time.Time
}

func (r *webhookRow) dest() []any {
	return []any{&r.w.ID, &r.w.Merchant, &r.w.URL, &r.events, &r.w.Secret, &r.w.CreatedBy, &r.w.CreatedAt, &r.deleted}
}

func (r *webhookRow) webhook() (store.Webhook, error) {
	w := r.w
	var err error
	if w.Events, err = parseScope(r.events); err != nil { // a JSON list, as scopes are kept
		return store.Webhook{}, fmt.Errorf("webhook %s: %w", w.ID, err)
	}
	w.DeletedAt = timeOf(r.deleted)
	return w, nil
}

// Webhook returns a webhook by id, deleted ones too.
func (t *Tx) Webhook(ctx context.Context, id string) (store.Webhook, error) {
	var r webhookRow
	if err := t.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, []any{id}, r.dest()...); err != nil {
		return store.Webhook{}, wrap(err, "webhook %s", id)
	}
	return r.webhook()
}

// ListWebhooks lists the webhooks not deleted, oldest first: a merchant's, or all
// (merchant "").
func (t *Tx) ListWebhooks(ctx context.Context, merchant string) ([]store.Webhook, error) {
	f := &filter{}
	f.add("deleted_at IS NULL")
	f.eq("merchant", merchant)
	var ws []store.Webhook
	err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks`+f.sql()+` ORDER BY created_at, id`, f.args,
		func(rows pgx.Rows) error {
			var r webhookRow
			if err := rows.Scan(r.dest()...); err != nil {
				return err
			}
			w, err := r.webhook()
			if err != nil {
				return err
			}
			ws = append(ws, w)
			return nil
		})
	if err != nil {
		return nil, wrap(err, "list webhooks")
	}
	return ws, nil
}

// DeleteWebhook marks a webhook deleted at Now(); ErrNotFound, reported by the call, for
// an unknown or deleted id.
func (t *Tx) DeleteWebhook(ctx context.Context, id string) error {
	n, err := t.exec(ctx, `UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL`, id, t.now)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "delete webhook %s", id)
}

// deliveryColumns are what deliveryRow receives, in its order.
const deliveryColumns = `id, webhook_id, event_id, event, payload, state, attempts, status_code, last_error,
		       next_at, created_at, updated_at`

// deliveryRow receives a row of deliveryColumns.
type deliveryRow struct {
	d                store.WebhookDelivery
	payload          string // the json column's text, byte for byte
	attempts, status int32
	next             *time.Time
}

func (r *deliveryRow) dest() []any {
	d := &r.d
	return []any{&d.ID, &d.WebhookID, &d.EventID, &d.Event, &r.payload, &d.State, &r.attempts, &r.status,
		&d.LastError, &r.next, &d.CreatedAt, &d.UpdatedAt}
}

func (r *deliveryRow) delivery() store.WebhookDelivery {
	d := r.d
	d.Payload = json.RawMessage(r.payload)
	d.Attempts, d.StatusCode = int(r.attempts), int(r.status)
	d.NextAt = timeOf(r.next)
	return d
}

// InsertDelivery stores a delivery unless its webhook has one for the same event id
// (webhook_deliveries' unique key, ON CONFLICT DO NOTHING): then it returns that one,
// inserted false. ErrNotFound for an unknown webhook. The insert is sent at once, inside a
// savepoint, so that the refusal comes back from the call and leaves the transaction
// usable; only a repeated event pays a second round trip.
func (t *Tx) InsertDelivery(ctx context.Context, d store.WebhookDelivery) (store.WebhookDelivery, bool, error) {
	if d.WebhookID == "" || d.EventID == "" {
		return store.WebhookDelivery{}, false, fmt.Errorf("insert delivery: a delivery needs a webhook and an event id")
	}
	d, err := store.StoredDelivery(d, t.now)
	if err != nil {
		return store.WebhookDelivery{}, false, fmt.Errorf("insert delivery: %w", err)
	}
	var (
		r     deliveryRow
		added bool
	)
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, state, attempts, status_code,
		    last_error, next_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4::json, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (webhook_id, event_id) DO NOTHING
		RETURNING `+deliveryColumns,
		d.WebhookID, d.EventID, d.Event, string(d.Payload), d.State, int32(d.Attempts), int32(d.StatusCode),
		d.LastError, nullTime(d.NextAt), d.CreatedAt, d.UpdatedAt).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				if err := rows.Scan(r.dest()...); err != nil {
					return err
				}
				added = true
			}
			return rows.Err()
		})
	if err := t.guarded(ctx, b); err != nil {
		return store.WebhookDelivery{}, false, wrap(err, "insert delivery %s to webhook %s", d.EventID, d.WebhookID)
	}
	if added {
		return r.delivery(), true, nil
	}
	// The webhook has a delivery of this event: that one is the delivery.
	err = t.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1 AND event_id = $2`,
		[]any{d.WebhookID, d.EventID}, r.dest()...)
	if err != nil {
		return store.WebhookDelivery{}, false, wrap(err, "insert delivery %s to webhook %s", d.EventID, d.WebhookID)
	}
	return r.delivery(), false, nil
}

// UpdateDelivery stores a delivery's state, attempts, last answer and next attempt
// (UpdatedAt defaults to Now); ErrNotFound, reported by the call, for an unknown id.
func (t *Tx) UpdateDelivery(ctx context.Context, d store.WebhookDelivery) error {
	d, err := store.StoredDelivery(d, t.now)
	if err != nil {
		return fmt.Errorf("update delivery %d: %w", d.ID, err)
	}
	n, err := t.exec(ctx, `
		UPDATE webhook_deliveries
		SET state = $2, attempts = $3, status_code = $4, last_error = $5, next_at = $6, updated_at = $7
		WHERE id = $1`,
		d.ID, d.State, int32(d.Attempts), int32(d.StatusCode), d.LastError, nullTime(d.NextAt), d.UpdatedAt)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return wrap(err, "update delivery %d", d.ID)
}

// Delivery returns a delivery by id.
func (t *Tx) Delivery(ctx context.Context, id int64) (store.WebhookDelivery, error) {
	var r deliveryRow
	err := t.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, []any{id}, r.dest()...)
	if err != nil {
		return store.WebhookDelivery{}, wrap(err, "delivery %d", id)
	}
	return r.delivery(), nil
}

// Deliveries lists a webhook's deliveries, newest first (webhook_deliveries_webhook), at
// most limit (1–500; 0 or less means 100).
func (t *Tx) Deliveries(ctx context.Context, webhookID string, limit int) ([]store.WebhookDelivery, error) {
	var ds []store.WebhookDelivery
	err := t.query(ctx, `
		SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1
		ORDER BY id DESC LIMIT $2`, []any{webhookID, deliveryLimit(limit)},
		func(rows pgx.Rows) error {
			var r deliveryRow
			if err := rows.Scan(r.dest()...); err != nil {
				return err
			}
			ds = append(ds, r.delivery())
			return nil
		})
	if err != nil {
		return nil, wrap(err, "deliveries of webhook %s", webhookID)
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
// longest before $1, $2 at most, through webhook_deliveries_ended from its first entry.
// Replicas pruning at once take different deliveries (SKIP LOCKED).
const pruneDeliveriesSQL = `
DELETE FROM webhook_deliveries WHERE id = ANY (ARRAY(
    SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < $1 ORDER BY updated_at LIMIT $2
    FOR UPDATE SKIP LOCKED))`

// PruneDeliveries deletes the deliveries that ended before before (pruneDeliveriesSQL).
func (t *Tx) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneDeliveriesSQL, "prune webhook deliveries ended before %v", before, limit)
}
