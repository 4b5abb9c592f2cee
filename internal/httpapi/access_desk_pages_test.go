package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's service desk pages: the rows of the desk's API (access_desk_test.go)
// as the pages' sessions meet them. They go with the other pages', before the home page.
func init() { insertAccessRows("homePage", deskPageAccess...) }

var deskPageAccess = []struct {
	op   string
	want map[string]string
}{
	// Agents and supervisors open tasks by hand; the others are refused.
	{op: "taskCreateForm", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "303"}},
	// Canned replies: whoever answers customers reads them; merchants write their own,
	// agents none; another merchant's reply is not found.
	{op: "repliesPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "200", "agent@shop-a (session)": "200"}},
	{op: "replyCreateForm", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "303", "agent@shop-a (session)": "403"}},
	{op: "replyUpdateForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "403 403 403", "merchant (session)": "303 404 303", "agent@shop-a (session)": "403 404 403"}},
	{op: "replyDeleteForm", want: map[string]string{
		"*": "303 303 303", "customer@shop-a": "403 403 403", "merchant (session)": "303 404 303", "agent@shop-a (session)": "403 404 403"}},
	// Reviews: agents read their own; supervisors sample and score; no such review is
	// found by nobody.
	{op: "reviewsPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "200"}},
	{op: "sampleReviewsForm", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}},
	{op: "reviewPage", want: map[string]string{"*": "303", "customer@shop-a": "404", "merchant (session)": "404", "agent@shop-a (session)": "404"}},
	{op: "scoreReviewForm", want: map[string]string{"*": "303", "customer@shop-a": "404", "merchant (session)": "404", "agent@shop-a (session)": "404"}},
	// The assignment rules: the desk reads them, admins and supervisors change them.
	{op: "deskRulesPage", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "200"}},
	{op: "deskRulesForm", want: map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": "403", "agent@shop-a (session)": "403"}},
}

// deskPageRequest is the request of a cell of the desk pages' rows (false for another row).
func (aw *accessWorld) deskPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "taskCreateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/tasks", Form: p.form(url.Values{"kind": {"follow_up"}, "title": {"回访 / call back"}})}
	case "repliesPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/replies"}
	case "replyCreateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/replies", Form: p.form(url.Values{"title_zh": {"新话术"}, "body_zh": {"{{rma}} 已收到"}})}
	case "replyUpdateForm":
		rp := aw.deskReply(t, tg)
		r = apitest.Request{Method: http.MethodPost, Path: "/replies/" + rp.ID, Form: p.form(url.Values{"title_zh": {rp.Title.ZH},
			"body_zh": {"改过 {{rma}}"}, "version": {"1"}})}
	case "replyDeleteForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/replies/" + aw.deskReply(t, tg).ID + "/delete", Form: p.form(url.Values{})}
	case "reviewsPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/reviews"}
	case "sampleReviewsForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/reviews/sample", Form: p.form(url.Values{"rule": {"random"}, "count": {"1"}})}
	case "reviewPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/reviews/no-such-review"}
	case "scoreReviewForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/reviews/no-such-review", Form: p.form(url.Values{"version": {"1"}})}
	case "deskRulesPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/desk/rules"}
	case "deskRulesForm":
		cur, err := aw.env.App.DeskRules(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "access"})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(cur.Rules)
		r = apitest.Request{Method: http.MethodPost, Path: "/desk/rules", Form: p.form(url.Values{"rules": {string(body)}})}
	default:
		return r, false
	}
	return p.as(r), true
}
