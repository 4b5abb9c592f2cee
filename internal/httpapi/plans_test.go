package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/plan"
)

// Emergency plans (issue 16, item 6): "a plan activated by an intake spike extends the
// deadlines of new cases and ends by itself; the drill report."

const surgePlanJSON = `{"name":{"zh":"双11高峰","en":"Singles' Day surge"},
 "triggers":[{"kind":"intake_per_hour","above":2}],
 "effects":{"extend_deadlines_wd":2,"banner":{"zh":"高峰期处理较慢","en":"Peak season: replies take longer"}},
 "end":{"after":"2h"}}`

func (w *world) createPlan(t *testing.T, token, body string) *apitest.Response {
	t.Helper()
	return w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans", Token: token,
		Body: []byte(body), ContentType: "application/json"})
}

func merchantDue(t *testing.T, c app.CaseView) time.Time {
	t.Helper()
	for _, d := range c.Deadlines {
		if d.Kind == "merchant_response" {
			return d.DueAt
		}
	}
	t.Fatalf("case %s has no merchant response deadline: %+v", c.ID, c.Deadlines)
	return time.Time{}
}

func TestPlanIntakeSpikeExtendsDeadlinesAndEndsByItself(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Clock.Set(time.Now().UTC().Truncate(time.Second))
		res := w.createPlan(t, w.admin, surgePlanJSON)
		if res.Status != http.StatusCreated {
			t.Fatalf("create plan: %d %s", res.Status, res.Body)
		}
		var p app.PlanView
		res.JSON(t, &p)
		if p.State != plan.Draft || p.Effects.ExtendDeadlinesWD != 2 {
			t.Fatalf("created: %+v", p)
		}
		open := func() app.CaseView {
			o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SKU-1", 1, 29900)))
			return w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "SKU-1", 1))
		}
		normal := merchantDue(t, open())
		if want := env.App.Engine().Calendar().AddWorkingDays(env.Clock.Now(), 1); !normal.Equal(want) {
			t.Fatalf("before the plan: deadline %v, want one working day %v", normal, want)
		}
		if n, err := env.App.CheckPlans(t.Context()); err != nil || n != 0 {
			t.Fatalf("one case in the hour: %d changes, %v", n, err)
		}
		open()
		open() // three in the hour: above 2
		if n, err := env.App.CheckPlans(t.Context()); err != nil || n != 1 {
			t.Fatalf("intake spike: %d changes, %v", n, err)
		}
		if n, err := env.App.CheckPlans(t.Context()); err != nil || n != 0 {
			t.Fatalf("checked again: %d changes, %v", n, err)
		}
		got := w.getPlan(t, w.admin, p.ID)
		if got.State != plan.Active || got.ActivatedBy != "system" || len(got.History) != 1 || got.History[0].Kind != "activated" {
			t.Fatalf("after the spike: %+v", got)
		}
		cal := env.App.Engine().Calendar()
		extended := merchantDue(t, open())
		if want := cal.AddWorkingDays(normal, 2); !extended.Equal(want) {
			t.Fatalf("deadline under the plan %v, want %v (normal %v + 2 working days)", extended, want, normal)
		}
		if b, err := env.App.ActiveBanners(t.Context()); err != nil || len(b) != 1 || b[0].EN == "" {
			t.Fatalf("banners: %v %v", b, err)
		}
		// The end rule: two hours after activation it ends by itself.
		env.Clock.Advance(2*time.Hour + time.Minute)
		if n, err := env.App.CheckPlans(t.Context()); err != nil || n != 1 {
			t.Fatalf("after 2h: %d changes, %v", n, err)
		}
		got = w.getPlan(t, w.admin, p.ID)
		if got.State != plan.Ended || len(got.History) != 2 || got.History[1].Kind != "deactivated" {
			t.Fatalf("after the end rule: %+v", got)
		}
		// After the plan, a new case has the policy's own deadline again (the seed
		// platform's merchant response: one working day from now), not the extended one.
		if due, want := merchantDue(t, open()), cal.AddWorkingDays(env.Clock.Now(), 1); !due.Equal(want) {
			t.Fatalf("after the plan: deadline %v, want the normal one working day %v", due, want)
		}
		if env.Rows(t, "audit_log") == 0 {
			t.Fatal("no audit")
		}
	})
}

func (w *world) getPlan(t *testing.T, token, id string) app.PlanDetail {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/plans/" + id, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET plan %s: %d %s", id, res.Status, res.Body)
	}
	var d app.PlanDetail
	res.JSON(t, &d)
	return d
}

func TestPlanDrillReport(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		res := w.createPlan(t, w.admin, `{"name":{"zh":"演练","en":"Drill"},"triggers":[{"kind":"manual"}],
			"effects":{"extend_deadlines_wd":2,"auto_approve":{"max_amount":10000,"max_risk":40}}}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var p app.PlanView
		res.JSON(t, &p)
		sup := env.Token(t, app.RoleSupervisor, "")
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/drill", Token: sup,
			JSON: plan.Surge{ArrivalsPerHour: []int{10, 10}, Agents: 1, CasesPerAgentHr: 5, LowRiskShareBP: 5000, TargetHours: 2}})
		if res.Status != http.StatusOK {
			t.Fatalf("drill: %d %s", res.Status, res.Body)
		}
		var r plan.Report
		res.JSON(t, &r)
		if r.Arrivals != 20 || r.AutoApproved != 10 || r.DeadlinesExtended != 10 || r.PeakQueue != 0 || r.PeakQueueWithout != 10 ||
			r.Breaches != 0 || r.BreachesWithout != 5 || r.MaxWaitHours != 1 || r.MaxWaitWithout != 3 || !r.Holds || len(r.Hours) != 3 {
			t.Fatalf("drill report: %+v", r)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/drill", Token: sup,
			JSON: plan.Surge{TargetHours: 0}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad surge: %d %s", res.Status, res.Body)
		}
	})
}

func TestPlanPermissionsAndBadPlan(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for _, tok := range []string{w.merchantA, w.agent, w.customer1} {
			if res := w.createPlan(t, tok, surgePlanJSON); res.Status != http.StatusForbidden {
				t.Fatalf("create by a non-admin: %d %s", res.Status, res.Body)
			}
		}
		res := w.createPlan(t, w.admin, surgePlanJSON)
		var p app.PlanView
		res.JSON(t, &p)
		for _, tok := range []string{w.merchantA, w.agent} {
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/activate", Token: tok})
			if res.Status != http.StatusForbidden {
				t.Fatalf("activate by merchant/agent: %d %s", res.Status, res.Body)
			}
		}
		sup := env.Token(t, app.RoleSupervisor, "")
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/activate", Token: sup}); res.Status != http.StatusOK {
			t.Fatalf("activate by a supervisor: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/activate", Token: sup}); res.Status != http.StatusConflict {
			t.Fatalf("activate twice: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/deactivate", Token: sup}); res.Status != http.StatusOK {
			t.Fatalf("deactivate by a supervisor: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/plans/nope", Token: w.admin}); res.Status != http.StatusNotFound {
			t.Fatalf("unknown plan: %d", res.Status)
		}
		res = w.createPlan(t, w.admin, `{"name":{"zh":"坏"},"triggers":[{"kind":"intake_per_hour","above":0}],"effects":{"extend_deadlines_wd":2}}`)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad plan: %d %s", res.Status, res.Body)
		}
		pr := res.Problem(t)
		if len(pr.Errors) != 1 || pr.Errors[0].Field != "triggers[0].above" {
			t.Fatalf("bad plan's fields: %+v", pr)
		}
	})
}
