package httpapi_test

// The analytics pages' forms as people use them, on both stores (SPEC §9). A merchant's
// staff schedule a report on /reports/schedules: by email it is on the list at once, in the
// page's language, with its next run; an address that is no email is said next to its
// field, the form filled again; by webhook the answer shows the signing secret once, and
// the list never again. Another merchant's staff cannot send or stop it (the 404 page);
// its own staff send it now and stop it. An admin changes the scorecard rules on
// /scorecards through the JSON editor (the rules' tables show the new weights); a weight of
// 0 is said next to the JSON with the field's path, rules changed since they were read are
// a conflict; others read the rules without the editor.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

var scheduleSecret = regexp.MustCompile(`id="schedule-secret">(whsec_[A-Za-z0-9_-]+)<`)

// wantSeeOther checks that a form's answer goes on to a page at path with done.
func wantSeeOther(t *testing.T, res *apitest.Response, prefix string) {
	t.Helper()
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), prefix) {
		t.Fatalf("status %d to %q, want 303 to %s…: %s", res.Status, res.Header.Get("Location"), prefix, res.Body)
	}
}

func TestReportSchedulesThroughThePages(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		env.Merchant(t, "shop-b")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		other := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		sup := env.Login(t, "sup.s", env.User(t, "sup.s", app.RoleSupervisor, ""))
		agent := env.Login(t, "agent.s", env.User(t, "agent.s", app.RoleAgent, ""))

		// The empty list and the form; a merchant chooses no merchant.
		page := getPageIn(t, env, staff, "/reports/schedules", "en")
		wantPage(t, page, http.StatusOK, "No report is scheduled yet.", `action="/reports/schedules"`, `name="report"`,
			`<option value="reasons">Reasons</option>`, `name="frequency"`, `name="channel"`, `name="target"`, `name="report_lang"`)
		if b := string(page.Body); strings.Contains(b, `name="merchant"`) || strings.Contains(b, `value="agents"`) {
			t.Error("the merchant's form offers a merchant or the agents' report")
		}
		wantPage(t, getPageIn(t, env, sup, "/reports/schedules", "zh"), http.StatusOK, "定时报表", `name="merchant"`, `value="agents"`)
		wantPage(t, getPageIn(t, env, agent, "/reports/schedules", "en"), http.StatusForbidden)
		// The dashboard links to it.
		wantPage(t, getPageIn(t, env, staff, "/dashboard", "en"), http.StatusOK, `href="/reports/schedules?lang=en"`)

		// An address that is no email: said at the field, the form filled again.
		form := url.Values{"report": {"reasons"}, "frequency": {"weekly"}, "channel": {"email"}, "target": {"not an address"},
			"format": {"xlsx"}, "report_lang": {"en"}, "category": {"apparel"}}
		res := postPageIn(t, env, staff, "/reports/schedules", "en", form)
		wantPage(t, res, http.StatusUnprocessableEntity, `name="target" value="not an address" required`, `aria-invalid="true"><small id="target-hint">`,
			`class="field-error"`, `name="category" value="apparel"`, `<option value="weekly" selected>`, `<option value="xlsx" selected>`)
		if list, _ := env.App.Schedules(t.Context(), pagesAdmin); len(list.Items) != 0 {
			t.Fatalf("a refused form scheduled %v", list.Items)
		}

		// By email: back to the list, which shows it in the page's language.
		form.Set("target", "reports@shop-a.example")
		wantSeeOther(t, postPageIn(t, env, staff, "/reports/schedules", "en", form), "/reports/schedules?done=schedule_created")
		list, err := env.App.Schedules(t.Context(), pagesAdmin)
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("the schedules after the form: %v, %v", list, err)
		}
		id := list.Items[0].ID
		reasons, _ := analytics.Find("reasons")
		page = getPageIn(t, env, staff, "/reports/schedules?done=schedule_created", "en")
		wantPage(t, page, http.StatusOK, "The report is scheduled.", `id="schedule-`+id+`"`, "<h3>"+reasons.Title.En+"</h3>", "Weekly",
			"reports@shop-a.example", "Not sent yet", `action="/reports/schedules/`+id+`/send"`, `action="/reports/schedules/`+id+`/delete"`)
		wantPage(t, getPageIn(t, env, staff, "/reports/schedules", "zh"), http.StatusOK, "<h3>"+reasons.Title.Zh+"</h3>", "每周", "尚未发送")
		if m := scheduleSecret.Find(page.Body); m != nil {
			t.Error("an email schedule shows a secret")
		}

		// Another merchant's staff neither see it nor send or stop it.
		if b := string(getPageIn(t, env, other, "/reports/schedules", "en").Body); strings.Contains(b, id) {
			t.Error("shop-b's staff see shop-a's schedule")
		}
		wantPage(t, postPageIn(t, env, other, "/reports/schedules/"+id+"/delete", "en", url.Values{}), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, other, "/reports/schedules/"+id+"/send", "en", url.Values{}), http.StatusNotFound)

		// Its staff send it now: the list says so and has the last run.
		wantSeeOther(t, postPageIn(t, env, staff, "/reports/schedules/"+id+"/send", "en", url.Values{}), "/reports/schedules?done=schedule_sent")
		page = getPageIn(t, env, staff, "/reports/schedules", "en")
		if strings.Contains(string(page.Body), "Not sent yet") {
			t.Error("the schedule sent now has no last run")
		}

		// By webhook: the answer shows the secret once; the list afterwards does not.
		res = postPageIn(t, env, staff, "/reports/schedules", "en", url.Values{"report": {"return_rate"}, "frequency": {"daily"},
			"channel": {"webhook"}, "target": {"https://93.184.216.34/reports"}})
		wantPage(t, res, http.StatusCreated, "The report is scheduled to the webhook", "shown once only", "X-Aftersales-Signature", "https://93.184.216.34/reports")
		m := scheduleSecret.FindSubmatch(res.Body)
		if m == nil {
			t.Fatalf("the answer shows no secret:\n%s", res.Body)
		}
		if b := string(getPageIn(t, env, staff, "/reports/schedules", "en").Body); strings.Contains(b, string(m[1])) || !strings.Contains(b, "https://93.184.216.34/reports") {
			t.Error("the list shows the webhook's secret, or lacks the schedule")
		}

		// The supervisor sees both; its staff stop the first.
		wantPage(t, getPageIn(t, env, sup, "/reports/schedules", "en"), http.StatusOK, "reports@shop-a.example", "https://93.184.216.34/reports", "shop-a")
		wantSeeOther(t, postPageIn(t, env, staff, "/reports/schedules/"+id+"/delete", "en", url.Values{}), "/reports/schedules?done=schedule_deleted")
		if b := string(getPageIn(t, env, staff, "/reports/schedules", "en").Body); strings.Contains(b, id) {
			t.Error("the stopped schedule is still listed")
		}
	})
}

func TestScorecardRulesThroughThePage(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		admin := env.Login(t, "admin.r", env.User(t, "admin.r", app.RoleAdmin, ""))
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		csat := analytics.MeasureTitle(analytics.MeasureCSAT)

		// Everyone who reads the scorecards reads the rules; only admins have the editor.
		page := getPageIn(t, env, staff, "/scorecards", "en")
		wantPage(t, page, http.StatusOK, `id="rules"`, csat.En, "<td>20</td><td>4.8</td><td>3</td>", "<td>95.0%</td><td>50.0%</td>", "Excellent", "Only admins change")
		if strings.Contains(string(page.Body), `action="/scorecards/rules"`) {
			t.Error("a merchant has the rules' editor")
		}
		wantPage(t, getPageIn(t, env, staff, "/scorecards", "zh"), http.StatusOK, "评分规则", csat.Zh, "优秀")
		page = getPageIn(t, env, admin, "/scorecards", "en")
		wantPage(t, page, http.StatusOK, `action="/scorecards/rules"`, `name="version" value="0"`, `&#34;code&#34;: &#34;csat&#34;`, "The defaults")

		// A merchant's form is refused.
		rules := analytics.DefaultScorecard
		rules.Measures = append([]analytics.Measure(nil), rules.Measures...)
		send := func(s *apitest.Session, r analytics.ScorecardRules, version int) *apitest.Response {
			b, _ := json.MarshalIndent(r, "", "  ")
			return postPageIn(t, env, s, "/scorecards/rules", "en", url.Values{"rules": {string(b)}, "version": {strconv.Itoa(version)}})
		}
		wantPage(t, send(staff, rules, 0), http.StatusForbidden)

		// A weight of 0: said next to the JSON with its path, the JSON sent kept.
		bad := rules
		bad.Measures = append([]analytics.Measure(nil), rules.Measures...)
		bad.Measures[1].Weight = 0
		wantPage(t, send(admin, bad, 0), http.StatusUnprocessableEntity, `aria-invalid="true"`,
			"measures[1].weight: the weight must be above 0", `&#34;weight&#34;: 0,`)
		// JSON that does not read.
		res := postPageIn(t, env, admin, "/scorecards/rules", "en", url.Values{"rules": {`{"measures": [`}, "version": {"0"}})
		wantPage(t, res, http.StatusUnprocessableEntity, "This is not valid JSON of the rules", `class="field-error"`)

		// Saved: satisfaction weighs 25, return rate 10; the page says so and shows them.
		rules.Measures[3].Weight, rules.Measures[4].Weight = 25, 10
		wantSeeOther(t, send(admin, rules, 0), "/scorecards?done=scorecard_rules")
		page = getPageIn(t, env, admin, "/scorecards?done=scorecard_rules", "en")
		wantPage(t, page, http.StatusOK, "The scoring rules were saved.", `name="version" value="1"`, "<td>25</td><td>4.8</td><td>3</td>")
		if v, err := env.App.GetScorecardRules(t.Context(), pagesAdmin); err != nil || v.Version != 1 || v.Rules.Measures[3].Weight != 25 {
			t.Fatalf("the rules after the form: %+v, %v", v, err)
		}
		// The same form again, at the version read before: a conflict, said on the form.
		wantPage(t, send(admin, rules, 0), http.StatusConflict, `class="field-error"`)
	})
}
