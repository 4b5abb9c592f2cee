package policy_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// benchMerchant is a realistic merchant layer on top of seed-platform: a longer no-reason
// period, a category rule, an extra shipping rule, a deduction.
const benchMerchant = `
schema: aftersales.policy/v1
id: m-bench
version: 1
layer: merchant
merchant: shop-1
name: {zh: 商家政策, en: Merchant policy}
windows:
  - id: no_reason_15d
    name: {zh: 十五天无理由, en: 15-day no-reason return}
    types: [return_refund, exchange]
    reasons: [no_reason, size_fit, changed_mind]
    from: signed
    length: 15d
rules:
  - id: opened_cosmetics
    explain: {zh: 已拆封化妆品不支持无理由退货, en: opened cosmetics cannot be returned without a reason}
    types: [return_refund]
    reasons: [no_reason]
    ground: unfit_confirmed
    when: 'item.category == "cosmetics"'
    effect: refuse
return_shipping:
  - id: vip_free_returns
    when: 'order.total >= 50000'
    payer: merchant
refund:
  deductions:
    - id: commission_after_completion
      explain: {zh: 交易成功15天后退款扣除平台佣金, en: the platform commission is deducted after 15 days of trade completion}
      when: 'order.completed && now - order.completed_at > duration("360h")'
      rate_bp: 450
`

func benchEngine(b *testing.B) *policy.Engine {
	b.Helper()
	e, err := policy.New(calendar.Default())
	if err != nil {
		b.Fatal(err)
	}
	seed, _ := policy.Preset("seed-platform")
	if _, err := e.Load(seed); err != nil {
		b.Fatal(err)
	}
	if _, err := e.Load([]byte(benchMerchant)); err != nil {
		b.Fatal(err)
	}
	return e
}

func benchRequest() policy.Request {
	loc := calendar.Default().Location()
	signed := time.Date(2026, 3, 10, 15, 0, 0, 0, loc)
	return policy.Request{
		Order: order.Order{
			No: "O-1", Merchant: "shop-1", Customer: "c-1", Currency: money.CNY, PaymentMethod: order.Online,
			ShippingFee: money.Yuan(1000), PaidAt: signed.AddDate(0, 0, -3), ShippedAt: signed.AddDate(0, 0, -2), DeliveredAt: signed,
			Items: []order.Item{
				{SKU: "A", Title: "外套", Category: "apparel", Quantity: 2, UnitPrice: money.Yuan(29900), PaidAmount: money.Yuan(55800)},
				{SKU: "B", Title: "围巾", Category: "apparel", Quantity: 1, UnitPrice: money.Yuan(9900), PaidAmount: money.Yuan(9000)},
			},
		},
		Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, HasEvidence: true,
		Items: []policy.RequestItem{{SKU: "A", Quantity: 1}},
		At:    signed.AddDate(0, 0, 4),
	}
}

// BenchmarkEvaluate is one eligibility decision with the seed platform rules and a merchant
// layer, compiled CEL programs cached (the engine compiles at load).
func BenchmarkEvaluate(b *testing.B) {
	e := benchEngine(b)
	req := benchRequest()
	if d, err := e.Evaluate(req); err != nil || !d.Eligible {
		b.Fatalf("%v %+v", err, d.Refusals)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransition is one merchant approval with the resolved seed policy (deadline on the
// business calendar, history event, effects).
func BenchmarkTransition(b *testing.B) {
	e := benchEngine(b)
	req := benchRequest()
	d, _ := e.Evaluate(req)
	p, err := e.ResolveVersion(d.PolicyVersion)
	if err != nil {
		b.Fatal(err)
	}
	opened, err := aftersale.Open(aftersale.Opening{
		ID: "c1", Number: "RMA1", OrderNo: "O-1", MerchantID: "shop-1", CustomerID: "c-1",
		Actor: aftersale.Actor{Role: aftersale.Customer, ID: "c-1"}, Type: req.Type, Reason: req.Reason,
		Items: []aftersale.Item{{SKU: "A", Quantity: 1, PaidAmount: d.ItemsPaid}}, RefundMethod: aftersale.RefundOriginal,
		PaymentMethod: "online", OrderShipped: true, PolicyVersion: d.PolicyVersion, ItemsPaid: d.ItemsPaid,
		RefundAmount: d.RefundAmount, ReturnShippingPayer: d.ReturnShippingPayer,
	}, req.At, p)
	if err != nil {
		b.Fatal(err)
	}
	cmd := aftersale.Command{Action: aftersale.Approve, Actor: aftersale.Actor{Role: aftersale.Merchant, ID: "staff-1"}}
	now := req.At.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := aftersale.Transition(opened.Case, cmd, now, p); err != nil {
			b.Fatal(err)
		}
	}
}
