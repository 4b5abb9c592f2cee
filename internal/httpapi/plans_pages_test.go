package httpapi_test

// The emergency plans' pages (应急预案, issue 16), on both stores: an admin writes a plan
// from the form (a bad document is said at its field path and nothing is written); a
// supervisor reads the list and the plan, starts and ends it from its page (POST, then
// the page again, its history showing both) and runs a drill whose report shows on the
// page; agents and customers are refused. While a plan with a banner is active, the
// customer's pages show it in the reader's language; once it ends, it is gone.

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

var planCreated = regexp.MustCompile(`^/plans/([0-9a-f-]{36})\?done=plan_created&lang=en$`)

// surgePlanDoc is the plan the admin writes: by hand, deadlines two working days later,
// low-risk cases up to ¥100 approved at once, a banner, ends 48 hours after it starts.
const surgePlanDoc = `{
  "name": {"zh": "双11 高峰", "en": "Singles' Day surge"},
  "triggers": [{"kind": "manual"}, {"kind": "intake_per_hour", "above": 500}],
  "effects": {
    "extend_deadlines_wd": 2,
    "auto_approve": {"max_amount": 10000, "max_risk": 30},
    "banner": {"zh": "双11 期间售后处理时间顺延 2 个工作日", "en": "During Singles' Day, after-sales replies may take 2 more working days"}
  },
  "end": {"after": "48h"}
}`

func TestPlanPagesWriteRunAndDrill(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		admin := env.Login(t, "admin.p", env.User(t, "admin.p", app.RoleAdmin, ""))
		sup := env.Login(t, "sup.p", env.User(t, "sup.p", app.RoleSupervisor, ""))
		agent := env.Login(t, "agent.p", env.User(t, "agent.p", app.RoleAgent, ""))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		plans := func() int {
			t.Helper()
			ps, err := env.App.Plans(t.Context(), pagesAdmin)
			if err != nil {
				t.Fatal(err)
			}
			return len(ps)
		}

		// The admin's form: a bad document is said at each field's path, in the reader's
		// language, and nothing is written; JSON that does not read likewise.
		wantPage(t, getPageIn(t, env, admin, "/plans", "en"), http.StatusOK, "No plans yet.", `action="/plans"`, `name="plan"`)
		bad := `{"name": {"zh": "", "en": ""}, "triggers": [{"kind": "intake_per_hour"}], "effects": {"extend_deadlines_wd": 40}}`
		wantPage(t, postPageIn(t, env, admin, "/plans", "en", url.Values{"plan": {bad}}), http.StatusUnprocessableEntity,
			`aria-invalid="true"`, "<code>triggers[0].above</code>: intake per hour must be above at least 1",
			"<code>effects.extend_deadlines_wd</code>: between 0 and 30 working days", "<code>name</code>: a plan needs a name")
		wantPage(t, postPageIn(t, env, admin, "/plans", "zh", url.Values{"plan": {bad}}), http.StatusUnprocessableEntity,
			"<code>triggers[0].above</code>: 每小时进线阈值至少为 1")
		wantPage(t, postPageIn(t, env, admin, "/plans", "en", url.Values{"plan": {`{"name": `}}), http.StatusUnprocessableEntity,
			"This is not valid JSON of a plan")
		wantPage(t, postPageIn(t, env, admin, "/plans", "en", url.Values{"plan": {`{"nom": 1}`}}), http.StatusUnprocessableEntity,
			"This is not valid JSON of a plan", "nom")
		if n := plans(); n != 0 {
			t.Fatalf("refused forms wrote %d plans", n)
		}
		res := postPageIn(t, env, admin, "/plans", "en", url.Values{"plan": {surgePlanDoc}})
		m := planCreated.FindStringSubmatch(res.Header.Get("Location"))
		if res.Status != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d to %q: %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		id := m[1]
		wantPage(t, getPageIn(t, env, admin, "/plans/"+id+"?done=plan_created", "en"), http.StatusOK, "The plan is saved. It has not started.")

		// The supervisor's list says each plan in words, and offers no form of a new plan.
		list := getPageIn(t, env, sup, "/plans", "en")
		wantPage(t, list, http.StatusOK, `href="/plans/`+id+`?lang=en"`, "Singles&#39; Day surge", "Not started",
			"by hand; more than 500 new cases in an hour", "new cases&#39; deadlines are extended by 2 working days",
			"cases of customers with a risk of at most 30 and up to ¥100.00 are approved at once", "2 d after it starts")
		if strings.Contains(string(list.Body), `name="plan"`) {
			t.Error("a supervisor is offered the form of a new plan")
		}
		wantPage(t, getPageIn(t, env, sup, "/plans", "zh"), http.StatusOK, "双11 高峰", "未启动", "新售后单的期限顺延 2 个工作日", "一小时内新建售后单超过 500 件")
		wantPage(t, postPageIn(t, env, sup, "/plans", "en", url.Values{"plan": {surgePlanDoc}}), http.StatusForbidden)

		// No banner before the plan starts.
		if home := getPageIn(t, env, customer, "/", "en"); strings.Contains(string(home.Body), `class="banner"`) {
			t.Errorf("a banner before the plan started:\n%s", home.Body)
		}

		// Started from its page: the page again, active, its history saying who.
		wantPage(t, getPageIn(t, env, sup, "/plans/"+id, "en"), http.StatusOK, "It has never run.", `action="/plans/`+id+`/activate"`, "Start the plan")
		wantRedirect(t, postPageIn(t, env, sup, "/plans/"+id+"/activate", "en", url.Values{}), "/plans/"+id+"?done=plan_activated&lang=en")
		wantPage(t, getPageIn(t, env, sup, "/plans/"+id+"?done=plan_activated", "en"), http.StatusOK, "The plan has started.",
			`<span class="badge warn">Active</span>`, "Started by hand by sup.p.", `action="/plans/`+id+`/deactivate"`, "ends <time")
		wantPage(t, postPageIn(t, env, sup, "/plans/"+id+"/activate", "en", url.Values{}), http.StatusConflict, "the plan is already active")

		// The banner on the customer's pages, in the reader's language; never on staff pages.
		for _, path := range []string{"/", "/cases/" + c.ID, "/orders/" + o.OrderNo + "/apply?sku=JACKET"} {
			wantPage(t, getPageIn(t, env, customer, path, "en"), http.StatusOK,
				`<div class="banner" role="status" aria-label="Notice">`, "During Singles&#39; Day, after-sales replies may take 2 more working days")
			wantPage(t, getPageIn(t, env, customer, path, "zh"), http.StatusOK, `aria-label="公告"`, "双11 期间售后处理时间顺延 2 个工作日")
		}
		if staffPage := getPageIn(t, env, sup, "/plans", "en"); strings.Contains(string(staffPage.Body), `class="banner"`) {
			t.Error("a staff page shows the customers' banner")
		}

		// Ended from its page: the history shows both; the banner is gone.
		wantRedirect(t, postPageIn(t, env, sup, "/plans/"+id+"/deactivate", "zh", url.Values{}), "/plans/"+id+"?done=plan_deactivated&lang=zh")
		wantPage(t, getPageIn(t, env, sup, "/plans/"+id+"?done=plan_deactivated", "zh"), http.StatusOK, "预案已结束。", "已结束", "启动预案")
		detail := getPageIn(t, env, sup, "/plans/"+id, "en")
		wantPage(t, detail, http.StatusOK, "Started by hand by sup.p.", "Ended by hand by sup.p.")
		if s := string(detail.Body); strings.Index(s, "Started by hand by sup.p.") > strings.Index(s, "Ended by hand by sup.p.") {
			t.Error("the history is not in order")
		}
		if strings.Contains(string(detail.Body), "0001-01-01") {
			t.Error("an ended plan shows a zero time")
		}
		for _, lang := range []string{"en", "zh"} {
			if home := getPageIn(t, env, customer, "/", lang); strings.Contains(string(home.Body), `class="banner"`) {
				t.Errorf("the banner after the plan ended (%s)", lang)
			}
		}
		wantPage(t, postPageIn(t, env, sup, "/plans/"+id+"/deactivate", "en", url.Values{}), http.StatusConflict, "the plan is already ended")

		// The drill: two hours of 100 new cases on 50 an hour. Half are low-risk: the plan
		// approves them at once and the queue holds; without it, 50 wait past 2 hours.
		drill := url.Values{"arrivals_per_hour": {"100, 100"}, "agents": {"5"}, "cases_per_agent_hour": {"10"},
			"low_risk_share_bp": {"5000"}, "target_hours": {"2"}}
		wantPage(t, postPageIn(t, env, sup, "/plans/"+id+"/drill", "en", drill), http.StatusOK,
			"The queue holds with the plan", "100 of the 200 new cases would be approved at once.",
			"100 cases would get deadlines 2 working days later.", "0 cases would wait past the target instead of 50.", "The queue would peak at 0 cases instead of 100.",
			"<tr><th scope=\"row\">Past the target</th><td>0</td><td>50</td></tr>",
			"<tr><th scope=\"row\">1</th><td>100</td><td>50</td><td>100</td><td>0</td><td>50</td></tr>",
			"<tr><th scope=\"row\">3</th><td>0</td><td>0</td><td>0</td><td>0</td><td>50</td></tr>",
			`value="100, 100"`)
		wantPage(t, postPageIn(t, env, sup, "/plans/"+id+"/drill", "zh", drill), http.StatusOK, "有预案时队列能够承受", "逐小时")
		drill.Set("arrivals_per_hour", "100, lots")
		drill.Set("target_hours", "0")
		wantPage(t, postPageIn(t, env, sup, "/plans/"+id+"/drill", "en", drill), http.StatusUnprocessableEntity,
			"Whole numbers of cases, one per hour", `aria-invalid="true"`)
		drill.Set("arrivals_per_hour", "100")
		wantPage(t, postPageIn(t, env, sup, "/plans/"+id+"/drill", "en", drill), http.StatusUnprocessableEntity, "at least 1")

		// Agents and customers are refused every page and form; the plan is untouched.
		for _, s := range []*apitest.Session{agent, customer} {
			wantPage(t, getPageIn(t, env, s, "/plans", "en"), http.StatusForbidden)
			wantPage(t, getPageIn(t, env, s, "/plans/"+id, "en"), http.StatusForbidden)
			wantPage(t, postPageIn(t, env, s, "/plans/"+id+"/activate", "en", url.Values{}), http.StatusForbidden)
			wantPage(t, postPageIn(t, env, s, "/plans/"+id+"/drill", "en", url.Values{"arrivals_per_hour": {"1"}}), http.StatusForbidden)
			wantPage(t, postPageIn(t, env, s, "/plans", "en", url.Values{"plan": {surgePlanDoc}}), http.StatusForbidden)
		}
		if p, err := env.App.Plan(t.Context(), pagesAdmin, id); err != nil || p.State != "ended" || len(p.History) != 2 {
			t.Fatalf("the plan after refused forms: %+v, %v", p, err)
		}
		if n := plans(); n != 1 {
			t.Errorf("%d plans, want 1", n)
		}
		wantPage(t, getPageIn(t, env, sup, "/plans/00000000-0000-0000-0000-000000000000", "en"), http.StatusNotFound)

		// The header: the plans and the watch list for supervisors and admins; the alerts
		// for the desk and merchant staff too; none of them for customers.
		wantPage(t, getPageIn(t, env, sup, "/plans", "en"), http.StatusOK,
			`href="/alerts">Alerts</a>`, `href="/plans" aria-current="page">Plans</a>`, `href="/risk/watchlist">Watch list</a>`)
		wantPage(t, getPageIn(t, env, admin, "/plans", "zh"), http.StatusOK, `>预警</a>`, `>应急预案</a>`, `>观察名单</a>`)
		queue := getPageIn(t, env, agent, "/queue", "en")
		wantPage(t, queue, http.StatusOK, `href="/alerts"`)
		home := getPageIn(t, env, customer, "/", "en")
		for _, href := range []string{`href="/plans"`, `href="/risk/watchlist"`, `href="/alerts"`} {
			if strings.Contains(string(queue.Body), href) && href != `href="/alerts"` {
				t.Errorf("an agent's header links %s", href)
			}
			if strings.Contains(string(home.Body), href) {
				t.Errorf("a customer's header links %s", href)
			}
		}
	})
}
