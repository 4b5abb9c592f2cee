package sqlite

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
)

// TestAnalyticsQueriesUseIndexes stores 100,000 cells (20 merchants, 50 keys of a
// dimension, 50 days, two metrics) and checks by EXPLAIN QUERY PLAN that QueryCells' main
// shapes search the cells by index: a merchant's report over days a range of the primary
// key, the platform's report_cells_day, the platform's of one key report_cells_key_day.
func TestAnalyticsQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	for _, q := range []string{
		`WITH RECURSIVE g (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 49999)
		 INSERT INTO report_cells (dim, metric, merchant, day, k1, k2, n, sum)
		 SELECT 'category', m.metric, printf('M-%02d', n % 20), date('2025-01-01', printf('+%d days', n / 1000)),
		     printf('cat-%02d', n / 20 % 50), '', 1, n
		 FROM g, (SELECT 'cases' AS metric UNION ALL SELECT 'refund') AS m`,
		`ANALYZE`,
	} {
		mustExec(t, db.write, q)
	}
	metrics := []string{"cases", "refund"}
	for _, c := range []struct {
		name string
		q    store.CellQuery
		uses string
	}{
		{"MerchantByDay", store.CellQuery{Dim: "category", Merchant: "M-03", From: "2025-01-10", To: "2025-01-16",
			Metrics: metrics, By: []string{"day"}}, "USING PRIMARY KEY (dim=? AND metric=? AND merchant=? AND day>? AND day<?)"},
		{"MerchantByKey", store.CellQuery{Dim: "category", Merchant: "M-03", From: "2025-01-10", To: "2025-01-16",
			Metrics: metrics, By: []string{"k1"}}, "USING PRIMARY KEY (dim=? AND metric=? AND merchant=? AND day>? AND day<?)"},
		{"PlatformByKey", store.CellQuery{Dim: "category", From: "2025-01-10", To: "2025-01-12",
			Metrics: metrics, By: []string{"k1"}}, "USING INDEX report_cells_day (dim=? AND metric=? AND day>? AND day<?)"},
		{"PlatformOneKeyByDay", store.CellQuery{Dim: "category", K1: "cat-07", From: "2025-01-10", To: "2025-01-30",
			Metrics: metrics, By: []string{"day"}}, "USING INDEX report_cells_key_day (dim=? AND metric=? AND k1=? AND day>? AND day<?)"},
		{"MerchantsByMerchant", store.CellQuery{Dim: "category", Merchants: []string{"M-01", "M-02"}, From: "2025-01-10",
			To: "2025-01-12", Metrics: metrics, By: []string{"merchant"}}, "SEARCH report_cells USING"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql, args, err := queryCellsSQL(c.q)
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, db, sql, args)
			t.Logf("%s", plan)
			if !strings.Contains(plan, c.uses) {
				t.Errorf("does not search %s:\n%s", c.uses, plan)
			}
			if strings.Contains(plan+"\n", "SCAN report_cells\n") {
				t.Errorf("scans the cells:\n%s", plan)
			}
		})
	}
}
