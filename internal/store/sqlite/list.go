package sqlite

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// dueKey is the deadline sort key: due_at, and for a case without a deadline the largest
// integer, so that such cases come last. It is written exactly as the indexes
// cases_due_sort and cases_merchant_due_sort are (migration 0008), or SQLite would not use
// them.
const dueKey = "coalesce(due_at, 9223372036854775807)"

// filter collects the conditions of a WHERE clause and their arguments.
type filter struct {
	where []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

func (f *filter) eq(column, value string) {
	if value != "" {
		f.add(column+" = ?", value)
	}
}

// in adds "column IN (…)" when values is not empty.
func in[S ~string](f *filter, column string, values []S) {
	if len(values) == 0 {
		return
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = string(v)
	}
	f.add(column+" IN ("+placeholders(len(values))+")", args...)
}

func (f *filter) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(f.where, "\n  AND ")
}

// ListCases returns one page of cases, newest first (created_at DESC, id DESC) or by
// deadline (dueKey, id ascending). The cursor is the position of the page's last case in
// the sort; the next page starts after it, so pages neither skip nor repeat cases however
// many share a time.
func (tx *Tx) ListCases(ctx context.Context, q store.CaseQuery) ([]store.CaseRecord, string, error) {
	limit := pageLimit(q.Limit)
	query, args, err := listCasesSQL(q, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var (
		cases  []store.CaseRecord
		lastAt int64
		lastID string
		more   bool
	)
	for rows.Next() {
		if len(cases) == limit {
			more = true
			break
		}
		var data, decision string
		if err := rows.Scan(&data, &decision, &lastAt, &lastID); err != nil {
			return nil, "", fmt.Errorf("list cases: %w", err)
		}
		r, err := decodeCase(data, decision)
		if err != nil {
			return nil, "", fmt.Errorf("list cases: case %s: %w", lastID, err)
		}
		cases = append(cases, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	if !more {
		return cases, "", nil
	}
	if q.Sort == store.SortDeadline {
		return cases, encodeCursor(lastAt, deadlineCursorPrefix+lastID), nil
	}
	return cases, encodeCursor(lastAt, lastID), nil
}

// listCasesSQL is ListCases's query of a page of limit cases and one more, and its
// arguments.
func listCasesSQL(q store.CaseQuery, limit int) (string, []any, error) {
	if !q.Sort.Valid() {
		return "", nil, fmt.Errorf("list cases: unknown sort %q", q.Sort)
	}
	var f filter
	merchant := "merchant_code"
	if q.Search != "" {
		// A search finds a few cases through the indexes of what it matches (number, order,
		// customer) and sorts them; "+": walking a merchant's cases in order instead, to
		// find those few, would read every one of them.
		merchant = "+merchant_code"
	}
	f.eq(merchant, q.Merchant)
	in(&f, merchant, q.Merchants)
	f.eq("customer_id", q.Customer)
	f.eq("order_no", q.OrderNo)
	if q.Sort == store.SortDeadline && len(q.States) == 1 {
		// One state: cases_(merchant_)state_due walk its cases in deadline order.
		in(&f, "state", q.States)
	} else if q.Sort == store.SortDeadline {
		// "+state": not through cases_state_created, which would sort every case of those
		// states; open cases have the deadlines, so walking the deadline index finds them first.
		in(&f, "+state", q.States)
	} else {
		in(&f, "state", q.States)
	}
	in(&f, "type", q.Types)
	in(&f, "reason", q.Reasons)
	in(&f, "priority", q.Priorities)
	if q.SLA != "" {
		f.add("sla = ? AND sla <> ''", string(q.SLA)) // sla <> '': the partial index
	}
	if q.OnTrack {
		f.add("sla = ''")
	}
	if q.Assignee != "" {
		f.add("assignee = ? AND assignee <> ''", q.Assignee) // assignee <> '': the partial indexes
	}
	if q.Unassigned {
		f.add("assignee = ''")
	}
	if q.Group != "" {
		f.add("desk_group = ? AND desk_group <> ''", q.Group) // desk_group <> '': the partial index
	}
	if q.Search != "" {
		cond := "number = ? OR order_no = ?"
		args := []any{q.Search, q.Search}
		if store.IsPhoneLast4(q.Search) {
			cond += " OR customer_id IN (SELECT id FROM customers WHERE phone_last4 = ? AND phone_last4 <> '')"
			args = append(args, q.Search)
		}
		f.add("("+cond+")", args...)
	}
	if !q.CreatedFrom.IsZero() {
		f.add("created_at >= ?", micros(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		f.add("created_at < ?", micros(q.CreatedTo))
	}
	if !q.OverdueAt.IsZero() {
		// On the sort key, not on due_at (cases without a deadline sort last, never
		// before now): the deadline indexes then give the overdue cases in order, a page's
		// worth, instead of every overdue case of all merchants through cases_due, sorted.
		f.add(dueKey+" < ? AND state NOT IN (?, ?)", micros(q.OverdueAt), string(aftersale.Completed), string(aftersale.Closed))
	}
	key, order := "created_at", "created_at DESC, id DESC"
	if q.Sort == store.SortDeadline {
		key, order = dueKey, dueKey+", id"
	}
	if q.Cursor != "" {
		at, id, err := decodeCaseCursor(q.Cursor, q.Sort)
		if err != nil {
			return "", nil, fmt.Errorf("list cases: %w", err)
		}
		if q.Sort == store.SortDeadline {
			// Not a row value: SQLite compares those through an index only on plain columns.
			f.add(dueKey+" >= ? AND ("+dueKey+" > ? OR id > ?)", at, at, id)
		} else {
			f.add("(created_at, id) < (?, ?)", at, id)
		}
	}
	query := "SELECT data, decision, " + key + ", id FROM cases" + f.sql() + "\nORDER BY " + order + "\nLIMIT ?"
	return query, append(f.args, limit+1), nil
}

// pageLimit is a list's page size: 50 when not given, at most 500.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 500:
		return 500
	}
	return limit
}

// A cursor is the position of a page's last row: base64 of "key|id". The deadline sort's
// cursors put "d|" before the id, so that a cursor is never taken for one of another sort.
const deadlineCursorPrefix = "d|"

// encodeCursor makes the opaque cursor of the position (key, id).
func encodeCursor(key int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(key, 10) + "|" + id))
}

var (
	errBadCursor   = fmt.Errorf("%w: pass back the cursor of the previous page unchanged", store.ErrBadCursor)
	errCursorOrder = fmt.Errorf("%w: the cursor is of another sort order", store.ErrBadCursor)
)

func decodeCursor(cursor string) (key int64, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, "", errBadCursor
	}
	k, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return 0, "", errBadCursor
	}
	key, err = strconv.ParseInt(k, 10, 64)
	if err != nil {
		return 0, "", errBadCursor
	}
	return key, id, nil
}

// decodeCaseCursor reads a ListCases cursor of the sort s.
func decodeCaseCursor(cursor string, s store.CaseSort) (key int64, id string, err error) {
	key, id, err = decodeCursor(cursor)
	if err != nil {
		return 0, "", err
	}
	rest, deadline := strings.CutPrefix(id, deadlineCursorPrefix)
	switch {
	case deadline != (s == store.SortDeadline):
		return 0, "", errCursorOrder
	case rest == "":
		return 0, "", errBadCursor
	}
	return key, rest, nil
}
