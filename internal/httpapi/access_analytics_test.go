package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's analytics pages: the rows of the reports (access_reports_test.go) as
// the pages' sessions meet them. The dashboard is asked for the target's merchant: a
// merchant's staff and an agent of shop-a find shop-b's figures not found (the 404 page);
// customers may read no report. The scheduled reports' pages are those of merchant staff
// (their merchant's; another merchant's schedule is not found), supervisors and admins;
// the scorecard rules' form is the admins' (none has a session here: 403 for every other).
// They go with the other pages', before the home page.
func init() { insertAccessRows("homePage", analyticsPageAccess...) }

var analyticsPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "dashboardPage", want: map[string]string{"*": "303 303 303", "customer@shop-a": "403 403 403",
		"merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "scorecardsPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "200", "agent@shop-a (session)": "200"}},
	{op: "reportSchedulesPage", want: schedulePageStaff("200")},
	// By email: back to the list (a webhook's answer is the list with its secret, 201).
	{op: "reportScheduleCreateForm", want: schedulePageStaff("303")},
	// Each cell a fresh schedule of the target's merchant.
	{op: "reportScheduleSendForm", want: schedulePageOwner("303")},
	{op: "reportScheduleDeleteForm", want: schedulePageOwner("303")},
	{op: "scorecardRulesForm", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}},
}

// schedulePageStaff is a row of the scheduled reports' pages on no schedule: merchant
// staff's session ok, agents' and customers' refused.
func schedulePageStaff(ok string) map[string]string {
	return map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": ok, "agent@shop-a (session)": "403"}
}

// schedulePageOwner is a row of the forms of one schedule: merchant staff's own, not
// another merchant's.
func schedulePageOwner(ok string) map[string]string {
	return map[string]string{"*": "303 303 303", "customer@shop-a": "403 403 403", "merchant (session)": ok + " 404 " + ok,
		"agent@shop-a (session)": "403 403 403"}
}

// analyticsPageRequest is the request of a cell of the analytics pages' rows (false for
// another row).
func (aw *accessWorld) analyticsPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "dashboardPage":
		merchant, _ := tg.owner()
		r = apitest.Request{Method: http.MethodGet, Path: "/dashboard?merchant=" + url.QueryEscape(merchant)}
	case "scorecardsPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/scorecards"}
	case "reportSchedulesPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/reports/schedules"}
	case "reportScheduleCreateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/reports/schedules", Form: p.form(url.Values{"report": {"reasons"},
			"frequency": {"weekly"}, "channel": {"email"}, "target": {"reports@example.com"}, "format": {"xlsx"}, "report_lang": {"en"}})}
	case "reportScheduleSendForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/reports/schedules/" + aw.reportSchedule(t, tg).ID + "/send", Form: p.form(url.Values{})}
	case "reportScheduleDeleteForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/reports/schedules/" + aw.reportSchedule(t, tg).ID + "/delete", Form: p.form(url.Values{})}
	case "scorecardRulesForm":
		cur, err := aw.env.App.GetScorecardRules(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "access"})
		if err != nil {
			t.Fatal(err)
		}
		rules, _ := json.Marshal(cur.Rules)
		r = apitest.Request{Method: http.MethodPost, Path: "/scorecards/rules", Form: p.form(url.Values{"rules": {string(rules)},
			"version": {strconv.Itoa(cur.Version)}})}
	default:
		return r, false
	}
	return p.as(r), true
}
