package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// TestRecallQueriesUseIndexes stores 100,000 orders of one line each over 50 SKUs (2,000
// lines each; half of SKU-0007's marked by the plan; a case on one order in five) and checks the plans of a recall
// batch, generic (as the store runs it) and custom: one SKU's lines after the last order
// number are an index range of order_items_sku_order read in its order (no sort), the
// marks, orders and open cases are read by their keys, and no table is walked.
func TestRecallQueriesUseIndexes(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO merchants (code, created_at) VALUES ('m', now())`,
		`INSERT INTO customers (id, created_at) VALUES ('c', now())`,
		`INSERT INTO plans (id, doc, state, version, created_at) VALUES ('p1', '{}', 'active', 1, now())`,
		`INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		     freight_insurance, paid_at, created_at, updated_at)
		 SELECT 'O-' || lpad(g::text, 6, '0'), 'm', 'c', 'CNY', 'online', 0, false, now(), now(), now()
		 FROM generate_series(0, 99999) g`,
		`INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount)
		 SELECT order_no, 'SKU-' || lpad((substr(order_no, 3)::int % 50)::text, 4, '0'), 't', 'c', 1, 100, 100 FROM orders`,
		`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state, version,
		     priority, sla, data, decision, created_at, updated_at)
		 SELECT 'case-' || g, 'AS' || lpad(g::text, 8, '0'), 'O-' || lpad((g * 5)::text, 6, '0'), 'm', 'c', 'return_refund',
		     'no_reason', CASE WHEN g % 2 = 0 THEN 'requested' ELSE 'completed' END, 1, 'normal', '', '{}'::json, 'null', now(), now()
		 FROM generate_series(0, 19999) g`,
		`INSERT INTO case_items (case_id, sku, quantity, paid_amount)
		 SELECT c.id, oi.sku, 1, 100 FROM cases c JOIN order_items oi ON oi.order_no = c.order_no`,
		`INSERT INTO plan_recall_lines (plan_id, sku, order_no, at)
		 SELECT 'p1', sku, order_no, now() FROM order_items WHERE sku = 'SKU-0007' AND order_no < 'O-050000'`,
		`ANALYZE`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	args := []any{string(aftersale.Completed), string(aftersale.Closed), "SKU-0007", "O-049000", "p1", 201}
	for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
		plan := explain(t, db.pool, mode, recallLinesSQL, literals(t, args))
		if strings.Contains(plan, "Seq Scan") || sorts.MatchString(plan) {
			t.Errorf("%s walks a table or sorts:\n%s", mode, plan)
		}
		for _, want := range []string{"order_items_sku_order", "plan_recall_lines_pkey", "orders_pkey", "cases_order"} {
			if !strings.Contains(plan, want) {
				t.Errorf("%s does not use %s:\n%s", mode, want, plan)
			}
		}
		if mode == "force_generic_plan" {
			t.Logf("%s\n%s", mode, plan)
		}
	}
	// Through the store: the first batch starts after the marked half.
	err := db.View(ctx, func(tx store.Tx) error {
		ls, err := tx.RecallLines(ctx, store.RecallLineQuery{Plan: "p1", SKUs: []string{"SKU-0007"}, Limit: 3})
		if err == nil && (len(ls) != 3 || ls[0].OrderNo != "O-050007") {
			t.Errorf("first unmarked lines: %+v", ls)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
