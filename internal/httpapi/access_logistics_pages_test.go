package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's pages of parcels, tasks and notifications: the parcels, tasks and
// inboxes of the API's rows (access_logistics_test.go). The rows go with the other pages',
// before the logout and login cells.
func init() {
	i := slices.IndexFunc(accessMatrix, func(r struct {
		op   string
		want map[string]string
	}) bool {
		return r.op == "complaintActionForm"
	})
	accessMatrix = slices.Insert(accessMatrix, i+1, logisticsPageAccess...)
}

// inboxPage is the row of the pages every session has: its own inbox and channels.
var inboxPage = map[string]string{"*": "303", "customer@shop-a": "200", "merchant (session)": "200", "agent@shop-a (session)": "200"}

var logisticsPageAccess = []struct {
	op   string
	want map[string]string
}{
	// Whoever sees the case may send the form; a merchant may not say it (403), and the
	// matrix's parcels go back to the merchant, so those who may are refused with a
	// conflict, shown on the case page.
	{op: "notReceivedForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "409 404 404", "merchant (session)": "403 404 403", "agent@shop-a (session)": "409 404 409"}},
	// The desk's tasks: agents and supervisors work them, admins read them, other roles
	// are refused; an agent acts on the tasks of the merchants it serves.
	{op: "tasksPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "200"}},
	{op: "taskActionForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "403 403 403", "merchant (session)": "403 403 403", "agent@shop-a (session)": "303 404 303"}},
	// Every session has its own inbox and channels.
	{op: "notificationsPage", want: inboxPage},
	{op: "markReadForm", want: map[string]string{"*": "303"}},
	{op: "notificationPrefsPage", want: inboxPage},
	{op: "notificationPrefsForm", want: map[string]string{"*": "303"}},
}

// logisticsPageRequest is the request of a cell of the parcel, task and notification
// pages' rows (false for another row).
func (aw *accessWorld) logisticsPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "notReceivedForm":
		no := aw.parcel(t, tg)
		s, err := aw.env.App.GetShipment(t.Context(), matrixAdmin, "SF", no)
		if err != nil {
			t.Fatal(err)
		}
		r = apitest.Request{Method: http.MethodPost, Path: "/cases/" + s.CaseID + "/shipments/SF/" + no + "/not-received", Form: p.form(url.Values{})}
	case "tasksPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/tasks"}
	case "taskActionForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/tasks/" + aw.task(t, tg) + "/actions", Form: p.form(url.Values{
			"action": {"assign"}, "assignee": {"me"}})}
	case "notificationsPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/notifications"}
	case "markReadForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/notifications/read", Form: p.form(url.Values{})}
	case "notificationPrefsPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/settings/notifications"}
	case "notificationPrefsForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/settings/notifications", Form: p.form(url.Values{
			"email": {"1"}, "locale": {"zh"}})}
	default:
		return r, false
	}
	return p.as(r), true
}
