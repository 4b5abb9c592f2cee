package scenario_test

import (
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

// shopSilenceEscalates is a merchant layer under which silence does not approve: the
// platform steps in instead.
const shopSilenceEscalates = `
schema: aftersales.policy/v1
id: shop-a
version: 1
layer: merchant
merchant: shop-a
name: {zh: 商家A售后规则, en: Shop A after-sales rules}
auto_approve:
  on_merchant_silence: false
`

// SPEC §4 (the marketplace pattern): a merchant who does not answer within the policy time
// has approved; refund-only before shipment is refunded at once.
func TestMerchantSilence(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		typ    aftersale.Type
		reason aftersale.Reason
		opts   []func(*order.Order)
		want   aftersale.State
		money  int64 // refunded by the timeout itself
	}{
		{"return and refund is approved", "S001《电商售后服务流程规定》二.2(1个工作日内给予答复); SPEC §4", aftersale.ReturnRefund, aftersale.NoReason, nil, aftersale.Approved, 0},
		{"exchange is approved", "SPEC §4", aftersale.Exchange, aftersale.QualityDefect, nil, aftersale.Approved, 0},
		{"repair is approved", "SPEC §4", aftersale.Repair, aftersale.QualityDefect, nil, aftersale.Approved, 0},
		{"reship is approved", "SPEC §4", aftersale.Reship, aftersale.MissingParts, nil, aftersale.Reshipping, 0},
		{"refund only after shipment is approved", "电商法 第二十条; SPEC §4", aftersale.RefundOnly, aftersale.NotReceived, nil, aftersale.Refunding, 0},
		{"refund only before shipment is refunded at once", "SPEC §4(refund-only before shipment: automatic refund)", aftersale.RefundOnly, aftersale.ChangedMind, []func(*order.Order){notShipped}, aftersale.Resolved, 19900 + 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			o := MustOrder(t, tt.opts...)
			when := at(2025, 3, 12, 10, 0)
			if !o.Shipped() {
				when = at(2025, 3, 7, 12, 0)
			}
			l, _ := MustOpen(t, e, Apply(o, tt.typ, tt.reason, when))
			due := l.Deadline(aftersale.MerchantResponse)
			res := l.Timeout()
			l.State(tt.want)
			if res.Event.Actor.Role != aftersale.System || !res.Event.At.Equal(due) {
				t.Errorf("event by %s at %v, want the system at the deadline %v", res.Event.Actor.Role, res.Event.At, due)
			}
			if got := movements(res.Effects.Money, aftersale.MoveRefund); got.Minor != tt.money {
				t.Errorf("refunded %s on timeout, want %d fen", got, tt.money)
			}
			if !slices.Contains(res.Effects.CancelDeadlines, aftersale.MerchantResponse) {
				t.Errorf("cancelled %v, want merchant_response", res.Effects.CancelDeadlines)
			}
			if len(res.Effects.Messages) != 1 || !slices.Contains(res.Effects.Messages[0].To, aftersale.Customer) || !slices.Contains(res.Effects.Messages[0].To, aftersale.Merchant) {
				t.Errorf("messages %+v: both sides should hear of an automatic decision", res.Effects.Messages)
			}
		})
	}
}

// Where a policy says silence does not approve (auto_approve.on_merchant_silence: false), the
// platform steps in (平台介入) and a supervisor rules.
func TestMerchantSilenceEscalatesWhenPolicyDoesNotAutoApprove(t *testing.T) {
	e := MustEngine(t, shopSilenceEscalates)
	l, d := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
	if d.PolicyVersion != platform()+"+shop-a@1" {
		t.Fatalf("policy version %q, want the merchant layer on top", d.PolicyVersion)
	}
	if got := aftersale.Allowed(&l.Case, aftersale.System, l.Policy); slices.Contains(got, aftersale.Approve) {
		t.Errorf("system may %v, want no automatic approval", got)
	}
	l.Timeout()
	l.State(aftersale.Disputed)
	if l.Case.DisputedFrom != aftersale.Requested || len(l.Case.Deadlines) != 0 {
		t.Errorf("disputed from %q with deadlines %+v, want from requested and no clock", l.Case.DisputedFrom, l.Case.Deadlines)
	}
	l.Do(at(2025, 3, 17, 10, 0), aftersale.Command{Action: aftersale.Approve, Actor: supervisor, Note: "商家未在时限内处理,支持买家"})
	l.State(aftersale.Approved)
	l.Deadline(aftersale.CustomerShipBack)
}

// A merchant layer that escalates on silence applies only to that merchant's orders.
func TestMerchantLayerDoesNotReachOtherMerchants(t *testing.T) {
	e := MustEngine(t, shopSilenceEscalates)
	o := MustOrder(t, func(o *order.Order) { o.Merchant = "shop-b" })
	l, d := MustOpen(t, e, Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
	if d.PolicyVersion != platform() {
		t.Fatalf("policy version %q, want only the platform layers", d.PolicyVersion)
	}
	l.Timeout()
	l.State(aftersale.Approved)
}

// SPEC §4 (approved → the customer ships back within N days; silence = the case closes):
// seed-platform customer_ship_back 7d.
func TestCustomerNotShippingBackInTimeClosesCase(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	if due := l.Deadline(aftersale.CustomerShipBack); !due.Equal(at(2025, 3, 20, 0, 0)) {
		t.Fatalf("ship back by %v, want 2025-03-20 00:00 (7 days after the 12th)", due)
	}
	res := l.Timeout()
	l.State(aftersale.Closed)
	if res.Event.Action != aftersale.Close || res.Event.Actor != aftersale.SystemActor || len(l.Money) != 0 {
		t.Fatalf("closed by %s/%s with money %+v, want the system closing with no money", res.Event.Action, res.Event.Actor.Role, l.Money)
	}
	MustNotAllowed(t, l.Try(at(2025, 3, 21, 9, 0), shipBack(0)))
}

// SPEC §4 (the merchant confirms receipt and inspects within N days; silence = automatic
// refund/exchange): seed-platform merchant_receipt 7d, merchant_inspection 1wd.
func TestMerchantNotConfirmingReceiptInTime(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name      string
		source    string
		typ       aftersale.Type
		delivered bool // the carrier reported delivery to the merchant
		want      aftersale.State
		refund    int64
		next      aftersale.DeadlineKind
	}{
		{"return in transit: automatic refund", "SPEC §4; seed-platform merchant_receipt 7d", aftersale.ReturnRefund, false, aftersale.Resolved, 19900, aftersale.CustomerConfirm},
		{"return delivered, not inspected: automatic refund", "SPEC §4; S001《电商售后服务流程规定》二.5 验收退货", aftersale.ReturnRefund, true, aftersale.Resolved, 19900, aftersale.CustomerConfirm},
		{"exchange in transit: passes to the replacement", "SPEC §4; S001《电商售后规定》二.3", aftersale.Exchange, false, aftersale.ExchangePending, 0, aftersale.MerchantShipExchange},
		{"exchange delivered, not inspected: passes to the replacement", "SPEC §4; S001《电商售后规定》二.3", aftersale.Exchange, true, aftersale.ExchangePending, 0, aftersale.MerchantShipExchange},
		{"repair delivered, not inspected: goes to repair", "SPEC §4", aftersale.Repair, true, aftersale.Repairing, 0, aftersale.MerchantRepair},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			l, _ := MustOpen(t, e, Apply(MustOrder(t), tt.typ, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
			l.Do(at(2025, 3, 12, 11, 0), approve(shop))
			l.Do(at(2025, 3, 12, 15, 0), shipBack(1000))
			if tt.delivered {
				l.Do(at(2025, 3, 13, 15, 0), deliver())
			} else if due := l.Deadline(aftersale.MerchantReceipt); !due.Equal(at(2025, 3, 20, 0, 0)) {
				t.Fatalf("receipt due %v, want 2025-03-20 00:00", due)
			}
			res := l.Timeout()
			l.State(tt.want)
			if got := movements(res.Effects.Money, aftersale.MoveRefund); got.Minor != tt.refund {
				t.Errorf("refunded %s, want %d fen", got, tt.refund)
			}
			if tt.typ == aftersale.ReturnRefund {
				if got := movements(res.Effects.Money, aftersale.MoveShippingReimbursement); got.Minor != 1000 {
					t.Errorf("postage reimbursed %s, want ¥10.00 (the merchant pays for a quality return)", got)
				}
			}
			l.Deadline(tt.next)
		})
	}
}

// The refund due after an inspection that nobody carries out is made by the platform when the
// merchant_refund deadline passes (SPEC §4 refunding: the merchant's silence makes the platform
// refund).
func TestMerchantNotRefundingInTimePlatformRefunds(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
	l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass))
	res := l.Timeout()
	l.State(aftersale.Resolved)
	if len(res.Effects.Money) != 1 || res.Effects.Money[0].Amount != money.Yuan(19900) || res.Effects.Money[0].Method != aftersale.RefundOriginal {
		t.Fatalf("money %+v, want ¥199.00 back the original way (原路退回)", res.Effects.Money)
	}
	l.Timeout()
	l.State(aftersale.Completed)
}

// SPEC §4 (silence = automatic exchange): when the platform confirms receipt for a silent
// merchant the goods pass; only merchant staff may fail an inspection, and only with a reason.
// A system command that says "fail" must not move the case along an arrow the life-cycle table
// does not have (returning → inspection_failed by system).
func TestOnlyStaffCanFailAnInspection(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.Exchange, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
	err := l.Try(at(2025, 3, 13, 15, 0), aftersale.Command{Action: aftersale.ConfirmReceipt, Actor: system, Inspection: aftersale.InspectionFail})
	if err == nil && l.Case.State == aftersale.InspectionFailed {
		t.Fatalf("the system failed the inspection without a note")
	}
}
