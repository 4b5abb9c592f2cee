package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/store"
)

// InsertDispute stores a new dispute. The primary key refuses a taken id and the index
// disputes_case_open a second dispute of a case that has not ended (ErrConflict); the
// foreign key an unknown case (ErrNotFound). A refused statement changes nothing and the
// transaction goes on.
func (tx *Tx) InsertDispute(ctx context.Context, d *dispute.Dispute) error {
	if d.Version != 1 {
		return fmt.Errorf("insert dispute %s: a new dispute is version 1, not %d", d.ID, d.Version)
	}
	n, err := store.StoredDispute(d, tx.now)
	if err != nil {
		return fmt.Errorf("insert dispute: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert dispute %s: %w", d.ID, err)
	}
	const q = `
INSERT INTO disputes (id, case_id, merchant, customer, state, category, version, created_at, updated_at, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.exec(ctx, q, n.ID, n.CaseID, n.Merchant, n.Customer, string(n.State), string(n.Category),
		n.Version, micros(n.CreatedAt), micros(n.UpdatedAt), string(body))
	if err != nil {
		return fmt.Errorf("insert dispute %s of case %s: %w", d.ID, d.CaseID, dbErr(err))
	}
	return tx.markDirty(ctx, "case", n.CaseID)
}

// UpdateDispute stores d if the stored version is d.Version-1: ErrConflict if another
// transaction got there first (or d would be a second dispute of its case that has not
// ended), ErrNotFound if there is no such dispute.
func (tx *Tx) UpdateDispute(ctx context.Context, d *dispute.Dispute) error {
	n, err := store.StoredDispute(d, tx.now)
	if err != nil {
		return fmt.Errorf("update dispute: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update dispute %s: %w", d.ID, err)
	}
	const q = `
UPDATE disputes
SET case_id = ?, merchant = ?, customer = ?, state = ?, category = ?, version = ?, created_at = ?,
    updated_at = ?, body = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, n.CaseID, n.Merchant, n.Customer, string(n.State), string(n.Category), n.Version,
		micros(n.CreatedAt), micros(n.UpdatedAt), string(body), n.ID, n.Version-1)
	if err := tx.versioned(ctx, res, err, "disputes", n.ID); err != nil {
		return fmt.Errorf("update dispute %s to version %d: %w", d.ID, d.Version, err)
	}
	return tx.markDirty(ctx, "case", n.CaseID)
}

// versioned is the error of an optimistic UPDATE of the row id of table (disputes,
// complaints) that the database answered with res and err: the database's error, else when
// no row matched ErrConflict if the row exists (at another version), ErrNotFound if not.
func (tx *Tx) versioned(ctx context.Context, res sql.Result, err error, table, id string) error {
	if err != nil {
		return dbErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var stored int64
	if err := tx.queryRow(ctx, `SELECT version FROM `+table+` WHERE id = ?`, id).Scan(&stored); err != nil {
		return dbErr(err)
	}
	return fmt.Errorf("%w: the stored version is %d", store.ErrConflict, stored)
}

// Dispute returns a dispute by id.
func (tx *Tx) Dispute(ctx context.Context, id string) (dispute.Dispute, error) {
	var body string
	if err := tx.queryRow(ctx, `SELECT body FROM disputes WHERE id = ?`, id).Scan(&body); err != nil {
		return dispute.Dispute{}, fmt.Errorf("dispute %s: %w", id, dbErr(err))
	}
	var d dispute.Dispute
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return dispute.Dispute{}, fmt.Errorf("dispute %s: %w", id, err)
	}
	return d, nil
}

// CaseDisputes lists a case's disputes, oldest first (disputes_case).
func (tx *Tx) CaseDisputes(ctx context.Context, caseID string) ([]dispute.Dispute, error) {
	var ds []dispute.Dispute
	err := tx.queryBodies(ctx, func(body []byte, _ int64, _ string) error {
		var d dispute.Dispute
		ds = append(ds, d)
		return json.Unmarshal(body, &ds[len(ds)-1])
	}, `SELECT body, created_at, id FROM disputes WHERE case_id = ? ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("disputes of case %s: %w", caseID, err)
	}
	return ds, nil
}

// ListDisputes returns one page of disputes, most recently updated first (updated_at DESC,
// id DESC). The cursor is the position of the page's last dispute; the next page starts
// after it, so pages neither skip nor repeat disputes however many share a time.
func (tx *Tx) ListDisputes(ctx context.Context, q store.DisputeQuery) ([]dispute.Dispute, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("0") // a scope of no merchants: nothing
	}
	in(f, "merchant", q.Merchants)
	f.eq("customer", q.Customer)
	f.eq("case_id", q.CaseID)
	f.eq("state", string(q.State))
	if q.Open {
		in(f, "state", store.OpenDisputeStates)
	}
	f.eq("category", string(q.Category))
	if q.Cursor != "" {
		at, id, err := decodeRowCursor(disputeCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list disputes: %w", err)
		}
		f.add("(updated_at, id) < (?, ?)", at, id)
	}
	query := `SELECT body, updated_at, id FROM disputes` + f.sql() + `
ORDER BY updated_at DESC, id DESC
LIMIT ?`
	var (
		ds     []dispute.Dispute
		lastAt int64
		lastID string
	)
	err := tx.queryBodies(ctx, func(body []byte, at int64, id string) error {
		if len(ds) == limit {
			return errMore
		}
		var d dispute.Dispute
		if err := json.Unmarshal(body, &d); err != nil {
			return fmt.Errorf("dispute %s: %w", id, err)
		}
		ds, lastAt, lastID = append(ds, d), at, id
		return nil
	}, query, append(f.args, limit+1)...)
	switch {
	case errors.Is(err, errMore): // the extra row only says that there is a next page
		return ds, encodeRowCursor(disputeCursorPrefix, lastAt, lastID), nil
	case err != nil:
		return nil, "", fmt.Errorf("list disputes: %w", err)
	}
	return ds, "", nil
}

// AppendDisputeEvent adds an event to a dispute's history. The primary key refuses a taken
// seq (ErrConflict), the foreign key an unknown dispute (ErrNotFound); triggers refuse any
// change to a stored event.
func (tx *Tx) AppendDisputeEvent(ctx context.Context, disputeID string, ev dispute.Event) error {
	body, err := json.Marshal(store.StoredDisputeEvent(ev, tx.now))
	if err != nil {
		return fmt.Errorf("append event %d to dispute %s: %w", ev.Seq, disputeID, err)
	}
	_, err = tx.exec(ctx, `INSERT INTO dispute_events (dispute_id, seq, body) VALUES (?, ?, ?)`,
		disputeID, ev.Seq, string(body))
	if err != nil {
		return fmt.Errorf("append event %d to dispute %s: %w", ev.Seq, disputeID, dbErr(err))
	}
	return nil
}

// DisputeEvents returns a dispute's history by seq (none for an unknown dispute).
func (tx *Tx) DisputeEvents(ctx context.Context, disputeID string) ([]dispute.Event, error) {
	var evs []dispute.Event
	err := tx.queryBodies(ctx, func(body []byte, seq int64, _ string) error {
		var ev dispute.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		evs = append(evs, ev)
		return nil
	}, `SELECT body, seq, dispute_id FROM dispute_events WHERE dispute_id = ? ORDER BY seq`, disputeID)
	if err != nil {
		return nil, fmt.Errorf("events of dispute %s: %w", disputeID, err)
	}
	return evs, nil
}

// errMore stops queryBodies at the row past a page.
var errMore = errors.New("more rows than a page")

// queryBodies runs a query of (body, integer key, id) and calls row for each row until it
// returns an error, which queryBodies returns.
func (tx *Tx) queryBodies(ctx context.Context, row func(body []byte, key int64, id string) error, q string, args ...any) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			body []byte
			key  int64
			id   string
		)
		if err := rows.Scan(&body, &key, &id); err != nil {
			return err
		}
		if err := row(body, key, id); err != nil {
			return err
		}
	}
	return rows.Err()
}

// The cursors of ListDisputes and ListComplaints are the position of a page's last row,
// opaque to callers: base64 of "disputes/micros/id" or "complaints/micros/id", so that
// neither is ever taken for a cursor of another list.
const (
	disputeCursorPrefix   = "disputes/"
	complaintCursorPrefix = "complaints/"
)

func encodeRowCursor(prefix string, at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(at, 10) + "/" + id))
}

func decodeRowCursor(prefix, cursor string) (at int64, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if rest, ok := strings.CutPrefix(string(b), prefix); err == nil && ok {
		micros, id, ok := strings.Cut(rest, "/")
		if at, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil && id != "" {
			return at, id, nil
		}
	}
	return 0, "", fmt.Errorf("cursor %q: %w", cursor, errBadCursor)
}
