package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's watch list page (观察名单, issue 16): supervisors and admins keep the
// list (risk_pages_test.go walks a supervisor's session through it); every other role's
// session is refused as the API refuses it (403), and a bearer token is no login on a page.
// The risk block of the case page is casePage's: risk_pages_test.go shows it to the staff
// and never to the customer.
func init() { insertAccessRows("homePage", riskPageAccess...) }

var riskPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "watchListPage", want: watchPageKeepers()},
	// Each cell a fresh customer (listed first for the removal), as the API's rows.
	{op: "watchListAddForm", want: watchPageKeepers()},
	{op: "watchListRemoveForm", want: watchPageKeepers()},
}

// watchPageKeepers is a row of the watch list's pages: no session, the login page; the
// sessions of the matrix (a customer, a merchant's staff, an agent) 403.
func watchPageKeepers() map[string]string {
	return map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}
}

// riskPageRequest is the request of a cell of the watch list pages' rows (false for
// another row).
func (aw *accessWorld) riskPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "watchListPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/risk/watchlist"}
	case "watchListAddForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/risk/watchlist",
			Form: p.form(url.Values{"customer": {aw.riskCustomer(t, "shop-a")}, "reason": {"核查 / checking"}})}
	case "watchListRemoveForm":
		customer := aw.riskCustomer(t, "shop-a")
		if _, err := aw.env.App.AddToWatchList(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"},
			app.WatchInput{Customer: customer, Reason: "核查 / checking"}); err != nil {
			t.Fatal(err)
		}
		r = apitest.Request{Method: http.MethodPost, Path: "/risk/watchlist/" + url.PathEscape(customer) + "/remove",
			Form: p.form(url.Values{"reason": {"已核实 / checked"}})}
	default:
		return r, false
	}
	return p.as(r), true
}
