package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
func scanEntry(row interface{ Scan(...any) error }) (ledger.Entry, error) {
	var (
		e                                                 ledger.Entry
		kind, currency, payer, payee, method, role, state string
		next, settled                                     sql.NullInt64
		created                                           int64
	)
	err := row.Scan(&e.ID, &e.CaseID, &e.CaseNumber, &e.Merchant, &e.Customer, &e.OrderNo, &e.SKU, &kind,
		&e.Amount, &currency, &payer, &payee, &method, &role, &e.Actor.ID, &e.Seq, &state, &e.Attempts,
		&e.GatewayRef, &e.IdempotencyKey, &e.LastError, &e.Replaces, &next, &created, &settled)
	if err != nil {
		return ledger.Entry{}, err
	}
	e.Kind, e.Currency, e.State = ledger.Kind(kind), money.Currency(currency), ledger.State(state)
	e.Payer, e.Payee, e.Method = ledger.Party(payer), ledger.Party(payee), ledger.Method(method)
	e.Actor.Role = aftersale.Role(role)
	e.NextAttemptAt, e.CreatedAt, e.SettledAt = timePtr(next), fromMicros(created), timePtr(settled)
	return e, nil
}

// timePtr is the time of nullable Unix microseconds, nil for NULL.
func timePtr(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := fromMicros(us.Int64)
	return &t
}

// microsPtr is the time p points to as Unix microseconds, NULL for nil.
func microsPtr(p *time.Time) any {
	if p == nil {
		return nil
	}
	return micros(*p)
}

// queryEntries runs a query of entryColumns.
func (tx *Tx) queryEntries(ctx context.Context, q string, args ...any) ([]ledger.Entry, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []ledger.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// InsertEntries stores new entries, pending, after checking the ledger's invariant (see
// checkEntries; the transaction holds the database's only write lock, so no concurrent
// transaction can change what it read). All or none: a savepoint undoes the entries
// already written when one is refused.
func (tx *Tx) InsertEntries(ctx context.Context, entries ...ledger.Entry) (err error) {
	if len(entries) == 0 {
		return nil
	}
	what := fmt.Sprintf("insert %d ledger entries", len(entries))
	es, err := newEntries(entries, tx.now)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.checkEntries(ctx, es); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}

	if _, err := tx.exec(ctx, `SAVEPOINT insert_entries`); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer func() {
		if err != nil {
			tx.exec(ctx, `ROLLBACK TO insert_entries`)
		}
		tx.exec(ctx, `RELEASE insert_entries`)
	}()
	const q = `
INSERT INTO ledger_entries (` + entryColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for _, e := range es {
		_, err := tx.exec(ctx, q, e.ID, e.CaseID, e.CaseNumber, e.Merchant, e.Customer, e.OrderNo, e.SKU,
			string(e.Kind), e.Amount, string(e.Currency), string(e.Payer), string(e.Payee), string(e.Method),
			string(e.Actor.Role), e.Actor.ID, e.Seq, string(e.State), e.Attempts, e.GatewayRef, e.IdempotencyKey,
			e.LastError, e.Replaces, microsPtr(e.NextAttemptAt), micros(e.CreatedAt), microsPtr(e.SettledAt))
		if err != nil {
			return fmt.Errorf("%s: entry %s: %w", what, e.ID, dbErr(err))
		}
	}
	var cases []string
	for _, e := range es {
		if e.CaseID != "" && !slices.Contains(cases, e.CaseID) {
			cases = append(cases, e.CaseID)
			if err := tx.markDirty(ctx, "case", e.CaseID); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
	}
	return nil
}

// checkEntries enforces the ledger's invariant on new entries (every order line they name
// exists; what they pay back of an item or of the order's shipping fee, with the entries
// that count, stays within what was paid), and that a replaced entry exists and has failed.
func (tx *Tx) checkEntries(ctx context.Context, es []ledger.Entry) error {
	c := newCaps(es)
	f := newFound()
	read := func(k itemKey, q string, args ...any) error {
		var amount int64
		var currency string
		err := tx.queryRow(ctx, q, args...).Scan(&amount, &currency)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil // check reports it
		case err != nil:
			return err
		}
		f.paidFor[k], f.currency[k] = amount, money.Currency(currency)
		return nil
	}
	for _, k := range c.items {
		err := read(k, `
SELECT i.paid_amount, o.currency FROM order_items i JOIN orders o ON o.order_no = i.order_no
WHERE i.order_no = ? AND i.sku = ?`, k.order, k.sku)
		if err != nil {
			return err
		}
	}
	for _, k := range c.shipping {
		if err := read(k, `SELECT shipping_fee, currency FROM orders WHERE order_no = ?`, k.order); err != nil {
			return err
		}
	}
	for _, k := range c.capped() {
		var sum int64
		if err := tx.queryRow(ctx, paidBackSQL, k.order, k.sku).Scan(&sum); err != nil {
			return err
		}
		f.paidBack[k] = sum
	}
	for _, id := range c.replaced {
		var state string
		err := tx.queryRow(ctx, `SELECT state FROM ledger_entries WHERE id = ?`, id).Scan(&state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			f.replaced[id] = ledger.State(state)
		}
	}
	return c.check(f)
}

// paidBackSQL sums what the entries that count pay back of an item (SKU "" for the shipping
// fee), through ledger_entries_item.
var paidBackSQL = `
SELECT coalesce(sum(amount), 0) FROM ledger_entries
WHERE order_no = ? AND sku = ? AND state IN ('pending', 'succeeded') AND kind IN (` + func() string {
	var ks []string
	for _, k := range ledger.Kinds {
		if k.PaysBackItem() {
			ks = append(ks, "'"+string(k)+"'")
		}
	}
	return strings.Join(ks, ", ")
}() + `)`

// Entry returns an entry by id.
func (tx *Tx) Entry(ctx context.Context, id string) (ledger.Entry, error) {
	e, err := scanEntry(tx.queryRow(ctx, `SELECT `+entryColumns+` FROM ledger_entries WHERE id = ?`, id))
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("ledger entry %s: %w", id, dbErr(err))
	}
	return e, nil
}

// EntryByKey returns an entry by its idempotency key.
func (tx *Tx) EntryByKey(ctx context.Context, key string) (ledger.Entry, error) {
	e, err := scanEntry(tx.queryRow(ctx, `SELECT `+entryColumns+` FROM ledger_entries WHERE idempotency_key = ?`, key))
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("ledger entry with key %s: %w", key, dbErr(err))
	}
	return e, nil
}

// UpdateEntry stores an entry's execution, unless the stored entry is settled
// (ErrConflict).
func (tx *Tx) UpdateEntry(ctx context.Context, e ledger.Entry) error {
	if !e.State.Valid() || e.Attempts < 0 {
		return fmt.Errorf("update ledger entry %s: state %q, %d attempts", e.ID, e.State, e.Attempts)
	}
	const q = `
UPDATE ledger_entries
SET state = ?, attempts = ?, gateway_ref = ?, last_error = ?, next_attempt_at = ?, settled_at = ?
WHERE id = ? AND state = 'pending'`
	res, err := tx.exec(ctx, q, string(e.State), e.Attempts, e.GatewayRef, e.LastError,
		microsPtr(utcPtr(e.NextAttemptAt)), microsPtr(utcPtr(e.SettledAt)), e.ID)
	if err := mustChange(res, err); !errors.Is(err, store.ErrNotFound) {
		if err != nil {
			return fmt.Errorf("update ledger entry %s: %w", e.ID, err)
		}
		if e.CaseID == "" {
			return nil
		}
		return tx.markDirty(ctx, "case", e.CaseID)
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE id = ?`, e.ID).Scan(&n); err != nil {
		return fmt.Errorf("update ledger entry %s: %w", e.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("update ledger entry %s: %w", e.ID, store.ErrNotFound)
	}
	return fmt.Errorf("update ledger entry %s: %w: the entry is settled and never changes", e.ID, store.ErrConflict)
}

// CaseEntries lists a case's entries, oldest first (ledger_entries_case).
func (tx *Tx) CaseEntries(ctx context.Context, caseID string) ([]ledger.Entry, error) {
	es, err := tx.queryEntries(ctx, `SELECT `+entryColumns+` FROM ledger_entries WHERE case_id = ?
ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("ledger entries of case %s: %w", caseID, err)
	}
	return es, nil
}

// ledgerFilter is the WHERE clause of q's filters (its cursor and limit aside).
func ledgerFilter(q store.LedgerQuery) *filter {
	f := &filter{}
	f.eq("merchant", q.Merchant)
	if q.Merchants != nil && len(q.Merchants) == 0 {
		f.add("0") // a scope of no merchants: nothing
	}
	in(f, "merchant", q.Merchants)
	f.eq("case_id", q.CaseID)
	f.eq("kind", string(q.Kind))
	f.eq("state", string(q.State))
	if !q.From.IsZero() {
		f.add("created_at >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		f.add("created_at < ?", micros(q.To))
	}
	return f
}

// ListEntries returns one page of entries, newest first (created_at DESC, id DESC). The
// cursor is the position of the page's last entry; the next page starts after it, so pages
// neither skip nor repeat entries however many share a time.
func (tx *Tx) ListEntries(ctx context.Context, q store.LedgerQuery) ([]ledger.Entry, string, error) {
	limit := pageLimit(q.Limit)
	f := ledgerFilter(q)
	if q.Cursor != "" {
		at, id, err := decodeEntryCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		f.add("(created_at, id) < (?, ?)", at, id)
	}
	query := `SELECT ` + entryColumns + ` FROM ledger_entries` + f.sql() + `
ORDER BY created_at DESC, id DESC
LIMIT ?`
	es, err := tx.queryEntries(ctx, query, append(f.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list ledger entries: %w", err)
	}
	if len(es) <= limit {
		return es, "", nil
	}
	es = es[:limit] // the extra row only says that there is a next page
	last := es[limit-1]
	return es, encodeEntryCursor(micros(last.CreatedAt), last.ID), nil
}

// A ledger cursor is the position of a page's last entry, opaque to callers: base64 of
// "ledger/micros/id", so that it is never taken for a cursor of another list.
const entryCursorPrefix = "ledger/"

func encodeEntryCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(entryCursorPrefix + strconv.FormatInt(at, 10) + "/" + id))
}

func decodeEntryCursor(cursor string) (at int64, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if rest, ok := strings.CutPrefix(string(b), entryCursorPrefix); err == nil && ok {
		micros, id, ok := strings.Cut(rest, "/")
		if at, perr := strconv.ParseInt(micros, 10, 64); ok && perr == nil && id != "" {
			return at, id, nil
		}
	}
	return 0, "", fmt.Errorf("list ledger entries: cursor %q: %w", cursor, store.ErrBadCursor)
}

// LedgerTotals sums the entries q selects by merchant, kind, state and currency.
func (tx *Tx) LedgerTotals(ctx context.Context, q store.LedgerQuery) ([]store.LedgerTotal, error) {
	f := ledgerFilter(q)
	query := `SELECT merchant, kind, state, currency, count(*), sum(amount) FROM ledger_entries` + f.sql() + `
GROUP BY merchant, kind, state, currency
ORDER BY merchant, kind, state, currency`
	rows, err := tx.query(ctx, query, f.args...)
	if err != nil {
		return nil, fmt.Errorf("ledger totals: %w", err)
	}
	defer rows.Close()
	var out []store.LedgerTotal
	for rows.Next() {
		var r store.LedgerTotal
		var kind, state, currency string
		if err := rows.Scan(&r.Merchant, &kind, &state, &currency, &r.Count, &r.Amount); err != nil {
			return nil, fmt.Errorf("ledger totals: %w", err)
		}
		r.Kind, r.State, r.Currency = ledger.Kind(kind), ledger.State(state), money.Currency(currency)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger totals: %w", err)
	}
	return out, nil
}

// LedgerStats counts the entries by kind and state and finds the oldest pending one
// (ledger_entries_pending).
func (tx *Tx) LedgerStats(ctx context.Context) (store.LedgerStats, error) {
	var st store.LedgerStats
	rows, err := tx.query(ctx, `SELECT kind, state, count(*) FROM ledger_entries GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return st, fmt.Errorf("ledger stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.LedgerCount
		var kind, state string
		if err := rows.Scan(&kind, &state, &c.Count); err != nil {
			return store.LedgerStats{}, fmt.Errorf("ledger stats: %w", err)
		}
		c.Kind, c.State = ledger.Kind(kind), ledger.State(state)
		st.Counts = append(st.Counts, c)
	}
	if err := rows.Err(); err != nil {
		return store.LedgerStats{}, fmt.Errorf("ledger stats: %w", err)
	}
	rows.Close()
	oldest, _, err := nextAt(tx.queryRow(ctx, `SELECT min(created_at) FROM ledger_entries WHERE state = 'pending'`),
		"ledger stats")
	if err != nil {
		return store.LedgerStats{}, err
	}
	st.OldestPending = oldest
	return st, nil
}

// ItemsPaid returns what was paid for every item of the orders that have entries created in
// [from, to), by order number and SKU.
func (tx *Tx) ItemsPaid(ctx context.Context, from, to time.Time) ([]ledger.ItemPaid, error) {
	f := &filter{}
	if !from.IsZero() {
		f.add("created_at >= ?", micros(from))
	}
	if !to.IsZero() {
		f.add("created_at < ?", micros(to))
	}
	query := `SELECT order_no, sku, paid_amount FROM order_items
WHERE order_no IN (SELECT order_no FROM ledger_entries` + f.sql() + `)
ORDER BY order_no, sku`
	rows, err := tx.query(ctx, query, f.args...)
	if err != nil {
		return nil, fmt.Errorf("items paid: %w", err)
	}
	defer rows.Close()
	var out []ledger.ItemPaid
	for rows.Next() {
		var p ledger.ItemPaid
		if err := rows.Scan(&p.OrderNo, &p.SKU, &p.Amount); err != nil {
			return nil, fmt.Errorf("items paid: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("items paid: %w", err)
	}
	return out, nil
}
