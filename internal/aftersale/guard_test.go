package aftersale_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// guardedCase is a ¥100 case of type ty in state s with nothing refunded or charged.
func guardedCase(ty as.Type, s as.State) as.Case {
	return as.Case{
		ID: "c1", Type: ty, Reason: as.QualityDefect, State: s, Version: 2, Applications: 1,
		Items:     []as.Item{{SKU: "A", Quantity: 1, PaidAmount: money.Yuan(10000), Refundable: money.Yuan(10000)}},
		ItemsPaid: money.Yuan(10000), RefundAmount: money.Yuan(10000), RefundedAmount: money.Yuan(0),
		ChargedAmount: money.Yuan(0), RefundMethod: as.RefundOriginal,
	}
}

// A guarded action that the case's conditions forbid is refused with the condition in words,
// in both languages (transition.go, guardReason); the same command is accepted once the
// condition is lifted, so it is the guard, not the role or the state, that refused it.
func TestGuardedActionsSayWhichConditionForbidsThem(t *testing.T) {
	quote := money.Yuan(3000)
	merchant, customer := as.Actor{Role: as.Merchant, ID: "m"}, as.Actor{Role: as.Customer, ID: "c"}
	parcel := func(a as.Action) as.Command {
		return as.Command{Action: a, Actor: merchant, Carrier: "SF", TrackingNo: "SF123456"}
	}
	tests := []struct {
		name   string
		ty     as.Type
		state  as.State
		cmd    as.Command
		forbid func(c *as.Case, p *fixedPolicy) // makes the guard fail
		allow  func(c *as.Case, p *fixedPolicy) // makes it pass
		en, zh string                           // parts of Why
	}{
		{
			// rules.go, canReapply: Applications-1 < ReapplyLimit.
			name: "reapply over the limit", ty: as.ReturnRefund, state: as.Rejected,
			cmd:    as.Command{Action: as.Reapply, Actor: customer, Note: "再试一次"},
			forbid: func(c *as.Case, p *fixedPolicy) { c.Applications, p.reapply = 3, 2 },
			allow:  func(c *as.Case, p *fixedPolicy) { c.Applications, p.reapply = 2, 2 },
			en:     "the re-application limit (2) has been reached", zh: "(2 次)",
		},
		{
			// rules.go, autoRefunds: the system refunds a refund-only case on the merchant's
			// silence only before the order ships.
			name: "silent refund of a shipped order", ty: as.RefundOnly, state: as.Requested,
			cmd:    as.Command{Action: as.Refund, Actor: as.SystemActor},
			forbid: func(c *as.Case, p *fixedPolicy) { c.OrderShipped, p.autoApprove = true, true },
			allow:  func(c *as.Case, p *fixedPolicy) { c.OrderShipped, p.autoApprove = false, true },
			en:     "the order has shipped", zh: "订单已发货",
		},
		{
			name: "silent refund under a policy that does not refund on silence", ty: as.RefundOnly, state: as.Requested,
			cmd:    as.Command{Action: as.Refund, Actor: as.SystemActor},
			forbid: func(c *as.Case, p *fixedPolicy) { c.OrderShipped, p.autoApprove = false, false },
			allow:  func(c *as.Case, p *fixedPolicy) { c.OrderShipped, p.autoApprove = false, true },
			en:     "does not refund on silence", zh: "不允许超时自动退款",
		},
		{
			// rules.go, needsQuote: only out-of-warranty repairs are quoted, once.
			name: "quote for an in-warranty repair", ty: as.Repair, state: as.Repairing,
			cmd:    as.Command{Action: as.Quote, Actor: merchant, Amount: &quote},
			forbid: func(c *as.Case, _ *fixedPolicy) { c.InWarranty = true },
			allow:  func(c *as.Case, _ *fixedPolicy) { c.InWarranty = false },
			en:     "in-warranty repairs are free", zh: "保修期内维修免费",
		},
		{
			name: "second quote after one was accepted", ty: as.Repair, state: as.Repairing,
			cmd:    as.Command{Action: as.Quote, Actor: merchant, Amount: &quote},
			forbid: func(c *as.Case, _ *fixedPolicy) { c.QuoteAccepted = true },
			allow:  func(c *as.Case, _ *fixedPolicy) { c.QuoteAccepted = false },
			en:     "a quote was already accepted", zh: "报价已被接受",
		},
		{
			// rules.go, repairAuthorised: in warranty, or a quote the customer accepted.
			name: "repair done without an accepted quote", ty: as.Repair, state: as.Repairing,
			cmd:    parcel(as.RepairDone),
			forbid: func(c *as.Case, _ *fixedPolicy) { c.InWarranty, c.QuoteAccepted = false, false },
			allow:  func(c *as.Case, _ *fixedPolicy) { c.InWarranty, c.QuoteAccepted = false, true },
			en:     "an out-of-warranty repair needs an accepted quote first", zh: "须先经买家接受报价",
		},
		{
			name: "repair failed without an accepted quote", ty: as.Repair, state: as.Repairing,
			cmd:    as.Command{Action: as.RepairFailed, Actor: merchant, Note: "无法修复"},
			forbid: func(c *as.Case, _ *fixedPolicy) { c.InWarranty, c.QuoteAccepted = false, false },
			allow:  func(c *as.Case, _ *fixedPolicy) { c.InWarranty = true },
			en:     "an out-of-warranty repair needs an accepted quote first", zh: "须先经买家接受报价",
		},
		{
			// rules.go, autoApproves: the system approves on silence only if the policy says so.
			name: "silent approval under a policy without it", ty: as.ReturnRefund, state: as.Requested,
			cmd:    as.Command{Action: as.Approve, Actor: as.SystemActor},
			forbid: func(_ *as.Case, p *fixedPolicy) { p.autoApprove = false },
			allow:  func(_ *as.Case, p *fixedPolicy) { p.autoApprove = true },
			en:     "the policy does not auto-approve on silence", zh: "政策不允许超时自动同意",
		},
		{
			// rules.go, noAutoApproval: the platform steps in on silence only when the policy
			// does not approve instead.
			name: "silent escalation under a policy that auto-approves", ty: as.Exchange, state: as.Requested,
			cmd:    as.Command{Action: as.Escalate, Actor: as.SystemActor},
			forbid: func(_ *as.Case, p *fixedPolicy) { p.autoApprove = true },
			allow:  func(_ *as.Case, p *fixedPolicy) { p.autoApprove = false },
			en:     "the policy auto-approves on silence", zh: "政策规定超时自动同意",
		},
		{
			// rules.go, noMoneyMoved: a dispute can be withdrawn only while no money moved.
			name: "cancelling a dispute after a refund", ty: as.Exchange, state: as.Disputed,
			cmd:    as.Command{Action: as.Cancel, Actor: customer},
			forbid: func(c *as.Case, _ *fixedPolicy) { c.RefundedAmount = money.Yuan(500) },
			allow:  func(c *as.Case, _ *fixedPolicy) { c.RefundedAmount = money.Yuan(0) },
			en:     "money has already moved on this case", zh: "款项已发生变动",
		},
		{
			name: "cancelling a dispute after a charge", ty: as.Repair, state: as.Disputed,
			cmd:    as.Command{Action: as.Cancel, Actor: customer},
			forbid: func(c *as.Case, _ *fixedPolicy) { c.ChargedAmount = money.Yuan(3000) },
			allow:  func(c *as.Case, _ *fixedPolicy) { c.ChargedAmount = money.Yuan(0) },
			en:     "money has already moved on this case", zh: "不能撤销",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := guardedCase(tt.ty, tt.state), &fixedPolicy{maxFailed: 2}
			tt.forbid(&c, p)
			_, err := as.Transition(c, tt.cmd, testNow, p)
			var na *as.NotAllowedError
			if !errors.As(err, &na) {
				t.Fatalf("Transition = %v, want a *NotAllowedError", err)
			}
			if !strings.Contains(na.Why.EN, tt.en) || !strings.Contains(na.Why.ZH, tt.zh) {
				t.Errorf("Why = %+v, want %q / %q", na.Why, tt.zh, tt.en)
			}
			if na.Action != tt.cmd.Action || na.State != tt.state || na.Role != tt.cmd.Actor.Role || na.Type != tt.ty {
				t.Errorf("the refusal names %s %s by %s on %s", na.Action, na.State, na.Role, na.Type)
			}
			if slices.Contains(na.Allowed, tt.cmd.Action) {
				t.Errorf("the refusal lists %s among the allowed actions %v", tt.cmd.Action, na.Allowed)
			}

			c, p = guardedCase(tt.ty, tt.state), &fixedPolicy{maxFailed: 2}
			tt.allow(&c, p)
			if !slices.Contains(as.Allowed(&c, tt.cmd.Actor.Role, p), tt.cmd.Action) {
				t.Errorf("with the condition lifted, %s is not allowed", tt.cmd.Action)
			}
			if _, err := as.Transition(c, tt.cmd, testNow, p); err != nil {
				t.Errorf("with the condition lifted: %v", err)
			}
		})
	}
}
