package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// eventData is what case_events.data holds: the parts of an event without a column of
// their own, tagged as in aftersale.Event so that an event reads back as it was written.
type eventData struct {
	Evidence      []aftersale.Evidence `json:"evidence,omitempty"`
	Data          map[string]string    `json:"data,omitempty"`
	PolicyVersion string               `json:"policy_version"`
}

// AppendEvent adds a history event; the table's trigger refuses any change to an event
// once written. The write travels with the transaction's next statement (see Tx.later): a
// taken seq (ErrConflict) or an unknown case (ErrNotFound) is returned by that statement's
// call or by Update.
func (t *Tx) AppendEvent(ctx context.Context, caseID string, ev aftersale.Event) error {
	data, err := json.Marshal(eventData{Evidence: ev.Evidence, Data: ev.Data, PolicyVersion: ev.PolicyVersion})
	if err != nil {
		return fmt.Errorf("append event %d to case %s: %w", ev.Seq, caseID, err)
	}
	err = t.later(ctx, fmt.Sprintf("append event %d to case %s", ev.Seq, caseID), `
		INSERT INTO case_events (case_id, seq, action, actor_role, actor_id, from_state, to_state, at, note, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		caseID, ev.Seq, string(ev.Action), string(ev.Actor.Role), ev.Actor.ID, string(ev.From), string(ev.To),
		orNow(ev.At, t.now), ev.Note, data)
	if err != nil {
		return err
	}
	return t.markDirty(ctx, "case", caseID)
}

// Events returns a case's history in order (none for an unknown case).
func (t *Tx) Events(ctx context.Context, caseID string) ([]aftersale.Event, error) {
	var evs []aftersale.Event
	err := t.query(ctx, `SELECT `+eventColumns+` FROM case_events WHERE case_id = $1 ORDER BY seq`, []any{caseID},
		func(rows pgx.Rows) error {
			ev, err := scanEvent(rows)
			evs = append(evs, ev)
			return err
		})
	if err != nil {
		return nil, wrap(err, "events of case %s", caseID)
	}
	return evs, nil
}

// eventColumns are what scanEvent reads, in its order.
const eventColumns = `seq, action, actor_role, actor_id, from_state, to_state, at, note, data`

// scanEvent reads a row of eventColumns, after the columns of lead when given.
func scanEvent(rows pgx.Rows, lead ...any) (aftersale.Event, error) {
	var ev aftersale.Event
	var data []byte
	if err := rows.Scan(append(lead, &ev.Seq, &ev.Action, &ev.Actor.Role, &ev.Actor.ID, &ev.From, &ev.To,
		&ev.At, &ev.Note, &data)...); err != nil {
		return ev, err
	}
	var d eventData
	if err := json.Unmarshal(data, &d); err != nil {
		return ev, fmt.Errorf("event %d: %w", ev.Seq, err)
	}
	ev.Evidence, ev.Data, ev.PolicyVersion = d.Evidence, d.Data, d.PolicyVersion
	return ev, nil
}
