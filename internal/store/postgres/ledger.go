package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// entryColumns are what scanEntry reads, in its order.
const entryColumns = `id, case_id, case_number, merchant, customer, order_no, sku, kind, amount, currency,
    payer, payee, method, actor_role, actor_id, seq, state, attempts, gateway_ref, idempotency_key,
    last_error, replaces, next_attempt_at, created_at, settled_at`

// scanEntry reads a row of entryColumns.
func scanEntry(row pgx.Row) (ledger.Entry, error) {
	var (
		e                                                 ledger.Entry
		kind, currency, payer, payee, method, role, state string
	)
	err := row.Scan(&e.ID, &e.CaseID, &e.CaseNumber, &e.Merchant, &e.Customer, &e.OrderNo, &e.SKU, &kind,
		&e.Amount, &currency, &payer, &payee, &method, &role, &e.Actor.ID, &e.Seq, &state, &e.Attempts,
		&e.GatewayRef, &e.IdempotencyKey, &e.LastError, &e.Replaces, &e.NextAttemptAt, &e.CreatedAt, &e.SettledAt)
	e.Kind, e.Currency, e.State = ledger.Kind(kind), money.Currency(currency), ledger.State(state)
	e.Payer, e.Payee, e.Method = ledger.Party(payer), ledger.Party(payee), ledger.Method(method)
	e.Actor.Role = aftersale.Role(role)
	return e, err
}

// queryEntries runs a query of entryColumns.
func (t *Tx) queryEntries(ctx context.Context, sql string, args ...any) ([]ledger.Entry, error) {
	var es []ledger.Entry
	err := t.query(ctx, sql, args, func(rows pgx.Rows) error {
		e, err := scanEntry(rows)
		es = append(es, e)
		return err
	})
	return es, err
}

// insertEntriesSQL stores entries given as one array per column: the text columns first,
// in the order of entryText, then the numbers and the times.
const insertEntriesSQL = `
INSERT INTO ledger_entries (id, case_id, case_number, merchant, customer, order_no, sku, kind, currency,
    payer, payee, method, actor_role, actor_id, state, gateway_ref, idempotency_key, last_error, replaces,
    amount, seq, attempts, next_attempt_at, created_at, settled_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
    $16::text[], $17::text[], $18::text[], $19::text[], $20::bigint[], $21::bigint[], $22::integer[],
    $23::timestamptz[], $24::timestamptz[], $25::timestamptz[])`

// entryText is an entry's text columns, in the order of insertEntriesSQL.
func entryText(e *ledger.Entry) []string {
	return []string{e.ID, e.CaseID, e.CaseNumber, e.Merchant, e.Customer, e.OrderNo, e.SKU, string(e.Kind),
		string(e.Currency), string(e.Payer), string(e.Payee), string(e.Method), string(e.Actor.Role), e.Actor.ID,
		string(e.State), e.GatewayRef, e.IdempotencyKey, e.LastError, e.Replaces}
}

// InsertEntries stores new entries, pending, after checking the ledger's invariant under the
// locks of the order lines (and orders) they pay back (see checkEntries). It is sent at
// once, inside a savepoint: a refusal comes back from the call, and leaves the transaction
// usable with nothing of the entries written.
func (t *Tx) InsertEntries(ctx context.Context, entries ...ledger.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	what := fmt.Sprintf("insert %d ledger entries", len(entries))
	es, err := newEntries(entries, t.now)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := t.checkEntries(ctx, es); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n := len(es)
	text := make([][]string, len(entryText(&es[0])))
	for c := range text {
		text[c] = make([]string, n)
	}
	amounts, seqs, attempts := make([]int64, n), make([]int64, n), make([]int32, n)
	next, created, settled := make([]*time.Time, n), make([]time.Time, n), make([]*time.Time, n)
	for i := range es {
		e := &es[i]
		for c, v := range entryText(e) {
			text[c][i] = v
		}
		amounts[i], seqs[i], attempts[i] = e.Amount, e.Seq, int32(e.Attempts)
		next[i], created[i], settled[i] = e.NextAttemptAt, e.CreatedAt, e.SettledAt
	}
	args := make([]any, 0, len(text)+6)
	for _, col := range text {
		args = append(args, col)
	}
	args = append(args, amounts, seqs, attempts, next, created, settled)
	b := &pgx.Batch{}
	b.Queue(insertEntriesSQL, args...)
	if err := t.guarded(ctx, b); err != nil {
		return wrap(err, "%s", what)
	}
	var cases []string
	for _, e := range es {
		if e.CaseID != "" && !slices.Contains(cases, e.CaseID) {
			cases = append(cases, e.CaseID)
			if err := t.markDirty(ctx, "case", e.CaseID); err != nil {
				return err
			}
		}
	}
	return nil
}

// The statements of checkEntries, sent together in one round trip. PostgreSQL runs a
// pipeline's statements one after another, and under READ COMMITTED each takes its
// snapshot when it starts: the sums, a statement of their own after the locks, see every
// entry committed by the transactions that held the locks before. (Read in the statement
// that waits for a lock, they would miss them.)
const (
	// lockItemsSQL locks the named order lines, in the order Order locks them.
	lockItemsSQL = `
SELECT i.order_no, i.sku, i.paid_amount, o.currency
FROM order_items i JOIN orders o ON o.order_no = i.order_no
WHERE (i.order_no, i.sku) IN (SELECT * FROM unnest($1::text[], $2::text[]))
ORDER BY i.order_no, i.sku
FOR UPDATE OF i`
	// lockOrdersSQL locks the orders whose shipping fee is paid back. FOR NO KEY UPDATE (as
	// AdjustHoldings's update takes) does not wait for the rows that refer to the order.
	lockOrdersSQL = `
SELECT order_no, shipping_fee, currency FROM orders WHERE order_no = ANY ($1::text[])
ORDER BY order_no
FOR NO KEY UPDATE`
	// paidBackSQL sums what the entries that count pay back, per item (SKU "" for the shipping
	// fee; no row for an item without such entries). The sum is a LATERAL aggregate, which the
	// planner cannot fold into a join: each item is looked up by ledger_entries_item whatever
	// the statistics said when the connection's generic plan was made. As a semi-join it was
	// planned on a fresh database, while ledger_entries was empty, as a sequential scan that the
	// connection then kept: 8.9 ms of PostgreSQL CPU per firing in TestMultiReplicaExactlyOnce.
	paidBackSQL = `
SELECT k.order_no, k.sku, s.amount
FROM unnest($1::text[], $2::text[]) AS k (order_no, sku)
CROSS JOIN LATERAL (
    SELECT sum(amount)::bigint AS amount FROM ledger_entries
    WHERE order_no = k.order_no AND sku = k.sku AND kind = ANY ($3::text[]) AND state IN ('pending', 'succeeded')
) s
WHERE s.amount IS NOT NULL`
	replacedSQL = `SELECT id, state FROM ledger_entries WHERE id = ANY ($1::text[])`
)

// checkEntries enforces the ledger's invariant on new entries, and that a replaced entry
// exists and has failed. Every order line an entry names is locked first (FOR UPDATE, the
// lock Order takes), then the orders whose shipping fee an entry pays back, so that
// concurrent transactions paying back the same item are decided one after the other.
func (t *Tx) checkEntries(ctx context.Context, es []ledger.Entry) error {
	c := newCaps(es)
	if len(c.items) == 0 && len(c.shipping) == 0 && len(c.replaced) == 0 {
		return nil
	}
	f := newFound()
	b := t.batch()
	if len(c.items) > 0 {
		orders, skus := keyArrays(c.items)
		b.Queue(lockItemsSQL, orders, skus).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k itemKey
				var amount int64
				var cur string
				if err := rows.Scan(&k.order, &k.sku, &amount, &cur); err != nil {
					return err
				}
				f.paidFor[k], f.currency[k] = amount, money.Currency(cur)
			}
			return rows.Err()
		})
	}
	if len(c.shipping) > 0 {
		orders, _ := keyArrays(c.shipping)
		b.Queue(lockOrdersSQL, orders).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k itemKey
				var amount int64
				var cur string
				if err := rows.Scan(&k.order, &amount, &cur); err != nil {
					return err
				}
				f.paidFor[k], f.currency[k] = amount, money.Currency(cur)
			}
			return rows.Err()
		})
	}
	if capped := c.capped(); len(capped) > 0 {
		orders, skus := keyArrays(capped)
		b.Queue(paidBackSQL, orders, skus, paysBackKinds).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k itemKey
				var sum int64
				if err := rows.Scan(&k.order, &k.sku, &sum); err != nil {
					return err
				}
				f.paidBack[k] = sum
			}
			return rows.Err()
		})
	}
	if len(c.replaced) > 0 {
		b.Queue(replacedSQL, c.replaced).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id, state string
				if err := rows.Scan(&id, &state); err != nil {
					return err
				}
				f.replaced[id] = ledger.State(state)
			}
			return rows.Err()
		})
	}
	if err := t.send(ctx, b); err != nil {
		return classify(err)
	}
	return c.check(f)
}

// keyArrays is keys as the arrays of order numbers and SKUs that the statements unnest.
func keyArrays(keys []itemKey) (orders, skus []string) {
	for _, k := range keys {
		orders, skus = append(orders, k.order), append(skus, k.sku)
	}
	return orders, skus
}

// paysBackKinds are the kinds whose entries count against an item's paid amount.
var paysBackKinds = func() []string {
	var ks []string
	for _, k := range ledger.Kinds {
		if k.PaysBackItem() {
			ks = append(ks, string(k))
		}
	}
	return ks
}()

// Entry returns an entry by id.
func (t *Tx) Entry(ctx context.Context, id string) (ledger.Entry, error) {
	e, err := t.entryWhere(ctx, "id", id)
	return e, wrap(err, "ledger entry %s", id)
}

// EntryByKey returns an entry by its idempotency key.
func (t *Tx) EntryByKey(ctx context.Context, key string) (ledger.Entry, error) {
	e, err := t.entryWhere(ctx, "idempotency_key", key)
	return e, wrap(err, "ledger entry with key %s", key)
}

// entryWhere reads the entry whose unique column has value (pgx.ErrNoRows if none).
func (t *Tx) entryWhere(ctx context.Context, column, value string) (ledger.Entry, error) {
	var e ledger.Entry
	b := t.batch()
	b.Queue(`SELECT `+entryColumns+` FROM ledger_entries WHERE `+column+` = $1`, value).QueryRow(
		func(row pgx.Row) error {
			var err error
			e, err = scanEntry(row)
			return err
		})
	return e, t.send(ctx, b)
}

// updateEntrySQL stores a pending entry's execution. The update locks the row until the
// transaction ends; a concurrent update waits for it and then finds the entry settled.
const updateEntrySQL = `
UPDATE ledger_entries
SET state = $2, attempts = $3, gateway_ref = $4, last_error = $5, next_attempt_at = $6, settled_at = $7
WHERE id = $1 AND state = 'pending'`

// UpdateEntry stores an entry's execution, unless the stored entry is settled
// (ErrConflict). It is sent at once, so that the refusal comes back from the call.
func (t *Tx) UpdateEntry(ctx context.Context, e ledger.Entry) error {
	if !e.State.Valid() || e.Attempts < 0 {
		return fmt.Errorf("update ledger entry %s: state %q, %d attempts", e.ID, e.State, e.Attempts)
	}
	n, err := t.exec(ctx, updateEntrySQL, e.ID, string(e.State), int32(e.Attempts), e.GatewayRef, e.LastError,
		utcPtr(e.NextAttemptAt), utcPtr(e.SettledAt))
	if err == nil && n == 0 {
		var exists bool
		err = t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE id = $1)`, []any{e.ID}, &exists)
		switch {
		case err != nil:
		case exists:
			err = fmt.Errorf("%w: the entry is settled and never changes", store.ErrConflict)
		default:
			err = store.ErrNotFound
		}
	}
	if err != nil || e.CaseID == "" {
		return wrap(err, "update ledger entry %s", e.ID)
	}
	return t.markDirty(ctx, "case", e.CaseID)
}

// CaseEntries lists a case's entries, oldest first (ledger_entries_case).
func (t *Tx) CaseEntries(ctx context.Context, caseID string) ([]ledger.Entry, error) {
	es, err := t.queryEntries(ctx, `SELECT `+entryColumns+` FROM ledger_entries WHERE case_id = $1
		ORDER BY created_at, id`, caseID)
	return es, wrap(err, "ledger entries of case %s", caseID)
}

// ledgerFilter is the WHERE clause of q's filters (its cursor and limit aside).
func ledgerFilter(q store.LedgerQuery) *filter {
	f := &filter{}
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("false") // a scope of no merchants: nothing
	}
	anyOf(f, "merchant", q.Merchants)
	f.eq("case_id", q.CaseID)
	f.eq("kind", string(q.Kind))
	f.eq("state", string(q.State))
	if !q.From.IsZero() {
		f.add("created_at >= " + f.arg(q.From))
	}
	if !q.To.IsZero() {
		f.add("created_at < " + f.arg(q.To))
	}
	return f
}

// ListEntries returns one page of entries, newest first, by keyset pagination on
// (created_at, id): each page starts where the previous one ended, however many entries
// share a time.
func (t *Tx) ListEntries(ctx context.Context, q store.LedgerQuery) ([]ledger.Entry, string, error) {
	limit := pageLimit(q.Limit)
	f := ledgerFilter(q)
	if q.Cursor != "" {
		at, id, err := decodeEntryCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		f.add("(created_at, id) < (" + f.arg(at) + "::timestamptz, " + f.arg(id) + "::text)")
	}
	// The limit is written out, not an argument (see listCasesSQL).
	sql := "SELECT " + entryColumns + " FROM ledger_entries" + f.sql() +
		" ORDER BY created_at DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	es, err := t.queryEntries(ctx, sql, f.args...)
	if err != nil {
		return nil, "", wrap(err, "list ledger entries")
	}
	if len(es) <= limit {
		return es, "", nil
	}
	es = es[:limit] // the extra row only says that there is a next page
	last := es[limit-1]
	return es, encodeEntryCursor(last.CreatedAt, last.ID), nil
}

// A ledger cursor is the position of a page's last entry, opaque to callers: base64 of
// "ledger/micros/id", so that it is never taken for a cursor of another list.
const entryCursorPrefix = "ledger/"

func encodeEntryCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(entryCursorPrefix + strconv.FormatInt(at.UnixMicro(), 10) + "/" + id))
}

func decodeEntryCursor(s string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if rest, ok := strings.CutPrefix(string(b), entryCursorPrefix); err == nil && ok {
		micros, id, ok := strings.Cut(rest, "/")
		if us, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil && id != "" {
			return time.UnixMicro(us).UTC(), id, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("list ledger entries: cursor %q: %w", s, store.ErrBadCursor)
}

// LedgerTotals sums the entries q selects by merchant, kind, state and currency.
func (t *Tx) LedgerTotals(ctx context.Context, q store.LedgerQuery) ([]store.LedgerTotal, error) {
	f := ledgerFilter(q)
	sql := `SELECT merchant, kind, state, currency, count(*), sum(amount)::bigint FROM ledger_entries` + f.sql() + `
		GROUP BY merchant, kind, state, currency ORDER BY merchant, kind, state, currency`
	var out []store.LedgerTotal
	err := t.query(ctx, sql, f.args, func(rows pgx.Rows) error {
		var r store.LedgerTotal
		var kind, state, currency string
		err := rows.Scan(&r.Merchant, &kind, &state, &currency, &r.Count, &r.Amount)
		r.Kind, r.State, r.Currency = ledger.Kind(kind), ledger.State(state), money.Currency(currency)
		out = append(out, r)
		return err
	})
	return out, wrap(err, "ledger totals")
}

// LedgerStats counts the entries by kind and state and finds the oldest pending one
// (ledger_entries_pending), in one round trip.
func (t *Tx) LedgerStats(ctx context.Context) (store.LedgerStats, error) {
	var st store.LedgerStats
	var oldest *time.Time
	b := t.batch()
	b.Queue(`SELECT kind, state, count(*) FROM ledger_entries GROUP BY kind, state ORDER BY kind, state`).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var c store.LedgerCount
				var kind, state string
				if err := rows.Scan(&kind, &state, &c.Count); err != nil {
					return err
				}
				c.Kind, c.State = ledger.Kind(kind), ledger.State(state)
				st.Counts = append(st.Counts, c)
			}
			return rows.Err()
		})
	b.Queue(`SELECT min(created_at) FROM ledger_entries WHERE state = 'pending'`).
		QueryRow(func(row pgx.Row) error { return row.Scan(&oldest) })
	if err := t.send(ctx, b); err != nil {
		return store.LedgerStats{}, wrap(err, "ledger stats")
	}
	st.OldestPending = timeOf(oldest)
	return st, nil
}

// ItemsPaid returns what was paid for every item of the orders that have entries created in
// [from, to), by order number and SKU (byte-wise).
func (t *Tx) ItemsPaid(ctx context.Context, from, to time.Time) ([]ledger.ItemPaid, error) {
	f := &filter{}
	if !from.IsZero() {
		f.add("created_at >= " + f.arg(from))
	}
	if !to.IsZero() {
		f.add("created_at < " + f.arg(to))
	}
	// = ANY (ARRAY(…)): the period's orders are found first and their lines read by key,
	// rather than every order line scanned and joined.
	sql := `SELECT order_no, sku, paid_amount FROM order_items
		WHERE order_no = ANY (ARRAY(SELECT DISTINCT order_no FROM ledger_entries` + f.sql() + `))
		ORDER BY order_no COLLATE "C", sku`
	var out []ledger.ItemPaid
	err := t.query(ctx, sql, f.args, func(rows pgx.Rows) error {
		var p ledger.ItemPaid
		err := rows.Scan(&p.OrderNo, &p.SKU, &p.Amount)
		out = append(out, p)
		return err
	})
	return out, wrap(err, "items paid")
}
