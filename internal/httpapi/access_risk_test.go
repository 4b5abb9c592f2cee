package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's risk score (风险评分, issue 16): the platform's staff read any
// customer's score (staff serving some merchants, those merchants' buyers'), a merchant's
// staff only those of customers who bought from them
// (another merchant's buyer is not found), customers and integrations never (not found:
// not even that a score exists). The watch list is the supervisors' and admins'.
func init() { insertAccessRows("homePage", riskAccess...) }

var riskAccess = []struct {
	op   string
	want map[string]string
}{
	// own: cust-1 (bought from shop-a); other merchant: a customer of shop-b only; other
	// customer: cust-2 (bought from shop-a).
	{op: "getCustomerRisk", want: map[string]string{"*": "200 200 200", "anonymous": "401 401 401",
		"customer": "404 404 404", "customer@shop-a": "404 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200", "agent@shop-a (session)": "200 404 200",
		"integration": "404 404 404", "integration@shop-a": "404 404 404"}},
	{op: "listWatchList", want: watchKeepers("200")},
	// Each cell a fresh customer.
	{op: "addToWatchList", want: watchKeepers("201")},
	{op: "removeFromWatchList", want: watchKeepers("204")},
}

func watchKeepers(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "supervisor": ok, "admin": ok}
}

// riskCustomer is a new customer with one order of the merchant.
func (aw *accessWorld) riskCustomer(t *testing.T, merchant string) string {
	t.Helper()
	id := fmt.Sprintf("risk-cust-%d", aw.serial.Add(1))
	aw.mustOrder(t, aw.orderInput(merchant, id, line("JACKET", 1, 29900)))
	return id
}

// riskRequest is the request of a cell of the risk rows (false for another row).
func (aw *accessWorld) riskRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "getCustomerRisk":
		customer := "cust-1"
		switch tg {
		case otherMerchant:
			customer = aw.riskCustomer(t, "shop-b")
		case otherCustomer:
			customer = "cust-2"
		}
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/risk/customers/" + customer}
	case "listWatchList":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/risk/watchlist"}
	case "addToWatchList":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/risk/watchlist",
			JSON: app.WatchInput{Customer: aw.riskCustomer(t, "shop-a"), Reason: "核查 / checking"}}
	case "removeFromWatchList":
		customer := aw.riskCustomer(t, "shop-a")
		if _, err := aw.env.App.AddToWatchList(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "access"},
			app.WatchInput{Customer: customer, Reason: "核查 / checking"}); err != nil {
			t.Fatal(err)
		}
		r = apitest.Request{Method: http.MethodDelete, Path: "/api/v1/risk/watchlist/" + customer + "?reason=" + url.QueryEscape("已核实")}
	default:
		return apitest.Request{}, false
	}
	return p.as(r), true
}
