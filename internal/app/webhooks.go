package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/webhook"
)

// webhookConfig is how deliveries leave: the HTTP client (which refuses private addresses
// unless allowed) and the resolver URLs are checked with.
type webhookConfig struct {
	allowPrivate bool
	client       *http.Client
	resolver     webhook.Resolver
}

func newWebhookConfig(allowPrivate bool) webhookConfig {
	return webhookConfig{allowPrivate: allowPrivate, client: webhook.Client(allowPrivate), resolver: net.DefaultResolver}
}

// MaxWebhooks is how many webhooks one merchant (or the platform) may have.
const MaxWebhooks = 20

// WebhookInput registers a webhook.
type WebhookInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events" jsonschema:"description=event names such as case.created or case.approve or dispute.ruled; [\"*\"] for all"`
}

// WebhookView is a webhook (never its secret).
type WebhookView struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Merchant  string    `json:"merchant,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Deliveries are the latest deliveries (on GET of one webhook).
	Deliveries []DeliveryView `json:"deliveries,omitempty"`
}

// WebhookCreated is a new webhook with its secret, shown this once.
type WebhookCreated struct {
	WebhookView
	Secret string `json:"secret"`
}

// DeliveryView is one delivery of the log.
type DeliveryView struct {
	ID         int64      `json:"id"`
	EventID    string     `json:"event_id"`
	Event      string     `json:"event"`
	State      string     `json:"state"`
	Attempts   int        `json:"attempts"`
	StatusCode int        `json:"status_code,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	NextAt     *time.Time `json:"next_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func webhookView(w *store.Webhook) WebhookView {
	return WebhookView{ID: w.ID, URL: w.URL, Events: w.Events, Merchant: w.Merchant, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt}
}

func deliveryView(d *store.WebhookDelivery) DeliveryView {
	v := DeliveryView{ID: d.ID, EventID: d.EventID, Event: d.Event, State: d.State, Attempts: d.Attempts, StatusCode: d.StatusCode,
		LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.State == store.DeliveryPending {
		v.NextAt = optTime(d.NextAt)
	}
	return v
}

// webhookOwner is whose webhooks p manages: a merchant's staff and a merchant's
// integration their merchant's; admins and the platform's integrations the platform's
// ("", every merchant's events). Others may not.
func webhookOwner(p Principal) (merchant string, err error) {
	switch p.Role {
	case RoleMerchant:
		if p.Merchant == "" {
			return "", errForbidden("商家账号未绑定商家", "this merchant account has no merchant")
		}
		return p.Merchant, nil
	case RoleIntegration:
		return p.Merchant, nil
	case RoleAdmin:
		return "", nil
	}
	return "", errForbidden("只有商家、管理员或接口令牌可以管理 Webhook", "only merchants, admins and integration tokens manage webhooks")
}

// mayManage: p manages w (a platform principal manages all).
func mayManage(p Principal, w *store.Webhook) bool {
	own, _ := webhookOwner(p)
	return w.DeletedAt.IsZero() && (own == "" || w.Merchant == own)
}

// CreateWebhook registers a webhook: its URL is checked (http or https, and — unless the
// server allows it — no loopback or private address), and its secret is answered once.
func (a *App) CreateWebhook(ctx context.Context, p Principal, in WebhookInput) (*WebhookCreated, error) {
	merchant, err := webhookOwner(p)
	if err != nil {
		return nil, err
	}
	in.URL = strings.TrimSpace(in.URL)
	if err := webhook.CheckURL(ctx, in.URL, a.webhooks.allowPrivate, a.webhooks.resolver); err != nil {
		return nil, webhookFieldError(err)
	}
	if err := webhook.CheckEvents(in.Events); err != nil {
		return nil, webhookFieldError(err)
	}
	var out WebhookCreated
	_, err = write(ctx, a, p, nil, auditTarget{"webhook.create", "webhook", ""}, func(tx *txn) (*WebhookCreated, int, error) {
		ws, err := tx.ListWebhooks(ctx, merchant)
		if err != nil {
			return nil, 0, err
		}
		if merchant == "" {
			ws = filterWebhooks(ws, "")
		}
		if len(ws) >= MaxWebhooks {
			return nil, 0, errInvalid("url", fmt.Sprintf("最多可以注册 %d 个 Webhook", MaxWebhooks), fmt.Sprintf("at most %d webhooks may be registered", MaxWebhooks))
		}
		w := store.Webhook{ID: uuid.NewString(), Merchant: merchant, URL: in.URL, Events: in.Events, Secret: webhook.NewSecret(),
			CreatedBy: p.ID, CreatedAt: tx.Now()}
		if err := tx.InsertWebhook(ctx, w); err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "webhook.create", "webhook", w.ID, map[string]any{"url": w.URL, "events": w.Events, "merchant": w.Merchant}); err != nil {
			return nil, 0, err
		}
		out = WebhookCreated{WebhookView: webhookView(&w), Secret: w.Secret}
		return &out, 201, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// filterWebhooks keeps the webhooks of one owner ("": the platform's).
func filterWebhooks(ws []store.Webhook, merchant string) []store.Webhook {
	out := ws[:0:0]
	for _, w := range ws {
		if w.Merchant == merchant {
			out = append(out, w)
		}
	}
	return out
}

func webhookFieldError(err error) error {
	var fe *webhook.FieldError
	if errors.As(err, &fe) {
		return errInvalid(fe.Field, fe.ZH, fe.EN)
	}
	return err
}

// ListWebhooks lists the webhooks p manages.
func (a *App) ListWebhooks(ctx context.Context, p Principal) ([]WebhookView, error) {
	merchant, err := webhookOwner(p)
	if err != nil {
		return nil, err
	}
	out := []WebhookView{}
	err = a.store.View(ctx, func(tx store.Tx) error {
		ws, err := tx.ListWebhooks(ctx, merchant)
		for i := range ws {
			out = append(out, webhookView(&ws[i]))
		}
		return err
	})
	return out, err
}

// GetWebhook returns a webhook with its latest deliveries.
func (a *App) GetWebhook(ctx context.Context, p Principal, id string, limit int) (*WebhookView, error) {
	if _, err := webhookOwner(p); err != nil {
		return nil, err
	}
	var v WebhookView
	err := a.store.View(ctx, func(tx store.Tx) error {
		w, err := tx.Webhook(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !mayManage(p, &w) {
			return errNotFound("webhook")
		} else if err != nil {
			return err
		}
		v = webhookView(&w)
		ds, err := tx.Deliveries(ctx, id, limit)
		v.Deliveries = make([]DeliveryView, len(ds))
		for i := range ds {
			v.Deliveries[i] = deliveryView(&ds[i])
		}
		return err
	})
	return &v, err
}

// DeleteWebhook stops a webhook; its delivery log is kept.
func (a *App) DeleteWebhook(ctx context.Context, p Principal, id string) error {
	if _, err := webhookOwner(p); err != nil {
		return err
	}
	_, err := write(ctx, a, p, nil, auditTarget{"webhook.delete", "webhook", id}, func(tx *txn) (*struct{}, int, error) {
		w, err := tx.Webhook(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && !mayManage(p, &w) {
			return nil, 0, errNotFound("webhook")
		} else if err != nil {
			return nil, 0, err
		}
		if err := tx.DeleteWebhook(ctx, id); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 204, tx.audit(ctx, "webhook.delete", "webhook", id, map[string]any{"url": w.URL})
	})
	return err
}

// Redeliver sends a delivery again (by hand: after the receiver was fixed), with a new
// day of retries.
func (a *App) Redeliver(ctx context.Context, p Principal, webhookID string, deliveryID int64) (*DeliveryView, error) {
	if _, err := webhookOwner(p); err != nil {
		return nil, err
	}
	var v DeliveryView
	_, err := write(ctx, a, p, nil, auditTarget{"webhook.redeliver", "webhook", webhookID}, func(tx *txn) (*DeliveryView, int, error) {
		w, err := tx.Webhook(ctx, webhookID)
		if errors.Is(err, store.ErrNotFound) || err == nil && !mayManage(p, &w) {
			return nil, 0, errNotFound("webhook")
		} else if err != nil {
			return nil, 0, err
		}
		d, err := tx.Delivery(ctx, deliveryID)
		if errors.Is(err, store.ErrNotFound) || err == nil && d.WebhookID != webhookID {
			return nil, 0, errNotFound("delivery")
		} else if err != nil {
			return nil, 0, err
		}
		d.State, d.NextAt, d.UpdatedAt = store.DeliveryPending, tx.Now(), tx.Now()
		if err := tx.UpdateDelivery(ctx, d); err != nil {
			return nil, 0, err
		}
		if err := tx.Enqueue(ctx, deliverMessage(&d, tx.Now())); err != nil {
			return nil, 0, err
		}
		v = deliveryView(&d)
		return &v, 202, tx.audit(ctx, "webhook.redeliver", "webhook", webhookID, map[string]any{"delivery": deliveryID, "event": d.Event})
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// deliverPayload is a "webhook.deliver" message: which delivery, and since when it has
// been tried (for the day of retries).
type deliverPayload struct {
	Delivery int64     `json:"delivery"`
	Since    time.Time `json:"since"`
}

func deliverMessage(d *store.WebhookDelivery, since time.Time) store.OutboxMessage {
	b, _ := json.Marshal(deliverPayload{Delivery: d.ID, Since: since})
	return store.OutboxMessage{Topic: "webhook.deliver", Key: d.WebhookID, Payload: b}
}

// streamEvent is an event as webhooks and the event stream carry it.
type streamEvent struct {
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	Merchant   string          `json:"merchant"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// eventOf reads a "case.event" or "dispute.event" message: its id (the same however
// often it is relayed), its name and merchant.
func eventOf(m store.OutboxRecord) (streamEvent, error) {
	var x struct {
		CaseID    string    `json:"case_id"`
		DisputeID string    `json:"dispute_id"`
		Merchant  string    `json:"merchant"`
		Seq       int64     `json:"seq"`
		Action    string    `json:"action"`
		At        time.Time `json:"at"`
	}
	if err := json.Unmarshal(m.Payload, &x); err != nil {
		return streamEvent{}, err
	}
	ev := streamEvent{Merchant: x.Merchant, OccurredAt: x.At, Data: m.Payload}
	if strings.HasPrefix(m.Topic, "dispute.") {
		ev.ID = "dispute-" + x.DisputeID + "-" + strconv.FormatInt(x.Seq, 10)
		ev.Event = eventName("dispute." + x.Action)
	} else {
		ev.ID = "case-" + x.CaseID + "-" + strconv.FormatInt(x.Seq, 10)
		ev.Event = eventName("case." + x.Action)
	}
	return ev, nil
}

// PublishEvent is the relay's handler of "case.event" and "dispute.event" messages: a
// delivery for each webhook that subscribed to the event (of the event's merchant, or
// the platform's), then the event stream. Relayed again, it adds no second delivery (one
// per webhook and event id) and publishes under the same message id (the stream drops the
// duplicate).
func (a *App) PublishEvent(ctx context.Context, m store.OutboxRecord) error {
	ev, err := eventOf(m)
	if err != nil {
		return err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	subscribed := func(w store.Webhook) bool {
		return (w.Merchant == "" || w.Merchant == ev.Merchant) && webhook.Match(w.Events, ev.Event)
	}
	// Most events have no webhook: a read finds that out without a write transaction (on
	// SQLite, without the one writer), once for a relay batch (remembered). One that finds
	// some writes their deliveries, reading the list again in that transaction.
	ws, err := remembered(ctx, "webhooks", func() (ws []store.Webhook, err error) {
		err = a.store.View(ctx, func(tx store.Tx) error {
			ws, err = tx.ListWebhooks(ctx, "")
			return err
		})
		return ws, err
	})
	if err == nil && slices.ContainsFunc(ws, subscribed) {
		err = a.store.Update(ctx, func(tx store.Tx) error {
			ws, err := tx.ListWebhooks(ctx, "")
			if err != nil {
				return err
			}
			var out []store.OutboxMessage
			for _, w := range ws {
				if !subscribed(w) {
					continue
				}
				d, inserted, err := tx.InsertDelivery(ctx, store.WebhookDelivery{WebhookID: w.ID, EventID: ev.ID, Event: ev.Event, Payload: body,
					State: store.DeliveryPending, NextAt: tx.Now(), CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
				if err != nil {
					return err
				}
				if inserted {
					out = append(out, deliverMessage(&d, tx.Now()))
				}
			}
			if len(out) == 0 {
				return nil
			}
			if a.onOutbox != nil {
				defer a.onOutbox()
			}
			return tx.Enqueue(ctx, out...)
		})
	}
	if err != nil || a.pub == nil {
		return err
	}
	return a.pub.PublishEvent(ctx, ev.Merchant, ev.Event, ev.ID, body)
}

// DeliverWebhook is the relay's handler of "webhook.deliver" messages: one POST, its
// outcome in the delivery log, and when to try again (zero: done — delivered, or failed
// for good after a day of retries, or the webhook was deleted).
func (a *App) DeliverWebhook(ctx context.Context, payload json.RawMessage) (time.Time, error) {
	var m deliverPayload
	if err := json.Unmarshal(payload, &m); err != nil {
		return time.Time{}, err
	}
	var d store.WebhookDelivery
	var w store.Webhook
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if d, err = tx.Delivery(ctx, m.Delivery); err != nil {
			return err
		}
		w, err = tx.Webhook(ctx, d.WebhookID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	if d.State != store.DeliveryPending {
		return time.Time{}, nil
	}
	status, sendErr := 0, error(nil)
	if !w.DeletedAt.IsZero() {
		sendErr = errors.New("the webhook was deleted")
	} else {
		status, sendErr = webhook.Send(ctx, a.webhooks.client, webhook.Request{URL: w.URL, Secret: w.Secret, Event: d.Event,
			DeliveryID: strconv.FormatInt(d.ID, 10), Body: d.Payload})
	}
	now := a.now()
	d.Attempts++
	d.StatusCode, d.UpdatedAt, d.LastError = status, now, ""
	var next time.Time
	switch {
	case sendErr == nil:
		d.State = store.DeliveryDelivered
	case !w.DeletedAt.IsZero() || webhook.GiveUp(m.Since, now):
		d.State, d.LastError = store.DeliveryFailed, truncate(sendErr.Error(), 500)
	default:
		d.LastError = truncate(sendErr.Error(), 500)
		next = now.Add(webhook.BackoffJitter(d.Attempts, nil))
		d.NextAt = next
	}
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.UpdateDelivery(ctx, d); err != nil {
			return err
		}
		if d.State != store.DeliveryFailed || w.Merchant == "" || !w.DeletedAt.IsZero() {
			return nil
		}
		b, _ := json.Marshal(map[string]any{"merchant": w.Merchant, "to": []string{"merchant"}, "number": d.Event,
			"webhook_id": w.ID, "url": w.URL, "event": d.Event, "delivery": d.ID})
		return tx.Enqueue(ctx, store.OutboxMessage{Topic: "notify.webhook.failed", Key: w.ID, Payload: b})
	})
	if err != nil {
		return time.Time{}, err
	}
	return next, nil
}
