package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// TestRiskQueriesUseIndexes: the risk score's read of a customer of 1,000
// orders and cases (six events each) finds the inspection failures of the recent cases
// through case_events_failed, not by reading every event of every case, as generic and as
// custom plan. With -v it logs the generic plan run (EXPLAIN ANALYZE): where the read's time
// goes, part by part (docs/PERFORMANCE.md, "The risk score's read of a long history").
func TestRiskQueriesUseIndexes(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seedRiskHistory(t, db, 1000)
	args := "'c1', 7, 100, " + lit(time.Now().Add(-90*24*time.Hour))
	for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
		plan := explain(t, db.pool, mode, riskFeaturesSQL, args)
		if !strings.Contains(plan, "case_events_failed on case_events") {
			t.Errorf("%s does not read case_events_failed:\n%s", mode, plan)
		}
	}
	explainWith(t, db.pool, "force_generic_plan", "(ANALYZE, COSTS OFF)", riskFeaturesSQL, args) // the plan cached, the tables read once
	t.Log(explainWith(t, db.pool, "force_generic_plan", "(ANALYZE, BUFFERS, COSTS OFF)", riskFeaturesSQL, args))
}
