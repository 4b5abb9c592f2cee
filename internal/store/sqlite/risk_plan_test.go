package sqlite

import (
	"strings"
	"testing"
)

// TestRiskQueriesUseIndexes: the risk score's count of a customer's recent cases that
// failed an inspection reads the inspection failures through case_events_failed, not every
// event of every recent case.
func TestRiskQueriesUseIndexes(t *testing.T) {
	if raceDetector {
		t.Skip("a query-plan test: run without -race (go test -run QueriesUseIndexes ./internal/store/...)")
	}
	db := MustOpenDB(t)
	plan := explain(t, db, riskFailuresSQL, []any{"c1", 100})
	if !strings.Contains(plan, "case_events_failed") {
		t.Errorf("does not read case_events_failed:\n%s", plan)
	}
}
