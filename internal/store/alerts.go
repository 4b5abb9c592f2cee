package store

import (
	"context"
	"time"
)

// Alerts is the part of a transaction that keeps the early warning's alerts (预警; package
// warning decides when one opens and closes). An open alert is also the episode's state
// between runs (OpenedDay, LoudDay): at most one is open per subject (kind, key,
// merchant), which a unique partial index enforces on both stores.
type Alerts interface {
	// InsertAlert stores a new alert. ErrConflict when its id exists or its subject has
	// an open alert already (another replica opened the episode first).
	InsertAlert(ctx context.Context, a Alert) error
	// UpdateAlert replaces an alert's state, figures, days and acknowledgement (by id).
	// ErrNotFound.
	UpdateAlert(ctx context.Context, a Alert) error
	// Alert returns one alert. ErrNotFound.
	Alert(ctx context.Context, id string) (Alert, error)
	// ListAlerts returns alerts, newest opened first (then id), at most q.Limit (default
	// 100, at most 500).
	ListAlerts(ctx context.Context, q AlertQuery) ([]Alert, error)

	// AlertRules returns the stored warning rules (warning.Rules as JSON, byte for byte)
	// and their version. ErrNotFound when none were saved.
	AlertRules(ctx context.Context) (body []byte, version int, err error)
	// SaveAlertRules stores the rules as version: ErrConflict unless the stored version is
	// version-1 (none stored counts as 0).
	SaveAlertRules(ctx context.Context, body []byte, version int) error
}

// Alert states.
const (
	AlertOpen   = "open"
	AlertClosed = "closed"
)

// Alert is one episode of a subject's return rate above its baseline.
type Alert struct {
	ID         string
	Kind       string // sku | category | merchant
	Key        string // the SKU or category; "" for a merchant
	Merchant   string
	State      string // open | closed
	OpenedAt   time.Time
	ClosedAt   time.Time // zero while open
	OpenedDay  string    // YYYY-MM-DD (China Standard Time) of the breach
	LoudDay    string    // the last day the rate was still high
	Rate       float64
	Baseline   float64
	Volume     int64
	Events     int64
	TopReasons []byte // JSON: [{"reason":…,"cases":…}]
	AckBy      string // the staff who acknowledged it; "" none
	AckAt      time.Time
}

// AlertQuery selects alerts: each filter when not "".
type AlertQuery struct {
	State    string
	Kind     string
	Merchant string
	Limit    int
}
