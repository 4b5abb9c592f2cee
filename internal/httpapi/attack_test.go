package httpapi_test

// What an attack on the API from outside found (issue 17), each as the attacker tried it,
// on both stores: a return postage of 2^63 fen repaid, sums of money that wrapped around,
// an order moved to another customer under its cases, another merchant's order number told.

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// wrongItem is a return of a wrong item: the merchant bears the return postage
// (消费者权益保护法 第二十四条) and no photo is asked for.
func wrongItem(orderNo, sku string) app.ApplyInput {
	return app.ApplyInput{OrderNo: orderNo, Type: aftersale.ReturnRefund, Reason: aftersale.WrongItem,
		Items: []policy.RequestItem{{SKU: sku, Quantity: 1}}, Description: "发错货了 / the wrong item came"}
}

// outboxMovements reads the money movements waiting in the outbox, by kind.
func outboxMovements(t *testing.T, env *apitest.Env, caseID string) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	err := env.Store.Update(context.Background(), func(tx store.Tx) error {
		recs, err := tx.ClaimOutbox(context.Background(), "test-reader", time.Minute, 1000)
		for _, r := range recs {
			var m struct {
				CaseID string `json:"case_id"`
				Amount int64  `json:"amount"`
			}
			if strings.HasPrefix(r.Topic, "money.") && json.Unmarshal(r.Payload, &m) == nil && m.CaseID == caseID {
				out[strings.TrimPrefix(r.Topic, "money.")] = append(out[strings.TrimPrefix(r.Topic, "money.")], m.Amount)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A customer claimed a postage of 9223372036854775000 fen for a ¥100 item and it was
// repaid when the merchant confirmed receipt. Now the claim is bounded by the policy (the
// carrier's first weight, seed-platform: SF ¥23.00), shown to the merchant, and the merchant
// may dispute it within what the policy allows (half of it), with a reason.
func TestReturnPostageIsBoundedByThePolicy(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SHIRT", 1, 10000)))
		c := w.mustApply(t, w.customer1, wrongItem(o.OrderNo, "SHIRT"))
		if c.ReturnShippingPayer != aftersale.PayerMerchant {
			t.Fatalf("payer %s, want merchant", c.ReturnShippingPayer)
		}
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})

		res := w.act(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version,
			Carrier: "SF", TrackingNo: "SF1234567890", Cost: 9223372036854775000})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "cost")

		c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version,
			Carrier: "sf", TrackingNo: "SF1234567890", Cost: 10000})
		want := app.PostageView{Claimed: 10000, Cap: 2300, MaxReduction: 1150, Due: 2300}
		if c.ReturnPostage == nil || *c.ReturnPostage != want {
			t.Fatalf("return postage %+v, want %+v", c.ReturnPostage, want)
		}
		if got := w.getCase(t, w.merchantA, c.ID).ReturnPostage; got == nil || *got != want {
			t.Fatalf("the merchant sees %+v, want %+v", got, want)
		}

		for _, tt := range []struct {
			in    app.ActInput
			field string
		}{
			{app.ActInput{PostageReduction: 1151, Note: "运单显示首重 ¥12"}, "postage_reduction"},
			{app.ActInput{PostageReduction: -1, Note: "?"}, "postage_reduction"},
			{app.ActInput{PostageReduction: 500}, "note"},
		} {
			in := tt.in
			in.Action, in.Version, in.Inspection = aftersale.ConfirmReceipt, c.Version, aftersale.InspectionPass
			wantProblem(t, w.act(t, w.merchantA, c.ID, in), http.StatusUnprocessableEntity, app.CodeInvalid, tt.field)
		}
		// Nothing of the refused attempts was written.
		if got := w.getCase(t, w.merchantA, c.ID); got.Version != c.Version || got.State != aftersale.Returning {
			t.Fatalf("refused actions changed the case: version %d state %s", got.Version, got.State)
		}

		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version,
			Inspection: aftersale.InspectionPass, PostageReduction: 500, Note: "顺丰首重实价 ¥18 / SF's first weight is ¥18"})
		want.Reduction, want.Reason, want.Due = 500, "顺丰首重实价 ¥18 / SF's first weight is ¥18", 1800
		if *c.ReturnPostage != want {
			t.Fatalf("after the merchant's reduction: %+v, want %+v", c.ReturnPostage, want)
		}
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Refund, Version: c.Version})
		if !c.ReturnPostage.Reimbursed || c.RefundedAmount != 10000 {
			t.Fatalf("after the refund: postage %+v, refunded %d", c.ReturnPostage, c.RefundedAmount)
		}
		moves := outboxMovements(t, env, c.ID)
		if got := moves["shipping_reimbursement"]; len(got) != 1 || got[0] != 1800 {
			t.Errorf("postage repaid %v, want exactly one repayment of 1800 fen (all movements %v)", got, moves)
		}
	})
}

// Lines of 2^63−1, 2^63−1 and 500 fen made an automatically approved case refunding 498
// fen. Every amount that enters is bounded (money.Limit), every sum checks overflow, and
// the messages are in both languages, the Chinese one in Chinese.
func TestAmountsThatWouldOverflowAreRefused(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		in := w.orderInput("shop-a", "cust-1",
			app.OrderItemInput{SKU: "A", Quantity: 1, UnitPrice: math.MaxInt64, PaidAmount: math.MaxInt64},
			app.OrderItemInput{SKU: "B", Quantity: 1, UnitPrice: math.MaxInt64, PaidAmount: math.MaxInt64},
			line("C", 1, 500))
		res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: in})
		p := wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "items[0].unit_price")
		for _, f := range p.Errors {
			if !strings.ContainsFunc(f.Message.ZH, func(r rune) bool { return unicode.Is(unicode.Han, r) }) ||
				strings.Contains(f.Message.ZH, "must") {
				t.Errorf("the Chinese message %q is not Chinese", f.Message.ZH)
			}
		}
		// Lines each within the bound whose total is not.
		in = w.orderInput("shop-a", "cust-1", line("A", 1, 60_000_000_000), line("B", 1, 60_000_000_000))
		res = w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: in})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "items")
		if n := env.Rows(t, "orders"); n != 0 {
			t.Fatalf("%d orders stored after refusals", n)
		}

		// Amounts of applications and actions are bounded too.
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SHIRT", 1, 10000)))
		ask := wrongItem(o.OrderNo, "SHIRT")
		ask.Type, ask.Amount = aftersale.Compensation, math.MaxInt64
		res = w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: ask})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "amount")
		c := w.mustApply(t, w.customer1, wrongItem(o.OrderNo, "SHIRT"))
		huge := int64(math.MinInt64)
		res = w.act(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version, Amount: &huge})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "amount")
	})
}

// Re-pushing an order with another customer moved it, and what its cases hold, to that
// customer; the first customer lost sight of it. The customer of an order with cases is
// fixed (409); an order without cases may still be corrected.
func TestTheCustomerOfAnOrderWithCasesIsFixed(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		in := w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))
		w.mustOrder(t, in)
		moved := in
		moved.Customer = "cust-2"
		res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: moved})
		if res.Status != http.StatusOK {
			t.Fatalf("correcting the customer of an order without cases: %d %s", res.Status, res.Body)
		}
		in.Customer = "cust-1"
		w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: in})
		c := w.mustApply(t, w.customer1, returnRefund(in.OrderNo, "JACKET", 1))

		res = w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: moved})
		wantProblem(t, res, http.StatusConflict, app.CodeConflict, "customer")
		for token, status := range map[string]int{w.customer1: http.StatusOK, w.customer2: http.StatusNotFound} {
			res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + in.OrderNo, Token: token})
			if res.Status != status {
				t.Errorf("GET the order as %s: %d, want %d", token[:8], res.Status, status)
			}
		}
		if got := w.getCase(t, w.customer1, c.ID); got.Customer != "cust-1" {
			t.Errorf("the case belongs to %s", got.Customer)
		}
		// The same customer may still update the order.
		res = w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: in})
		if res.Status != http.StatusOK {
			t.Fatalf("re-pushing the order unchanged: %d %s", res.Status, res.Body)
		}
	})
}

// Pushing another merchant's order number under one's own code said "belongs to another
// merchant". A merchant is answered as for an order it cannot see: not found, naming no one.
func TestAnotherMerchantsOrderNumberIsNotFound(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		in := w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))
		w.mustOrder(t, in)
		theirs := in
		theirs.Merchant = "shop-b"
		res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.merchantB, JSON: theirs})
		wantProblem(t, res, http.StatusNotFound, app.CodeNotFound)
		unknown := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/NO-SUCH-ORDER", Token: w.merchantB})
		var a, b map[string]any
		res.JSON(t, &a)
		unknown.JSON(t, &b)
		for _, k := range []string{"type", "title", "status", "detail", "detail_zh", "code"} {
			if a[k] != b[k] {
				t.Errorf("%s: %v, but %v for an unknown order", k, a[k], b[k])
			}
		}
		if strings.Contains(string(res.Body), "shop-a") || strings.Contains(string(res.Body), "another merchant") {
			t.Errorf("the answer names the owner: %s", res.Body)
		}
	})
}

// The policy dry run counted evidence: [""] as evidence; it checks evidence as a real
// application does.
func TestDryRunChecksEvidence(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		in := wrongItem(o.OrderNo, "JACKET")
		in.Reason, in.Evidence = aftersale.QualityDefect, []string{""}
		res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: w.customer1,
			JSON: app.EvaluateInput{ApplyInput: in}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "evidence[0]")
	})
}
