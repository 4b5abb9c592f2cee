package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// timeoutRow is one waiting state of one case type: how a case gets there, and what the
// system does when nobody acts before its deadline.
type timeoutRow struct {
	rule   string // the rule, from SPEC §4 (or aftersale.TimeoutAction where §4 is silent)
	typ    aftersale.Type
	reason aftersale.Reason
	order  orderKind
	layers []string // merchant policy layers installed before the application
	path   []step
	state  aftersale.State  // the waiting state the path reaches
	action aftersale.Action // what system does at its deadline
	to     aftersale.State
}

// noApprovalOnSilence is shop-a's layer that does not approve when the merchant is silent.
const noApprovalOnSilence = `schema: aftersales.policy/v1
id: shop-a-no-silent-approval
version: 1
layer: merchant
merchant: shop-a
name: {zh: 甲店不默认同意, en: Shop A does not approve on silence}
auto_approve:
  on_merchant_silence: false
`

func (r *timeoutRow) name() string {
	return fmt.Sprintf("%s/%s→%s(%s)", r.typ, r.state, r.action, r.reason)
}

// timeoutRows cover every waiting state of every case type (TestTimeoutRowsCoverEveryWaitingState
// checks that against the life-cycle table).
var timeoutRows = []timeoutRow{
	// 仅退款 refund only.
	{"§4 requested: merchant silent → automatic approval (the goods have shipped: the refund is then due)",
		aftersale.RefundOnly, aftersale.NotReceived, inTransit, nil, nil, aftersale.Requested, aftersale.Approve, aftersale.Refunding},
	{"§4 requested: refund-only before shipment, merchant silent → automatic refund",
		aftersale.RefundOnly, aftersale.OutOfStock, unshipped, nil, nil, aftersale.Requested, aftersale.Refund, aftersale.Resolved},
	{"TimeoutAction: customer does not add the information asked for → closed",
		aftersale.RefundOnly, aftersale.NotReceived, inTransit, nil, []step{requestInfo}, aftersale.InfoRequested, aftersale.Close, aftersale.Closed},
	{"§4 rejected: customer neither re-applies nor asks the platform to step in → closed",
		aftersale.RefundOnly, aftersale.NotReceived, inTransit, nil, []step{reject}, aftersale.Rejected, aftersale.Close, aftersale.Closed},
	{"§4 refund due, merchant silent → the platform refunds",
		aftersale.RefundOnly, aftersale.NotReceived, inTransit, nil, []step{approve}, aftersale.Refunding, aftersale.Refund, aftersale.Resolved},
	{"§4 resolved: customer does not confirm → completed",
		aftersale.RefundOnly, aftersale.NotReceived, inTransit, nil, []step{approve, refund}, aftersale.Resolved, aftersale.Confirm, aftersale.Completed},

	// 退货退款 return and refund.
	{"§4 requested: merchant silent → automatic approval",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, nil, aftersale.Requested, aftersale.Approve, aftersale.Approved},
	{"TimeoutAction: merchant silent where the policy does not approve on silence → the platform steps in",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, []string{noApprovalOnSilence}, nil, aftersale.Requested, aftersale.Escalate, aftersale.Disputed},
	{"TimeoutAction: customer does not add the information asked for → closed",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{requestInfo}, aftersale.InfoRequested, aftersale.Close, aftersale.Closed},
	{"§4 rejected: customer neither re-applies nor escalates → closed",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{reject}, aftersale.Rejected, aftersale.Close, aftersale.Closed},
	{"§4 approved: customer does not ship back → closed",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{approve}, aftersale.Approved, aftersale.Close, aftersale.Closed},
	{"§4 in transit: merchant does not confirm receipt → automatic refund",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{approve, shipBack}, aftersale.Returning, aftersale.Refund, aftersale.Resolved},
	{"§4 delivered to the merchant: merchant does not inspect → automatic refund",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{approve, shipBack, deliver}, aftersale.ReturnDelivered, aftersale.Refund, aftersale.Resolved},
	{"TimeoutAction: customer does not appeal a failed inspection → closed",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{approve, shipBack, inspectFail}, aftersale.InspectionFailed, aftersale.Close, aftersale.Closed},
	{"§4 inspection passed, refund due, merchant silent → the platform refunds",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{approve, shipBack, inspectPass}, aftersale.Refunding, aftersale.Refund, aftersale.Resolved},
	{"§4 resolved: customer does not confirm → completed",
		aftersale.ReturnRefund, aftersale.NoReason, delivered, nil, []step{approve, shipBack, inspectPass, refund}, aftersale.Resolved, aftersale.Confirm, aftersale.Completed},

	// 换货 exchange.
	{"§4 requested: merchant silent → automatic approval",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, nil, aftersale.Requested, aftersale.Approve, aftersale.Approved},
	{"TimeoutAction: customer does not add the information asked for → closed",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{requestInfo}, aftersale.InfoRequested, aftersale.Close, aftersale.Closed},
	{"§4 rejected: customer neither re-applies nor escalates → closed",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{reject}, aftersale.Rejected, aftersale.Close, aftersale.Closed},
	{"§4 approved: customer does not ship back → closed",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve}, aftersale.Approved, aftersale.Close, aftersale.Closed},
	{"§4 in transit: merchant does not confirm receipt → automatic exchange",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve, shipBack}, aftersale.Returning, aftersale.ConfirmReceipt, aftersale.ExchangePending},
	{"§4 delivered to the merchant: merchant does not inspect → automatic exchange",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve, shipBack, deliver}, aftersale.ReturnDelivered, aftersale.ConfirmReceipt, aftersale.ExchangePending},
	{"TimeoutAction: customer does not appeal a failed inspection → closed",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve, shipBack, inspectFail}, aftersale.InspectionFailed, aftersale.Close, aftersale.Closed},
	{"TimeoutAction: merchant does not ship the replacement → the platform steps in",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve, shipBack, inspectPass}, aftersale.ExchangePending, aftersale.Escalate, aftersale.Disputed},
	{"§4 refund due after a ruling, merchant silent → the platform refunds",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve, shipBack, inspectPass, shipExchange, escalate, ruleForBuyer}, aftersale.Refunding, aftersale.Refund, aftersale.Resolved},
	{"§4 resolved: customer does not confirm → completed",
		aftersale.Exchange, aftersale.WrongItem, delivered, nil, []step{approve, shipBack, inspectPass, shipExchange}, aftersale.Resolved, aftersale.Confirm, aftersale.Completed},

	// 维修 repair.
	{"§4 requested: merchant silent → automatic approval",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, nil, aftersale.Requested, aftersale.Approve, aftersale.Approved},
	{"TimeoutAction: customer does not add the information asked for → closed",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{requestInfo}, aftersale.InfoRequested, aftersale.Close, aftersale.Closed},
	{"§4 rejected: customer neither re-applies nor escalates → closed",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{reject}, aftersale.Rejected, aftersale.Close, aftersale.Closed},
	{"§4 approved: customer does not ship back → closed",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve}, aftersale.Approved, aftersale.Close, aftersale.Closed},
	{"§4 in transit: merchant does not confirm receipt → the repair goes ahead",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack}, aftersale.Returning, aftersale.ConfirmReceipt, aftersale.Repairing},
	{"§4 delivered to the merchant: merchant does not inspect → the repair goes ahead",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, deliver}, aftersale.ReturnDelivered, aftersale.ConfirmReceipt, aftersale.Repairing},
	{"TimeoutAction: customer does not appeal a failed inspection → closed",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, inspectFail}, aftersale.InspectionFailed, aftersale.Close, aftersale.Closed},
	{"TimeoutAction: merchant does not finish the repair → the platform steps in",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, inspectPass}, aftersale.Repairing, aftersale.Escalate, aftersale.Disputed},
	{"TimeoutAction: customer does not answer the out-of-warranty quote → declined, closed",
		aftersale.Repair, aftersale.QualityDefect, outOfWarranty, nil, []step{approve, shipBack, inspectPass, quote}, aftersale.Quoted, aftersale.DeclineQuote, aftersale.Closed},
	{"TimeoutAction: customer does not choose after two failed repairs (三包) → the platform steps in",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, inspectPass, repairFailed, repairFailed}, aftersale.RepairChoice, aftersale.Escalate, aftersale.Disputed},
	{"TimeoutAction: merchant does not ship the exchange the customer chose → the platform steps in",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, inspectPass, repairFailed, repairFailed, chooseExchang}, aftersale.ExchangePending, aftersale.Escalate, aftersale.Disputed},
	{"§4 refund due after the customer chose a return, merchant silent → the platform refunds",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, inspectPass, repairFailed, repairFailed, chooseReturn}, aftersale.Refunding, aftersale.Refund, aftersale.Resolved},
	{"§4 resolved: customer does not confirm → completed",
		aftersale.Repair, aftersale.QualityDefect, delivered, nil, []step{approve, shipBack, inspectPass, repairDone}, aftersale.Resolved, aftersale.Confirm, aftersale.Completed},

	// 补发 reship.
	{"§4 requested: merchant silent → automatic approval",
		aftersale.Reship, aftersale.MissingParts, delivered, nil, nil, aftersale.Requested, aftersale.Approve, aftersale.Reshipping},
	{"TimeoutAction: customer does not add the information asked for → closed",
		aftersale.Reship, aftersale.MissingParts, delivered, nil, []step{requestInfo}, aftersale.InfoRequested, aftersale.Close, aftersale.Closed},
	{"§4 rejected: customer neither re-applies nor escalates → closed",
		aftersale.Reship, aftersale.MissingParts, delivered, nil, []step{reject}, aftersale.Rejected, aftersale.Close, aftersale.Closed},
	{"TimeoutAction: merchant does not reship → the platform steps in",
		aftersale.Reship, aftersale.MissingParts, delivered, nil, []step{approve}, aftersale.Reshipping, aftersale.Escalate, aftersale.Disputed},
	{"§4 refund due after a ruling, merchant silent → the platform refunds",
		aftersale.Reship, aftersale.MissingParts, delivered, nil, []step{approve, shipReship, escalate, ruleForBuyer}, aftersale.Refunding, aftersale.Refund, aftersale.Resolved},
	{"§4 resolved: customer does not confirm → completed",
		aftersale.Reship, aftersale.MissingParts, delivered, nil, []step{approve, shipReship}, aftersale.Resolved, aftersale.Confirm, aftersale.Completed},

	// 补偿 compensation.
	{"§4 requested: merchant silent → automatic approval (the compensation asked for is due)",
		aftersale.Compensation, aftersale.MissingParts, delivered, nil, nil, aftersale.Requested, aftersale.Approve, aftersale.Refunding},
	{"TimeoutAction: customer does not add the information asked for → closed",
		aftersale.Compensation, aftersale.MissingParts, delivered, nil, []step{requestInfo}, aftersale.InfoRequested, aftersale.Close, aftersale.Closed},
	{"§4 rejected: customer neither re-applies nor escalates → closed",
		aftersale.Compensation, aftersale.MissingParts, delivered, nil, []step{reject}, aftersale.Rejected, aftersale.Close, aftersale.Closed},
	{"TimeoutAction: customer does not answer the merchant's offer → closed",
		aftersale.Compensation, aftersale.MissingParts, delivered, nil, []step{offer}, aftersale.Offered, aftersale.Close, aftersale.Closed},
	{"§4 compensation due, merchant silent → the platform pays it",
		aftersale.Compensation, aftersale.MissingParts, delivered, nil, []step{approve}, aftersale.Refunding, aftersale.Refund, aftersale.Resolved},
	{"§4 resolved: customer does not confirm → completed",
		aftersale.Compensation, aftersale.MissingParts, delivered, nil, []step{approve, refund}, aftersale.Resolved, aftersale.Confirm, aftersale.Completed},
}

// Every waiting state of every case type has a row: the states with a deadline that the
// life-cycle table leaves (aftersale.Edges), for each type.
func TestTimeoutRowsCoverEveryWaitingState(t *testing.T) {
	type pair struct {
		typ   aftersale.Type
		state aftersale.State
	}
	covered := map[pair]bool{}
	for _, r := range timeoutRows {
		covered[pair{r.typ, r.state}] = true
	}
	want := 0
	for _, typ := range aftersale.Types {
		seen := map[aftersale.State]bool{}
		for _, e := range aftersale.Edges(typ) {
			if _, ok := aftersale.DeadlineKindOf(e.From); !ok || seen[e.From] {
				continue
			}
			seen[e.From] = true
			want++
			if !covered[pair{typ, e.From}] {
				t.Errorf("no timeout row for a %s case waiting in %s", typ, e.From)
			}
		}
	}
	for p := range covered {
		if _, ok := aftersale.DeadlineKindOf(p.state); !ok {
			t.Errorf("row for %s in %s, a state without a deadline", p.typ, p.state)
		}
	}
	if want < 45 {
		t.Errorf("only %d waiting states found in the life-cycle table", want)
	}
}

// For every waiting state of every case type (SPEC §4 "deadlines … act on their own when
// nobody acts"): a case is driven into the state by the people involved under the
// seed-platform policy; the clock is moved to one second before the deadline (the SLA
// checks due before it fire, and the deadline's timer is not claimed), then to the deadline.
// The scheduler then takes exactly the action aftersale.TimeoutAction names, as system, in
// one history event from the waiting state to the next; the timer is marked fired; a second
// run does nothing.
func TestEveryTimeoutFiresOnceAsSystem(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, row := range timeoutRows {
				t.Run(row.name(), func(t *testing.T) {
					t.Logf("rule: %s", row.rule)
					checkTimeout(t, b, row)
				})
			}
		})
	}
}

func checkTimeout(t *testing.T, b apitest.Backend, row timeoutRow) {
	w := newTimeWorld(t, b, timeoutStart, row.layers...)
	c := w.mustApply(t, row.typ, row.reason, row.order)
	for _, s := range row.path {
		c = w.mustAct(t, c, s)
	}
	if c.State != row.state {
		t.Fatalf("the path led to %s, want %s%s", c.State, row.state, describe(c.History))
	}
	// The relay pays what the path moved (a refund) long before any deadline; a deadline
	// that meets money still pending is TestConfirmDeadlineWaitsForTheMoney's.
	w.env.SettlePayments(t)
	kind, _ := aftersale.DeadlineKindOf(row.state)
	due := deadlineOf(t, c, kind)
	if !due.After(w.env.Clock.Now()) {
		t.Fatalf("deadline %s at %s is not in the future", kind, due)
	}
	timer, ok := timerOf(w.pending(t, c.ID), kind)
	if !ok || !timer.DueAt.Equal(due) {
		t.Fatalf("pending timers %+v, want one of kind %s due at %s (the case's deadline)", w.pending(t, c.ID), kind, due)
	}

	// A second before the deadline: the service-desk checks due by then fire, the deadline
	// does not.
	w.env.Clock.Set(due.Add(-time.Second))
	w.drain(t)
	for _, f := range w.log.take() {
		if f != "sla_check:fired" {
			t.Errorf("before the deadline the scheduler reported %s", f)
		}
	}
	before := w.get(t, c.ID)
	if before.State != row.state || len(lifecycle(before.History)) != len(lifecycle(c.History)) {
		t.Fatalf("before the deadline the case moved: %s%s", before.State, describe(before.History))
	}
	if n := w.runOnce(t); n != 0 {
		t.Fatalf("a second before the deadline the scheduler claimed %d timers", n)
	}
	if s := w.timerState(t, timer.ID); s != store.TimerPending {
		t.Fatalf("the %s timer is %s before its due time", kind, s)
	}

	// What the core says the timeout is.
	kase, pol := w.core(t, c.ID)
	cmd, ok := aftersale.TimeoutAction(&kase, pol)
	if !ok || cmd.Action != row.action || cmd.Actor.Role != aftersale.System {
		t.Fatalf("aftersale.TimeoutAction = %s by %s (ok %v), the row says %s", cmd.Action, cmd.Actor.Role, ok, row.action)
	}

	// The deadline.
	w.env.Clock.Set(due)
	if n := w.runOnce(t); n < 1 {
		t.Fatalf("at the deadline the scheduler claimed nothing")
	}
	w.drain(t)
	after := w.get(t, c.ID)
	added := after.History[len(before.History):]
	steps := slices.DeleteFunc(slices.Clone(added), isRecord)
	if len(steps) != 1 {
		t.Fatalf("the timeout added %d life-cycle events, want 1:%s", len(steps), describe(added))
	}
	ev := steps[0]
	if ev.Actor.Role != aftersale.System || ev.Action != row.action || ev.From != row.state || ev.To != row.to || !ev.At.Equal(due) {
		t.Errorf("timeout event %s by %s: %s → %s at %s, want %s by system: %s → %s at %s",
			ev.Action, ev.Actor.Role, ev.From, ev.To, ev.At, row.action, row.state, row.to, due)
	}
	if last := after.History[len(after.History)-1]; last.Seq != ev.Seq && !isRecord(last) {
		t.Errorf("the last event is %s, not the timeout", last.Action)
	}
	for _, e := range added {
		if isRecord(e) && e.Actor.Role != aftersale.System {
			t.Errorf("SLA record by %s", e.Actor.Role)
		}
	}
	if after.State != row.to {
		t.Errorf("state %s after the timeout, want %s", after.State, row.to)
	}
	fired := w.log.take()
	if n := count(fired, string(kind)+":fired"); n != 1 || count(fired, string(kind)+":cancelled")+count(fired, string(kind)+":conflict")+count(fired, string(kind)+":error") != 0 {
		t.Errorf("the scheduler reported %v, want %s fired once", fired, kind)
	}
	if s := w.timerState(t, timer.ID); s != store.TimerFired {
		t.Errorf("the %s timer is %s after firing, want fired", kind, s)
	}
	if _, ok := timerOf(w.pending(t, c.ID), kind); ok && !after.State.Terminal() {
		// The next state may have a deadline of the same kind (repairing → repairing does
		// not happen here); a pending timer of this kind must then be a new one.
		if tm, _ := timerOf(w.pending(t, c.ID), kind); tm.ID == timer.ID {
			t.Errorf("the fired timer is still pending")
		}
	}

	// Nothing left to do at this instant.
	if n := w.runOnce(t); n != 0 {
		t.Errorf("a second run at the deadline claimed %d timers", n)
	}
	if again := w.get(t, c.ID); len(again.History) != len(after.History) {
		t.Errorf("a second run added events:%s", describe(again.History[len(after.History):]))
	}
	if after.State.Terminal() {
		if ts := w.pending(t, c.ID); len(ts) != 0 {
			t.Errorf("a %s case keeps pending timers %+v", after.State, ts)
		}
	}
}

// SPEC §8: a case completes once its money is paid. When the customer's confirmation
// deadline comes while the refund is still with the payment provider, the clock does not
// complete the case: it looks again a minute later, and completes it at the first look
// after the payment settled.
func TestConfirmDeadlineWaitsForTheMoney(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			w := newTimeWorld(t, b, timeoutStart)
			c := w.mustApply(t, aftersale.RefundOnly, aftersale.NotReceived, inTransit)
			c = w.mustAct(t, w.mustAct(t, c, approve), refund)
			if c.State != aftersale.Resolved {
				t.Fatalf("the path led to %s%s", c.State, describe(c.History))
			}
			due := deadlineOf(t, c, aftersale.CustomerConfirm)
			w.env.Clock.Set(due)
			w.drain(t)
			waiting := w.get(t, c.ID)
			if waiting.State != aftersale.Resolved {
				t.Fatalf("with the refund unpaid the deadline moved the case to %s", waiting.State)
			}
			again, ok := timerOf(w.pending(t, c.ID), aftersale.CustomerConfirm)
			if !ok || !again.DueAt.Equal(due.Add(time.Minute)) {
				t.Fatalf("pending timers %+v, want the confirmation looked at again at %s", w.pending(t, c.ID), due.Add(time.Minute))
			}

			w.env.SettlePayments(t)
			w.env.Clock.Set(due.Add(time.Minute))
			w.drain(t)
			done := w.get(t, c.ID)
			if done.State != aftersale.Completed {
				t.Fatalf("after the payment the next look left the case %s%s", done.State, describe(done.History))
			}
			last := lifecycle(done.History)
			if ev := last[len(last)-1]; ev.Action != aftersale.Confirm || ev.Actor.Role != aftersale.System || !ev.At.Equal(due.Add(time.Minute)) {
				t.Errorf("completed by %s %s at %s, want confirm by system at %s", ev.Actor.Role, ev.Action, ev.At, due.Add(time.Minute))
			}
		})
	}
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// SPEC §4: a deadline that the case left behind is moot. When the merchant answers before
// the deadline, the merchant_response timer is cancelled in the answer's transaction; at
// its old due time nothing fires and system does not approve a second time.
func TestTimerOfAStateLeftInTimeIsCancelled(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			w := newTimeWorld(t, b, timeoutStart)
			c := w.mustApply(t, aftersale.ReturnRefund, aftersale.NoReason, delivered)
			due := deadlineOf(t, c, aftersale.MerchantResponse)
			timer, ok := timerOf(w.pending(t, c.ID), aftersale.MerchantResponse)
			if !ok {
				t.Fatal("no merchant_response timer after the application")
			}
			w.env.Clock.Set(due.Add(-time.Hour))
			w.drain(t) // the first-response SLA checks
			w.log.take()
			c = w.get(t, c.ID)
			c = w.mustAct(t, c, approve)
			if s := w.timerState(t, timer.ID); s != store.TimerCancelled {
				t.Fatalf("the merchant_response timer is %s after the merchant answered, want cancelled", s)
			}
			w.env.Clock.Set(due.Add(time.Minute))
			if n := w.runOnce(t); n != 0 {
				t.Errorf("at the old deadline the scheduler claimed %d timers: %v", n, w.log.take())
			}
			after := w.get(t, c.ID)
			if after.State != aftersale.Approved || len(after.History) != len(c.History) {
				t.Errorf("the case moved after the merchant answered: %s%s", after.State, describe(after.History))
			}
			if tm, ok := timerOf(w.pending(t, c.ID), aftersale.CustomerShipBack); !ok || !tm.DueAt.Equal(deadlineOf(t, after, aftersale.CustomerShipBack)) {
				t.Errorf("the approved case has no customer_ship_back timer at its deadline: %+v", w.pending(t, c.ID))
			}
		})
	}
}

// A replica claimed the merchant_response timer at its due time, and the merchant's
// approval committed before the replica fired it: the firing does not commit (its timer is
// no longer pending) and system does not act on a case that moved on.
func TestTimerOvertakenWhileLeasedIsNotApplied(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			w := newTimeWorld(t, b, timeoutStart)
			c := w.mustApply(t, aftersale.ReturnRefund, aftersale.NoReason, delivered)
			due := deadlineOf(t, c, aftersale.MerchantResponse)
			w.env.Clock.Set(due.Add(-time.Second))
			w.drain(t)
			w.env.Clock.Set(due)
			var claimed []store.Timer
			if err := w.env.Store.Update(ctx, func(tx store.Tx) (err error) {
				claimed, err = tx.ClaimTimers(ctx, "replica-a", 30*time.Second, 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			timer, ok := timerOf(claimed, aftersale.MerchantResponse)
			if !ok {
				t.Fatalf("claimed %+v, want the merchant_response timer", claimed)
			}
			c = w.get(t, c.ID)
			rep, err := w.env.App.Act(ctx, shopStaff, c.ID, approve.input(c.Version), nil)
			if err != nil {
				t.Fatalf("the merchant approves while the timer is leased: %v", err)
			}
			fired, err := w.env.App.FireTimer(ctx, "replica-a", timer)
			if fired || err == nil {
				t.Errorf("FireTimer of an overtaken timer: fired %v, err %v; want not fired and a conflict", fired, err)
			}
			after := w.get(t, c.ID)
			if after.State != aftersale.Approved || len(after.History) != len(rep.Value.History) {
				t.Errorf("the overtaken timer acted:%s", describe(after.History))
			}
			for _, e := range after.History {
				if e.Actor.Role == aftersale.System && !isRecord(e) {
					t.Errorf("system acted: %s", e.Action)
				}
			}
			if s := w.timerState(t, timer.ID); s != store.TimerCancelled {
				t.Errorf("the overtaken timer is %s, want cancelled by the merchant's answer", s)
			}
		})
	}
}

// A pending timer that no longer matches the case's deadline (the deadline it was set for
// has moved on: a kind the case does not wait on, or a due time the case has pushed back) is
// claimed when due and cancelled — marked, reported as cancelled — and the case is left alone.
func TestMootTimerIsCancelledNotApplied(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			w := newTimeWorld(t, b, timeoutStart)
			c := w.mustApply(t, aftersale.ReturnRefund, aftersale.NoReason, delivered)
			due := deadlineOf(t, c, aftersale.MerchantResponse)
			soon := timeoutStart.Add(time.Hour)
			// Stale rows, as a timer of a deadline that has since changed would be.
			if err := w.env.Store.Update(ctx, func(tx store.Tx) error {
				return tx.ScheduleTimers(ctx, c.ID, nil, []aftersale.Deadline{
					{Kind: aftersale.CustomerShipBack, Due: soon},
					{Kind: aftersale.MerchantResponse, Due: soon},
				})
			}); err != nil {
				t.Fatal(err)
			}
			var stale []store.Timer
			for _, tm := range w.pending(t, c.ID) {
				if tm.DueAt.Equal(soon) {
					stale = append(stale, tm)
				}
			}
			if len(stale) != 2 {
				t.Fatalf("pending %+v, want the two stale timers", w.pending(t, c.ID))
			}
			w.env.Clock.Set(soon)
			if n := w.runOnce(t); n != 2 {
				t.Errorf("claimed %d timers at the stale due time, want 2", n)
			}
			fired := w.log.take()
			if count(fired, "customer_ship_back:cancelled") != 1 || count(fired, "merchant_response:cancelled") != 1 {
				t.Errorf("the scheduler reported %v, want both stale timers cancelled", fired)
			}
			for _, tm := range stale {
				if s := w.timerState(t, tm.ID); s != store.TimerCancelled {
					t.Errorf("stale %s timer is %s, want cancelled", tm.Kind, s)
				}
			}
			after := w.get(t, c.ID)
			if after.State != aftersale.Requested || len(after.History) != 1 {
				t.Errorf("a moot timer acted on the case:%s", describe(after.History))
			}
			// The real deadline still fires at its time.
			real, ok := timerOf(w.pending(t, c.ID), aftersale.MerchantResponse)
			if !ok || !real.DueAt.Equal(due) {
				t.Fatalf("the case's own merchant_response timer is gone: %+v", w.pending(t, c.ID))
			}
			w.env.Clock.Set(due)
			w.drain(t)
			if got := w.get(t, c.ID); got.State != aftersale.Approved {
				t.Errorf("at the real deadline the case is %s, want approved by system", got.State)
			}
		})
	}
}
