package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

type riskDoc struct {
	Customer string `json:"customer"`
	Score    int    `json:"score"`
	Level    string `json:"level"`
	Reasons  []struct {
		Code    string `json:"code"`
		Points  int    `json:"points"`
		Message string `json:"message"`
		ZH      string `json:"zh"`
		EN      string `json:"en"`
	} `json:"reasons"`
	WatchListed bool `json:"watch_listed"`
}

func (d riskDoc) codes() []string {
	var out []string
	for _, r := range d.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func getRisk(t *testing.T, env *apitest.Env, token, customer string, want int) riskDoc {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/risk/customers/" + customer, Token: token})
	if res.Status != want {
		t.Fatalf("GET risk of %s: %d %s", customer, res.Status, res.Body)
	}
	var d riskDoc
	if want == http.StatusOK {
		res.JSON(t, &d)
	}
	return d
}

// notReceived is a refund-only "not received" claim for an order shipped but never delivered.
func notReceived(t *testing.T, w *world, token, merchant, customer string) {
	t.Helper()
	in := w.orderInput(merchant, customer, line("NR", 1, 5000))
	in.DeliveredAt = nil
	o := w.mustOrder(t, in)
	w.mustApply(t, token, app.ApplyInput{OrderNo: o.OrderNo, Type: aftersale.RefundOnly, Reason: aftersale.NotReceived,
		Items: []policy.RequestItem{{SKU: "NR", Quantity: 1}}, Description: "没收到货 / never arrived"})
}

// smallReturn is a ¥50 no-reason return: one_click_return's ground (under ¥100).
func smallReturn(t *testing.T, w *world, token, merchant, customer string) app.CaseView {
	t.Helper()
	o := w.mustOrder(t, w.orderInput(merchant, customer, line("S", 1, 5000)))
	return w.mustApply(t, token, returnRefund(o.OrderNo, "S", 1))
}

func hasRule(d app.DecisionView, id string) bool {
	return slices.ContainsFunc(d.Rules, func(h policy.Hit) bool { return h.ID == id })
}

// TestNotReceivedHistoryScoresHighAndIsNotAutoApproved: issue 16 — a customer with a
// history of refund-only "not received" claims scores high (customer.risk >= 70) and is
// not approved at once; a fresh customer's same ¥50 return is (一键退换货, one_click_return).
func TestNotReceivedHistoryScoresHighAndIsNotAutoApproved(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for range 3 {
			notReceived(t, w, w.customer1, "shop-a", "cust-1")
		}
		d := getRisk(t, env, w.agent, "cust-1", http.StatusOK)
		if d.Score < 70 || d.Level != "high" || !slices.Contains(d.codes(), "not_received") {
			t.Fatalf("cust-1's risk: %+v", d)
		}
		for _, r := range d.Reasons {
			if r.ZH == "" || r.EN == "" || r.Message == "" {
				t.Fatalf("reason without its words: %+v", r)
			}
		}

		fresh := smallReturn(t, w, w.customer2, "shop-a", "cust-2")
		if fresh.State != aftersale.Approved || !hasRule(fresh.Decision, "one_click_return") || !strings.Contains(fresh.Decision.Explanation.EN, "instant approval") {
			t.Fatalf("a fresh customer's ¥50 return: %s %+v", fresh.State, fresh.Decision)
		}
		// The dry run tells them the same as the application will, before they apply.
		so := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("S", 1, 5000)))
		var dry app.DecisionView
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: w.customer1,
			JSON: app.EvaluateInput{ApplyInput: returnRefund(so.OrderNo, "S", 1)}}); res.Status != http.StatusOK {
			t.Fatalf("dry run: %d %s", res.Status, res.Body)
		} else if res.JSON(t, &dry); dry.AutoApprove || !hasRule(dry, "risk_review") {
			t.Fatalf("the abuser's dry run: %+v, want the risk review as the application gets it", dry)
		}
		held := smallReturn(t, w, w.customer1, "shop-a", "cust-1")
		if held.State != aftersale.Requested || held.Decision.AutoApprove || hasRule(held.Decision, "one_click_return") ||
			!hasRule(held.Decision, "risk_review") || !strings.Contains(held.Decision.Explanation.EN, "reviewed by a person") {
			t.Fatalf("the abuser's ¥50 return: %s %+v", held.State, held.Decision)
		}
		// A fourth "not received" claim needs evidence now (seed-platform
		// evidence_for_not_received: customer.risk >= 70), and says so without the score.
		in := w.orderInput("shop-a", "cust-1", line("NR", 1, 5000))
		in.DeliveredAt = nil
		o := w.mustOrder(t, in)
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: app.ApplyInput{OrderNo: o.OrderNo,
			Type: aftersale.RefundOnly, Reason: aftersale.NotReceived, Items: []policy.RequestItem{{SKU: "NR", Quantity: 1}}}})
		if res.Status < 400 || !strings.Contains(string(res.Body), "evidence") || strings.Contains(string(res.Body), "risk") {
			t.Fatalf("a high-risk not-received claim without evidence: %d %s", res.Status, res.Body)
		}
		// The portal's form says it before it is sent: the reason is there, evidence needed.
		opts, err := env.App.OrderOptions(t.Context(), app.Principal{Role: app.RoleCustomer, ID: "cust-1", Customer: "cust-1"}, o.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(opts.Items[0].Types, func(to app.TypeOption) bool {
			return to.Type == aftersale.RefundOnly && slices.ContainsFunc(to.Reasons, func(r app.ReasonOption) bool { return r.Reason == aftersale.NotReceived && r.NeedsEvidence })
		}) {
			t.Fatal("the portal's options do not say that the abuser's refund-only not-received claim needs evidence")
		}
		// The customer's own view of the case shows no score.
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + held.ID, Token: w.customer1}); strings.Contains(string(res.Body), `"score"`) {
			t.Fatalf("the customer's case carries a score: %s", res.Body)
		}
	})
}

// TestRiskIsForStaffAndTheCustomersMerchants: a merchant reads the score only of customers
// who bought from it (else 404), a customer never (404, not even their own).
func TestRiskIsForStaffAndTheCustomersMerchants(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("A", 1, 5000)))
		getRisk(t, env, w.merchantA, "cust-1", http.StatusOK)
		getRisk(t, env, w.merchantB, "cust-1", http.StatusNotFound)
		getRisk(t, env, w.customer1, "cust-1", http.StatusNotFound)
		getRisk(t, env, w.customer2, "cust-1", http.StatusNotFound)
		getRisk(t, env, w.admin, "cust-1", http.StatusOK)
		getRisk(t, env, w.agent, "nobody", http.StatusNotFound)
	})
}

// TestSharedAddressRaisesTheScore: issue 16 — an address shared across accounts (spaces
// aside) raises both accounts' scores.
func TestSharedAddressRaisesTheScore(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("A", 1, 5000)))
		w.mustOrder(t, w.orderInput("shop-a", "cust-2", line("A", 1, 5000)))
		setAddress := func(id, addr string) {
			if err := env.Store.Update(context.Background(), func(tx store.Tx) error {
				return tx.UpdateCustomer(context.Background(), store.Customer{ID: id, Address: addr})
			}); err != nil {
				t.Fatal(err)
			}
		}
		setAddress("cust-1", "浙江省杭州市西湖区 文三路 90 号")
		before := getRisk(t, env, w.agent, "cust-1", http.StatusOK)
		setAddress("cust-2", "浙江省杭州市西湖区文三路90号")
		after := getRisk(t, env, w.agent, "cust-1", http.StatusOK)
		if after.Score <= before.Score || !slices.Contains(after.codes(), "shared_address") {
			t.Fatalf("before %+v, after %+v", before, after)
		}
	})
}

// TestWatchListIsAuditedAndRaisesTheScore: supervisors put a customer on the watch list
// and take them off, each with a reason and an audit entry; the score says watch_listed.
func TestWatchListIsAuditedAndRaisesTheScore(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		sup := env.Token(t, app.RoleSupervisor, "")
		w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("A", 1, 5000)))
		post := func(token string, in app.WatchInput) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/risk/watchlist", Token: token, JSON: in})
		}
		wantProblem(t, post(w.agent, app.WatchInput{Customer: "cust-1", Reason: "x"}), http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, post(w.merchantA, app.WatchInput{Customer: "cust-1", Reason: "x"}), http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, post(sup, app.WatchInput{Customer: "cust-1"}), http.StatusUnprocessableEntity, app.CodeInvalid, "reason")
		audits := env.Rows(t, "audit_log")
		if res := post(sup, app.WatchInput{Customer: "cust-1", Reason: "三次空包退货 / three empty-box returns"}); res.Status != http.StatusCreated {
			t.Fatalf("add: %d %s", res.Status, res.Body)
		}
		wantProblem(t, post(sup, app.WatchInput{Customer: "cust-1", Reason: "again"}), http.StatusConflict, app.CodeConflict)
		if d := getRisk(t, env, w.agent, "cust-1", http.StatusOK); !d.WatchListed || !slices.Contains(d.codes(), "watch_listed") {
			t.Fatalf("watched: %+v", d)
		}
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/risk/watchlist", Token: sup})
		var list app.WatchList
		res.JSON(t, &list)
		if len(list.Entries) != 1 || list.Entries[0].Customer != "cust-1" || list.Entries[0].Reason == "" {
			t.Fatalf("watch list: %s", res.Body)
		}
		// Watch-listed, even a fresh customer's ¥50 return waits for a person.
		if c := smallReturn(t, w, w.customer1, "shop-a", "cust-1"); c.State != aftersale.Requested {
			t.Fatalf("a watch-listed customer's return: %s", c.State)
		}
		del := func(reason string) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodDelete, Path: "/api/v1/risk/watchlist/cust-1?reason=" + url.QueryEscape(reason), Token: sup})
		}
		wantProblem(t, del(""), http.StatusUnprocessableEntity, app.CodeInvalid, "reason")
		if res := del("已核实 / checked"); res.Status != http.StatusNoContent {
			t.Fatalf("remove: %d %s", res.Status, res.Body)
		}
		wantProblem(t, del("again"), http.StatusNotFound, app.CodeNotFound)
		if d := getRisk(t, env, w.agent, "cust-1", http.StatusOK); d.WatchListed {
			t.Fatalf("still watched: %+v", d)
		}
		if got := env.Rows(t, "audit_log") - audits; got < 2 {
			t.Fatalf("%d audit entries for an add and a removal", got)
		}
		var n int
		_ = env.Store.View(context.Background(), func(tx store.Tx) error {
			page, _, err := tx.ListAudit(context.Background(), store.AuditQuery{Limit: 100})
			for _, e := range page {
				if strings.HasPrefix(e.Action, "risk.") && e.Outcome != "denied" {
					n++
				}
			}
			return err
		})
		if n < 2 {
			t.Fatalf("%d risk audit entries", n)
		}
	})
}

// Inspection findings (issue 16: "inspection findings (empty box, swapped item)"): the
// merchant says what a failed inspection found, as data; an empty box raises the
// customer's score with its reason, a finding on a passed inspection or an unknown one is
// refused at the field, and the merchant's form offers the findings in zh and en.
func TestAnEmptyBoxFoundAtInspectionRaisesTheScore(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SKU-1", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "SKU-1", 1))
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: "SF1234567890"})
		before := getRisk(t, env, w.admin, "cust-1", http.StatusOK)
		if slices.Contains(before.codes(), "empty_box_swapped") {
			t.Fatalf("before the inspection: %v", before.codes())
		}

		// The merchant's page offers the findings, in both languages.
		staff := env.Login(t, "shopa1", env.User(t, "shopa1", app.RoleMerchant, "shop-a"))
		wantPage(t, getPageIn(t, env, staff, "/cases/"+c.ID, "en"), http.StatusOK, `name="finding"`, "Empty box", "Swapped item")
		wantPage(t, getPageIn(t, env, staff, "/cases/"+c.ID, "zh"), http.StatusOK, "验货发现", "空包")

		fail := app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionFail, Note: "箱子里什么都没有"}
		for _, bad := range []app.ActInput{
			{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionPass, Finding: aftersale.FindingEmptyBox},
			{Action: fail.Action, Version: fail.Version, Inspection: fail.Inspection, Note: fail.Note, Finding: "stolen"},
		} {
			wantProblem(t, w.act(t, w.merchantA, c.ID, bad), http.StatusUnprocessableEntity, app.CodeInvalid, "finding")
		}
		fail.Finding = aftersale.FindingEmptyBox
		c = w.mustAct(t, w.merchantA, c.ID, fail)
		if c.State != aftersale.InspectionFailed || c.History[len(c.History)-1].Data["finding"] != "empty_box" {
			t.Fatalf("after the inspection: %s %+v", c.State, c.History[len(c.History)-1])
		}
		after := getRisk(t, env, w.admin, "cust-1", http.StatusOK)
		if !slices.Contains(after.codes(), "empty_box_swapped") || after.Score <= before.Score {
			t.Fatalf("after an empty box: %d %v, before %d", after.Score, after.codes(), before.Score)
		}
	})
}
