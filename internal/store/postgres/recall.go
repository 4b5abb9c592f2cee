package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// recallLinesSQL reads one SKU's lines after an order number through order_items_sku_order
// (a range of the index, byte-wise, in its order, so a batch costs its own lines however
// far the recall has gone), less those the plan has marked (plan_recall_lines' key), each
// with the number of a case on it that has not ended (cases_order, then case_items' key).
const recallLinesSQL = `
SELECT oi.order_no, oi.sku, oi.title, o.merchant_code, o.customer_id, oi.quantity, oi.claimed,
       o.shipped_at IS NOT NULL, o.delivered_at IS NOT NULL,
       coalesce((SELECT min(c.number) FROM cases c JOIN case_items ci ON ci.case_id = c.id AND ci.sku = oi.sku
                 WHERE c.order_no = oi.order_no AND c.state NOT IN ($1, $2)), '')
FROM order_items oi JOIN orders o ON o.order_no = oi.order_no
WHERE oi.sku = $3 AND oi.order_no COLLATE "C" > $4
  AND NOT EXISTS (SELECT 1 FROM plan_recall_lines r
                  WHERE r.plan_id = $5 AND r.sku = oi.sku AND r.order_no = oi.order_no COLLATE "C")
ORDER BY oi.order_no COLLATE "C"
LIMIT $6`

// RecallLines returns the order lines of the recalled SKUs that the plan has not marked:
// SKU by SKU (byte-wise), each from its index range.
func (t *Tx) RecallLines(ctx context.Context, q store.RecallLineQuery) ([]store.RecallLine, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	var out []store.RecallLine
	for _, sku := range slices.Compact(slices.Sorted(slices.Values(q.SKUs))) {
		if sku < q.AfterSKU {
			continue
		}
		after := ""
		if sku == q.AfterSKU {
			after = q.AfterOrder
		}
		err := t.query(ctx, recallLinesSQL, []any{string(aftersale.Completed), string(aftersale.Closed), sku, after, q.Plan, limit - len(out)},
			func(rows pgx.Rows) error {
				var (
					l                 store.RecallLine
					quantity, claimed int32
				)
				if err := rows.Scan(&l.OrderNo, &l.SKU, &l.Title, &l.Merchant, &l.Customer, &quantity, &claimed,
					&l.Shipped, &l.Delivered, &l.OpenCase); err != nil {
					return err
				}
				l.Quantity, l.Claimed = int(quantity), int(claimed)
				out = append(out, l)
				return nil
			})
		if err != nil {
			return nil, wrap(err, "recall lines of %s", sku)
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// MarkRecallLine records that the plan took up the line; false when it had already. Sent
// at once: a concurrent transaction that marked the line first is waited for, and then
// this one inserts nothing.
func (t *Tx) MarkRecallLine(ctx context.Context, plan, sku, orderNo string) (bool, error) {
	n, err := t.exec(ctx, `INSERT INTO plan_recall_lines (plan_id, sku, order_no, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (plan_id, sku, order_no) DO NOTHING`, plan, sku, orderNo, utcMicro(t.now))
	if err != nil {
		return false, wrap(err, "mark recall line %s/%s of plan %s", orderNo, sku, plan)
	}
	return n > 0, nil
}

// RecallMarks counts the lines the plan has marked.
func (t *Tx) RecallMarks(ctx context.Context, plan string) (int, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT count(*) FROM plan_recall_lines WHERE plan_id = $1`, []any{plan}, &n)
	return int(n), wrap(err, "recall marks of plan %s", plan)
}
