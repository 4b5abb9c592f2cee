package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// dueKey is the deadline sort key: due_at, and infinity for a case without a deadline, so
// that such cases come last. It is written exactly as the indexes cases_due_sort and
// cases_merchant_due_sort are (migration 0008).
const dueKey = "coalesce(due_at, 'infinity'::timestamptz)"

// filter collects the conditions of a WHERE clause and their numbered arguments.
type filter struct {
	where []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (f *filter) arg(v any) string {
	f.args = append(f.args, v)
	return "$" + strconv.Itoa(len(f.args))
}

func (f *filter) add(cond string) { f.where = append(f.where, cond) }

func (f *filter) eq(column, value string) {
	if value != "" {
		f.add(column + " = " + f.arg(value))
	}
}

// any adds "column = ANY (…)" when values is not empty.
func anyOf[S ~string](f *filter, column string, values []S) {
	if len(values) > 0 {
		f.add(column + " = ANY (" + f.arg(strs(values)) + "::text[])")
	}
}

func (f *filter) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.where, " AND ")
}

// ListCases returns one page of cases, newest first or by deadline, by keyset pagination
// on (created_at, id) or (dueKey, id): each page starts where the previous one ended,
// whatever was inserted meanwhile, and costs the same however deep it is.
func (t *Tx) ListCases(ctx context.Context, q store.CaseQuery) ([]store.CaseRecord, string, error) {
	limit := pageLimit(q.Limit)
	sql, args, err := listCasesSQL(q, limit)
	if err != nil {
		return nil, "", err
	}
	deadline := q.Sort == store.SortDeadline
	var cases []store.CaseRecord
	var lastAt time.Time
	var lastDue *time.Time
	var lastID string
	more := false
	err = t.query(ctx, sql, args, func(rows pgx.Rows) error {
		if len(cases) == limit {
			more = true // the extra row only says that there is a next page
			return nil
		}
		var data, decision []byte
		if err := rows.Scan(&lastID, &lastAt, &lastDue, &data, &decision); err != nil {
			return err
		}
		r, err := caseRecord(data, decision)
		if err != nil {
			return fmt.Errorf("case %s: %w", lastID, err)
		}
		cases = append(cases, r)
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "list cases")
	}
	switch {
	case !more:
		return cases, "", nil
	case deadline:
		return cases, encodeDeadlineCursor(timeOf(lastDue), lastID), nil
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
	f.eq("merchant_code", q.Merchant)
	anyOf(&f, "merchant_code", q.Merchants)
	f.eq("customer_id", q.Customer)
	f.eq("order_no", q.OrderNo)
	anyOf(&f, "state", q.States)
	anyOf(&f, "type", q.Types)
	anyOf(&f, "reason", q.Reasons)
	anyOf(&f, "priority", q.Priorities)
	if q.SLA != "" {
		f.add("sla = " + f.arg(string(q.SLA)) + " AND sla <> ''") // sla <> '': the partial index
	}
	if q.OnTrack {
		f.add("sla = ''")
	}
	if q.Assignee != "" {
		f.add("assignee = " + f.arg(q.Assignee) + " AND assignee <> ''") // assignee <> '': the partial indexes
	}
	if q.Unassigned {
		f.add("assignee = ''")
	}
	if q.Group != "" {
		f.add("desk_group = " + f.arg(q.Group) + " AND desk_group <> ''") // desk_group <> '': the partial index
	}
	if q.Search != "" {
		s := f.arg(q.Search)
		cond := "number = " + s + " OR order_no = " + s
		if store.IsPhoneLast4(q.Search) {
			// = ANY (ARRAY(…)): the customers are found first, so that cases_customer_created
			// joins number and order number in a BitmapOr.
			cond += " OR customer_id = ANY (ARRAY(SELECT id FROM customers WHERE phone_last4 = " + s + " AND phone_last4 <> ''))"
		}
		f.add("(" + cond + ")")
	}
	if !q.CreatedFrom.IsZero() {
		f.add("created_at >= " + f.arg(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		f.add("created_at < " + f.arg(q.CreatedTo))
	}
	if !q.OverdueAt.IsZero() {
		// On the sort key, not on due_at (cases without a deadline sort last, never before
		// now): the deadline indexes give the overdue cases in order as an index condition.
		f.add(dueKey + " < " + f.arg(q.OverdueAt) + " AND state <> ALL (" + f.arg(terminalStates) + "::text[])")
	}
	deadline := q.Sort == store.SortDeadline
	if q.Cursor != "" {
		at, id, err := decodeCaseCursor(q.Cursor, q.Sort)
		if err != nil {
			return "", nil, err
		}
		if deadline {
			f.add("(" + dueKey + ", id) > (coalesce(" + f.arg(nullTime(at)) + "::timestamptz, 'infinity'::timestamptz), " + f.arg(id) + "::text)")
		} else {
			f.add("(created_at, id) < (" + f.arg(at) + "::timestamptz, " + f.arg(id) + "::text)")
		}
	}
	sql := "SELECT id, created_at, due_at, data, decision FROM cases" + f.sql()
	if deadline {
		sql += " ORDER BY " + dueKey + ", id"
	} else {
		sql += " ORDER BY created_at DESC, id DESC"
	}
	// The limit is written out, not an argument: a generic plan guesses a tenth of the
	// table for a LIMIT $n and may then sort instead of reading an index in order.
	sql += " LIMIT " + strconv.Itoa(limit+1)
	return sql, f.args, nil
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

// terminalStates are the states in which a case is never overdue.
var terminalStates = func() []string {
	var ss []string
	for _, s := range aftersale.States {
		if s.Terminal() {
			ss = append(ss, string(s))
		}
	}
	return ss
}()

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// A cursor is the position of a page's last row, opaque to callers: base64 of
// "micros/id", or for the deadline sort "d/micros/id" (micros empty for a case without a
// deadline), so that a cursor is never taken for one of another sort.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "/" + id))
}

func encodeDeadlineCursor(due time.Time, id string) string {
	key := ""
	if !due.IsZero() {
		key = strconv.FormatInt(due.UnixMicro(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("d/" + key + "/" + id))
}

func decodeCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		micros, id, ok := strings.Cut(string(b), "/")
		if us, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil && id != "" {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("cursor %q: %w", s, store.ErrBadCursor)
}

// decodeCaseCursor reads a ListCases cursor of the sort s; for the deadline sort a zero
// time is a case without a deadline.
func decodeCaseCursor(s string, sort store.CaseSort) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	rest, isDeadline := strings.CutPrefix(string(b), "d/")
	switch {
	case err != nil:
	case isDeadline != (sort == store.SortDeadline):
		return time.Time{}, "", fmt.Errorf("list cases: cursor %q is of another sort order: %w", s, store.ErrBadCursor)
	case !isDeadline:
		at, id, err := decodeCursor(s)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("list cases: %w", err)
		}
		return at, id, nil
	default:
		micros, id, ok := strings.Cut(rest, "/")
		if !ok || id == "" {
			break
		}
		if micros == "" {
			return time.Time{}, id, nil
		}
		if us, err := strconv.ParseInt(micros, 10, 64); err == nil {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("list cases: cursor %q: %w", s, store.ErrBadCursor)
}
