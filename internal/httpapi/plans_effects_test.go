package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/sla"
)

// Emergency plans (issue 16, item 6), the effects besides longer deadlines: while a plan
// is active, low-risk cases under its amount are approved at once (the decision names
// the plan), new cases get its looser SLA targets, and a full group's new work overflows
// to the plan's groups. When it ends, new cases are as before; the cases opened under it
// keep their SLA.

const snowstormPlanJSON = `{"name":{"zh":"暴雪","en":"Snowstorm"},"triggers":[{"kind":"manual"}],
 "effects":{"auto_approve":{"max_amount":30000,"max_risk":30},"overflow":{"from":"digital","to":["general"]},"sla_factor_bp":20000}}`

func firstResponseTarget(t *testing.T, c app.CaseView) string {
	t.Helper()
	if c.SLA != nil {
		for _, k := range c.SLA.Clocks {
			if k.Kind == sla.FirstResponse {
				return k.Target
			}
		}
	}
	t.Fatalf("case %s has no first-response clock: %+v", c.ID, c.SLA)
	return ""
}

func TestPlanEffectsApproveLoosenTheSLAAndOverflow(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newDeskWorld(t, env)
		env.Clock.Set(time.Now().UTC().Truncate(time.Second))
		w.putRules(t, desk.Rules{Cap: 1, AutoAssign: true, Rubric: desk.DefaultRubric(), Groups: []desk.Group{
			{Code: "digital", Strategy: desk.RoundRobin, Members: []string{"agent.a"}, Categories: []string{"digital"}},
			{Code: "general", Strategy: desk.LeastLoad, Members: []string{"agent.b"}},
		}})
		apply := func(price int64) app.CaseView {
			t.Helper()
			it := line("SKU-D", 1, price)
			it.Category = "digital"
			o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", it))
			c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, it.SKU, 1))
			return w.getCase(t, w.sup, c.ID)
		}
		first := apply(29900)
		normalSLA := firstResponseTarget(t, first)
		if first.State != aftersale.Requested || first.Assignee != "agent.a" || first.Group != "digital" {
			t.Fatalf("before the plan: %s owned by %q in %q, want requested, agent.a in digital", first.State, first.Assignee, first.Group)
		}

		res := w.createPlan(t, w.admin, snowstormPlanJSON)
		if res.Status != http.StatusCreated {
			t.Fatalf("create plan: %d %s", res.Status, res.Body)
		}
		var p app.PlanView
		res.JSON(t, &p)
		switchPlan := func(action string) {
			t.Helper()
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/" + action, Token: w.sup})
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", action, res.Status, res.Body)
			}
		}
		switchPlan("activate")

		// ¥299 from a low-risk customer: approved the moment it is submitted, by the plan.
		under := apply(29900)
		if under.State != aftersale.Approved || !under.Decision.AutoApprove {
			t.Errorf("under the plan's amount: %s (auto %v), want approved at once", under.State, under.Decision.AutoApprove)
		}
		if !slices.ContainsFunc(under.Decision.Rules, func(h policy.Hit) bool { return h.ID == "plan:"+p.ID && h.Kind == "plan" }) {
			t.Errorf("the decision's rules %+v do not name the plan", under.Decision.Rules)
		}
		if ex := under.Decision.Explanation; !strings.Contains(ex.ZH, "暴雪") || !strings.Contains(ex.EN, "Snowstorm") || !strings.Contains(ex.ZH, "300") {
			t.Errorf("the explanation does not say the plan and its limit: %+v", ex)
		}
		// Its SLA: the seed platform's target doubled.
		if got, want := firstResponseTarget(t, under), doubled(t, normalSLA); got != want {
			t.Errorf("first-response target under the plan %s, want %s (twice %s)", got, want, normalSLA)
		}
		// agent.a is at the cap of 1: digital is full, so the work overflows to general.
		if under.Assignee != "agent.b" || under.Group != "general" {
			t.Errorf("overflow: owned by %q in %q, want agent.b in general", under.Assignee, under.Group)
		}
		h := under.History[len(under.History)-1]
		if h.Action != aftersale.AssignOwner || !strings.Contains(h.Note, "overflow") {
			t.Errorf("the routing's record %+v does not say the overflow", h)
		}

		// ¥399 is over the amount: it waits for the merchant as usual. Both groups are full
		// now, so it waits in the digital queue.
		over := apply(39900)
		if over.State != aftersale.Requested || over.Decision.AutoApprove {
			t.Errorf("over the plan's amount: %s (auto %v), want requested", over.State, over.Decision.AutoApprove)
		}
		if over.Assignee != "" || over.Group != "digital" {
			t.Errorf("both groups full: owned by %q in %q, want the digital queue", over.Assignee, over.Group)
		}

		switchPlan("deactivate")
		after := apply(29900)
		if after.State != aftersale.Requested || firstResponseTarget(t, after) != normalSLA {
			t.Errorf("after the plan: %s with target %s, want requested with %s", after.State, firstResponseTarget(t, after), normalSLA)
		}
		// The case opened under the plan keeps its SLA.
		if got := firstResponseTarget(t, w.getCase(t, w.sup, under.ID)); got != doubled(t, normalSLA) {
			t.Errorf("after the plan, the case opened under it has target %s, want %s", got, doubled(t, normalSLA))
		}
	})
}

// doubled is a span written as the SLA shows it, twice as long (wall time in seconds).
func doubled(t *testing.T, span string) string {
	t.Helper()
	s, err := calendar.ParseSpan(span)
	if err != nil {
		t.Fatal(err)
	}
	return (sla.Target{FirstResponse: s}).Scaled(20000).FirstResponse.String()
}
