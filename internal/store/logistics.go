package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/task"
)

// Logistics is the part of a transaction that keeps parcels and their carrier events
// (package logistics) and the service desk's tasks (package task).
type Logistics interface {
	// InsertShipment stores a new shipment (Version 1), keyed by (Carrier, TrackingNo) as
	// logistics normalises them. ErrConflict when that key exists.
	InsertShipment(ctx context.Context, s *logistics.Shipment, checkAt time.Time) error
	// UpdateShipment stores s and when its exception rules are next looked at (zero:
	// never) if the stored version is s.Version-1: ErrConflict otherwise, ErrNotFound for
	// an unknown key.
	UpdateShipment(ctx context.Context, s *logistics.Shipment, checkAt time.Time) error
	// Shipment returns a shipment by carrier and tracking number (normalised). ErrNotFound.
	Shipment(ctx context.Context, carrier, trackingNo string) (logistics.Shipment, error)
	// CaseShipments lists a case's shipments, oldest first.
	CaseShipments(ctx context.Context, caseID string) ([]logistics.Shipment, error)
	// DueShipments lists up to limit shipments whose next check is at or before Now(),
	// soonest first.
	DueShipments(ctx context.Context, limit int) ([]logistics.Shipment, error)
	// AddShipmentEvent stores a carrier event. ErrConflict when (Carrier, EventID) exists:
	// the event was received before.
	AddShipmentEvent(ctx context.Context, ev logistics.Event) error
	// ShipmentEvents returns a shipment's timeline ordered by the carriers' times (At, then
	// EventID).
	ShipmentEvents(ctx context.Context, carrier, trackingNo string) ([]logistics.Event, error)

	// InsertTask stores a new task (Version 1). ErrConflict when its ID or Key exists.
	InsertTask(ctx context.Context, t *task.Task) error
	// UpdateTask stores t if the stored version is t.Version-1: ErrConflict otherwise,
	// ErrNotFound for an unknown id.
	UpdateTask(ctx context.Context, t *task.Task) error
	// Task returns a task by id. ErrNotFound.
	Task(ctx context.Context, id string) (task.Task, error)
	// ListTasks returns one page of tasks, newest first (created_at, then id, descending),
	// and the next page's cursor ("" at the end). ErrBadCursor.
	ListTasks(ctx context.Context, q TaskQuery) ([]task.Task, string, error)
}

// TaskQuery selects tasks. Zero fields select everything.
type TaskQuery struct {
	Kind      task.Kind
	Rule      string
	State     task.State
	Assignee  string
	CaseID    string
	Merchant  string
	Merchants []string // any of these (a scoped agent); nil: no restriction; empty, not nil: none
	Cursor    string
	Limit     int // default 50, at most 500
}

// Notifications is the part of a transaction that keeps what people are told: the in-app
// inbox, each person's channels, and the password-reset links sent by email.
type Notifications interface {
	// InsertNotification adds n to its recipient's inbox (ID assigned by the store) unless
	// the recipient already has a notification with the same Source: inserted is false
	// then (a message relayed again is not shown twice).
	InsertNotification(ctx context.Context, n Notification) (inserted bool, err error)
	// ListNotifications returns one page of a recipient's notifications, newest first (ID
	// descending), and the next page's cursor ("" at the end). ErrBadCursor.
	ListNotifications(ctx context.Context, q NotificationQuery) ([]Notification, string, error)
	// UnreadNotifications counts a recipient's unread notifications.
	UnreadNotifications(ctx context.Context, recipient string) (int, error)
	// MarkNotificationsRead marks the recipient's notifications with these ids read at
	// Now() (all of the recipient's when ids is empty) and returns how many changed. Ids of
	// someone else's notifications change nothing.
	MarkNotificationsRead(ctx context.Context, recipient string, ids []int64) (int, error)

	// NotificationPrefs returns a person's channel choices; ErrNotFound when the person
	// never chose (the caller applies the defaults).
	NotificationPrefs(ctx context.Context, person string) (NotificationPrefs, error)
	// SetNotificationPrefs stores a person's choices, replacing earlier ones.
	SetNotificationPrefs(ctx context.Context, p NotificationPrefs) error

	// InsertPasswordReset stores a reset link (only the hash of its secret).
	InsertPasswordReset(ctx context.Context, r PasswordReset) error
	// UsePasswordReset marks the reset link whose secret hashes to hash used at Now() and
	// returns it. ErrNotFound when there is none, it was used, or it expired at Now():
	// a link works once.
	UsePasswordReset(ctx context.Context, hash []byte) (PasswordReset, error)
}

// Notification is one entry of a person's in-app inbox.
type Notification struct {
	ID        int64
	Recipient string // a person: "user:<id>" or "customer:<id>"
	// Source makes it unique per recipient: the outbox message and template it came from.
	Source  string
	Event   string // e.g. case.approve, dispute.ruled, shipment.exception
	CaseID  string
	Subject Text
	Body    Text
	Link    string // a path on the pages, e.g. /cases/<id>
	ReadAt  time.Time
	At      time.Time
}

// Text is a string in both product languages.
type Text = task.Text

// NotificationQuery selects a recipient's notifications.
type NotificationQuery struct {
	Recipient string
	Unread    bool
	Cursor    string
	Limit     int // default 50, at most 500
}

// NotificationPrefs are the channels a person wants messages on: in-app always; email and
// SMS as chosen, to the address and number given here.
type NotificationPrefs struct {
	Person    string
	Email     bool
	SMS       bool
	Address   string // email address
	Phone     string
	Locale    string // "zh" or "en"
	UpdatedAt time.Time
}

// PasswordReset is a single-use link to set a new password, sent by email.
type PasswordReset struct {
	Hash      []byte // SHA-256 of the secret in the link
	UserID    string
	ExpiresAt time.Time
	UsedAt    time.Time
	CreatedAt time.Time
}

// Webhooks is the part of a transaction that keeps merchant systems' webhooks and the log
// of what was delivered to them.
type Webhooks interface {
	// InsertWebhook stores a webhook. ErrConflict when its id is taken.
	InsertWebhook(ctx context.Context, w Webhook) error
	// Webhook returns a webhook by id, deleted ones too. ErrNotFound.
	Webhook(ctx context.Context, id string) (Webhook, error)
	// ListWebhooks lists the webhooks that are not deleted, oldest first: a merchant's
	// (merchant != ""), or all (merchant "").
	ListWebhooks(ctx context.Context, merchant string) ([]Webhook, error)
	// DeleteWebhook marks a webhook deleted at Now(): it receives nothing more; its
	// deliveries are kept. ErrNotFound for an unknown or deleted id.
	DeleteWebhook(ctx context.Context, id string) error

	// InsertDelivery stores a delivery (ID assigned by the store and returned) unless the
	// webhook already has one for the same EventID: inserted is false then, and the
	// existing one is returned.
	InsertDelivery(ctx context.Context, d WebhookDelivery) (stored WebhookDelivery, inserted bool, err error)
	// UpdateDelivery stores a delivery's state, attempts and last answer. ErrNotFound.
	UpdateDelivery(ctx context.Context, d WebhookDelivery) error
	// Delivery returns a delivery by id. ErrNotFound.
	Delivery(ctx context.Context, id int64) (WebhookDelivery, error)
	// Deliveries lists a webhook's deliveries, newest first (ID descending), at most limit
	// (1–500; 0 means 100).
	Deliveries(ctx context.Context, webhookID string, limit int) ([]WebhookDelivery, error)
	// PruneDeliveries deletes up to limit deliveries that ended (delivered or failed) before
	// before, the longest ended first, and returns how many it deleted. Pending ones are
	// kept.
	PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
}

// Webhook is a merchant system's (or, with no Merchant, the platform's) subscription to
// events, delivered by HTTP POST signed with Secret.
type Webhook struct {
	ID        string
	Merchant  string // "" for an admin's or integration's webhook: every merchant's events
	URL       string
	Events    []string // event names, or "*"
	Secret    string
	CreatedBy string
	CreatedAt time.Time
	DeletedAt time.Time
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event sent (or being sent) to one webhook.
type WebhookDelivery struct {
	ID         int64
	WebhookID  string
	EventID    string // unique per webhook
	Event      string
	Payload    json.RawMessage // the body as sent
	State      string          // pending | delivered | failed
	Attempts   int
	StatusCode int    // of the last attempt (0: no answer)
	LastError  string // of the last attempt
	NextAt     time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
