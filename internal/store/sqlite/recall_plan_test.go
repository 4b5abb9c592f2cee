package sqlite

import (
	"strings"
	"testing"
)

// TestRecallQueriesUseIndexes stores 20,000 orders of one line each over 2,000 SKUs and
// checks by EXPLAIN QUERY PLAN that a recall batch reads a range of one SKU's lines after
// the last order number (order_items_sku_order), in the index's order (no sort), its
// orders, open cases and marks by their keys, and walks no table.
func TestRecallQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	for _, q := range []string{
		`INSERT INTO merchants (code, created_at) VALUES ('m', 0)`,
		`INSERT INTO customers (id, created_at) VALUES ('c', 0)`,
		`INSERT INTO plans (id, doc, state, version, created_at) VALUES ('p1', '{}', 'active', 1, 0)`,
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 19999)
		 INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		     freight_insurance, paid_at, created_at, updated_at)
		 SELECT printf('O-%05d', n), 'm', 'c', 'CNY', 'online', 0, 0, n, n, n FROM g`,
		`INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount)
		 SELECT order_no, printf('SKU-%04d', rowid % 2000), 't', 'c', 1, 100, 100 FROM orders`,
		`INSERT INTO plan_recall_lines (plan_id, sku, order_no, at)
		 SELECT 'p1', sku, order_no, 0 FROM order_items WHERE sku = 'SKU-0007'`,
		`ANALYZE`,
	} {
		mustExec(t, db.write, q)
	}
	sql, args := recallLinesQuery("p1", "SKU-0007", "O-00100", 201)
	plan := explain(t, db, sql, args)
	for _, use := range []string{"USING INDEX order_items_sku_order (sku=? AND order_no>?)", "SEARCH r USING PRIMARY KEY", "cases_order (order_no=?)"} {
		if !strings.Contains(plan, use) {
			t.Errorf("does not use %s:\n%s", use, plan)
		}
	}
	for _, scan := range []string{"TEMP B-TREE", "SCAN oi", "SCAN o\n", "SCAN r", "SCAN c\n", "SCAN order_items", "SCAN orders"} {
		if strings.Contains(plan+"\n", scan) {
			t.Errorf("walks a table (%s):\n%s", strings.TrimSpace(scan), plan)
		}
	}
}
