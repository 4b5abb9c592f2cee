package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// The product recall (issue 16, item 6): "A recall plan opens cases for a SKU list and
// tells the customers."

const recallPlanJSON = `{"name":{"zh":"电热水壶召回","en":"Kettle recall"},
 "triggers":[{"kind":"recall","skus":["KETTLE-1"]}],"effects":{}}`

func (w *world) recallCases(t *testing.T, token string) []app.CaseSummary {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?reason=recall", Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET cases: %d %s", res.Status, res.Body)
	}
	var l app.CaseList
	res.JSON(t, &l)
	return l.Items
}

// recallEvents are the "recall" entries of a plan's history.
func recallEvents(t *testing.T, d app.PlanDetail) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range d.History {
		if e.Kind != "recall" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(e.Detail, &m); err != nil {
			t.Fatalf("recall entry: %v (%s)", err, e.Detail)
		}
		if e.Actor != "system" {
			t.Errorf("recall entry by %q, want system", e.Actor)
		}
		out = append(out, m)
	}
	return out
}

func inbox(t *testing.T, env *apitest.Env, customer string) []app.NotificationView {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications", Session: env.CustomerSession(t, app.PlatformShop, customer)})
	if res.Status != http.StatusOK {
		t.Fatalf("inbox of %s: %d %s", customer, res.Status, res.Body)
	}
	var l app.NotificationList
	res.JSON(t, &l)
	return l.Notifications
}

func TestRecallPlanOpensOneCasePerLineAndTellsTheCustomers(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		kettle := line("KETTLE-1", 1, 19900)
		kettle.Title = "电热水壶 Kettle"
		// cust-1 bought the kettle from shop-a a week ago, with a mug.
		o1 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", kettle, line("MUG-1", 1, 3900)))
		// cust-2 bought two from shop-b two years ago: long past every return window.
		old := w.orderInput("shop-b", "cust-2", line("KETTLE-1", 2, 19900))
		paid := time.Now().UTC().AddDate(-2, 0, 0)
		shipped, delivered := paid.Add(24*time.Hour), paid.Add(72*time.Hour)
		old.PaidAt, old.ShippedAt, old.DeliveredAt = paid, &shipped, &delivered
		o2 := w.mustOrder(t, old)
		// cust-3 bought something else.
		w.mustOrder(t, w.orderInput("shop-a", "cust-3", line("TOASTER-1", 1, 15900)))
		// cust-1's second kettle already has a case of its own, still open: skipped.
		o4 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("KETTLE-1", 1, 19900)))
		own := w.mustApply(t, w.customer1, returnRefund(o4.OrderNo, "KETTLE-1", 1))

		// Reason recall is the plan's: no customer uses it for what no plan recalls.
		in := returnRefund(o1.OrderNo, "MUG-1", 1)
		in.Reason = aftersale.ProductRecall
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: in}),
			http.StatusUnprocessableEntity, app.CodeInvalid, "reason")
		// The dry run says the same, not "eligible".
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: w.customer1,
			JSON: app.EvaluateInput{ApplyInput: in}}), http.StatusUnprocessableEntity, app.CodeInvalid, "reason")

		res := w.createPlan(t, w.admin, recallPlanJSON)
		if res.Status != http.StatusCreated {
			t.Fatalf("create recall plan: %d %s", res.Status, res.Body)
		}
		var p app.PlanView
		res.JSON(t, &p)
		sup := env.Token(t, app.RoleSupervisor, "")
		activate := func() {
			t.Helper()
			if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/activate", Token: sup}); res.Status != http.StatusOK {
				t.Fatalf("activate: %d %s", res.Status, res.Body)
			}
		}
		activate()

		// Exactly two new cases, one per customer's line.
		cases := w.recallCases(t, w.agent)
		if len(cases) != 2 {
			t.Fatalf("%d recall cases, want 2: %+v", len(cases), cases)
		}
		byOrder := map[string]app.CaseSummary{}
		for _, c := range cases {
			byOrder[c.OrderNo] = c
		}
		c1, c2 := byOrder[o1.OrderNo], byOrder[o2.OrderNo]
		if c1.Customer != "cust-1" || c2.Customer != "cust-2" || c1.Merchant != "shop-a" || c2.Merchant != "shop-b" {
			t.Fatalf("recall cases: %+v", cases)
		}
		for _, tc := range []struct {
			c     app.CaseSummary
			units int
		}{{c1, 1}, {c2, 2}} {
			v := w.getCase(t, w.agent, tc.c.ID)
			if v.Type != aftersale.ReturnRefund || v.Reason != aftersale.ProductRecall || v.State != aftersale.Requested {
				t.Errorf("%s: %s %s %s, want a requested return and refund for the recall", v.Number, v.Type, v.Reason, v.State)
			}
			// The seller's fault: the merchant pays the postage, and no window has closed.
			if v.ReturnShippingPayer != aftersale.PayerMerchant {
				t.Errorf("%s: return shipping paid by %s, want the merchant", v.Number, v.ReturnShippingPayer)
			}
			if len(v.Items) != 1 || v.Items[0].SKU != "KETTLE-1" || v.Items[0].Quantity != tc.units {
				t.Errorf("%s: items %+v, want %d KETTLE-1", v.Number, v.Items, tc.units)
			}
			if len(v.History) == 0 || v.History[0].Action != aftersale.Apply ||
				v.History[0].Actor.Role != aftersale.System || v.History[0].Actor.ID != "plan:"+p.ID {
				t.Errorf("%s: opened by %+v, want the system as the plan", v.Number, v.History)
			}
			if !strings.Contains(v.Description, "电热水壶召回") || !strings.Contains(v.Description, "Kettle recall") {
				t.Errorf("%s: description %q does not name the plan", v.Number, v.Description)
			}
			if len(v.Deadlines) == 0 {
				t.Errorf("%s: no deadline for the merchant", v.Number)
			}
		}
		// Each customer sees their own; each merchant theirs only.
		for _, tc := range []struct {
			token string
			want  string
		}{{w.customer1, c1.ID}, {w.customer2, c2.ID}, {w.merchantA, c1.ID}, {w.merchantB, c2.ID}} {
			if got := w.recallCases(t, tc.token); len(got) != 1 || got[0].ID != tc.want {
				t.Errorf("recall cases seen: %+v, want only %s", got, tc.want)
			}
		}

		// The customers are told, in both languages, naming the product and the case.
		env.DrainOutbox(t)
		for _, tc := range []struct {
			customer string
			c        app.CaseSummary
		}{{"cust-1", c1}, {"cust-2", c2}} {
			found := 0
			for _, n := range inbox(t, env, tc.customer) {
				if n.Event != "case.recall" {
					continue
				}
				found++
				if n.CaseID != tc.c.ID || !strings.Contains(n.Subject.ZH, tc.c.Number) || !strings.Contains(n.Body.ZH, tc.c.Number) ||
					!strings.Contains(n.Body.EN, tc.c.Number) || !strings.Contains(n.Body.ZH, "KETTLE-1") || !strings.Contains(n.Body.EN, "KETTLE-1") {
					t.Errorf("%s told: %+v", tc.customer, n)
				}
			}
			if found != 1 {
				t.Errorf("%s has %d recall notices, want 1", tc.customer, found)
			}
		}
		if !containsTitle(inbox(t, env, "cust-1"), "电热水壶 Kettle") {
			t.Errorf("cust-1's notice does not name the product by its title")
		}
		for _, n := range inbox(t, env, "cust-3") {
			if n.Event == "case.recall" {
				t.Errorf("cust-3, who bought no kettle, was told: %+v", n)
			}
		}

		// The history: one recall entry with the counts.
		d := w.getPlan(t, w.admin, p.ID)
		rs := recallEvents(t, d)
		if len(rs) != 1 || rs[0]["opened"] != float64(2) || rs[0]["skipped"] != float64(1) || rs[0]["more"] != false {
			t.Fatalf("recall entries: %+v", rs)
		}
		if by, _ := rs[0]["skipped_by"].(map[string]any); by["open_case"] != float64(1) {
			t.Fatalf("skipped by: %+v", rs[0])
		}

		// Stopped and started again: nothing twice.
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/plans/" + p.ID + "/deactivate", Token: sup}); res.Status != http.StatusOK {
			t.Fatalf("deactivate: %d %s", res.Status, res.Body)
		}
		activate()
		if n, err := env.App.CheckPlans(t.Context()); err != nil || n != 0 {
			t.Fatalf("check: %d changes, %v", n, err)
		}
		if got := w.recallCases(t, w.agent); len(got) != 2 {
			t.Fatalf("after a second start: %d recall cases, want still 2", len(got))
		}
		rs = recallEvents(t, w.getPlan(t, w.admin, p.ID))
		if len(rs) != 2 || rs[1]["opened"] != float64(0) || rs[1]["skipped"] != float64(0) {
			t.Fatalf("second recall entry: %+v", rs)
		}
		env.DrainOutbox(t)
		count := 0
		for _, n := range inbox(t, env, "cust-1") {
			if n.Event == "case.recall" {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("cust-1 told %d times", count)
		}
		// cust-1's own case is untouched.
		if v := w.getCase(t, w.customer1, own.ID); v.Reason != aftersale.NoReason || v.State != aftersale.Requested {
			t.Fatalf("cust-1's own case: %+v", v)
		}
		// While the plan is active, an agent may open a recall case for a recalled product
		// on the customer's behalf (the unit the customer's own case holds is taken).
		o5 := w.mustOrder(t, w.orderInput("shop-a", "cust-3", line("KETTLE-1", 1, 19900)))
		byAgent := w.mustApply(t, w.agent, app.ApplyInput{OrderNo: o5.OrderNo, Type: aftersale.ReturnRefund, Reason: aftersale.ProductRecall,
			Items: []policy.RequestItem{{SKU: "KETTLE-1", Quantity: 1}}, Channel: "phone", Description: "来电:召回 / called about the recall"})
		if byAgent.ReturnShippingPayer != aftersale.PayerMerchant {
			t.Fatalf("agent's recall case: %+v", byAgent)
		}
		if env.Rows(t, "audit_log") == 0 {
			t.Fatal("no audit")
		}
	})
}

func containsTitle(ns []app.NotificationView, title string) bool {
	for _, n := range ns {
		if n.Event == "case.recall" && strings.Contains(n.Body.ZH, title) && strings.Contains(n.Body.EN, title) {
			return true
		}
	}
	return false
}
