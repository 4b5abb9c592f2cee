package httpapi_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

var riskScore = regexp.MustCompile(`Score (\d+)/100`)

// riskMarkup is what a page that shows no risk score must not carry, in either language.
var riskMarkup = []string{`id="risk"`, "Risk score", "风险评分", "Watch-listed", "观察名单", "/risk/watchlist"}

// TestCasePageShowsTheRiskScoreToStaffOnly: issue 16 — the case page of a customer with
// a history of refund-only "not received" claims shows the staff the score kept at
// application with its reasons in the reader's language, the watch list's badge and
// reason once listed, and to supervisors the link to the watch list; the customer's own
// case page carries none of it, not even the markup.
func TestCasePageShowsTheRiskScoreToStaffOnly(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for range 3 {
			notReceived(t, w, w.customer1, "shop-a", "cust-1")
		}
		held := smallReturn(t, w, w.customer1, "shop-a", "cust-1")
		sup := env.Login(t, "supervisor1", env.User(t, "supervisor1", app.RoleSupervisor, ""))
		page := "/cases/" + held.ID

		res := getPageIn(t, env, sup, page, "en")
		wantPage(t, res, http.StatusOK, `id="risk"`, "Risk score", `<span class="badge bad">High risk</span>`,
			"3 claims of a parcel not received or lost", `href="/risk/watchlist?customer=cust-1&amp;lang=en#new-watch"`)
		m := riskScore.FindSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no score on the supervisor's case page:\n%s", res.Body)
		}
		if n, _ := strconv.Atoi(string(m[1])); n < 70 {
			t.Errorf("the case page's score %d, want the not-received history's ≥ 70", n)
		}
		if strings.Contains(string(res.Body), "Watch-listed") {
			t.Error("a customer not on the watch list is shown as watch-listed")
		}
		wantPage(t, getPageIn(t, env, sup, page, "zh"), http.StatusOK, "风险评分", "高风险", "3 次声称未收到货或包裹丢失", "将该客户列入观察名单")

		// A merchant's staff and an agent read the score of their merchant's buyer; the
		// watch list is not theirs to keep: no link.
		for _, s := range []*apitest.Session{
			env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a")),
			env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a")),
		} {
			res := getPageIn(t, env, s, page, "en")
			wantPage(t, res, http.StatusOK, `id="risk"`, "High risk")
			if strings.Contains(string(res.Body), "/risk/watchlist") {
				t.Error("the case page links a merchant's staff or an agent to the watch list")
			}
		}

		// Listed: the badge and the reason; the link goes to the entry.
		if _, err := env.App.AddToWatchList(t.Context(), pagesAdmin, app.WatchInput{Customer: "cust-1", Reason: "三次空包退货 / three empty-box returns"}); err != nil {
			t.Fatal(err)
		}
		wantPage(t, getPageIn(t, env, sup, page, "en"), http.StatusOK, `<span class="badge bad">Watch-listed</span>`,
			"三次空包退货 / three empty-box returns", `href="/risk/watchlist?lang=en#watch-cust-1"`)
		wantPage(t, getPageIn(t, env, sup, page, "zh"), http.StatusOK, "在观察名单上", "列入观察名单的原因")

		// The customer's own view of the same case: no score, no reason, no markup.
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		for _, lang := range []string{"en", "zh"} {
			res := getPageIn(t, env, customer, page, lang)
			wantPage(t, res, http.StatusOK)
			body := string(res.Body)
			for _, s := range append(riskMarkup, "not received or lost", "未收到货或包裹丢失", "three empty-box returns") {
				if strings.Contains(body, s) {
					t.Errorf("the customer's case page (%s) carries %q", lang, s)
				}
			}
		}
	})
}

// watchEntries is the watch list as the store has it.
func watchEntries(t *testing.T, env *apitest.Env) []app.WatchView {
	t.Helper()
	list, err := env.App.ListWatch(t.Context(), pagesAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return list.Entries
}

// riskAudits counts the audit log's entries of action that were carried out.
func riskAudits(t *testing.T, env *apitest.Env, action string) int {
	t.Helper()
	n := 0
	err := env.Store.View(t.Context(), func(tx store.Tx) error {
		page, _, err := tx.ListAudit(t.Context(), store.AuditQuery{Limit: 1000})
		for _, e := range page {
			if e.Action == action && e.Outcome == "ok" {
				n++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// reasonError is the reason field with its error next to it.
var reasonError = regexp.MustCompile(`<textarea name="reason"[^>]*aria-invalid="true"[^>]*>[^<]*</textarea><span class="field-error" role="alert">([^<]+)</span>`)

// TestWatchListPageAddsAndRemoves: a supervisor puts a customer on the watch list through
// the page's form and takes them off through the entry's, each with its reason, each
// audited, each answered by a redirect to the list; an empty reason is shown at its
// field and writes nothing, as does a form without the session's CSRF token; agents,
// merchants' staff and customers are refused (403) and write nothing.
func TestWatchListPageAddsAndRemoves(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("A", 1, 5000)))
		sup := env.Login(t, "supervisor1", env.User(t, "supervisor1", app.RoleSupervisor, ""))

		wantPage(t, getPageIn(t, env, sup, "/risk/watchlist", "en"), http.StatusOK, "<h1>Watch list</h1>", "Nobody is on the watch list.",
			`action="/risk/watchlist"`, `name="csrf_token" value="`+sup.CSRF+`"`)
		wantPage(t, getPageIn(t, env, sup, "/risk/watchlist?customer=cust-1", "zh"), http.StatusOK, "<h1>观察名单</h1>", `name="customer" required maxlength="200" autocomplete="off" value="cust-1"`)

		// An empty reason: the list again with the error at the field, nothing written.
		for _, reason := range []string{"", "   "} {
			res := postPageIn(t, env, sup, "/risk/watchlist", "en", url.Values{"customer": {"cust-1"}, "reason": {reason}})
			wantPage(t, res, http.StatusUnprocessableEntity, `value="cust-1"`)
			if m := reasonError.FindSubmatch(res.Body); m == nil || string(m[1]) != "the reason is required" {
				t.Errorf("an empty reason (%q): no error at the reason field:\n%s", reason, res.Body)
			}
		}
		res := postPageIn(t, env, sup, "/risk/watchlist", "zh", url.Values{"customer": {"cust-1"}, "reason": {""}})
		if m := reasonError.FindSubmatch(res.Body); res.Status != http.StatusUnprocessableEntity || m == nil || string(m[1]) != "请填写原因" {
			t.Errorf("an empty reason in Chinese: %d\n%s", res.Status, res.Body)
		}
		// No such customer: at the customer field.
		wantPage(t, postPageIn(t, env, sup, "/risk/watchlist", "en", url.Values{"customer": {"nobody"}, "reason": {"x"}}),
			http.StatusUnprocessableEntity, `<span class="field-error" role="alert">No customer has this ID.</span>`)
		// Without the session's CSRF token: refused.
		forged := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/risk/watchlist", Cookies: []*http.Cookie{sup.Cookie},
			Form: url.Values{"customer": {"cust-1"}, "reason": {"forged"}, "csrf_token": {"not the token"}}, Header: english()})
		if forged.Status != http.StatusForbidden {
			t.Errorf("a form without its CSRF token: %d, want 403", forged.Status)
		}
		if n := len(watchEntries(t, env)); n != 0 || riskAudits(t, env, "risk.watch") != 0 {
			t.Fatalf("refused forms wrote %d entries", n)
		}

		// Added: to the list (POST-redirect-GET), which shows the entry and says so; audited.
		res = postPageIn(t, env, sup, "/risk/watchlist", "en", url.Values{"customer": {" cust-1 "}, "reason": {"三次空包退货 / three empty-box returns"}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/risk/watchlist?done=watch_added&lang=en") {
			t.Fatalf("add: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		wantPage(t, getPage(t, env, sup, res.Header.Get("Location")), http.StatusOK, "The customer is on the watch list.",
			`<tr id="watch-cust-1">`, "<th scope=\"row\">cust-1</th>", "三次空包退货 / three empty-box returns", "<td>supervisor1</td>",
			`action="/risk/watchlist/cust-1/remove"`)
		if e := watchEntries(t, env); len(e) != 1 || e[0].Customer != "cust-1" || e[0].By != "supervisor1" {
			t.Fatalf("after the add: %+v", e)
		}
		if n := riskAudits(t, env, "risk.watch"); n != 1 {
			t.Errorf("%d risk.watch audit entries, want 1", n)
		}
		// Again: already listed, said on the form; nothing more written.
		wantPage(t, postPageIn(t, env, sup, "/risk/watchlist", "en", url.Values{"customer": {"cust-1"}, "reason": {"again"}}),
			http.StatusConflict, "the customer is on the watch list already")

		// Others may neither read nor write the list.
		for _, s := range []*apitest.Session{
			env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "")),
			env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a")),
			env.CustomerSession(t, "shop-a", "cust-1"),
		} {
			wantPage(t, getPageIn(t, env, s, "/risk/watchlist", "en"), http.StatusForbidden)
			if res := postPageIn(t, env, s, "/risk/watchlist", "en", url.Values{"customer": {"cust-2"}, "reason": {"x"}}); res.Status != http.StatusForbidden {
				t.Errorf("another role's add: %d, want 403", res.Status)
			}
			if res := postPageIn(t, env, s, "/risk/watchlist/cust-1/remove", "en", url.Values{"reason": {"x"}}); res.Status != http.StatusForbidden {
				t.Errorf("another role's removal: %d, want 403", res.Status)
			}
		}
		if e := watchEntries(t, env); len(e) != 1 {
			t.Fatalf("other roles changed the list: %+v", e)
		}

		// Removal without a reason: the error at the entry's reason, still listed.
		res = postPageIn(t, env, sup, "/risk/watchlist/cust-1/remove", "en", url.Values{"reason": {""}})
		wantPage(t, res, http.StatusUnprocessableEntity, `<tr id="watch-cust-1">`,
			`<input name="reason" required maxlength="500" value="" aria-invalid="true"><span class="field-error" role="alert">the reason is required</span>`)
		if len(watchEntries(t, env)) != 1 || riskAudits(t, env, "risk.unwatch") != 0 {
			t.Fatal("a removal without a reason took the customer off")
		}
		// Removed with a reason: back to the list, empty now; audited.
		res = postPageIn(t, env, sup, "/risk/watchlist/cust-1/remove", "zh", url.Values{"reason": {"已核实 / checked"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/risk/watchlist?done=watch_removed&lang=zh" {
			t.Fatalf("remove: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		wantPage(t, getPage(t, env, sup, res.Header.Get("Location")), http.StatusOK, "已将该客户移出观察名单。", "观察名单为空。")
		if len(watchEntries(t, env)) != 0 || riskAudits(t, env, "risk.unwatch") != 1 {
			t.Fatal("the removal did not take the customer off with an audit entry")
		}
		// Not on the list (any more): the 404 page.
		wantPage(t, postPageIn(t, env, sup, "/risk/watchlist/cust-1/remove", "en", url.Values{"reason": {"again"}}), http.StatusNotFound)
	})
}
