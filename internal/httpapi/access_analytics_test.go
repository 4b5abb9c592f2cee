package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's analytics pages: the rows of the reports (access_reports_test.go) as
// the pages' sessions meet them. The dashboard is asked for the target's merchant: a
// merchant's staff and an agent of shop-a find shop-b's figures not found (the 404 page);
// customers may read no report. They go with the other pages', before the home page.
func init() { insertAccessRows("homePage", analyticsPageAccess...) }

var analyticsPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "dashboardPage", want: map[string]string{"*": "303 303 303", "customer@shop-a": "403 403 403",
		"merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
	{op: "scorecardsPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "200", "agent@shop-a (session)": "200"}},
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
	default:
		return r, false
	}
	return p.as(r), true
}
