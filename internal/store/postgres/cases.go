package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// caseNumberBlock is how many numbers of the case_numbers sequence one round trip takes.
const caseNumberBlock = 32

// caseNumbers hands out numbers of the case_numbers sequence taken in blocks, so that
// most cases get their number without a round trip. Within one process the numbers
// increase; across replicas they interleave, and a block's unused numbers are lost when
// the process stops (a sequence leaves gaps anyway).
type caseNumbers struct {
	mu   sync.Mutex
	left []int64 // ascending
}

// NextCaseNumber returns the next number of the case_numbers sequence: no row is updated,
// so concurrent applications never queue on it, and one round trip serves
// caseNumberBlock cases.
func (t *Tx) NextCaseNumber(ctx context.Context) (int64, error) {
	ns := &t.db.numbers
	// The lock is held across the round trip, so that blocks are taken one at a time and
	// the numbers increase. The round trip carries nothing but nextval (and BEGIN), which
	// never waits for a row lock: the transaction's pending writes stay pending, lest a
	// writer waiting here hold a lock that they wait for.
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if len(ns.left) == 0 {
		var block []int64
		b := &pgx.Batch{}
		if t.tx == nil {
			b.BeginTx(t.opts)
		}
		b.Queue(`SELECT nextval('case_numbers') FROM generate_series(1, $1)`, caseNumberBlock).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var n int64
				if err := rows.Scan(&n); err != nil {
					return err
				}
				block = append(block, n)
			}
			return rows.Err()
		})
		if err := t.send(ctx, b); err != nil {
			return 0, wrap(err, "next case number")
		}
		slices.Sort(block)
		ns.left = block
	}
	n := ns.left[0]
	ns.left = ns.left[1:]
	return n, nil
}

// The case and its lines in one statement: the lines' foreign key is checked at the end of
// the statement, when the case row exists.
const insertCaseSQL = `
WITH c AS (
    INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state, version,
        due_at, data, decision, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
    RETURNING id
)
INSERT INTO case_items (case_id, sku, quantity, paid_amount)
SELECT c.id, d.sku, d.quantity, d.paid_amount
FROM c, unnest($15::text[], $16::integer[], $17::bigint[]) AS d (sku, quantity, paid_amount)`

// InsertCase stores a new case and its lines. The write travels with the transaction's
// next statement (see Tx.later): a taken id or number (ErrConflict) or an unknown order
// (ErrNotFound) is returned by that statement's call or by Update.
func (t *Tx) InsertCase(ctx context.Context, c *aftersale.Case, decision json.RawMessage) error {
	n := storedCase(c)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = t.now // the column and the document agree, for ListCases
	}
	data, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, err)
	}
	if len(decision) == 0 {
		decision = json.RawMessage("null")
	}
	skus, qtys, paid := itemColumns(n.Items)
	return t.later(ctx, "insert case "+c.ID, insertCaseSQL, n.ID, n.Number, n.OrderNo, n.MerchantID, n.CustomerID,
		string(n.Type), string(n.Reason), string(n.State), n.Version, dueAt(&n), data, []byte(decision),
		n.CreatedAt, t.now, skus, qtys, paid)
}

func itemColumns(items []aftersale.Item) (skus []string, qtys []int32, paid []int64) {
	n := len(items)
	skus, qtys, paid = make([]string, n), make([]int32, n), make([]int64, n)
	for i, it := range items {
		skus[i], qtys[i], paid[i] = it.SKU, int32(it.Quantity), it.PaidAmount.Minor
	}
	return skus, qtys, paid
}

// storedCase is c with every time in UTC to the microsecond, as the database keeps the
// time columns, so that data and columns agree and a case reads back as it is stored.
func storedCase(c *aftersale.Case) aftersale.Case {
	n := *c
	n.CreatedAt, n.UpdatedAt = utcMicro(c.CreatedAt), utcMicro(c.UpdatedAt)
	if c.Deadlines != nil {
		n.Deadlines = make([]aftersale.Deadline, len(c.Deadlines))
		for i, d := range c.Deadlines {
			n.Deadlines[i] = aftersale.Deadline{Kind: d.Kind, Due: utcMicro(d.Due)}
		}
	}
	for _, s := range []**aftersale.Shipment{&n.ReturnShipment, &n.OutboundShipment} {
		if *s != nil {
			c := **s
			c.At = utcMicro(c.At)
			*s = &c
		}
	}
	return n
}

// utcMicro is t in UTC truncated to the microsecond (the zero time stays zero).
func utcMicro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// dueAt is the case's earliest deadline, what "overdue" is measured against.
func dueAt(c *aftersale.Case) *time.Time {
	var due time.Time
	for _, d := range c.Deadlines {
		if due.IsZero() || d.Due.Before(due) {
			due = d.Due
		}
	}
	return nullTime(due)
}

// UpdateCase stores c if the stored version is c.Version-1: ErrConflict if it is not,
// ErrNotFound if there is no such case. A case's lines are fixed when it opens
// (aftersale.Transition never changes them), so case_items is left alone.
func (t *Tx) UpdateCase(ctx context.Context, c *aftersale.Case) error {
	n := storedCase(c)
	data, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	updated, err := t.exec(ctx, `
		UPDATE cases SET type = $3, reason = $4, state = $5, version = $2, due_at = $6, data = $7, updated_at = $8
		WHERE id = $1 AND version = $2 - 1`,
		n.ID, n.Version, string(n.Type), string(n.Reason), string(n.State), dueAt(&n), data, t.now)
	if err == nil && updated == 0 {
		// Refused: a stale version, or no such case. Only this path pays a second round trip.
		var exists bool
		err = t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)`, []any{n.ID}, &exists)
		switch {
		case err != nil:
		case exists:
			err = store.ErrConflict
		default:
			err = store.ErrNotFound
		}
	}
	return wrap(err, "update case %s to version %d", c.ID, c.Version)
}

// Case returns a case with the decision it was opened with.
func (t *Tx) Case(ctx context.Context, id string) (store.CaseRecord, error) {
	var data, decision []byte
	err := t.queryRow(ctx, `SELECT data, decision FROM cases WHERE id = $1`, []any{id}, &data, &decision)
	if err != nil {
		return store.CaseRecord{}, wrap(err, "case %s", id)
	}
	r, err := caseRecord(data, decision)
	if err != nil {
		return store.CaseRecord{}, fmt.Errorf("case %s: %w", id, err)
	}
	return r, nil
}

func caseRecord(data, decision []byte) (store.CaseRecord, error) {
	var r store.CaseRecord
	if err := json.Unmarshal(data, &r.Case); err != nil {
		return r, fmt.Errorf("decode case data: %w", err)
	}
	if string(decision) != "null" {
		r.Decision = json.RawMessage(decision)
	}
	return r, nil
}

// ListCases returns one page of cases, newest first, by keyset pagination on
// (created_at, id): each page starts where the previous one ended, whatever was inserted
// meanwhile, and costs the same however deep it is.
func (t *Tx) ListCases(ctx context.Context, q store.CaseQuery) ([]store.CaseRecord, string, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > 500:
		limit = 500
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Merchant != "" {
		where = append(where, "merchant_code = "+arg(q.Merchant))
	}
	if len(q.Merchants) > 0 {
		where = append(where, "merchant_code = ANY ("+arg(q.Merchants)+"::text[])")
	}
	if q.Customer != "" {
		where = append(where, "customer_id = "+arg(q.Customer))
	}
	if q.OrderNo != "" {
		where = append(where, "order_no = "+arg(q.OrderNo))
	}
	if len(q.States) > 0 {
		where = append(where, "state = ANY ("+arg(strs(q.States))+"::text[])")
	}
	if len(q.Types) > 0 {
		where = append(where, "type = ANY ("+arg(strs(q.Types))+"::text[])")
	}
	if !q.CreatedFrom.IsZero() {
		where = append(where, "created_at >= "+arg(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		where = append(where, "created_at < "+arg(q.CreatedTo))
	}
	if !q.OverdueAt.IsZero() {
		where = append(where, "due_at < "+arg(q.OverdueAt)+" AND state <> ALL ("+arg(terminalStates)+"::text[])")
	}
	if q.Cursor != "" {
		at, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at, id) < ("+arg(at)+"::timestamptz, "+arg(id)+"::text)")
	}
	sql := "SELECT id, created_at, data, decision FROM cases"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit+1)

	var cases []store.CaseRecord
	var lastAt time.Time
	var lastID string
	more := false
	err := t.query(ctx, sql, args, func(rows pgx.Rows) error {
		if len(cases) == limit {
			more = true // the extra row only says that there is a next page
			return nil
		}
		var data, decision []byte
		if err := rows.Scan(&lastID, &lastAt, &data, &decision); err != nil {
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
	next := ""
	if more {
		next = encodeCursor(lastAt, lastID)
	}
	return cases, next, nil
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

// The cursor is the (created_at, id) of the last case of a page, opaque to callers.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "/" + id))
}

func decodeCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		micros, id, ok := strings.Cut(string(b), "/")
		if us, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("list cases: cursor %q: %w", s, store.ErrBadCursor)
}
