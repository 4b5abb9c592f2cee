package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// queueRows is how many cases (and orders, one each) TestQueueQueriesUseIndexes stores.
const queueRows = 100_000

// TestQueueQueriesUseIndexes stores 100,000 cases of ten merchants (three in ten open, with
// a deadline; one in 23 with an SLA notice) on as many orders of 20,000 customers, and
// checks by EXPLAIN QUERY PLAN that the queue's and the portal's queries read through
// their indexes in the order they return, never sorting the table: a merchant's queue by
// deadline filtered by state, the platform's by deadline, the SLA filter, the search box,
// and the orders of a customer, of a merchant and of everyone; later pages start in the
// index at the cursor (a range, not a filter), so that they cost what the first one does.
// A search finds a few cases and sorts them.
func TestQueueQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	start := time.Now()
	for _, q := range []string{
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 9)
		 INSERT INTO merchants (code, created_at) SELECT 'M-' || n, 0 FROM g`,
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 19999)
		 INSERT INTO customers (id, phone, phone_last4, created_at)
		 SELECT printf('C-%05d', n), printf('138%08d', n * 37), substr(printf('%08d', n * 37), -4), 0 FROM g`,
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 99999)
		 INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		     freight_insurance, paid_at, created_at, updated_at)
		 SELECT printf('O-%06d', n), 'M-' || (n / 10 % 10), printf('C-%05d', n % 20000), 'CNY', 'online', 0, 0,
		     1741599000000000 + (n / 2) * 1000000, 0, 0 FROM g`,
		`INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount)
		 SELECT order_no, 'SKU-A', 'flask', 'home', 1, 5000, 5000 FROM orders`,
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 99999)
		 INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state, version,
		     due_at, priority, sla, data, decision, created_at, updated_at)
		 SELECT printf('case-%06d', n), printf('AS250310%06d', n), printf('O-%06d', n), 'M-' || (n / 10 % 10),
		     printf('C-%05d', n % 20000), 'return_refund', 'no_reason',
		     CASE n % 10 WHEN 0 THEN 'requested' WHEN 1 THEN 'approved' WHEN 2 THEN 'returning' WHEN 3 THEN 'closed' ELSE 'completed' END,
		     1, CASE WHEN n % 10 < 3 THEN 1741599000000000 + (n * 7919 % 100000) * 1000000 END,
		     'normal', CASE n % 47 WHEN 0 THEN 'breached' WHEN 1 THEN 'at_risk' ELSE '' END,
		     '{"id":"' || printf('case-%06d', n) || '"}', 'null', 1741599000000000 + n * 1000000, 0 FROM g`,
		`ANALYZE`,
	} {
		mustExec(t, db.write, q)
	}
	t.Logf("stored %d cases and orders in %v", queueRows, time.Since(start).Round(time.Millisecond))

	open := []aftersale.State{aftersale.Requested, aftersale.Approved}
	cursor := func(what string, page func(tx store.Tx) (string, error)) string {
		var next string
		err := db.View(t.Context(), func(tx store.Tx) error {
			var err error
			next, err = page(tx)
			return err
		})
		if err != nil || next == "" {
			t.Fatalf("%s: no next page (%v)", what, err)
		}
		return next
	}
	merchantQueue := store.CaseQuery{Merchant: "M-3", States: open, Sort: store.SortDeadline}
	merchantNext := cursor("merchant queue", func(tx store.Tx) (string, error) {
		_, next, err := tx.ListCases(t.Context(), merchantQueue)
		return next, err
	})
	platformNext := cursor("platform queue", func(tx store.Tx) (string, error) {
		_, next, err := tx.ListCases(t.Context(), store.CaseQuery{Sort: store.SortDeadline})
		return next, err
	})
	ordersNext := cursor("merchant orders", func(tx store.Tx) (string, error) {
		_, next, err := tx.ListOrders(t.Context(), store.OrderQuery{Merchant: "M-3"})
		return next, err
	})
	later := func(q store.CaseQuery, cursor string) store.CaseQuery { q.Cursor = cursor; return q }
	overdueAt := time.UnixMicro(1741599000000000 + 50_000*1_000_000).UTC() // half the deadlines are past

	for _, c := range []struct {
		name string
		q    any // store.CaseQuery or store.OrderQuery
		uses string
		sort bool // sorts what it found: a search finds a few cases
	}{
		{"MerchantQueueByDeadline", merchantQueue, "cases_merchant_due_sort", false},
		{"MerchantQueueByDeadlineLaterPage", later(merchantQueue, merchantNext), "cases_merchant_due_sort (merchant_code=? AND <expr>>?)", false},
		{"PlatformQueueByDeadline", store.CaseQuery{States: open, Sort: store.SortDeadline}, "cases_due_sort", false},
		{"PlatformQueueByDeadlineLaterPage", store.CaseQuery{Sort: store.SortDeadline, Cursor: platformNext}, "cases_due_sort (<expr>>?)", false},
		{"Breached", store.CaseQuery{SLA: aftersale.SLAFlagBreached}, "cases_sla_created", false},
		{"MerchantBreached", store.CaseQuery{Merchant: "M-3", SLA: aftersale.SLAFlagBreached}, "cases_merchant_sla_created", false},
		{"SearchByNumber", store.CaseQuery{Merchant: "M-3", Search: "AS250310000013"}, "sqlite_autoindex_cases", true},
		{"SearchByPhone", store.CaseQuery{Merchant: "M-3", Search: "0481"}, "customers_phone_last4", true},
		{"SearchByPhoneByDeadline", store.CaseQuery{Merchant: "M-3", Search: "0481", Sort: store.SortDeadline}, "customers_phone_last4", true},
		// Overdue cases through the deadline index, an index condition on its key.
		{"MerchantOverdue", store.CaseQuery{Merchant: "M-3", OverdueAt: overdueAt, Sort: store.SortDeadline},
			"cases_merchant_due_sort (merchant_code=? AND <expr><?)", false},
		// An agent's cases: the partial indexes of owned cases.
		{"AgentQueueOneState", store.CaseQuery{Assignee: "agent-1", States: []aftersale.State{aftersale.Requested}, Sort: store.SortDeadline},
			"cases_assignee_state_due (assignee=? AND state=?)", false},
		{"AgentCases", store.CaseQuery{Assignee: "agent-1"}, "cases_assignee_created (assignee=?)", false},
		{"OrdersOfACustomer", store.OrderQuery{Customer: "C-00042"}, "orders_customer_paid", false},
		{"OrdersOfAMerchant", store.OrderQuery{Merchant: "M-3"}, "orders_merchant_paid", false},
		{"OrdersOfAMerchantLaterPage", store.OrderQuery{Merchant: "M-3", Cursor: ordersNext}, "orders_merchant_paid (merchant_code=? AND (paid_at,order_no)<(?,?))", false},
		{"OrdersOfEveryone", store.OrderQuery{}, "orders_paid", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sql string
			var args []any
			var err error
			switch q := c.q.(type) {
			case store.CaseQuery:
				sql, args, err = listCasesSQL(q, 50)
			case store.OrderQuery:
				sql, args, err = listOrdersSQL(q, 50)
			}
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, db, sql, args)
			if !strings.Contains(plan, c.uses) {
				t.Errorf("does not use %s:\n%s", c.uses, plan)
			}
			for _, bad := range []string{"USE TEMP B-TREE", "SCAN cases\n", "SCAN orders\n"} {
				if strings.Contains(plan+"\n", bad) && !(c.sort && strings.Contains(bad, "TEMP")) {
					t.Errorf("%s:\n%s", strings.TrimSpace(bad), plan)
				}
			}
			// What it costs here, through the store.
			start := time.Now()
			const rounds = 20
			for range rounds {
				err := db.View(t.Context(), func(tx store.Tx) error {
					var err error
					switch q := c.q.(type) {
					case store.CaseQuery:
						_, _, err = tx.ListCases(t.Context(), q)
					case store.OrderQuery:
						_, _, err = tx.ListOrders(t.Context(), q)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%v a page\n%s", (time.Since(start) / rounds).Round(time.Microsecond), plan)
		})
	}
	// The lines of a page of orders: one query through the primary key.
	plan := explain(t, db, `SELECT order_no, sku FROM order_items WHERE order_no IN (?, ?, ?) ORDER BY order_no, sku`,
		[]any{"O-000001", "O-000002", "O-000003"})
	if !strings.Contains(plan, "sqlite_autoindex_order_items") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("order lines:\n%s", plan)
	}
}

// explain is the query plan of sql, one line a step.
func explain(t *testing.T, db *DB, sql string, args []any) string {
	t.Helper()
	rs, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var lines []string
	for rs.Next() {
		var id, parent, unused int
		var detail string
		if err := rs.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}
