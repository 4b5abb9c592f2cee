package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The whole return-and-refund path over HTTP (SPEC §4, 退货退款): the customer applies,
// the merchant approves, the customer ships the goods back, the merchant confirms receipt
// with a passing inspection and refunds, the customer confirms. Each step is checked for
// state, version, the allowed actions of each party and the history; at the end the
// refunded amount and the order line's holdings.
func TestReturnAndRefundPathOverHTTP(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900), line("SOCKS", 3, 1500)))
		if order.Items[0].Claimed != 0 || order.Items[0].Refunded != 0 {
			t.Fatalf("new order holds %+v", order.Items[0])
		}

		type step struct {
			actor   string // token
			role    aftersale.Role
			action  app.ActInput
			state   aftersale.State
			allowed map[string][]aftersale.Action // token → what that party may do next
		}
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))
		if c.State != aftersale.Requested || c.Version != 1 || c.Type != aftersale.ReturnRefund {
			t.Fatalf("applied: state %s version %d type %s", c.State, c.Version, c.Type)
		}
		if c.RefundAmount != 29900 || c.Decision.RefundAmount != 29900 || !c.Decision.Eligible {
			t.Fatalf("refund amount %d (decision %d, eligible %v), want 29900: a no-reason return refunds the goods, not the shipping",
				c.RefundAmount, c.Decision.RefundAmount, c.Decision.Eligible)
		}
		checkView(t, "apply", c, aftersale.Requested, 1, actions(aftersale.Cancel))
		checkHistory(t, c, []aftersale.Action{aftersale.Apply}, []aftersale.Role{aftersale.Customer})
		checkView(t, "apply (merchant's view)", w.getCase(t, w.merchantA, c.ID), aftersale.Requested, 1,
			actions(aftersale.Approve, aftersale.Reject, aftersale.RequestInfo))

		steps := []step{
			{w.merchantA, aftersale.Merchant, app.ActInput{Action: aftersale.Approve}, aftersale.Approved,
				map[string][]aftersale.Action{w.merchantA: actions(), w.customer1: actions(aftersale.ShipBack, aftersale.Cancel)}},
			{w.customer1, aftersale.Customer, app.ActInput{Action: aftersale.ShipBack, Carrier: "SF Express", TrackingNo: "SF1234567890"}, aftersale.Returning,
				map[string][]aftersale.Action{w.merchantA: actions(aftersale.ConfirmReceipt), w.customer1: actions(aftersale.Deliver)}},
			{w.merchantA, aftersale.Merchant, app.ActInput{Action: aftersale.ConfirmReceipt, Inspection: aftersale.InspectionPass}, aftersale.Refunding,
				map[string][]aftersale.Action{w.merchantA: actions(aftersale.Refund), w.customer1: actions()}},
			{w.merchantA, aftersale.Merchant, app.ActInput{Action: aftersale.Refund}, aftersale.Resolved,
				map[string][]aftersale.Action{w.merchantA: actions(), w.customer1: actions(aftersale.Confirm)}},
			{w.customer1, aftersale.Customer, app.ActInput{Action: aftersale.Confirm}, aftersale.Completed,
				map[string][]aftersale.Action{w.merchantA: actions(), w.customer1: actions()}},
		}
		wantActions := []aftersale.Action{aftersale.Apply}
		wantRoles := []aftersale.Role{aftersale.Customer}
		for i, s := range steps {
			s.action.Version = c.Version
			got := w.mustAct(t, s.actor, c.ID, s.action)
			if s.action.Action == aftersale.Refund {
				// The case completes once its money is paid: the relay's work, done now.
				w.env.SettlePayments(t)
				got = w.getCase(t, s.actor, c.ID)
			}
			wantActions, wantRoles = append(wantActions, s.action.Action), append(wantRoles, s.role)
			version := int64(i + 2)
			checkView(t, string(s.action.Action), got, s.state, version, s.allowed[s.actor])
			checkHistory(t, got, wantActions, wantRoles)
			for token, allowed := range s.allowed {
				v := w.getCase(t, token, c.ID)
				checkView(t, string(s.action.Action)+" (read back)", v, s.state, version, allowed)
				checkHistory(t, v, wantActions, wantRoles)
			}
			c = got
		}

		if c.RefundedAmount != 29900 || c.RefundedAmount != c.RefundAmount {
			t.Errorf("refunded %d of %d, want all 29900", c.RefundedAmount, c.RefundAmount)
		}
		if len(c.Deadlines) != 0 {
			t.Errorf("a completed case has no clocks running, got %+v", c.Deadlines)
		}
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + order.OrderNo, Token: w.merchantA})
		if res.Status != http.StatusOK {
			t.Fatalf("GET order: %d %s", res.Status, res.Body)
		}
		var after app.OrderView
		res.JSON(t, &after)
		for _, it := range after.Items {
			want := app.OrderItemView{Claimed: 0, Refunded: 0, Reserved: 0}
			if it.SKU == "JACKET" {
				want = app.OrderItemView{Claimed: 1, Refunded: 29900, Reserved: 0}
			}
			if it.Claimed != want.Claimed || it.Refunded != want.Refunded || it.Reserved != want.Reserved {
				t.Errorf("line %s holds claimed %d refunded %d reserved %d, want %d %d %d",
					it.SKU, it.Claimed, it.Refunded, it.Reserved, want.Claimed, want.Refunded, want.Reserved)
			}
		}
		// A refund leaves through the outbox: it is waiting there for the gateway.
		if n := env.Rows(t, "outbox"); n == 0 {
			t.Error("the outbox is empty after a refund")
		}
	})
}

func checkView(t *testing.T, step string, v app.CaseView, state aftersale.State, version int64, allowed []aftersale.Action) {
	t.Helper()
	if v.State != state || v.Version != version {
		t.Errorf("after %s: state %s version %d, want %s %d", step, v.State, v.Version, state, version)
	}
	if v.StateLabel.ZH == "" || v.StateLabel.EN == "" {
		t.Errorf("after %s: state label %+v", step, v.StateLabel)
	}
	if !slices.Equal(v.AllowedActions, allowed) {
		t.Errorf("after %s: allowed actions %v, want %v", step, v.AllowedActions, allowed)
	}
}

func checkHistory(t *testing.T, v app.CaseView, acts []aftersale.Action, roles []aftersale.Role) {
	t.Helper()
	if len(v.History) != len(acts) {
		t.Fatalf("history has %d events, want %d: %+v", len(v.History), len(acts), v.History)
	}
	for i, e := range v.History {
		if e.Seq != int64(i+1) || e.Action != acts[i] || e.Actor.Role != roles[i] {
			t.Errorf("event %d: seq %d %s by %s, want seq %d %s by %s", i, e.Seq, e.Action, e.Actor.Role, i+1, acts[i], roles[i])
		}
		if i > 0 && e.From != v.History[i-1].To {
			t.Errorf("event %d goes from %s, but the one before ended in %s", i, e.From, v.History[i-1].To)
		}
	}
	if last := v.History[len(v.History)-1]; last.To != v.State {
		t.Errorf("history ends in %s, the case is %s", last.To, v.State)
	}
}
