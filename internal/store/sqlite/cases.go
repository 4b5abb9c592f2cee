package sqlite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// NextCaseNumber returns the next value of the case number counter.
func (tx *Tx) NextCaseNumber(ctx context.Context) (int64, error) {
	const q = `UPDATE counters SET value = value + 1 WHERE name = 'case_numbers' RETURNING value`
	var n int64
	if err := tx.queryRow(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("next case number: %w", dbErr(err))
	}
	return n, nil
}

// InsertCase stores a new case and its lines. The row keeps the columns that queries
// filter on; data holds the whole case, its times in UTC to the microsecond (a zero
// CreatedAt or UpdatedAt becomes Now).
func (tx *Tx) InsertCase(ctx context.Context, c *aftersale.Case, decision json.RawMessage) error {
	if decision == nil {
		decision = json.RawMessage("null")
	}
	if !json.Valid(decision) {
		return fmt.Errorf("insert case %s: the decision is not valid JSON", c.ID)
	}
	cc := normalizeCase(c)
	cc.CreatedAt = orNow(cc.CreatedAt, tx.now)
	cc.UpdatedAt = orNow(cc.UpdatedAt, tx.now)
	data, err := json.Marshal(cc)
	if err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, err)
	}
	const q = `
INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state,
                   version, due_at, data, decision, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.exec(ctx, q, cc.ID, cc.Number, cc.OrderNo, cc.MerchantID, cc.CustomerID,
		string(cc.Type), string(cc.Reason), string(cc.State), cc.Version, dueAt(cc), string(data),
		string(decision), micros(cc.CreatedAt), micros(cc.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, dbErr(err))
	}
	if err := tx.insertCaseItems(ctx, cc); err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, err)
	}
	return nil
}

// UpdateCase stores c if the stored version is c.Version-1: ErrConflict if another
// transaction got there first, ErrNotFound if there is no such case.
func (tx *Tx) UpdateCase(ctx context.Context, c *aftersale.Case) error {
	cc := normalizeCase(c)
	cc.UpdatedAt = orNow(cc.UpdatedAt, tx.now)
	data, err := json.Marshal(cc)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	const q = `
UPDATE cases
SET number = ?, order_no = ?, merchant_code = ?, customer_id = ?, type = ?, reason = ?,
    state = ?, version = ?, due_at = ?, data = ?, updated_at = ?
WHERE id = ? AND version = ?`
	res, err := tx.exec(ctx, q, cc.Number, cc.OrderNo, cc.MerchantID, cc.CustomerID,
		string(cc.Type), string(cc.Reason), string(cc.State), cc.Version, dueAt(cc), string(data),
		micros(cc.UpdatedAt), cc.ID, cc.Version-1)
	if err := mustChange(res, err); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("update case %s: %w", c.ID, err)
		}
		var stored int64
		err := tx.queryRow(ctx, `SELECT version FROM cases WHERE id = ?`, cc.ID).Scan(&stored)
		if err != nil {
			return fmt.Errorf("update case %s: %w", c.ID, dbErr(err))
		}
		return fmt.Errorf("update case %s to version %d: stored version is %d: %w",
			c.ID, c.Version, stored, store.ErrConflict)
	}
	if _, err := tx.exec(ctx, `DELETE FROM case_items WHERE case_id = ?`, cc.ID); err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, dbErr(err))
	}
	if err := tx.insertCaseItems(ctx, cc); err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	return nil
}

func (tx *Tx) insertCaseItems(ctx context.Context, c *aftersale.Case) error {
	const q = `INSERT INTO case_items (case_id, sku, quantity, paid_amount) VALUES (?, ?, ?, ?)`
	for _, it := range c.Items {
		if _, err := tx.exec(ctx, q, c.ID, it.SKU, it.Quantity, it.PaidAmount.Minor); err != nil {
			return fmt.Errorf("line %s: %w", it.SKU, dbErr(err))
		}
	}
	return nil
}

// normalizeCase returns a copy of c with every time in UTC and to the microsecond, as
// the store keeps times.
func normalizeCase(c *aftersale.Case) *aftersale.Case {
	cc := *c
	cc.CreatedAt = utcMicros(c.CreatedAt)
	cc.UpdatedAt = utcMicros(c.UpdatedAt)
	if c.Deadlines != nil {
		cc.Deadlines = make([]aftersale.Deadline, len(c.Deadlines))
		for i, d := range c.Deadlines {
			cc.Deadlines[i] = aftersale.Deadline{Kind: d.Kind, Due: utcMicros(d.Due)}
		}
	}
	for _, s := range []**aftersale.Shipment{&cc.ReturnShipment, &cc.OutboundShipment} {
		if *s != nil {
			sh := **s
			sh.At = utcMicros(sh.At)
			*s = &sh
		}
	}
	return &cc
}

// dueAt is the case's earliest deadline, or NULL.
func dueAt(c *aftersale.Case) any {
	if len(c.Deadlines) == 0 {
		return nil
	}
	due := c.Deadlines[0].Due
	for _, d := range c.Deadlines[1:] {
		if d.Due.Before(due) {
			due = d.Due
		}
	}
	return micros(due)
}

// Case returns a case with the decision it was opened with.
func (tx *Tx) Case(ctx context.Context, id string) (store.CaseRecord, error) {
	const q = `SELECT data, decision FROM cases WHERE id = ?`
	var data, decision string
	if err := tx.queryRow(ctx, q, id).Scan(&data, &decision); err != nil {
		return store.CaseRecord{}, fmt.Errorf("load case %s: %w", id, dbErr(err))
	}
	r, err := decodeCase(data, decision)
	if err != nil {
		return store.CaseRecord{}, fmt.Errorf("load case %s: %w", id, err)
	}
	return r, nil
}

// decodeCase makes a CaseRecord of the data and decision columns.
func decodeCase(data, decision string) (store.CaseRecord, error) {
	var r store.CaseRecord
	if err := json.Unmarshal([]byte(data), &r.Case); err != nil {
		return store.CaseRecord{}, fmt.Errorf("decode case data: %w", err)
	}
	r.Decision = json.RawMessage(decision)
	return r, nil
}

// ListCases returns one page of cases, newest first (created_at DESC, id DESC). The
// cursor is the position of the page's last case; the next page starts after it, so
// pages neither skip nor repeat cases however many share a creation time.
func (tx *Tx) ListCases(ctx context.Context, q store.CaseQuery) ([]store.CaseRecord, string, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > 500:
		limit = 500
	}
	var (
		where []string
		args  []any
	)
	eq := func(column, value string) {
		if value != "" {
			where = append(where, column+" = ?")
			args = append(args, value)
		}
	}
	eq("merchant_code", q.Merchant)
	if len(q.Merchants) > 0 {
		where = append(where, "merchant_code IN ("+placeholders(len(q.Merchants))+")")
		for _, m := range q.Merchants {
			args = append(args, m)
		}
	}
	eq("customer_id", q.Customer)
	eq("order_no", q.OrderNo)
	if len(q.States) > 0 {
		where = append(where, "state IN ("+placeholders(len(q.States))+")")
		for _, s := range q.States {
			args = append(args, string(s))
		}
	}
	if len(q.Types) > 0 {
		where = append(where, "type IN ("+placeholders(len(q.Types))+")")
		for _, t := range q.Types {
			args = append(args, string(t))
		}
	}
	if !q.CreatedFrom.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, micros(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, micros(q.CreatedTo))
	}
	if !q.OverdueAt.IsZero() {
		where = append(where, "due_at < ? AND state NOT IN (?, ?)")
		args = append(args, micros(q.OverdueAt), string(aftersale.Completed), string(aftersale.Closed))
	}
	if q.Cursor != "" {
		at, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list cases: %w", err)
		}
		where = append(where, "(created_at, id) < (?, ?)")
		args = append(args, at, id)
	}
	query := `SELECT data, decision, created_at, id FROM cases`
	if len(where) > 0 {
		query += "\nWHERE " + strings.Join(where, "\n  AND ")
	}
	query += "\nORDER BY created_at DESC, id DESC\nLIMIT ?"
	args = append(args, limit+1)

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
	return cases, encodeCursor(lastAt, lastID), nil
}

// encodeCursor makes the opaque cursor of the position (created_at, id).
func encodeCursor(createdAt int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(createdAt, 10) + "|" + id))
}

var errBadCursor = fmt.Errorf("%w: pass back the cursor of the previous page unchanged", store.ErrBadCursor)

func decodeCursor(cursor string) (createdAt int64, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, "", errBadCursor
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return 0, "", errBadCursor
	}
	createdAt, err = strconv.ParseInt(at, 10, 64)
	if err != nil {
		return 0, "", errBadCursor
	}
	return createdAt, id, nil
}
