package httpapi_test

// The analytics pages as people read them, on both stores (SPEC §9): the dashboard's tables
// hold the reports' figures (cases per day against the period before, reasons, the SKUs)
// with each report's exports; a merchant's staff see their own merchant's figures only and
// another merchant's are the 404 page; the agents' report is the supervisors'; customers
// are refused; a day the reports cannot read is said next to its field. The scorecards:
// every merchant for the desk, its own for a merchant, the month in progress provisional.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// seedAnalytics makes shop-a two cases on three order lines (apparel) and shop-b one case
// on a kettle (kitchen): four items, three cases.
func seedAnalytics(t *testing.T, w *world) {
	t.Helper()
	kettle := line("KETTLE", 1, 19900)
	kettle.Title, kettle.Category = "Kettle of B", "kitchen"
	for _, o := range []struct {
		merchant string
		item     app.OrderItemInput
		apply    bool
	}{{"shop-a", line("JACKET", 1, 29900), true}, {"shop-a", line("JACKET", 1, 29900), true}, {"shop-a", line("SCARF", 1, 9900), false}, {"shop-b", kettle, true}} {
		ov := w.mustOrder(t, w.orderInput(o.merchant, "cust-1", o.item))
		if o.apply {
			w.mustApply(t, w.customer1, returnRefund(ov.OrderNo, o.item.SKU, 1))
		}
	}
}

func TestDashboardShowsTheReportsFigures(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		seedAnalytics(t, w)
		admin := env.Login(t, "admin.d", env.User(t, "admin.d", app.RoleAdmin, ""))
		sup := env.Login(t, "sup.d", env.User(t, "sup.d", app.RoleSupervisor, ""))
		agent := env.Login(t, "agent.d", env.User(t, "agent.d", app.RoleAgent, ""))
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		noReason := aftersale.NoReason.Info().Label

		// The platform: four items, three cases; the period before had none (no change).
		page := getPageIn(t, env, admin, "/dashboard", "en")
		wantPage(t, page, http.StatusOK,
			`<tfoot><tr><th scope="row">Total</th><td>4</td><td>3</td><td>75.0%</td>`,
			`<section class="card dash" id="trend"`, `<script type="application/json" id="trend-data">`, `"kind":"line"`, `"The period before"`,
			"Cases in the period before", `<ul class="kpis"`,
			`<th scope="row">`+noReason.EN+`</th><td>3</td><td>100.0%</td>`,
			`<th scope="row">KETTLE</th>`, `<th scope="row">kitchen</th>`, `id="agents-h"`, `id="themes-h"`, `id="sla-h"`, `id="csat-h"`,
			`href="/api/v1/reports/reasons?`, "format=csv", "format=xlsx", "lang=en",
			`<script src="/assets/echarts.min.js" defer></script>`, `<script src="/assets/dashboard.js" defer></script>`,
			`href="/scorecards?lang=en"`, `href="/dashboard" aria-current="page"`)
		// The top SKUs: the jacket (two cases) before the kettle; the scarf had none.
		body := string(page.Body)
		skus := body[strings.Index(body, `id="skus"`):]
		skus = skus[:strings.Index(skus, "</section>")]
		if j, k := strings.Index(skus, ">JACKET<"), strings.Index(skus, ">KETTLE<"); j < 0 || k < 0 || j > k || strings.Contains(skus, ">SCARF<") {
			t.Errorf("the top SKUs are not the jacket then the kettle without the scarf:\n%s", skus)
		}
		// Chinese: the same figures under Chinese headings and names.
		wantPage(t, getPageIn(t, env, admin, "/dashboard", "zh"), http.StatusOK, "数据看板", "售后原因分布",
			`<th scope="row">合计</th><td>4</td><td>3</td><td>75.0%</td>`, `<th scope="row">`+noReason.ZH+`</th>`, "上一周期", "导出 CSV")
		// One merchant chosen; without the comparison there is no second line.
		wantPage(t, getPageIn(t, env, admin, "/dashboard?merchant=shop-b&from="+today()+"&to="+today(), "en"), http.StatusOK,
			`<tfoot><tr><th scope="row">Total</th><td>0</td><td>1</td><td>—</td>`, "merchant=shop-b")
		if b := string(getPageIn(t, env, admin, "/dashboard?from="+today()+"&to="+today(), "en").Body); strings.Contains(b, "The period before") {
			t.Error("the period before is drawn though the form was sent without the comparison")
		}

		// The merchant's staff: shop-a's figures only, no merchant field, no agents.
		page = getPageIn(t, env, staff, "/dashboard", "en")
		wantPage(t, page, http.StatusOK, `<tfoot><tr><th scope="row">Total</th><td>3</td><td>2</td><td>66.7%</td>`, `<th scope="row">JACKET</th>`)
		for _, not := range []string{"KETTLE", "kitchen", "shop-b", `name="merchant"`, `id="agents-h"`} {
			if strings.Contains(string(page.Body), not) {
				t.Errorf("the merchant's dashboard shows %q", not)
			}
		}
		wantPage(t, getPageIn(t, env, staff, "/dashboard?merchant=shop-b", "en"), http.StatusNotFound)
		// The agents' report is the supervisors'; an agent sees the rest.
		wantPage(t, getPageIn(t, env, sup, "/dashboard", "en"), http.StatusOK, `id="agents-h"`)
		if b := string(getPageIn(t, env, agent, "/dashboard", "en").Body); strings.Contains(b, `id="agents-h"`) || !strings.Contains(b, `id="reasons-h"`) {
			t.Error("the agent's dashboard shows the agents' report, or lacks the reasons")
		}
		// Customers read no report.
		wantPage(t, getPageIn(t, env, env.CustomerSession(t, "shop-a", "cust-1"), "/dashboard", "en"), http.StatusForbidden)
		// A day the reports cannot read: said at the field, with the form to mend it.
		wantPage(t, getPageIn(t, env, admin, "/dashboard?from=yesterday", "en"), http.StatusUnprocessableEntity,
			`name="from" value="yesterday" aria-invalid="true"`, `class="field-error"`)
	})
}

func TestScorecardsPageShowsEachMerchantsCard(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		seedAnalytics(t, w)
		admin := env.Login(t, "admin.d", env.User(t, "admin.d", app.RoleAdmin, ""))
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		month, _, _ := analytics.Month(time.Now())
		title := analytics.MeasureTitle(analytics.MeasureDisputeLoss)

		// This month is in progress: provisional; too few cases for a tier; no dispute lost
		// (0%: all of its 20 points), no rating (nothing to measure).
		page := getPageIn(t, env, admin, "/scorecards?month="+month, "en")
		wantPage(t, page, http.StatusOK, `<th scope="row">shop-a</th>`, `<th scope="row">shop-b</th>`, "provisional", "Too few cases",
			`<th scope="colgroup" colspan="3">`+title.En+`</th>`, `<td>0.0%</td><td>100</td><td>20</td>`,
			`<td><span class="hint">—</span></td><td><span class="hint">—</span></td><td>20</td>`, `href="/dashboard?lang=en"`)
		wantPage(t, getPageIn(t, env, admin, "/scorecards?month="+month, "zh"), http.StatusOK, "商家评分", title.Zh, "售后单过少")
		page = getPageIn(t, env, staff, "/scorecards?month="+month, "en")
		wantPage(t, page, http.StatusOK, `<th scope="row">shop-a</th>`)
		if strings.Contains(string(page.Body), "shop-b") {
			t.Error("the merchant's scorecards show shop-b")
		}
		// Last month by default, not provisional.
		page = getPageIn(t, env, admin, "/scorecards", "en")
		wantPage(t, page, http.StatusOK, `name="month" value="`+analytics.PreviousMonth(time.Now())+`"`)
		if strings.Contains(string(page.Body), "provisional") {
			t.Error("last month is said to be provisional")
		}
		wantPage(t, getPageIn(t, env, admin, "/scorecards?month=soon", "en"), http.StatusUnprocessableEntity, `class="field-error"`)
		wantPage(t, getPageIn(t, env, env.CustomerSession(t, "shop-a", "cust-1"), "/scorecards", "en"), http.StatusForbidden)
	})
}

// today is today's report day.
func today() string { return analytics.Day(time.Now()) }
