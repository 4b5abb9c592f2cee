package sqlite

import (
	"strings"
	"testing"
)

// TestCaseSourceQueriesUseIndexes: each statement of the folder's batch read looks its cases up
// through an index (a SEARCH per case id), never by reading a whole table.
func TestCaseSourceQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	ids := `["c1","c2","c3"]`
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sourceCasesSQL, []any{ids}}, {sourceCategoriesSQL, []any{ids}}, {sourceEventsSQL, []any{ids}},
		{sourceMessagesSQL, []any{ids}}, {sourceSurveysSQL, []any{ids}}, {sourceDisputesSQL, []any{ids}},
		{sourceEntriesSQL, []any{ids}}, {sourceComplaintsSQL, []any{ids}}, {contributionsSQL, []any{"case", ids}},
		{ordersSQL, []any{ids}}, {orderLinesSQL(3), []any{"o1", "o2", "o3"}},
	} {
		plan := explain(t, db, q.sql, q.args)
		for _, line := range strings.Split(plan, "\n") {
			if strings.Contains(line, "SCAN ") && !strings.Contains(line, "json_each") {
				t.Errorf("%s\nreads a whole table:\n%s", q.sql, plan)
			}
		}
		t.Logf("%s\n%s", q.sql, plan)
	}
}

// A notification's recipients are read through the staff indexes, not the whole table.
func TestStaffQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	plan := explain(t, db, staffForSQL, []any{"M-1"})
	whole := false // a scan of users other than of the platform staff's partial index
	for _, line := range strings.Split(plan, "\n") {
		whole = whole || strings.Contains(line, "SCAN users") && !strings.Contains(line, "users_platform_staff")
	}
	if whole || !strings.Contains(plan, "users_merchant_staff") || !strings.Contains(plan, "users_platform_staff") {
		t.Errorf("%s\ndoes not read through the staff indexes:\n%s", staffForSQL, plan)
	}
	t.Logf("%s\n%s", staffForSQL, plan)
}
