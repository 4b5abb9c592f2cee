package postgres

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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
// checks the plans of the queue's and the portal's queries, generic (as the store runs
// them) and custom: a merchant's queue by deadline filtered by state and the platform's
// read the deadline indexes in order, later pages from the cursor on (an index condition,
// not a filter); the SLA filter and the search box read their indexes; orders come in
// order from orders_customer_paid, orders_merchant_paid or orders_paid, their lines
// through order_items_pkey (an Incremental Sort puts each order's lines by SKU). No
// plan scans a whole table or sorts the rows it selects (but a search's few).
func TestQueueQueriesUseIndexes(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO merchants (code, created_at) SELECT 'M-' || g, now() FROM generate_series(0, 9) g`,
		`INSERT INTO customers (id, phone, phone_last4, created_at)
		 SELECT 'C-' || lpad(g::text, 5, '0'), '138' || lpad((g * 37)::text, 8, '0'), right(lpad((g * 37)::text, 8, '0'), 4), now()
		 FROM generate_series(0, 19999) g`,
		`INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		     freight_insurance, paid_at, created_at, updated_at)
		 SELECT 'O-' || lpad(g::text, 6, '0'), 'M-' || (g / 10 % 10), 'C-' || lpad((g % 20000)::text, 5, '0'), 'CNY', 'online', 0,
		     false, '2025-03-10T09:30:00Z'::timestamptz + (g / 2) * interval '1 second', now(), now()
		 FROM generate_series(0, 99999) g`,
		`INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount)
		 SELECT order_no, 'SKU-A', 'flask', 'home', 1, 5000, 5000 FROM orders`,
		`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state, version,
		     due_at, priority, sla, data, decision, created_at, updated_at)
		 SELECT 'case-' || lpad(g::text, 6, '0'), 'AS250310' || lpad(g::text, 6, '0'), 'O-' || lpad(g::text, 6, '0'),
		     'M-' || (g / 10 % 10), 'C-' || lpad((g % 20000)::text, 5, '0'), 'return_refund', 'no_reason',
		     CASE g % 10 WHEN 0 THEN 'requested' WHEN 1 THEN 'approved' WHEN 2 THEN 'returning' WHEN 3 THEN 'closed' ELSE 'completed' END,
		     1, CASE WHEN g % 10 < 3 THEN '2025-03-10T09:30:00Z'::timestamptz + (g * 7919 % 100000) * interval '1 second' END,
		     'normal', CASE g % 47 WHEN 0 THEN 'breached' WHEN 1 THEN 'at_risk' ELSE '' END,
		     ('{"id":"case-' || lpad(g::text, 6, '0') || '"}')::json, 'null',
		     '2025-03-10T09:30:00Z'::timestamptz + g * interval '1 second', now()
		 FROM generate_series(0, 99999) g`,
		`ANALYZE`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Logf("stored %d cases and orders in %v", queueRows, time.Since(start).Round(time.Millisecond))

	open := []aftersale.State{aftersale.Requested, aftersale.Approved}
	next := func(what string, page func(tx store.Tx) (string, error)) string {
		var next string
		err := db.View(ctx, func(tx store.Tx) error {
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
	merchantNext := next("merchant queue", func(tx store.Tx) (string, error) {
		_, next, err := tx.ListCases(ctx, merchantQueue)
		return next, err
	})
	platformNext := next("platform queue", func(tx store.Tx) (string, error) {
		_, next, err := tx.ListCases(ctx, store.CaseQuery{Sort: store.SortDeadline})
		return next, err
	})
	ordersNext := next("merchant orders", func(tx store.Tx) (string, error) {
		_, next, err := tx.ListOrders(ctx, store.OrderQuery{Merchant: "M-3"})
		return next, err
	})
	later := func(q store.CaseQuery, cursor string) store.CaseQuery { q.Cursor = cursor; return q }
	overdueAt := time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC).Add(50_000 * time.Second) // half the deadlines are past

	for _, c := range []struct {
		name string
		q    any      // store.CaseQuery or store.OrderQuery
		uses []string // the plan names these (index and condition; a|b: either)
		sort bool     // may sort what it found: a search finds a few cases
	}{
		{"MerchantQueueByDeadline", merchantQueue, []string{"cases_merchant_due_sort"}, false},
		{"MerchantQueueByDeadlineLaterPage", later(merchantQueue, merchantNext),
			[]string{"cases_merchant_due_sort", "Index Cond: ((merchant_code = $1) AND (ROW(COALESCE(due_at"}, false},
		{"PlatformQueueByDeadline", store.CaseQuery{States: open, Sort: store.SortDeadline}, []string{"cases_due_sort"}, false},
		{"PlatformQueueByDeadlineLaterPage", store.CaseQuery{Sort: store.SortDeadline, Cursor: platformNext},
			[]string{"cases_due_sort", "Index Cond: (ROW(COALESCE(due_at"}, false},
		{"Breached", store.CaseQuery{SLA: aftersale.SLAFlagBreached}, []string{"cases_sla_created"}, false},
		{"MerchantBreached", store.CaseQuery{Merchant: "M-3", SLA: aftersale.SLAFlagBreached}, []string{"cases_merchant_sla_created"}, false},
		{"SearchByNumber", store.CaseQuery{Merchant: "M-3", Search: "AS250310000013"}, []string{"cases_number_key", "cases_order"}, true},
		{"SearchByPhone", store.CaseQuery{Merchant: "M-3", Search: "0481"}, []string{"customers_phone_last4", "cases_number_key", "cases_customer_created"}, true},
		{"SearchByPhoneByDeadline", store.CaseQuery{Merchant: "M-3", Search: "0481", Sort: store.SortDeadline}, []string{"customers_phone_last4", "cases_customer_created"}, true},
		// Overdue cases through the deadline index, an index condition on its key.
		{"MerchantOverdue", store.CaseQuery{Merchant: "M-3", OverdueAt: overdueAt, Sort: store.SortDeadline},
			[]string{"cases_merchant_due_sort", "Index Cond: ((merchant_code = $1) AND (COALESCE(due_at"}, false},
		// An agent's cases: the partial indexes of owned cases (an agent's few, sorted).
		{"AgentQueueByDeadline", store.CaseQuery{Assignee: "agent-1", States: open, Sort: store.SortDeadline},
			[]string{"cases_assignee_state_due|cases_assignee_created"}, true},
		{"AgentCases", store.CaseQuery{Assignee: "agent-1"}, []string{"cases_assignee_created"}, false},
		{"OrdersOfACustomer", store.OrderQuery{Customer: "C-00042"}, []string{"orders_customer_paid", "order_items_pkey"}, true}, // a customer's few
		{"OrdersOfAMerchant", store.OrderQuery{Merchant: "M-3"}, []string{"orders_merchant_paid", "order_items_pkey"}, false},
		{"OrdersOfAMerchantLaterPage", store.OrderQuery{Merchant: "M-3", Cursor: ordersNext},

			// With ten merchants, walking every order from the cursor finds one of M-3 in ten:
			// the planner may take either index, the position being an index condition.
			[]string{"Index Cond: ((merchant_code = $1) AND (ROW(paid_at, order_no) < ROW($2, $3)))|Index Cond: (ROW(paid_at, order_no) < ROW($2, $3))"}, false},
		{"OrdersOfEveryone", store.OrderQuery{}, []string{"orders_paid", "order_items_pkey"}, false},
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
			for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
				plan := explain(t, db.pool, mode, sql, literals(t, args))
				if strings.Contains(plan, "Seq Scan") {
					t.Errorf("%s scans a whole table:\n%s", mode, plan)
				}
				if !c.sort && mode == "force_generic_plan" && sorts.MatchString(plan) {
					t.Errorf("%s sorts what it selects:\n%s", mode, plan)
				}
				for _, want := range c.uses {
					if mode == "force_custom_plan" && strings.Contains(want, "$") {
						continue // the custom plan shows the values
					}
					if !slices.ContainsFunc(strings.Split(want, "|"), func(w string) bool { return strings.Contains(plan, w) }) {
						t.Errorf("%s does not use %s:\n%s", mode, want, plan)
					}
				}
				if mode == "force_generic_plan" {
					t.Logf("%s\n%s", mode, plan)
				}
			}
			// What it costs here, through the store.
			start := time.Now()
			const rounds = 20
			for range rounds {
				err := db.View(ctx, func(tx store.Tx) error {
					var err error
					switch q := c.q.(type) {
					case store.CaseQuery:
						_, _, err = tx.ListCases(ctx, q)
					case store.OrderQuery:
						_, _, err = tx.ListOrders(ctx, q)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%v a page", (time.Since(start) / rounds).Round(time.Microsecond))
		})
	}
}

// sorts matches a plan's Sort node (not an Incremental Sort, which only orders the lines
// of each order).
var sorts = regexp.MustCompile(`(?m)^(\s*->)?\s*Sort  \(`)

// literals are args as the SQL literals of EXECUTE.
func literals(t *testing.T, args []any) string {
	t.Helper()
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case []string:
			var q []string
			for _, s := range v {
				q = append(q, "'"+strings.ReplaceAll(s, "'", "''")+"'")
			}
			out[i] = "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
		case time.Time:
			out[i] = lit(v)
		case *time.Time:
			out[i] = "NULL"
			if v != nil {
				out[i] = lit(*v)
			}
		case int:
			out[i] = fmt.Sprint(v)
		default:
			t.Fatalf("no literal for %T", a)
		}
	}
	return strings.Join(out, ", ")
}
