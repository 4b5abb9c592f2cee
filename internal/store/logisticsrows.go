package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/task"
)

// What both stores do to shipments, carrier events, tasks, notifications, password resets,
// webhooks and deliveries before they write them (store.Logistics, store.Notifications,
// store.Webhooks), as for disputes (disputerows.go): every time in UTC to the microsecond,
// a zero creation or update time taken as the transaction's now. The caller's value is
// never changed.

// StoredShipment is s as a store keeps it, with its next check (zero: none), or an error
// (none of the sentinels) when s is malformed: no carrier or tracking number, an unknown
// status, or a version below 1.
func StoredShipment(s *logistics.Shipment, checkAt, now time.Time) (logistics.Shipment, time.Time, error) {
	switch {
	case s.Carrier == "" || s.TrackingNo == "":
		return logistics.Shipment{}, time.Time{}, fmt.Errorf("a shipment needs a carrier and a tracking number")
	case s.Status != logistics.Created && !s.Status.Valid():
		return logistics.Shipment{}, time.Time{}, fmt.Errorf("shipment %s/%s: unknown status %q", s.Carrier, s.TrackingNo, s.Status)
	case s.Version < 1:
		return logistics.Shipment{}, time.Time{}, fmt.Errorf("shipment %s/%s: version %d", s.Carrier, s.TrackingNo, s.Version)
	}
	n := *s
	n.Fired = slices.Clone(s.Fired)
	n.CreatedAt, n.UpdatedAt = utcMicro(orNow(s.CreatedAt, now)), utcMicro(orNow(s.UpdatedAt, now))
	n.LastEventAt, n.DeliveredAt, n.ShippedAt = utcMicro(s.LastEventAt), utcMicro(s.DeliveredAt), utcMicro(s.ShippedAt)
	n.NotReceived, n.Applied = utcMicro(s.NotReceived), utcMicro(s.Applied)
	return n, utcMicro(checkAt), nil
}

// StoredShipmentEvent is ev as a store keeps it (a zero ReceivedAt taken as now), or an
// error (none of the sentinels) when it has no carrier, tracking number, event id or time.
func StoredShipmentEvent(ev logistics.Event, now time.Time) (logistics.Event, error) {
	if ev.Carrier == "" || ev.TrackingNo == "" || ev.EventID == "" || ev.At.IsZero() {
		return logistics.Event{}, fmt.Errorf("a carrier event needs a carrier, a tracking number, an event id and a time")
	}
	ev.At, ev.ReceivedAt = utcMicro(ev.At), utcMicro(orNow(ev.ReceivedAt, now))
	return ev, nil
}

// StoredTask is t as a store keeps it, or an error (none of the sentinels) when t is
// malformed: no id, key or kind, an unknown state, or a version below 1.
func StoredTask(t *task.Task, now time.Time) (task.Task, error) {
	switch {
	case t.ID == "" || t.Key == "" || t.Kind == "":
		return task.Task{}, fmt.Errorf("a task needs an id, a key and a kind")
	case !t.State.Valid():
		return task.Task{}, fmt.Errorf("task %s: unknown state %q", t.ID, t.State)
	case t.Version < 1:
		return task.Task{}, fmt.Errorf("task %s: version %d", t.ID, t.Version)
	}
	n := *t
	n.CreatedAt, n.UpdatedAt = utcMicro(orNow(t.CreatedAt, now)), utcMicro(orNow(t.UpdatedAt, now))
	n.DueAt, n.DoneAt = utcMicro(t.DueAt), utcMicro(t.DoneAt)
	return n, nil
}

// StoredNotification is n as a store keeps it (a zero At taken as now; the ID is the
// store's), or an error (none of the sentinels) when it has no recipient or source.
func StoredNotification(n Notification, now time.Time) (Notification, error) {
	if n.Recipient == "" || n.Source == "" {
		return Notification{}, fmt.Errorf("a notification needs a recipient and a source")
	}
	n.ID = 0
	n.At, n.ReadAt = utcMicro(orNow(n.At, now)), utcMicro(n.ReadAt)
	return n, nil
}

// StoredNotificationPrefs is p as a store keeps it (a zero UpdatedAt taken as now), or an
// error (none of the sentinels) when it names no person.
func StoredNotificationPrefs(p NotificationPrefs, now time.Time) (NotificationPrefs, error) {
	if p.Person == "" {
		return NotificationPrefs{}, fmt.Errorf("notification preferences need a person")
	}
	p.UpdatedAt = utcMicro(orNow(p.UpdatedAt, now))
	return p, nil
}

// StoredPasswordReset is r as a store keeps it (a zero CreatedAt taken as now), or an error
// (none of the sentinels) when it has no hash, user or expiry.
func StoredPasswordReset(r PasswordReset, now time.Time) (PasswordReset, error) {
	if len(r.Hash) == 0 || r.UserID == "" || r.ExpiresAt.IsZero() {
		return PasswordReset{}, fmt.Errorf("a password reset needs a hash, a user and an expiry")
	}
	r.Hash = slices.Clone(r.Hash)
	r.ExpiresAt, r.UsedAt, r.CreatedAt = utcMicro(r.ExpiresAt), utcMicro(r.UsedAt), utcMicro(orNow(r.CreatedAt, now))
	return r, nil
}

// StoredWebhook is w as a store keeps it (a zero CreatedAt taken as now; an empty event
// list read back nil), or an error (none of the sentinels) when it has no id or URL.
func StoredWebhook(w Webhook, now time.Time) (Webhook, error) {
	if w.ID == "" || w.URL == "" {
		return Webhook{}, fmt.Errorf("a webhook needs an id and a URL")
	}
	w.Events = slices.Clone(w.Events)
	if len(w.Events) == 0 {
		w.Events = nil
	}
	w.CreatedAt, w.DeletedAt = utcMicro(orNow(w.CreatedAt, now)), utcMicro(w.DeletedAt)
	return w, nil
}

// StoredDelivery is d as a store keeps it (a zero State taken as pending, zero CreatedAt
// and UpdatedAt as now, a nil Payload as JSON null), or an error (none of the sentinels)
// when it has an unknown state or negative attempts, or its payload is not JSON. (A new
// delivery must also name its webhook and event: InsertDelivery checks that.)
func StoredDelivery(d WebhookDelivery, now time.Time) (WebhookDelivery, error) {
	if d.State == "" {
		d.State = DeliveryPending
	}
	switch {
	case d.State != DeliveryPending && d.State != DeliveryDelivered && d.State != DeliveryFailed:
		return WebhookDelivery{}, fmt.Errorf("delivery %s of webhook %s: unknown state %q", d.EventID, d.WebhookID, d.State)
	case d.Attempts < 0:
		return WebhookDelivery{}, fmt.Errorf("delivery %s of webhook %s: %d attempts", d.EventID, d.WebhookID, d.Attempts)
	}
	if d.Payload == nil {
		d.Payload = json.RawMessage("null")
	} else if !json.Valid(d.Payload) {
		return WebhookDelivery{}, fmt.Errorf("delivery %s of webhook %s: the payload is not valid JSON", d.EventID, d.WebhookID)
	}
	d.Payload = slices.Clone(d.Payload)
	d.NextAt = utcMicro(d.NextAt)
	d.CreatedAt, d.UpdatedAt = utcMicro(orNow(d.CreatedAt, now)), utcMicro(orNow(d.UpdatedAt, now))
	return d, nil
}
