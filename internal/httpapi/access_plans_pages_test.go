package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's emergency plans' pages (应急预案): the rows of the plans' API
// (access_plans_test.go) as the pages' sessions meet them. Supervisors and admins read,
// start, stop and drill, admins write (plans_pages_test.go walks them with those
// sessions); customers, merchant staff and agents are refused; without a session, the
// login page.
func init() { insertAccessRows("homePage", planPageAccess...) }

// planPagesRefused is every plan page's row here: no session, the login page; the
// sessions of the matrix (customer, merchant staff, agent), 403.
var planPagesRefused = map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}

var planPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "plansPage", want: planPagesRefused},
	{op: "planCreateForm", want: planPagesRefused},
	{op: "planPage", want: planPagesRefused},
	{op: "planActivateForm", want: planPagesRefused},
	{op: "planDeactivateForm", want: planPagesRefused},
	{op: "planDrillForm", want: planPagesRefused},
}

// planPageRequest is the request of a cell of the plans' pages' rows (false for another row).
func (aw *accessWorld) planPageRequest(t *testing.T, op string, p principal, _ target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "plansPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/plans"}
	case "planCreateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/plans", Form: p.form(url.Values{
			"plan": {`{"name": {"zh": "演练", "en": "Drill"}, "triggers": [{"kind": "manual"}], "effects": {"extend_deadlines_wd": 1}}`}})}
	case "planPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/plans/" + aw.accessPlan(t, false).ID}
	case "planActivateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/plans/" + aw.accessPlan(t, false).ID + "/activate", Form: p.form(url.Values{})}
	case "planDeactivateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/plans/" + aw.accessPlan(t, true).ID + "/deactivate", Form: p.form(url.Values{})}
	case "planDrillForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/plans/" + aw.accessPlan(t, false).ID + "/drill", Form: p.form(url.Values{
			"arrivals_per_hour": {"4"}, "agents": {"1"}, "cases_per_agent_hour": {"4"}, "low_risk_share_bp": {"0"}, "target_hours": {"1"}})}
	default:
		return r, false
	}
	return p.as(r), true
}
