package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's alerts (预警): merchants read their own (naming another merchant
// is not found), the platform's staff those of the merchants they serve; customers and
// integrations none. The rules are read by the platform's staff and changed by admins.
func init() { insertAccessRows("homePage", alertAccess...) }

var alertAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "listAlerts", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"merchant": "200 404 200", "merchant (session)": "200 404 200", "agent": "200 200 200", "agent@shop-a (session)": "200 404 200",
		"supervisor": "200 200 200", "admin": "200 200 200"}},
	{op: "getAlertRules", want: map[string]string{"*": "403", "anonymous": "401",
		"agent": "200", "agent@shop-a (session)": "200", "supervisor": "200", "admin": "200"}},
	// Each admin cell saves the next version of the rules.
	{op: "putAlertRules", want: map[string]string{"*": "403", "anonymous": "401", "admin": "200"}},
	{op: "alertsPage", want: map[string]string{"*": "303 303 303", "customer@shop-a": "403 403 403",
		"merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200"}},
}

// alertRequest is the request of a cell of the alerts' rows (false for another row).
func (aw *accessWorld) alertRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "listAlerts":
		merchant, _ := tg.owner()
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/alerts?merchant=" + merchant}
	case "getAlertRules":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/alerts/rules"}
	case "putAlertRules":
		cur, err := aw.env.App.GetAlertRules(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"})
		if err != nil {
			t.Fatal(err)
		}
		r = apitest.Request{Method: http.MethodPut, Path: "/api/v1/alerts/rules", JSON: app.AlertRulesInput{Version: cur.Version, Rules: cur.Rules}}
	case "alertsPage":
		merchant, _ := tg.owner()
		r = apitest.Request{Method: http.MethodGet, Path: "/alerts?merchant=" + url.QueryEscape(merchant)}
	default:
		return r, false
	}
	return p.as(r), true
}
