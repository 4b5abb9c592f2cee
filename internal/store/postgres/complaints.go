package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// complaintArgs are the values of a complaint's columns (its id, the lists' and the SLA
// clock's columns, its JSON, the desk's columns): $1 to $16 of the statements below.
func complaintArgs(c *complaint.Complaint, checkAt time.Time, body []byte) []any {
	var caseID *string
	if c.CaseID != "" {
		caseID = &c.CaseID
	}
	return []any{c.ID, c.Number, c.Customer, c.Merchant, string(c.About), string(c.FiledBy.Role), caseID,
		string(c.State), int32(c.Tier), nullTime(checkAt), c.Version, c.CreatedAt, c.UpdatedAt, body, c.Owner, c.Group}
}

// InsertComplaint stores a new complaint and when its next target falls due (zero: none).
// The primary key and the number's index refuse a taken id or number (ErrConflict). It is
// sent at once, inside a savepoint: a refusal comes back from the call and leaves the
// transaction usable.
func (t *Tx) InsertComplaint(ctx context.Context, c *complaint.Complaint, checkAt time.Time) error {
	if c.Version != 1 {
		return fmt.Errorf("insert complaint %s: a new complaint is version 1, not %d", c.ID, c.Version)
	}
	n, check, err := store.StoredComplaint(c, checkAt, t.now)
	if err != nil {
		return fmt.Errorf("insert complaint: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert complaint %s: %w", c.ID, err)
	}
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO complaints (id, number, customer, merchant, about, filed_role, case_id, state, tier, check_at,
		    version, created_at, updated_at, body, owner, desk_group)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		complaintArgs(&n, check, body)...)
	if err := t.guarded(ctx, b); err != nil {
		return wrap(err, "insert complaint %s (%s)", c.ID, c.Number)
	}
	return t.markDirty(ctx, "complaint", n.ID)
}

// UpdateComplaint stores c and its next check if the stored version is c.Version-1:
// ErrConflict if another transaction got there first, ErrNotFound if there is no such
// complaint; either comes back from the call.
func (t *Tx) UpdateComplaint(ctx context.Context, c *complaint.Complaint, checkAt time.Time) error {
	n, check, err := store.StoredComplaint(c, checkAt, t.now)
	if err != nil {
		return fmt.Errorf("update complaint: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update complaint %s: %w", c.ID, err)
	}
	err = t.versioned(ctx, "complaints", n.ID, `
		UPDATE complaints SET number = $2, customer = $3, merchant = $4, about = $5, filed_role = $6, case_id = $7,
		    state = $8, tier = $9, check_at = $10, version = $11, created_at = $12, updated_at = $13, body = $14,
		    owner = $15, desk_group = $16
		WHERE id = $1 AND version = $11 - 1`,
		complaintArgs(&n, check, body)...)
	if err != nil {
		return wrap(err, "update complaint %s to version %d", c.ID, c.Version)
	}
	return t.markDirty(ctx, "complaint", n.ID)
}

// Complaint returns a complaint by id.
func (t *Tx) Complaint(ctx context.Context, id string) (complaint.Complaint, error) {
	var body []byte
	if err := t.queryRow(ctx, `SELECT body FROM complaints WHERE id = $1`, []any{id}, &body); err != nil {
		return complaint.Complaint{}, wrap(err, "complaint %s", id)
	}
	var c complaint.Complaint
	if err := json.Unmarshal(body, &c); err != nil {
		return complaint.Complaint{}, fmt.Errorf("complaint %s: %w", id, err)
	}
	return c, nil
}

// ListComplaints returns one page of complaints, most recently updated first, by keyset
// pagination on (updated_at, id) as ListDisputes.
func (t *Tx) ListComplaints(ctx context.Context, q store.ComplaintQuery) ([]complaint.Complaint, string, error) {
	f := &filter{}
	f.eq("customer", q.Customer)
	if q.Merchant != "" {
		// What the merchant's staff may see: what they filed, or what is about the merchant.
		f.add("merchant = " + f.arg(q.Merchant) + " AND (filed_role = " + f.arg(string(complaint.Merchant)) +
			" OR about = " + f.arg(string(complaint.AboutMerchant)) + ")")
	}
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("false") // a scope of no merchants: nothing
	}
	anyOf(f, "merchant", q.Merchants)
	f.eq("case_id", q.CaseID)
	f.eq("state", string(q.State))
	if q.Tier != 0 {
		f.add("tier = " + f.arg(int32(q.Tier)))
	}
	f.eq("about", string(q.About))
	f.eq("owner", q.Owner)
	if q.Unassigned {
		f.add("owner = ''")
	}
	if q.Group != "" {
		f.add("desk_group = " + f.arg(q.Group) + " AND desk_group <> ''") // desk_group <> '': the partial index
	}
	var cs []complaint.Complaint
	next, err := t.listPage(ctx, "complaints", complaintCursorPrefix, q.Cursor, q.Limit, f, func(body []byte) error {
		var c complaint.Complaint
		if err := json.Unmarshal(body, &c); err != nil {
			return err
		}
		cs = append(cs, c)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "list complaints")
	}
	return cs, next, nil
}

// DueComplaints lists up to limit open complaints whose next check is at or before Now(),
// soonest first (complaints_check); none for a limit of 0 or less.
func (t *Tx) DueComplaints(ctx context.Context, limit int) ([]complaint.Complaint, error) {
	if limit <= 0 {
		return nil, nil
	}
	var cs []complaint.Complaint
	err := t.query(ctx, `
		SELECT body FROM complaints
		WHERE state = 'open' AND check_at IS NOT NULL AND check_at <= $1
		ORDER BY check_at, id
		LIMIT $2`, []any{t.now, limit},
		func(rows pgx.Rows) error {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return err
			}
			var c complaint.Complaint
			if err := json.Unmarshal(body, &c); err != nil {
				return err
			}
			cs = append(cs, c)
			return nil
		})
	return cs, wrap(err, "due complaints")
}

// NextComplaintCheck is the earliest next check of an open complaint (complaints_check).
func (t *Tx) NextComplaintCheck(ctx context.Context) (time.Time, bool, error) {
	var at *time.Time
	err := t.queryRow(ctx, `SELECT min(check_at) FROM complaints WHERE state = 'open' AND check_at IS NOT NULL`, nil, &at)
	if err != nil {
		return time.Time{}, false, wrap(err, "next complaint check")
	}
	return timeOf(at), at != nil, nil
}

// AppendComplaintEvent adds an event to a complaint's history; the table's trigger refuses
// any change to an event once written. The write travels with the transaction's next
// statement (see Tx.later): a taken seq (ErrConflict) or an unknown complaint (ErrNotFound)
// is returned by that statement's call or by Update.
func (t *Tx) AppendComplaintEvent(ctx context.Context, complaintID string, ev complaint.Event) error {
	body, err := json.Marshal(store.StoredComplaintEvent(ev, t.now))
	if err != nil {
		return fmt.Errorf("append event %d to complaint %s: %w", ev.Seq, complaintID, err)
	}
	return t.later(ctx, fmt.Sprintf("append event %d to complaint %s", ev.Seq, complaintID),
		`INSERT INTO complaint_events (complaint_id, seq, body) VALUES ($1, $2, $3)`, complaintID, ev.Seq, body)
}

// ComplaintEvents returns a complaint's history by seq (none for an unknown complaint).
func (t *Tx) ComplaintEvents(ctx context.Context, complaintID string) ([]complaint.Event, error) {
	var evs []complaint.Event
	err := t.query(ctx, `SELECT body FROM complaint_events WHERE complaint_id = $1 ORDER BY seq`, []any{complaintID},
		func(rows pgx.Rows) error {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return err
			}
			var ev complaint.Event
			if err := json.Unmarshal(body, &ev); err != nil {
				return err
			}
			evs = append(evs, ev)
			return nil
		})
	return evs, wrap(err, "events of complaint %s", complaintID)
}
