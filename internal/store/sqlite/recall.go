package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// recallLinesSQL reads one SKU's lines after an order number through order_items_sku_order
// (a range of the index, in its order, so a batch costs its own lines however far the
// recall has gone), less those the plan has marked (plan_recall_lines' key), each with
// the number of a case on it that has not ended (cases_order, then case_items' key).
const recallLinesSQL = `
SELECT oi.order_no, oi.sku, oi.title, o.merchant_code, o.customer_id, oi.quantity, oi.claimed,
       o.shipped_at IS NOT NULL, o.delivered_at IS NOT NULL,
       coalesce((SELECT min(c.number) FROM cases c JOIN case_items ci ON ci.case_id = c.id AND ci.sku = oi.sku
                 WHERE c.order_no = oi.order_no AND c.state NOT IN (?, ?)), '')
FROM order_items oi JOIN orders o ON o.order_no = oi.order_no
WHERE oi.sku = ? AND oi.order_no > ?
  AND NOT EXISTS (SELECT 1 FROM plan_recall_lines r WHERE r.plan_id = ? AND r.sku = oi.sku AND r.order_no = oi.order_no)
ORDER BY oi.order_no
LIMIT ?`

// RecallLines returns the order lines of the recalled SKUs that the plan has not marked:
// SKU by SKU (byte-wise), each from its index range.
func (tx *Tx) RecallLines(ctx context.Context, q store.RecallLineQuery) ([]store.RecallLine, error) {
	limit := recallLimit(q.Limit)
	var out []store.RecallLine
	for _, sku := range slices.Compact(slices.Sorted(slices.Values(q.SKUs))) {
		if sku < q.AfterSKU {
			continue
		}
		after := ""
		if sku == q.AfterSKU {
			after = q.AfterOrder
		}
		query, args := recallLinesQuery(q.Plan, sku, after, limit-len(out))
		if err := tx.recallLinesOf(ctx, query, args, &out); err != nil {
			return nil, err
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

func recallLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// recallLinesQuery is the statement of one SKU's lines after the order number after.
func recallLinesQuery(plan, sku, after string, limit int) (string, []any) {
	return recallLinesSQL, []any{string(aftersale.Completed), string(aftersale.Closed), sku, after, plan, limit}
}

func (tx *Tx) recallLinesOf(ctx context.Context, query string, args []any, out *[]store.RecallLine) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("recall lines: %w", dbErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var l store.RecallLine
		if err := rows.Scan(&l.OrderNo, &l.SKU, &l.Title, &l.Merchant, &l.Customer, &l.Quantity, &l.Claimed,
			&l.Shipped, &l.Delivered, &l.OpenCase); err != nil {
			return fmt.Errorf("recall lines: %w", err)
		}
		*out = append(*out, l)
	}
	return rows.Err()
}

// MarkRecallLine records that the plan took up the line; false when it had already.
func (tx *Tx) MarkRecallLine(ctx context.Context, plan, sku, orderNo string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO plan_recall_lines (plan_id, sku, order_no, at) VALUES (?, ?, ?, ?)
ON CONFLICT (plan_id, sku, order_no) DO NOTHING`, plan, sku, orderNo, micros(tx.now))
	if err != nil {
		return false, fmt.Errorf("mark recall line %s/%s of plan %s: %w", orderNo, sku, plan, dbErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mark recall line %s/%s of plan %s: %w", orderNo, sku, plan, err)
	}
	return n > 0, nil
}

// RecallMarks counts the lines the plan has marked.
func (tx *Tx) RecallMarks(ctx context.Context, plan string) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM plan_recall_lines WHERE plan_id = ?`, plan).Scan(&n); err != nil {
		return 0, fmt.Errorf("recall marks of plan %s: %w", plan, dbErr(err))
	}
	return n, nil
}
