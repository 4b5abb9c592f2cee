package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/task"
)

// shipmentArgs are the values of a shipment's columns (the lookups' and the exception
// rules' clock's, beside its JSON), in the order of the statements below; the key follows
// them.
func shipmentArgs(s *logistics.Shipment, checkAt time.Time, body []byte) []any {
	var caseID any
	if s.CaseID != "" {
		caseID = s.CaseID
	}
	return []any{caseID, string(s.Direction), s.Merchant, s.Customer, string(s.Status), nullMicros(checkAt),
		s.Version, micros(s.CreatedAt), micros(s.UpdatedAt), string(body)}
}

// InsertShipment stores a new shipment and when its exception rules next look at it (zero:
// never). The primary key refuses a taken (carrier, tracking number) (ErrConflict); a
// refused statement changes nothing and the transaction goes on.
func (tx *Tx) InsertShipment(ctx context.Context, s *logistics.Shipment, checkAt time.Time) error {
	if s.Version != 1 {
		return fmt.Errorf("insert shipment %s/%s: a new shipment is version 1, not %d", s.Carrier, s.TrackingNo, s.Version)
	}
	n, check, err := store.StoredShipment(s, checkAt, tx.now)
	if err != nil {
		return fmt.Errorf("insert shipment: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert shipment %s/%s: %w", s.Carrier, s.TrackingNo, err)
	}
	const q = `
INSERT INTO shipments (case_id, direction, merchant, customer, status, check_at, version, created_at,
                       updated_at, body, carrier, tracking_no)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(shipmentArgs(&n, check, body), n.Carrier, n.TrackingNo)...); err != nil {
		return fmt.Errorf("insert shipment %s/%s: %w", s.Carrier, s.TrackingNo, dbErr(err))
	}
	return nil
}

// UpdateShipment stores s and its next check if the stored version is s.Version-1:
// ErrConflict if another transaction got there first, ErrNotFound if there is no such
// shipment.
func (tx *Tx) UpdateShipment(ctx context.Context, s *logistics.Shipment, checkAt time.Time) error {
	n, check, err := store.StoredShipment(s, checkAt, tx.now)
	if err != nil {
		return fmt.Errorf("update shipment: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update shipment %s/%s: %w", s.Carrier, s.TrackingNo, err)
	}
	const q = `
UPDATE shipments
SET case_id = ?, direction = ?, merchant = ?, customer = ?, status = ?, check_at = ?, version = ?,
    created_at = ?, updated_at = ?, body = ?
WHERE carrier = ? AND tracking_no = ? AND version = ?`
	res, err := tx.exec(ctx, q, append(shipmentArgs(&n, check, body), n.Carrier, n.TrackingNo, n.Version-1)...)
	if err == nil {
		var changed int64
		if changed, err = res.RowsAffected(); err == nil && changed == 0 {
			var stored int64
			err = tx.queryRow(ctx, `SELECT version FROM shipments WHERE carrier = ? AND tracking_no = ?`,
				n.Carrier, n.TrackingNo).Scan(&stored)
			if err == nil {
				err = fmt.Errorf("%w: the stored version is %d", store.ErrConflict, stored)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("update shipment %s/%s to version %d: %w", s.Carrier, s.TrackingNo, s.Version, dbErr(err))
	}
	return nil
}

// Shipment returns a shipment by carrier and tracking number.
func (tx *Tx) Shipment(ctx context.Context, carrier, trackingNo string) (logistics.Shipment, error) {
	var body string
	err := tx.queryRow(ctx, `SELECT body FROM shipments WHERE carrier = ? AND tracking_no = ?`, carrier, trackingNo).Scan(&body)
	if err != nil {
		return logistics.Shipment{}, fmt.Errorf("shipment %s/%s: %w", carrier, trackingNo, dbErr(err))
	}
	var s logistics.Shipment
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return logistics.Shipment{}, fmt.Errorf("shipment %s/%s: %w", carrier, trackingNo, err)
	}
	return s, nil
}

// CaseShipments lists a case's shipments, oldest first (shipments_case).
func (tx *Tx) CaseShipments(ctx context.Context, caseID string) ([]logistics.Shipment, error) {
	ss, err := tx.shipments(ctx, `
SELECT body, created_at, tracking_no FROM shipments
WHERE case_id = ?
ORDER BY created_at, carrier, tracking_no`, caseID)
	if err != nil {
		return nil, fmt.Errorf("shipments of case %s: %w", caseID, err)
	}
	return ss, nil
}

// DueShipments lists up to limit shipments whose next check is at or before Now(), soonest
// first (shipments_check); none for a limit of 0 or less.
func (tx *Tx) DueShipments(ctx context.Context, limit int) ([]logistics.Shipment, error) {
	if limit <= 0 {
		return nil, nil
	}
	ss, err := tx.shipments(ctx, `
SELECT body, check_at, tracking_no FROM shipments
WHERE check_at IS NOT NULL AND check_at <= ?
ORDER BY check_at, carrier, tracking_no
LIMIT ?`, micros(tx.now), limit)
	if err != nil {
		return nil, fmt.Errorf("due shipments: %w", err)
	}
	return ss, nil
}

// shipments runs a query of (body, integer key, tracking number) and decodes the bodies.
func (tx *Tx) shipments(ctx context.Context, q string, args ...any) ([]logistics.Shipment, error) {
	var ss []logistics.Shipment
	err := tx.queryBodies(ctx, func(body []byte, _ int64, trackingNo string) error {
		var s logistics.Shipment
		if err := json.Unmarshal(body, &s); err != nil {
			return fmt.Errorf("shipment %s: %w", trackingNo, err)
		}
		ss = append(ss, s)
		return nil
	}, q, args...)
	return ss, err
}

// AddShipmentEvent stores a carrier event. The primary key refuses an event received
// before (ErrConflict); a refused statement changes nothing and the transaction goes on.
func (tx *Tx) AddShipmentEvent(ctx context.Context, ev logistics.Event) error {
	n, err := store.StoredShipmentEvent(ev, tx.now)
	if err != nil {
		return fmt.Errorf("add shipment event: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("add shipment event %s/%s: %w", ev.Carrier, ev.EventID, err)
	}
	const q = `INSERT INTO shipment_events (carrier, event_id, tracking_no, at, body) VALUES (?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, n.Carrier, n.EventID, n.TrackingNo, micros(n.At), string(body)); err != nil {
		return fmt.Errorf("add shipment event %s/%s: %w", ev.Carrier, ev.EventID, dbErr(err))
	}
	return nil
}

// ShipmentEvents returns a shipment's timeline by the carriers' times, then event id
// (shipment_events_timeline).
func (tx *Tx) ShipmentEvents(ctx context.Context, carrier, trackingNo string) ([]logistics.Event, error) {
	var evs []logistics.Event
	err := tx.queryBodies(ctx, func(body []byte, _ int64, id string) error {
		var ev logistics.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return fmt.Errorf("event %s: %w", id, err)
		}
		evs = append(evs, ev)
		return nil
	}, `
SELECT body, at, event_id FROM shipment_events
WHERE carrier = ? AND tracking_no = ?
ORDER BY at, event_id`, carrier, trackingNo)
	if err != nil {
		return nil, fmt.Errorf("events of shipment %s/%s: %w", carrier, trackingNo, err)
	}
	return evs, nil
}

// taskArgs are the values of a task's columns (the list's, beside its JSON), in the order
// of the statements below; the id follows them.
func taskArgs(t *task.Task, body []byte) []any {
	var caseID any
	if t.CaseID != "" {
		caseID = t.CaseID
	}
	return []any{t.Key, string(t.Kind), t.Rule, string(t.State), t.Assignee, caseID, t.Merchant, t.Version,
		micros(t.CreatedAt), micros(t.UpdatedAt), string(body)}
}

// InsertTask stores a new task. The primary key and the key's index refuse a taken id or
// key (ErrConflict); a refused statement changes nothing and the transaction goes on.
func (tx *Tx) InsertTask(ctx context.Context, t *task.Task) error {
	if t.Version != 1 {
		return fmt.Errorf("insert task %s: a new task is version 1, not %d", t.ID, t.Version)
	}
	n, err := store.StoredTask(t, tx.now)
	if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert task %s: %w", t.ID, err)
	}
	const q = `
INSERT INTO tasks (key, kind, rule, state, assignee, case_id, merchant, version, created_at, updated_at, body, id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(taskArgs(&n, body), n.ID)...); err != nil {
		return fmt.Errorf("insert task %s (%s): %w", t.ID, t.Key, dbErr(err))
	}
	return nil
}

// UpdateTask stores t if the stored version is t.Version-1: ErrConflict if another
// transaction got there first (or t's key is another task's), ErrNotFound if there is no
// such task.
func (tx *Tx) UpdateTask(ctx context.Context, t *task.Task) error {
	n, err := store.StoredTask(t, tx.now)
	if err != nil {
		return fmt.Errorf("update task: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update task %s: %w", t.ID, err)
	}
	const q = `
UPDATE tasks
SET key = ?, kind = ?, rule = ?, state = ?, assignee = ?, case_id = ?, merchant = ?, version = ?,
    created_at = ?, updated_at = ?, body = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, append(taskArgs(&n, body), n.ID, n.Version-1)...)
	if err := tx.versioned(ctx, res, err, "tasks", n.ID); err != nil {
		return fmt.Errorf("update task %s to version %d: %w", t.ID, t.Version, err)
	}
	return nil
}

// Task returns a task by id.
func (tx *Tx) Task(ctx context.Context, id string) (task.Task, error) {
	var body string
	if err := tx.queryRow(ctx, `SELECT body FROM tasks WHERE id = ?`, id).Scan(&body); err != nil {
		return task.Task{}, fmt.Errorf("task %s: %w", id, dbErr(err))
	}
	var t task.Task
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return task.Task{}, fmt.Errorf("task %s: %w", id, err)
	}
	return t, nil
}

// taskCursorPrefix starts ListTasks's cursors (see disputeCursorPrefix).
const taskCursorPrefix = "tasks/"

// ListTasks returns one page of tasks, newest first (created_at DESC, id DESC), by keyset
// on that order as ListDisputes.
func (tx *Tx) ListTasks(ctx context.Context, q store.TaskQuery) ([]task.Task, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.eq("kind", string(q.Kind))
	f.eq("rule", q.Rule)
	f.eq("state", string(q.State))
	f.eq("assignee", q.Assignee)
	f.eq("case_id", q.CaseID)
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("0") // a scope of no merchants: nothing
	}
	in(f, "merchant", q.Merchants)
	if q.Cursor != "" {
		at, id, err := decodeRowCursor(taskCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list tasks: %w", err)
		}
		f.add("(created_at, id) < (?, ?)", at, id)
	}
	query := `SELECT body, created_at, id FROM tasks` + f.sql() + `
ORDER BY created_at DESC, id DESC
LIMIT ?`
	var (
		ts     []task.Task
		lastAt int64
		lastID string
	)
	err := tx.queryBodies(ctx, func(body []byte, at int64, id string) error {
		if len(ts) == limit {
			return errMore
		}
		var t task.Task
		if err := json.Unmarshal(body, &t); err != nil {
			return fmt.Errorf("task %s: %w", id, err)
		}
		ts, lastAt, lastID = append(ts, t), at, id
		return nil
	}, query, append(f.args, limit+1)...)
	switch {
	case errors.Is(err, errMore): // the extra row only says that there is a next page
		return ts, encodeRowCursor(taskCursorPrefix, lastAt, lastID), nil
	case err != nil:
		return nil, "", fmt.Errorf("list tasks: %w", err)
	}
	return ts, "", nil
}
