package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

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
                   version, due_at, priority, sla, assignee, desk_group, data, decision, created_at, updated_at, rev)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.exec(ctx, q, cc.ID, cc.Number, cc.OrderNo, cc.MerchantID, cc.CustomerID,
		string(cc.Type), string(cc.Reason), string(cc.State), cc.Version, dueAt(cc),
		string(cc.Priority), string(cc.SLAFlag()), cc.Assignee, cc.Group, string(data),
		string(decision), micros(cc.CreatedAt), micros(cc.UpdatedAt), cc.Rev)
	if err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, dbErr(err))
	}
	if err := tx.insertCaseItems(ctx, cc); err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, err)
	}
	return tx.markDirty(ctx, "case", cc.ID)
}

// UpdateCase stores c if the stored version is c.Version-1 and the stored revision c.Rev:
// ErrConflict if another transaction got there first, ErrNotFound if there is no such
// case. The revision becomes c.Rev+1, and so does c.Rev.
//
// SQLite rewrites an index's entry whenever an UPDATE sets one of its columns, to the same
// value or not, so the statement sets only the indexed columns whose values change, read
// first in the same write transaction. A case's number, order, merchant and customer never
// change, nor its lines (aftersale.Transition keeps them): those and case_items are left
// alone, as on PostgreSQL.
func (tx *Tx) UpdateCase(ctx context.Context, c *aftersale.Case) error {
	cc := normalizeCase(c)
	cc.UpdatedAt = orNow(cc.UpdatedAt, tx.now)
	cc.Rev++
	data, err := json.Marshal(cc)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	var (
		version, rev                int64
		state, sla, assignee, group string
		due                         sql.NullInt64
	)
	err = tx.queryRow(ctx, `SELECT version, rev, state, due_at, sla, assignee, desk_group FROM cases WHERE id = ?`, cc.ID).
		Scan(&version, &rev, &state, &due, &sla, &assignee, &group)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, dbErr(err))
	}
	if version != int64(cc.Version)-1 || rev != cc.Rev-1 {
		return fmt.Errorf("update case %s to version %d, revision %d: stored version is %d, revision %d: %w",
			c.ID, c.Version, cc.Rev, version, rev, store.ErrConflict)
	}
	var s setList
	s.set("type", string(cc.Type))
	s.set("reason", string(cc.Reason))
	s.set("version", cc.Version)
	s.set("rev", cc.Rev)
	s.set("priority", string(cc.Priority))
	s.set("data", string(data))
	s.set("updated_at", micros(cc.UpdatedAt))
	s.changed("state", state, string(cc.State))
	var storedDue any
	if due.Valid {
		storedDue = due.Int64
	}
	s.changed("due_at", storedDue, dueAt(cc))
	s.changed("sla", sla, string(cc.SLAFlag()))
	s.changed("assignee", assignee, cc.Assignee)
	s.changed("desk_group", group, cc.Group)
	// The version and revision are checked again: the statement stands alone, whatever
	// read it.
	res, err := tx.exec(ctx, "UPDATE cases SET "+s.sql()+" WHERE id = ? AND version = ? AND rev = ?",
		append(s.args, cc.ID, cc.Version-1, cc.Rev-1)...)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	c.Rev = cc.Rev
	return tx.markDirty(ctx, "case", cc.ID)
}

// RewriteCase stores c without a new version if the stored case is at c.Version and
// revision c.Rev: ErrConflict if it is not, ErrNotFound if there is no such case. Only the
// document changes (a message's SLA trail); the revision becomes c.Rev+1, and so does c.Rev.
func (tx *Tx) RewriteCase(ctx context.Context, c *aftersale.Case) error {
	cc := normalizeCase(c)
	cc.Rev++
	data, err := json.Marshal(cc)
	if err != nil {
		return fmt.Errorf("rewrite case %s: %w", c.ID, err)
	}
	res, err := tx.exec(ctx, `UPDATE cases SET data = ?, rev = ? WHERE id = ? AND version = ? AND rev = ?`,
		string(data), cc.Rev, cc.ID, cc.Version, cc.Rev-1)
	if err := mustChange(res, err); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			var exists bool
			if e := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)`, cc.ID).Scan(&exists); e == nil && exists {
				err = store.ErrConflict
			}
		}
		return fmt.Errorf("rewrite case %s at version %d: %w", c.ID, c.Version, err)
	}
	c.Rev = cc.Rev
	return tx.markDirty(ctx, "case", cc.ID)
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
	cc.SLATrail = c.SLATrail.Mapped(utcMicros)
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

// CaseForUpdate is Case: the transaction that reads it is the only writer already.
func (tx *Tx) CaseForUpdate(ctx context.Context, id string) (store.CaseRecord, error) {
	return tx.Case(ctx, id)
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
