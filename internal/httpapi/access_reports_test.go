package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's reports (SPEC §9): merchants read their own figures (another
// merchant's are not found), the desk those of the merchants it serves, admins all;
// customers and integrations none. The agents' report is the supervisors' and admins'.
// Scoring a month is the admins'.
func init() { insertAccessRows("homePage", reportAccess...) }

var reportAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "listReports", want: reportReaders("200")},
	{op: "getReport", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"merchant": "200 404 200", "merchant (session)": "200 404 200", "agent": "200 200 200", "agent@shop-a (session)": "200 404 200",
		"supervisor": "200 200 200", "admin": "200 200 200"}},
	{op: "listScorecards", want: reportReaders("200")},
	{op: "scoreMonth", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	{op: "getScorecardRules", want: reportReaders("200")},
	// Each admin cell saves the next version of the rules.
	{op: "putScorecardRules", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	// Merchants schedule their own reports; supervisors and admins the platform's.
	{op: "listReportSchedules", want: scheduleUsers("200")},
	{op: "createReportSchedule", want: scheduleUsers("201")},
	// Each cell a fresh schedule of the target's merchant.
	{op: "deleteReportSchedule", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"merchant": "204 404 204", "merchant (session)": "204 404 204", "supervisor": "204 204 204", "admin": "204 204 204"}},
	{op: "sendReportSchedule", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"merchant": "200 404 200", "merchant (session)": "200 404 200", "supervisor": "200 200 200", "admin": "200 200 200"}},
}

func scheduleUsers(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "merchant": ok, "merchant (session)": ok, "supervisor": ok, "admin": ok}
}

// reportSchedule is a fresh daily report by email of the target's merchant.
func (aw *accessWorld) reportSchedule(t *testing.T, tg target) app.ScheduleView {
	t.Helper()
	merchant, _ := tg.owner()
	v, err := aw.env.App.CreateSchedule(context.Background(), app.Principal{Role: app.RoleMerchant, Merchant: merchant, ID: "access"},
		app.ScheduleInput{Report: "reasons", Frequency: "daily", Channel: "email", Target: "reports@" + merchant + ".example"})
	if err != nil {
		t.Fatal(err)
	}
	return *v
}

func reportReaders(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "merchant": ok, "merchant (session)": ok,
		"agent": ok, "agent@shop-a (session)": ok, "supervisor": ok, "admin": ok}
}

// reportRequest is the request of a cell of the reports' rows (false for another row).
func (aw *accessWorld) reportRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "listReports":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports"}
	case "getReport":
		merchant, _ := tg.owner()
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/return_rate?merchant=" + merchant}
	case "listScorecards":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/scorecards"}
	case "scoreMonth":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/scorecards", JSON: httpapi.ScoreMonthBody{Month: "2026-11"}}
	case "getScorecardRules":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/scorecards/rules"}
	case "putScorecardRules":
		cur, err := aw.env.App.GetScorecardRules(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"})
		if err != nil {
			t.Fatal(err)
		}
		r = apitest.Request{Method: http.MethodPut, Path: "/api/v1/scorecards/rules", JSON: app.ScorecardRulesInput{Version: cur.Version, Rules: cur.Rules}}
	case "listReportSchedules":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/report-schedules"}
	case "createReportSchedule":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/report-schedules", JSON: app.ScheduleInput{Report: "reasons",
			Frequency: "weekly", Channel: "email", Target: "reports@example.com"}}
	case "deleteReportSchedule":
		r = apitest.Request{Method: http.MethodDelete, Path: "/api/v1/report-schedules/" + aw.reportSchedule(t, tg).ID}
	case "sendReportSchedule":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/report-schedules/" + aw.reportSchedule(t, tg).ID + "/send"}
	default:
		return r, false
	}
	return p.as(r), true
}
