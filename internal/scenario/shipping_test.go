package scenario_test

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
)

// Who pays the return shipping: the customer for a no-reason return unless freight insurance
// or the merchant covers it; the merchant wherever the fault is the merchant's.
func TestReturnShippingPayer(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		typ    aftersale.Type
		reason aftersale.Reason
		opts   []func(*order.Order)
		want   aftersale.Payer
	}{
		{"no-reason return: the customer", "消保法 第二十五条第三款", aftersale.ReturnRefund, aftersale.NoReason, nil, aftersale.PayerCustomer},
		{"size return: the customer", "消保法 第二十五条第三款", aftersale.ReturnRefund, aftersale.SizeFit, nil, aftersale.PayerCustomer},
		{"changed mind: the customer", "消保法 第二十五条第三款", aftersale.ReturnRefund, aftersale.ChangedMind, nil, aftersale.PayerCustomer},
		{"no-reason return with freight insurance: the insurance", "消保法 第二十五条第三款(另有约定的,按照约定); SPEC §3 运费险", aftersale.ReturnRefund, aftersale.NoReason, []func(*order.Order){insured}, aftersale.PayerInsurance},
		{"quality return: the merchant", "消保法 第二十四条", aftersale.ReturnRefund, aftersale.QualityDefect, nil, aftersale.PayerMerchant},
		{"quality return with freight insurance: still the merchant", "消保法 第二十四条", aftersale.ReturnRefund, aftersale.QualityDefect, []func(*order.Order){insured}, aftersale.PayerMerchant},
		{"not as described: the merchant", "消保法 第二十四条", aftersale.ReturnRefund, aftersale.NotAsDescribed, nil, aftersale.PayerMerchant},
		{"wrong item: the merchant", "消保法 第二十四条", aftersale.ReturnRefund, aftersale.WrongItem, nil, aftersale.PayerMerchant},
		{"damaged in transit: the merchant", "消保法 第二十四条", aftersale.ReturnRefund, aftersale.DamagedInTransit, nil, aftersale.PayerMerchant},
		{"quality exchange: the merchant", "三包 第九条; 消保法 第二十四条", aftersale.Exchange, aftersale.QualityDefect, nil, aftersale.PayerMerchant},
		{"size exchange: the platform rule makes the merchant pay", "S001《电商售后服务规定》一.2(并承担退换货的运费)", aftersale.Exchange, aftersale.SizeFit, nil, aftersale.PayerMerchant},
		{"repair in warranty: the merchant", "三包 第十条", aftersale.Repair, aftersale.QualityDefect, nil, aftersale.PayerMerchant},
		{"refund only: no goods travel", "SPEC §2", aftersale.RefundOnly, aftersale.NotReceived, nil, aftersale.PayerNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			o := MustOrder(t, tt.opts...)
			d := MustEligible(t, e, Apply(o, tt.typ, tt.reason, at(2025, 3, 12, 10, 0)))
			if d.ReturnShippingPayer != tt.want {
				t.Fatalf("%s: payer %s, want %s (rules %+v)", tt.source, d.ReturnShippingPayer, tt.want, d.Rules)
			}
		})
	}
}

// 运费险: the explanation tells the customer that the insurance pays.
func TestFreightInsuranceNamedInExplanation(t *testing.T) {
	e := MustEngine(t)
	d := MustEligible(t, e, Apply(MustOrder(t, insured), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
	if !strings.Contains(d.Explanation.ZH, "运费险") || !strings.Contains(d.Explanation.EN, "freight insurance") {
		t.Errorf("explanation should name the freight insurance: %q / %q", d.Explanation.ZH, d.Explanation.EN)
	}
	if !hit(d, "freight_insurance", string(aftersale.PayerInsurance)) {
		t.Errorf("rules %+v should record the freight insurance", d.Rules)
	}
}

// The customer's return postage comes back with the refund only when the merchant bears it:
// a quality return (消保法 第二十四条), not a no-reason return (第二十五条第三款), and not when
// the insurance pays it.
func TestReturnPostageReimbursement(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name       string
		source     string
		reason     aftersale.Reason
		opts       []func(*order.Order)
		reimbursed int64
	}{
		{"quality defect: postage repaid", "消保法 第二十四条(经营者应当承担运输等必要费用)", aftersale.QualityDefect, nil, 1200},
		{"wrong item: postage repaid", "消保法 第二十四条", aftersale.WrongItem, nil, 1200},
		{"no reason: the customer keeps the cost", "消保法 第二十五条第三款", aftersale.NoReason, nil, 0},
		{"no reason, insured: the insurer pays, not the merchant", "运费险", aftersale.NoReason, []func(*order.Order){insured}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			l, _ := MustOpen(t, e, Apply(MustOrder(t, tt.opts...), aftersale.ReturnRefund, tt.reason, at(2025, 3, 12, 10, 0)))
			l.Do(at(2025, 3, 12, 11, 0), approve(shop))
			l.Do(at(2025, 3, 12, 15, 0), shipBack(1200))
			l.Do(at(2025, 3, 13, 15, 0), deliver())
			l.Do(at(2025, 3, 13, 16, 0), inspect(aftersale.InspectionPass))
			l.Do(at(2025, 3, 13, 17, 0), refund(shop))
			l.State(aftersale.Resolved)
			if got := movements(l.Money, aftersale.MoveRefund); got.Minor != 19900 {
				t.Errorf("refund %s, want ¥199.00", got)
			}
			if got := movements(l.Money, aftersale.MoveShippingReimbursement); got.Minor != tt.reimbursed {
				t.Errorf("%s: postage reimbursed %s, want %d fen", tt.source, got, tt.reimbursed)
			}
			l.Do(at(2025, 3, 14, 9, 0), confirm())
			l.State(aftersale.Completed)
		})
	}
}
