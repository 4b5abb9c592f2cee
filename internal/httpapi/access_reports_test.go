package httpapi_test

import (
	"net/http"
	"testing"

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
	default:
		return r, false
	}
	return p.as(r), true
}
