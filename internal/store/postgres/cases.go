package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
        due_at, data, decision, created_at, updated_at, priority, sla, assignee, desk_group, rev)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $18, $19, $20, $21, $22)
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
	err = t.later(ctx, "insert case "+c.ID, insertCaseSQL, n.ID, n.Number, n.OrderNo, n.MerchantID, n.CustomerID,
		string(n.Type), string(n.Reason), string(n.State), n.Version, dueAt(&n), data, []byte(decision),
		n.CreatedAt, t.now, skus, qtys, paid, string(n.Priority), string(n.SLAFlag()), n.Assignee, n.Group, n.Rev)
	if err != nil {
		return err
	}
	return t.markDirty(ctx, "case", n.ID)
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
	n.SLATrail = c.SLATrail.Mapped(utcMicro)
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

// UpdateCase stores c if the stored version is c.Version-1 and the stored revision c.Rev:
// ErrConflict if it is not, ErrNotFound if there is no such case. The revision becomes
// c.Rev+1, and so does c.Rev. A case's lines are fixed when it opens (aftersale.Transition
// never changes them), so case_items is left alone.
func (t *Tx) UpdateCase(ctx context.Context, c *aftersale.Case) error {
	n := storedCase(c)
	n.Rev++
	data, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	updated, err := t.exec(ctx, `
		UPDATE cases SET type = $3, reason = $4, state = $5, version = $2, due_at = $6, data = $7, updated_at = $8,
		    priority = $9, sla = $10, assignee = $11, desk_group = $12, rev = $13
		WHERE id = $1 AND version = $2 - 1 AND rev = $13 - 1`,
		n.ID, n.Version, string(n.Type), string(n.Reason), string(n.State), dueAt(&n), data, t.now,
		string(n.Priority), string(n.SLAFlag()), n.Assignee, n.Group, n.Rev)
	if err = t.refused(ctx, n.ID, updated, err); err != nil {
		return wrap(err, "update case %s to version %d", c.ID, c.Version)
	}
	c.Rev = n.Rev
	return t.markDirty(ctx, "case", n.ID)
}

// RewriteCase stores c without a new version if the stored case is at c.Version and
// revision c.Rev: ErrConflict if it is not, ErrNotFound if there is no such case. Only the
// document changes (a message's SLA trail); the revision becomes c.Rev+1, and so does c.Rev.
func (t *Tx) RewriteCase(ctx context.Context, c *aftersale.Case) error {
	n := storedCase(c)
	n.Rev++
	data, err := json.Marshal(&n)
	if err != nil {
		return fmt.Errorf("rewrite case %s: %w", c.ID, err)
	}
	updated, err := t.exec(ctx, `UPDATE cases SET data = $3, rev = $4 WHERE id = $1 AND version = $2 AND rev = $4 - 1`,
		n.ID, n.Version, data, n.Rev)
	if err = t.refused(ctx, n.ID, updated, err); err != nil {
		return wrap(err, "rewrite case %s at version %d", c.ID, c.Version)
	}
	c.Rev = n.Rev
	return t.markDirty(ctx, "case", n.ID)
}

// refused is the error of a conditional write of case id that changed updated rows: a
// stale version or revision (ErrConflict), or no such case (ErrNotFound). Only a refusal
// pays a second round trip.
func (t *Tx) refused(ctx context.Context, id string, updated int64, err error) error {
	if err != nil || updated > 0 {
		return err
	}
	var exists bool
	if err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)`, []any{id}, &exists); err != nil {
		return err
	}
	if exists {
		return store.ErrConflict
	}
	return store.ErrNotFound
}

// Case returns a case with the decision it was opened with.
func (t *Tx) Case(ctx context.Context, id string) (store.CaseRecord, error) {
	return t.readCase(ctx, `SELECT data, decision FROM cases WHERE id = $1`, id)
}

// CaseForUpdate is Case with the row locked until the transaction ends (FOR NO KEY UPDATE:
// the case's events, messages and other rows that refer to it are still written freely).
func (t *Tx) CaseForUpdate(ctx context.Context, id string) (store.CaseRecord, error) {
	return t.readCase(ctx, `SELECT data, decision FROM cases WHERE id = $1 FOR NO KEY UPDATE`, id)
}

func (t *Tx) readCase(ctx context.Context, q, id string) (store.CaseRecord, error) {
	var data, decision []byte
	err := t.queryRow(ctx, q, []any{id}, &data, &decision)
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
