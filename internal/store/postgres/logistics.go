package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/task"
)

// shipmentArgs are the values of a shipment's columns (its key, the lookups' and the
// exception rules' clock's columns, its JSON): $1 to $12 of the statements below.
func shipmentArgs(s *logistics.Shipment, checkAt time.Time, body []byte) []any {
	var caseID *string
	if s.CaseID != "" {
		caseID = &s.CaseID
	}
	return []any{s.Carrier, s.TrackingNo, caseID, string(s.Direction), s.Merchant, s.Customer, string(s.Status),
		nullTime(checkAt), s.Version, s.CreatedAt, s.UpdatedAt, body}
}

// InsertShipment stores a new shipment and when its exception rules next look at it (zero:
// never). A taken (carrier, tracking number) is ErrConflict; the statement is sent at once
// and skips the taken key (ON CONFLICT DO NOTHING), so the refusal comes back from the call
// and leaves the transaction usable.
func (t *Tx) InsertShipment(ctx context.Context, s *logistics.Shipment, checkAt time.Time) error {
	if s.Version != 1 {
		return fmt.Errorf("insert shipment %s/%s: a new shipment is version 1, not %d", s.Carrier, s.TrackingNo, s.Version)
	}
	n, check, err := store.StoredShipment(s, checkAt, t.now)
	if err != nil {
		return fmt.Errorf("insert shipment: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert shipment %s/%s: %w", s.Carrier, s.TrackingNo, err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO shipments (carrier, tracking_no, case_id, direction, merchant, customer, status, check_at,
		    version, created_at, updated_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		shipmentArgs(&n, check, body)...)
	if err == nil && added == 0 {
		err = fmt.Errorf("the carrier and tracking number are taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert shipment %s/%s", s.Carrier, s.TrackingNo)
}

// UpdateShipment stores s and its next check if the stored version is s.Version-1:
// ErrConflict if another transaction got there first, ErrNotFound if there is no such
// shipment; either comes back from the call. Only that path pays a second round trip.
func (t *Tx) UpdateShipment(ctx context.Context, s *logistics.Shipment, checkAt time.Time) error {
	n, check, err := store.StoredShipment(s, checkAt, t.now)
	if err != nil {
		return fmt.Errorf("update shipment: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update shipment %s/%s: %w", s.Carrier, s.TrackingNo, err)
	}
	updated, err := t.exec(ctx, `
		UPDATE shipments SET case_id = $3, direction = $4, merchant = $5, customer = $6, status = $7,
		    check_at = $8, version = $9, created_at = $10, updated_at = $11, body = $12
		WHERE carrier = $1 AND tracking_no = $2 AND version = $9 - 1`,
		shipmentArgs(&n, check, body)...)
	if err == nil && updated == 0 {
		var stored int64
		err = t.queryRow(ctx, `SELECT version FROM shipments WHERE carrier = $1 AND tracking_no = $2`,
			[]any{n.Carrier, n.TrackingNo}, &stored)
		if err == nil {
			err = fmt.Errorf("%w: the stored version is %d", store.ErrConflict, stored)
		}
	}
	return wrap(err, "update shipment %s/%s to version %d", s.Carrier, s.TrackingNo, s.Version)
}

// Shipment returns a shipment by carrier and tracking number.
func (t *Tx) Shipment(ctx context.Context, carrier, trackingNo string) (logistics.Shipment, error) {
	var body []byte
	err := t.queryRow(ctx, `SELECT body FROM shipments WHERE carrier = $1 AND tracking_no = $2`,
		[]any{carrier, trackingNo}, &body)
	if err != nil {
		return logistics.Shipment{}, wrap(err, "shipment %s/%s", carrier, trackingNo)
	}
	var s logistics.Shipment
	if err := json.Unmarshal(body, &s); err != nil {
		return logistics.Shipment{}, fmt.Errorf("shipment %s/%s: %w", carrier, trackingNo, err)
	}
	return s, nil
}

// CaseShipments lists a case's shipments, oldest first (shipments_case).
func (t *Tx) CaseShipments(ctx context.Context, caseID string) ([]logistics.Shipment, error) {
	ss, err := t.shipments(ctx, `
		SELECT body FROM shipments WHERE case_id = $1
		ORDER BY created_at, carrier, tracking_no`, caseID)
	return ss, wrap(err, "shipments of case %s", caseID)
}

// DueShipments lists up to limit shipments whose next check is at or before Now(), soonest
// first (shipments_check); none for a limit of 0 or less.
func (t *Tx) DueShipments(ctx context.Context, limit int) ([]logistics.Shipment, error) {
	if limit <= 0 {
		return nil, nil
	}
	ss, err := t.shipments(ctx, `
		SELECT body FROM shipments
		WHERE check_at IS NOT NULL AND check_at <= $1
		ORDER BY check_at, carrier, tracking_no
		LIMIT $2`, t.now, limit)
	return ss, wrap(err, "due shipments")
}

// shipments runs a query of shipments' bodies and decodes them.
func (t *Tx) shipments(ctx context.Context, sql string, args ...any) ([]logistics.Shipment, error) {
	var ss []logistics.Shipment
	err := t.query(ctx, sql, args, func(rows pgx.Rows) error {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return err
		}
		var s logistics.Shipment
		if err := json.Unmarshal(body, &s); err != nil {
			return err
		}
		ss = append(ss, s)
		return nil
	})
	return ss, err
}

// AddShipmentEvent stores a carrier event. An event received before is ErrConflict: the
// statement is sent at once and skips the taken key (ON CONFLICT DO NOTHING), so the
// refusal comes back from the call and leaves the transaction usable.
func (t *Tx) AddShipmentEvent(ctx context.Context, ev logistics.Event) error {
	n, err := store.StoredShipmentEvent(ev, t.now)
	if err != nil {
		return fmt.Errorf("add shipment event: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("add shipment event %s/%s: %w", ev.Carrier, ev.EventID, err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO shipment_events (carrier, event_id, tracking_no, at, body) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`,
		n.Carrier, n.EventID, n.TrackingNo, n.At, body)
	if err == nil && added == 0 {
		err = fmt.Errorf("the event was received before: %w", store.ErrConflict)
	}
	return wrap(err, "add shipment event %s/%s", ev.Carrier, ev.EventID)
}

// ShipmentEvents returns a shipment's timeline by the carriers' times, then event id
// (shipment_events_timeline).
func (t *Tx) ShipmentEvents(ctx context.Context, carrier, trackingNo string) ([]logistics.Event, error) {
	var evs []logistics.Event
	err := t.query(ctx, `
		SELECT body FROM shipment_events WHERE carrier = $1 AND tracking_no = $2
		ORDER BY at, event_id`, []any{carrier, trackingNo},
		func(rows pgx.Rows) error {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return err
			}
			var ev logistics.Event
			if err := json.Unmarshal(body, &ev); err != nil {
				return err
			}
			evs = append(evs, ev)
			return nil
		})
	return evs, wrap(err, "events of shipment %s/%s", carrier, trackingNo)
}

// taskArgs are the values of a task's columns (its id, the list's columns, its JSON): $1
// to $12 of the statements below.
func taskArgs(t *task.Task, body []byte) []any {
	var caseID *string
	if t.CaseID != "" {
		caseID = &t.CaseID
	}
	return []any{t.ID, t.Key, string(t.Kind), t.Rule, string(t.State), t.Assignee, caseID, t.Merchant, t.Version,
		t.CreatedAt, t.UpdatedAt, body}
}

// InsertTask stores a new task. A taken id or key is ErrConflict: the statement is sent at
// once and skips a taken key (ON CONFLICT DO NOTHING), so the refusal comes back from the
// call and leaves the transaction usable.
func (t *Tx) InsertTask(ctx context.Context, tk *task.Task) error {
	if tk.Version != 1 {
		return fmt.Errorf("insert task %s: a new task is version 1, not %d", tk.ID, tk.Version)
	}
	n, err := store.StoredTask(tk, t.now)
	if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert task %s: %w", tk.ID, err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO tasks (id, key, kind, rule, state, assignee, case_id, merchant, version, created_at,
		    updated_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		taskArgs(&n, body)...)
	if err == nil && added == 0 {
		err = fmt.Errorf("the id or the key is taken: %w", store.ErrConflict)
	}
	return wrap(err, "insert task %s (%s)", tk.ID, tk.Key)
}

// UpdateTask stores t if the stored version is t.Version-1: ErrConflict if another
// transaction got there first (or t's key is another task's), ErrNotFound if there is no
// such task. It is sent at once, inside a savepoint, so that either refusal comes back
// from the call and leaves the transaction usable.
func (t *Tx) UpdateTask(ctx context.Context, tk *task.Task) error {
	n, err := store.StoredTask(tk, t.now)
	if err != nil {
		return fmt.Errorf("update task: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update task %s: %w", tk.ID, err)
	}
	err = t.versioned(ctx, "tasks", n.ID, `
		UPDATE tasks SET key = $2, kind = $3, rule = $4, state = $5, assignee = $6, case_id = $7, merchant = $8,
		    version = $9, created_at = $10, updated_at = $11, body = $12
		WHERE id = $1 AND version = $9 - 1`,
		taskArgs(&n, body)...)
	return wrap(err, "update task %s to version %d", tk.ID, tk.Version)
}

// Task returns a task by id.
func (t *Tx) Task(ctx context.Context, id string) (task.Task, error) {
	var body []byte
	if err := t.queryRow(ctx, `SELECT body FROM tasks WHERE id = $1`, []any{id}, &body); err != nil {
		return task.Task{}, wrap(err, "task %s", id)
	}
	var tk task.Task
	if err := json.Unmarshal(body, &tk); err != nil {
		return task.Task{}, fmt.Errorf("task %s: %w", id, err)
	}
	return tk, nil
}

// taskCursorPrefix starts ListTasks's cursors (see disputeCursorPrefix).
const taskCursorPrefix = "tasks/"

// ListTasks returns one page of tasks, newest first, by keyset pagination on
// (created_at, id) as ListDisputes on (updated_at, id).
func (t *Tx) ListTasks(ctx context.Context, q store.TaskQuery) ([]task.Task, string, error) {
	f := &filter{}
	f.eq("kind", string(q.Kind))
	f.eq("rule", q.Rule)
	f.eq("state", string(q.State))
	f.eq("assignee", q.Assignee)
	f.eq("case_id", q.CaseID)
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("false") // a scope of no merchants: nothing
	}
	anyOf(f, "merchant", q.Merchants)
	var ts []task.Task
	next, err := t.listPageBy(ctx, "tasks", "created_at", taskCursorPrefix, q.Cursor, q.Limit, f, func(body []byte) error {
		var tk task.Task
		if err := json.Unmarshal(body, &tk); err != nil {
			return err
		}
		ts = append(ts, tk)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "list tasks")
	}
	return ts, next, nil
}
