package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/store"
)

// InsertDispute stores a new dispute. The primary key refuses a taken id and the index
// disputes_case_open a second dispute of a case that has not ended (ErrConflict); the
// foreign key an unknown case (ErrNotFound). It is sent at once, inside a savepoint: a
// refusal comes back from the call and leaves the transaction usable.
func (t *Tx) InsertDispute(ctx context.Context, d *dispute.Dispute) error {
	if d.Version != 1 {
		return fmt.Errorf("insert dispute %s: a new dispute is version 1, not %d", d.ID, d.Version)
	}
	n, err := store.StoredDispute(d, t.now)
	if err != nil {
		return fmt.Errorf("insert dispute: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert dispute %s: %w", d.ID, err)
	}
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO disputes (id, case_id, merchant, customer, state, category, version, created_at, updated_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		n.ID, n.CaseID, n.Merchant, n.Customer, string(n.State), string(n.Category), n.Version,
		n.CreatedAt, n.UpdatedAt, body)
	if err := t.guarded(ctx, b); err != nil {
		return wrap(err, "insert dispute %s of case %s", d.ID, d.CaseID)
	}
	return t.markDirty(ctx, "case", n.CaseID)
}

// UpdateDispute stores d if the stored version is d.Version-1: ErrConflict if another
// transaction got there first (or d would be a second dispute of its case that has not
// ended), ErrNotFound if there is no such dispute. It is sent at once, inside a savepoint,
// so that either refusal comes back from the call and leaves the transaction usable.
func (t *Tx) UpdateDispute(ctx context.Context, d *dispute.Dispute) error {
	n, err := store.StoredDispute(d, t.now)
	if err != nil {
		return fmt.Errorf("update dispute: %w", err)
	}
	body, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update dispute %s: %w", d.ID, err)
	}
	err = t.versioned(ctx, "disputes", n.ID, `
		UPDATE disputes SET case_id = $3, merchant = $4, customer = $5, state = $6, category = $7,
		    created_at = $8, updated_at = $9, body = $10, version = $2
		WHERE id = $1 AND version = $2 - 1`,
		n.ID, n.Version, n.CaseID, n.Merchant, n.Customer, string(n.State), string(n.Category),
		n.CreatedAt, n.UpdatedAt, body)
	if err != nil {
		return wrap(err, "update dispute %s to version %d", d.ID, d.Version)
	}
	return t.markDirty(ctx, "case", n.CaseID)
}

// versioned runs an optimistic UPDATE of the row id of table (disputes, complaints) inside a
// savepoint. When it matches no row, ErrConflict if the row exists (at another version),
// ErrNotFound if not; only that path pays a second round trip.
func (t *Tx) versioned(ctx context.Context, table, id, sql string, args ...any) error {
	var updated int64
	b := &pgx.Batch{}
	b.Queue(sql, args...).Exec(func(ct pgconn.CommandTag) error {
		updated = ct.RowsAffected()
		return nil
	})
	if err := t.guarded(ctx, b); err != nil {
		return err
	}
	if updated > 0 {
		return nil
	}
	var stored int64
	if err := t.queryRow(ctx, `SELECT version FROM `+table+` WHERE id = $1`, []any{id}, &stored); err != nil {
		return err // pgx.ErrNoRows: ErrNotFound
	}
	return fmt.Errorf("%w: the stored version is %d", store.ErrConflict, stored)
}

// Dispute returns a dispute by id.
func (t *Tx) Dispute(ctx context.Context, id string) (dispute.Dispute, error) {
	var body []byte
	if err := t.queryRow(ctx, `SELECT body FROM disputes WHERE id = $1`, []any{id}, &body); err != nil {
		return dispute.Dispute{}, wrap(err, "dispute %s", id)
	}
	var d dispute.Dispute
	if err := json.Unmarshal(body, &d); err != nil {
		return dispute.Dispute{}, fmt.Errorf("dispute %s: %w", id, err)
	}
	return d, nil
}

// CaseDisputes lists a case's disputes, oldest first (disputes_case).
func (t *Tx) CaseDisputes(ctx context.Context, caseID string) ([]dispute.Dispute, error) {
	var ds []dispute.Dispute
	err := t.query(ctx, `SELECT body FROM disputes WHERE case_id = $1 ORDER BY created_at, id`, []any{caseID},
		func(rows pgx.Rows) error {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return err
			}
			var d dispute.Dispute
			if err := json.Unmarshal(body, &d); err != nil {
				return err
			}
			ds = append(ds, d)
			return nil
		})
	return ds, wrap(err, "disputes of case %s", caseID)
}

// ListDisputes returns one page of disputes, most recently updated first, by keyset
// pagination on (updated_at, id): each page starts where the previous one ended, however
// many disputes share a time.
func (t *Tx) ListDisputes(ctx context.Context, q store.DisputeQuery) ([]dispute.Dispute, string, error) {
	f := &filter{}
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("false") // a scope of no merchants: nothing
	}
	anyOf(f, "merchant", q.Merchants)
	f.eq("customer", q.Customer)
	f.eq("case_id", q.CaseID)
	f.eq("state", string(q.State))
	if q.Open {
		anyOf(f, "state", store.OpenDisputeStates)
	}
	f.eq("category", string(q.Category))
	var ds []dispute.Dispute
	next, err := t.listPage(ctx, "disputes", disputeCursorPrefix, q.Cursor, q.Limit, f, func(body []byte) error {
		var d dispute.Dispute
		if err := json.Unmarshal(body, &d); err != nil {
			return err
		}
		ds = append(ds, d)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "list disputes")
	}
	return ds, next, nil
}

// listPage reads one page of table (disputes, complaints) that f selects, most recently
// updated first, after the cursor's position, calling add with each row's body; it returns
// the next page's cursor ("" at the end).
func (t *Tx) listPage(ctx context.Context, table, prefix, cursor string, limit int, f *filter, add func(body []byte) error) (string, error) {
	return t.listPageBy(ctx, table, "updated_at", prefix, cursor, limit, f, add)
}

// listPageBy is listPage in the order of the time column (updated_at, created_at), then
// id, descending.
func (t *Tx) listPageBy(ctx context.Context, table, column, prefix, cursor string, limit int, f *filter, add func(body []byte) error) (string, error) {
	limit = pageLimit(limit)
	if cursor != "" {
		at, id, err := decodeRowCursor(prefix, cursor)
		if err != nil {
			return "", err
		}
		f.add("(" + column + ", id) < (" + f.arg(at) + "::timestamptz, " + f.arg(id) + "::text)")
	}
	// The limit is written out, not an argument (see listCasesSQL).
	sql := "SELECT body, " + column + ", id FROM " + table + f.sql() +
		" ORDER BY " + column + " DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	var (
		n      int
		lastAt time.Time
		lastID string
		more   bool
	)
	err := t.query(ctx, sql, f.args, func(rows pgx.Rows) error {
		if n == limit {
			more = true // the extra row only says that there is a next page
			return nil
		}
		var body []byte
		if err := rows.Scan(&body, &lastAt, &lastID); err != nil {
			return err
		}
		n++
		if err := add(body); err != nil {
			return fmt.Errorf("%s %s: %w", table, lastID, err)
		}
		return nil
	})
	if err != nil || !more {
		return "", err
	}
	return encodeRowCursor(prefix, lastAt, lastID), nil
}

// AppendDisputeEvent adds an event to a dispute's history; the table's trigger refuses any
// change to an event once written. Like AppendEvent, the write travels with the
// transaction's next statement (see Tx.later): a taken seq (ErrConflict) or an unknown
// dispute (ErrNotFound) is returned by that statement's call or by Update.
func (t *Tx) AppendDisputeEvent(ctx context.Context, disputeID string, ev dispute.Event) error {
	body, err := json.Marshal(store.StoredDisputeEvent(ev, t.now))
	if err != nil {
		return fmt.Errorf("append event %d to dispute %s: %w", ev.Seq, disputeID, err)
	}
	return t.later(ctx, fmt.Sprintf("append event %d to dispute %s", ev.Seq, disputeID),
		`INSERT INTO dispute_events (dispute_id, seq, body) VALUES ($1, $2, $3)`, disputeID, ev.Seq, body)
}

// DisputeEvents returns a dispute's history by seq (none for an unknown dispute).
func (t *Tx) DisputeEvents(ctx context.Context, disputeID string) ([]dispute.Event, error) {
	var evs []dispute.Event
	err := t.query(ctx, `SELECT body FROM dispute_events WHERE dispute_id = $1 ORDER BY seq`, []any{disputeID},
		func(rows pgx.Rows) error {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				return err
			}
			var ev dispute.Event
			if err := json.Unmarshal(body, &ev); err != nil {
				return err
			}
			evs = append(evs, ev)
			return nil
		})
	return evs, wrap(err, "events of dispute %s", disputeID)
}

// The cursors of ListDisputes and ListComplaints are the position of a page's last row,
// opaque to callers: base64 of "disputes/micros/id" or "complaints/micros/id", so that
// neither is ever taken for a cursor of another list.
const (
	disputeCursorPrefix   = "disputes/"
	complaintCursorPrefix = "complaints/"
)

func encodeRowCursor(prefix string, at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(at.UnixMicro(), 10) + "/" + id))
}

func decodeRowCursor(prefix, cursor string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if rest, ok := strings.CutPrefix(string(b), prefix); err == nil && ok {
		micros, id, ok := strings.Cut(rest, "/")
		if us, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil && id != "" {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("cursor %q: %w", cursor, store.ErrBadCursor)
}
