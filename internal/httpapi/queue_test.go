package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/scheduler"
)

func (l lister) cases(t *testing.T, env *apitest.Env, query string) app.CaseList {
	t.Helper()
	res := l.get(t, env, "/api/v1/cases"+query)
	if res.Status != http.StatusOK {
		t.Fatalf("%s: GET /api/v1/cases%s: %d %s", l.name, query, res.Status, res.Body)
	}
	var v app.CaseList
	res.JSON(t, &v)
	return v
}

func caseIDs(l app.CaseList) []string {
	var out []string
	for _, c := range l.Items {
		out = append(out, c.ID)
	}
	return out
}

// allCases follows the cursor of a list to its end.
func (l lister) allCases(t *testing.T, env *apitest.Env, query string) []string {
	t.Helper()
	var ids []string
	for q := query; ; {
		page := l.cases(t, env, q)
		ids = append(ids, caseIDs(page)...)
		if page.NextCursor == "" {
			return ids
		}
		q = query + "&cursor=" + page.NextCursor
	}
}

// The case queue (GET /api/v1/cases) filters by reason, priority and recorded SLA
// notices, searches by RMA number, order number or the last four digits of the customer's
// phone, and sorts by deadline — all within what the caller sees: a merchant's search for
// a phone ending that another merchant's customer shares finds only its own case. Each
// listed case carries the actions GET /api/v1/cases/{id} offers the caller.
func TestCaseQueueFiltersSearchAndSortWithinWhatTheCallerSees(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		w := newWorld(t, env)
		customer3 := env.Token(t, app.RoleCustomer, "cust-3")
		oA1 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))).OrderNo
		oA2 := w.mustOrder(t, w.orderInput("shop-a", "cust-2", line("SCARF", 1, 19900))).OrderNo
		oB3 := w.mustOrder(t, w.orderInput("shop-b", "cust-3", line("KETTLE", 1, 19900))).OrderNo
		// cust-1 (shop-a) and cust-3 (shop-b) have phones that end alike.
		for id, phone := range map[string]string{"cust-1": "13800001234", "cust-2": "13700005678", "cust-3": "+86 139-0000-1234"} {
			err := env.App.UpdateCustomerProfile(ctx, app.Principal{Role: app.RoleAdmin, ID: "test"},
				app.CustomerProfile{ID: id, Name: "买家 " + id, Phone: phone})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Applications a minute apart: the merchant's deadlines follow the same order.
		cA1 := w.mustApply(t, w.customer1, returnRefund(oA1, "JACKET", 1))
		env.Clock.Set(start.Add(time.Minute))
		cA2 := w.mustApply(t, w.customer2, returnRefund(oA2, "SCARF", 1))
		env.Clock.Set(start.Add(2 * time.Minute))
		defect := returnRefund(oB3, "KETTLE", 1)
		defect.Reason = aftersale.QualityDefect
		defect.Evidence = []string{(&accessWorld{world: w}).upload(t, customer3)}
		cB3 := w.mustApply(t, customer3, defect)

		agentA := env.User(t, "agent.a", app.RoleAgent, "", "shop-a")
		parties := map[string]lister{
			"cust-1":          {name: "cust-1", token: w.customer1},
			"merchant A":      {name: "merchant A", token: w.merchantA},
			"merchant B":      {name: "merchant B", token: w.merchantB},
			"agent":           {name: "agent", token: w.agent},
			"agent of shop-a": {name: "agent of shop-a", session: env.Login(t, "agent.a", agentA)},
		}
		for _, tt := range []struct {
			who, query string
			want       []string
		}{
			{"merchant A", "?q=1234", []string{cA1.ID}},
			{"merchant B", "?q=1234", []string{cB3.ID}},
			{"agent", "?q=1234", []string{cB3.ID, cA1.ID}},
			{"agent of shop-a", "?q=1234", []string{cA1.ID}},
			{"cust-1", "?q=1234", []string{cA1.ID}},
			{"merchant A", "?q=5678", []string{cA2.ID}},
			{"merchant B", "?q=5678", nil},
			{"merchant A", "?q=" + cB3.Number, nil},
			{"merchant B", "?q=" + cB3.Number, []string{cB3.ID}},
			{"merchant B", "?q=%20" + cB3.Number + "%20", []string{cB3.ID}},
			{"merchant A", "?q=" + oA2, []string{cA2.ID}},
			{"merchant B", "?q=" + oA2, nil},
			{"agent", "?q=" + oA2, []string{cA2.ID}},
			{"agent", "?q=123", nil},
			{"merchant B", "?reason=quality_defect", []string{cB3.ID}},
			{"merchant A", "?reason=quality_defect", nil},
			{"agent", "?reason=no_reason,quality_defect", []string{cB3.ID, cA2.ID, cA1.ID}},
			{"agent", "?reason=no_reason&reason=quality_defect&merchant=shop-b", []string{cB3.ID}},
			{"agent of shop-a", "?reason=quality_defect", nil},
			{"agent", "?priority=normal", []string{cB3.ID, cA2.ID, cA1.ID}},
			{"agent", "?priority=urgent", nil},
			{"agent", "?sla=breached", nil},
			{"agent", "?sort=created", []string{cB3.ID, cA2.ID, cA1.ID}},
			{"agent", "?sort=deadline", []string{cA1.ID, cA2.ID, cB3.ID}},
			{"merchant A", "?sort=deadline&state=requested", []string{cA1.ID, cA2.ID}},
			{"merchant B", "?sort=deadline&q=1234", []string{cB3.ID}},
		} {
			t.Run(tt.who+" "+tt.query, func(t *testing.T) {
				if got := caseIDs(parties[tt.who].cases(t, env, tt.query)); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		agent := parties["agent"]
		if got := agent.allCases(t, env, "?sort=deadline&limit=1"); !slices.Equal(got, []string{cA1.ID, cA2.ID, cB3.ID}) {
			t.Errorf("by deadline in pages of one: %v", got)
		}
		byDeadline := agent.cases(t, env, "?sort=deadline&limit=1")
		wantProblem(t, agent.get(t, env, "/api/v1/cases?limit=1&cursor="+byDeadline.NextCursor),
			http.StatusUnprocessableEntity, app.CodeInvalid, "cursor")
		for _, bad := range []struct{ query, field string }{
			{"?reason=lost", "reason"},
			{"?priority=asap", "priority"},
			{"?sla=late", "sla"},
			{"?sort=priority", "sort"},
			{"?q=" + strings.Repeat("x", 65), "q"},
		} {
			wantProblem(t, agent.get(t, env, "/api/v1/cases"+bad.query), http.StatusUnprocessableEntity, app.CodeInvalid, bad.field)
		}

		// Each listed case offers what the case itself offers the caller.
		for _, p := range []lister{parties["cust-1"], parties["merchant A"], parties["agent"], parties["agent of shop-a"],
			{name: "supervisor", token: env.Token(t, app.RoleSupervisor, "")}} {
			for _, s := range p.cases(t, env, "").Items {
				var v app.CaseView
				p.get(t, env, "/api/v1/cases/"+s.ID).JSON(t, &v)
				if !slices.Equal(s.AllowedActions, v.AllowedActions) || s.Priority != v.Priority || s.Tier != v.Tier {
					t.Errorf("%s, case %s: listed %v %s tier %d; the case offers %v %s tier %d", p.name, s.ID,
						s.AllowedActions, s.Priority, s.Tier, v.AllowedActions, v.Priority, v.Tier)
				}
				if len(s.AllowedActions) == 0 {
					t.Errorf("%s, case %s: no allowed actions on an open case", p.name, s.ID)
				}
			}
		}

		// Ten days later the scheduler has recorded the breaches of the service desk's clocks.
		sched := scheduler.New(scheduler.Config{Store: env.Store, Firer: env.App, Owner: "replica-1", Now: env.Clock.Now,
			Logger: slog.New(slog.DiscardHandler)})
		env.Clock.Set(start.Add(10 * 24 * time.Hour))
		for range 5 {
			if _, err := sched.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		breached := agent.cases(t, env, "?sla=breached")
		if got := caseIDs(breached); !slices.Equal(got, []string{cB3.ID, cA2.ID, cA1.ID}) {
			t.Fatalf("breached: %v", got)
		}
		for _, s := range breached.Items {
			if s.SLA != "breached" {
				t.Errorf("case %s listed as breached has sla %q", s.ID, s.SLA)
			}
			if got := caseIDs(agent.cases(t, env, "?priority="+string(s.Priority)+"&q="+s.Number)); !slices.Equal(got, []string{s.ID}) {
				t.Errorf("case %s by its priority %s: %v", s.ID, s.Priority, got)
			}
		}
		if got := caseIDs(parties["merchant A"].cases(t, env, "?sla=breached")); !slices.Equal(got, []string{cA2.ID, cA1.ID}) {
			t.Errorf("merchant A's breached: %v", got)
		}
		if got := caseIDs(agent.cases(t, env, "?sla=at_risk")); got != nil {
			t.Errorf("at risk (a breach outranks the warning): %v", got)
		}
	})
}
