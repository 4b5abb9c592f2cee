// Package delivery says where the outbox's messages go: the relay's handlers by topic,
// wired to the application — money to the payment gateway, notifications to inboxes,
// email and SMS, case and dispute events to webhooks and the event stream, parcels to
// their cases. serve and the API tests use the same table.
package delivery

import (
	"context"
	"errors"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

// Handlers are the relay's handlers for a.
func Handlers(a *app.App) map[string]scheduler.Handler {
	payload := func(f func(context.Context, []byte) error) scheduler.Handler {
		return func(ctx context.Context, m store.OutboxRecord) error { return f(ctx, m.Payload) }
	}
	return map[string]scheduler.Handler{
		"money.":  scheduler.PaymentHandler(a.ExecutePayment, app.ErrNoEntry),
		"notify.": a.DeliverNotification,
		"email.": func(ctx context.Context, m store.OutboxRecord) error {
			err := a.SendEmail(ctx, m.Payload)
			if err != nil && notify.Permanent(err) {
				return scheduler.Permanent{Err: err}
			}
			return err
		},
		"sms.":            payload(func(ctx context.Context, b []byte) error { return a.SendSMS(ctx, b) }),
		"case.event":      a.PublishEvent,
		"dispute.event":   a.PublishEvent,
		"webhook.deliver": scheduler.PaymentHandler(a.DeliverWebhook, errNever),
		"logistics.sync":  payload(func(ctx context.Context, b []byte) error { return a.SyncShipment(ctx, b) }),
	}
}

// errNever is an error no delivery returns: webhook deliveries are never "gone", they
// end in the delivery log.
var errNever = errors.New("never")
