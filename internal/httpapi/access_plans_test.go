package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/plan"
)

// The access matrix's emergency plans (应急预案): admins write them; supervisors and
// admins read, start, stop and drill them; merchants, agents, customers and integrations
// none. Plans belong to the platform, not to a merchant: one status per principal.
func init() { insertAccessRows("homePage", planAccess...) }

func planRunners(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "supervisor": ok, "admin": ok}
}

var planAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "listPlans", want: planRunners("200")},
	{op: "createPlan", want: map[string]string{"*": "403", "anonymous": "401", "admin": "201"}},
	{op: "getPlan", want: planRunners("200")},
	// Each cell a fresh plan (a draft to start, an active one to stop).
	{op: "activatePlan", want: planRunners("200")},
	{op: "deactivatePlan", want: planRunners("200")},
	{op: "drillPlan", want: planRunners("200")},
}

// accessPlan is a fresh manual plan, active when on.
func (aw *accessWorld) accessPlan(t *testing.T, on bool) app.PlanView {
	t.Helper()
	admin := app.Principal{Role: app.RoleAdmin, ID: "access"}
	v, err := aw.env.App.CreatePlan(context.Background(), admin, plan.Plan{Name: plan.Text{ZH: "演练", EN: "Drill"},
		Triggers: []plan.Trigger{{Kind: plan.Manual}}, Effects: plan.Effects{ExtendDeadlinesWD: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if on {
		if v, err = aw.env.App.ActivatePlan(context.Background(), admin, v.ID); err != nil {
			t.Fatal(err)
		}
	}
	return *v
}

// planRequest is the request of a cell of the plans' rows (false for another row).
func (aw *accessWorld) planRequest(t *testing.T, op string, p principal, _ target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "listPlans":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/plans"}
	case "createPlan":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans", JSON: plan.Plan{Name: plan.Text{ZH: "演练", EN: "Drill"},
			Triggers: []plan.Trigger{{Kind: plan.Manual}}, Effects: plan.Effects{ExtendDeadlinesWD: 1}}}
	case "getPlan":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/plans/" + aw.accessPlan(t, false).ID}
	case "activatePlan":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + aw.accessPlan(t, false).ID + "/activate"}
	case "deactivatePlan":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + aw.accessPlan(t, true).ID + "/deactivate"}
	case "drillPlan":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + aw.accessPlan(t, false).ID + "/drill",
			JSON: plan.Surge{ArrivalsPerHour: []int{4}, Agents: 1, CasesPerAgentHr: 4, TargetHours: 1}}
	default:
		return r, false
	}
	return p.as(r), true
}
