package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// complaintArgs are the values of a complaint's columns (the lists', the SLA clock's and
// the desk's, beside its JSON), in the order of the statements below; the id follows them.
func complaintArgs(c *complaint.Complaint, checkAt time.Time, body []byte) []any {
	var caseID any
	if c.CaseID != "" {
		caseID = c.CaseID
	}
	return []any{c.Number, c.Customer, c.Merchant, string(c.About), string(c.FiledBy.Role), caseID,
		string(c.State), c.Tier, nullMicros(checkAt), c.Version, micros(c.CreatedAt), micros(c.UpdatedAt),
		c.Owner, c.Group, string(body)}
}

// InsertComplaint stores a new complaint and when its next target falls due (zero: none).
// The primary key and the number's index refuse a taken id or number (ErrConflict); a
// refused statement changes nothing and the transaction goes on.
func (tx *Tx) InsertComplaint(ctx context.Context, c *complaint.Complaint, checkAt time.Time) error {
	if c.Version != 1 {
		return fmt.Errorf("insert complaint %s: a new complaint is version 1, not %d", c.ID, c.Version)
	}
	n, check, err := store.StoredComplaint(c, checkAt, tx.now)
	if err != nil {
		return fmt.Errorf("insert complaint: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert complaint %s: %w", c.ID, err)
	}
	const q = `
INSERT INTO complaints (number, customer, merchant, about, filed_role, case_id, state, tier, check_at,
                        version, created_at, updated_at, owner, desk_group, body, id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.exec(ctx, q, append(complaintArgs(&n, check, body), n.ID)...); err != nil {
		return fmt.Errorf("insert complaint %s (%s): %w", c.ID, c.Number, dbErr(err))
	}
	return tx.markDirty(ctx, "complaint", n.ID)
}

// UpdateComplaint stores c and its next check if the stored version is c.Version-1:
// ErrConflict if another transaction got there first, ErrNotFound if there is no such
// complaint.
func (tx *Tx) UpdateComplaint(ctx context.Context, c *complaint.Complaint, checkAt time.Time) error {
	n, check, err := store.StoredComplaint(c, checkAt, tx.now)
	if err != nil {
		return fmt.Errorf("update complaint: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update complaint %s: %w", c.ID, err)
	}
	const q = `
UPDATE complaints
SET number = ?, customer = ?, merchant = ?, about = ?, filed_role = ?, case_id = ?, state = ?, tier = ?,
    check_at = ?, version = ?, created_at = ?, updated_at = ?, owner = ?, desk_group = ?, body = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, append(complaintArgs(&n, check, body), n.ID, n.Version-1)...)
	if err := tx.versioned(ctx, res, err, "complaints", n.ID); err != nil {
		return fmt.Errorf("update complaint %s to version %d: %w", c.ID, c.Version, err)
	}
	return tx.markDirty(ctx, "complaint", n.ID)
}

// Complaint returns a complaint by id.
func (tx *Tx) Complaint(ctx context.Context, id string) (complaint.Complaint, error) {
	var body string
	if err := tx.queryRow(ctx, `SELECT body FROM complaints WHERE id = ?`, id).Scan(&body); err != nil {
		return complaint.Complaint{}, fmt.Errorf("complaint %s: %w", id, dbErr(err))
	}
	var c complaint.Complaint
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return complaint.Complaint{}, fmt.Errorf("complaint %s: %w", id, err)
	}
	return c, nil
}

// ListComplaints returns one page of complaints, most recently updated first (updated_at
// DESC, id DESC), by keyset on that order as ListDisputes.
func (tx *Tx) ListComplaints(ctx context.Context, q store.ComplaintQuery) ([]complaint.Complaint, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.eq("customer", q.Customer)
	if q.Merchant != "" {
		// What the merchant's staff may see: what they filed, or what is about the merchant.
		f.add("merchant = ? AND (filed_role = ? OR about = ?)", q.Merchant, string(complaint.Merchant),
			string(complaint.AboutMerchant))
	}
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("0") // a scope of no merchants: nothing
	}
	in(f, "merchant", q.Merchants)
	f.eq("case_id", q.CaseID)
	f.eq("state", string(q.State))
	if q.Tier != 0 {
		f.add("tier = ?", q.Tier)
	}
	f.eq("about", string(q.About))
	f.eq("owner", q.Owner)
	if q.Unassigned {
		f.add("owner = ''")
	}
	if q.Group != "" {
		f.add("desk_group = ? AND desk_group <> ''", q.Group) // desk_group <> '': the partial index
	}
	if q.Cursor != "" {
		at, id, err := decodeRowCursor(complaintCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list complaints: %w", err)
		}
		f.add("(updated_at, id) < (?, ?)", at, id)
	}
	query := `SELECT body, updated_at, id FROM complaints` + f.sql() + `
ORDER BY updated_at DESC, id DESC
LIMIT ?`
	var (
		cs     []complaint.Complaint
		lastAt int64
		lastID string
	)
	err := tx.queryBodies(ctx, func(body []byte, at int64, id string) error {
		if len(cs) == limit {
			return errMore
		}
		var c complaint.Complaint
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("complaint %s: %w", id, err)
		}
		cs, lastAt, lastID = append(cs, c), at, id
		return nil
	}, query, append(f.args, limit+1)...)
	switch {
	case errors.Is(err, errMore): // the extra row only says that there is a next page
		return cs, encodeRowCursor(complaintCursorPrefix, lastAt, lastID), nil
	case err != nil:
		return nil, "", fmt.Errorf("list complaints: %w", err)
	}
	return cs, "", nil
}

// DueComplaints lists up to limit open complaints whose next check is at or before Now(),
// soonest first (complaints_check); none for a limit of 0 or less.
func (tx *Tx) DueComplaints(ctx context.Context, limit int) ([]complaint.Complaint, error) {
	if limit <= 0 {
		return nil, nil
	}
	const q = `
SELECT body, check_at, id FROM complaints
WHERE state = 'open' AND check_at IS NOT NULL AND check_at <= ?
ORDER BY check_at, id
LIMIT ?`
	var cs []complaint.Complaint
	err := tx.queryBodies(ctx, func(body []byte, _ int64, id string) error {
		var c complaint.Complaint
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("complaint %s: %w", id, err)
		}
		cs = append(cs, c)
		return nil
	}, q, micros(tx.now), limit)
	if err != nil {
		return nil, fmt.Errorf("due complaints: %w", err)
	}
	return cs, nil
}

// NextComplaintCheck is the earliest next check of an open complaint (complaints_check).
func (tx *Tx) NextComplaintCheck(ctx context.Context) (time.Time, bool, error) {
	return nextAt(tx.queryRow(ctx, `SELECT min(check_at) FROM complaints WHERE state = 'open' AND check_at IS NOT NULL`),
		"next complaint check")
}

// AppendComplaintEvent adds an event to a complaint's history: ErrConflict for a taken
// seq, ErrNotFound for an unknown complaint.
func (tx *Tx) AppendComplaintEvent(ctx context.Context, complaintID string, ev complaint.Event) error {
	body, err := json.Marshal(store.StoredComplaintEvent(ev, tx.now))
	if err != nil {
		return fmt.Errorf("append event %d to complaint %s: %w", ev.Seq, complaintID, err)
	}
	_, err = tx.exec(ctx, `INSERT INTO complaint_events (complaint_id, seq, body) VALUES (?, ?, ?)`,
		complaintID, ev.Seq, string(body))
	if err != nil {
		return fmt.Errorf("append event %d to complaint %s: %w", ev.Seq, complaintID, dbErr(err))
	}
	return nil
}

// ComplaintEvents returns a complaint's history by seq (none for an unknown complaint).
func (tx *Tx) ComplaintEvents(ctx context.Context, complaintID string) ([]complaint.Event, error) {
	var evs []complaint.Event
	err := tx.queryBodies(ctx, func(body []byte, seq int64, _ string) error {
		var ev complaint.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		evs = append(evs, ev)
		return nil
	}, `SELECT body, seq, complaint_id FROM complaint_events WHERE complaint_id = ? ORDER BY seq`, complaintID)
	if err != nil {
		return nil, fmt.Errorf("events of complaint %s: %w", complaintID, err)
	}
	return evs, nil
}
