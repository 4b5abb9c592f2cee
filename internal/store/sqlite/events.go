package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// eventData is what the data column of case_events holds: the parts of an event that no
// query filters on.
type eventData struct {
	Evidence      []aftersale.Evidence `json:"evidence,omitempty"`
	Data          map[string]string    `json:"data,omitempty"`
	PolicyVersion string               `json:"policy_version"`
}

// AppendEvent adds a history event. The primary key (case_id, seq) refuses a second
// event with the same seq (ErrConflict); triggers refuse any change to a stored event.
func (tx *Tx) AppendEvent(ctx context.Context, caseID string, ev aftersale.Event) error {
	data, err := json.Marshal(eventData{Evidence: ev.Evidence, Data: ev.Data, PolicyVersion: ev.PolicyVersion})
	if err != nil {
		return fmt.Errorf("append event %d to case %s: %w", ev.Seq, caseID, err)
	}
	const q = `
INSERT INTO case_events (case_id, seq, action, actor_role, actor_id, from_state, to_state, at, note, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.exec(ctx, q, caseID, ev.Seq, string(ev.Action), string(ev.Actor.Role),
		ev.Actor.ID, string(ev.From), string(ev.To), micros(ev.At), ev.Note, string(data))
	if err != nil {
		return fmt.Errorf("append event %d to case %s: %w", ev.Seq, caseID, dbErr(err))
	}
	return tx.markDirty(ctx, "case", caseID)
}

// Events returns a case's history by seq.
func (tx *Tx) Events(ctx context.Context, caseID string) ([]aftersale.Event, error) {
	rows, err := tx.query(ctx, `SELECT `+eventColumns+` FROM case_events WHERE case_id = ? ORDER BY seq`, caseID)
	if err != nil {
		return nil, fmt.Errorf("load events of case %s: %w", caseID, err)
	}
	defer rows.Close()
	var evs []aftersale.Event
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("load events of case %s: %w", caseID, err)
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load events of case %s: %w", caseID, err)
	}
	return evs, nil
}

// eventColumns are what scanEvent reads, in its order.
const eventColumns = `seq, action, actor_role, actor_id, from_state, to_state, at, note, data`

// scanEvent reads a row of eventColumns, after the columns of lead when given.
func scanEvent(row scanner, lead ...any) (aftersale.Event, error) {
	var (
		ev                     aftersale.Event
		action, role, from, to string
		at                     int64
		data                   string
		extra                  eventData
	)
	if err := row.Scan(append(lead, &ev.Seq, &action, &role, &ev.Actor.ID, &from, &to, &at, &ev.Note, &data)...); err != nil {
		return ev, err
	}
	if err := json.Unmarshal([]byte(data), &extra); err != nil {
		return ev, fmt.Errorf("event %d: %w", ev.Seq, err)
	}
	ev.Action = aftersale.Action(action)
	ev.Actor.Role = aftersale.Role(role)
	ev.From = aftersale.State(from)
	ev.To = aftersale.State(to)
	ev.At = fromMicros(at)
	ev.Evidence = extra.Evidence
	ev.Data = extra.Data
	ev.PolicyVersion = extra.PolicyVersion
	return ev, nil
}
