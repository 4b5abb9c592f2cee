package scenario_test

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

// shopLayer is a merchant layer of shop-a with the given body.
func shopLayer(body string) string {
	return `
schema: aftersales.policy/v1
id: shop-a
version: 1
layer: merchant
merchant: shop-a
name: {zh: 商家A售后规则, en: Shop A after-sales rules}
` + body
}

// A layer that gives customers less than the law is refused at load with a *policy.FloorError
// that names the field and says why in Chinese and English (消保法 第二十四、二十五条).
func TestFloorRefusesLayersBelowTheLaw(t *testing.T) {
	tests := []struct {
		name   string
		source string
		doc    string
		field  string
	}{
		{"switching off the 7-day no-reason return", "消保法 第二十五条", shopLayer(`
disable: [no_reason_return]
`), "disable[0]"},
		{"shortening it to 5 days", "消保法 第二十五条; 暂行办法 第六条", shopLayer(`
windows:
  - id: no_reason_return
    name: {zh: 五日无理由退货, en: 5-day no-reason return}
    types: [return_refund]
    reasons: [no_reason, size_fit, changed_mind]
    from: signed
    length: 5d
`), "windows[0].length"},
		{"5 working days, shorter around make-up working days", "消保法 第二十五条; 国办发明电〔2024〕12号(2025-04-27 调休上班)", shopLayer(`
windows:
  - id: no_reason_return
    name: {zh: 五个工作日无理由退货, en: 5-working-day no-reason return}
    types: [return_refund]
    reasons: [no_reason, size_fit, changed_mind]
    from: signed
    length: 5wd
`), "windows[0].length"},
		{"counting it from purchase", "暂行办法 第六条(自签收商品次日开始起算)", shopLayer(`
windows:
  - id: no_reason_return
    name: {zh: 购买后七日无理由退货, en: 7 days from purchase}
    types: [return_refund]
    reasons: [no_reason, size_fit, changed_mind]
    from: purchase
    length: 7d
`), "windows[0].from"},
		{"narrowing it to one reason", "消保法 第二十五条", shopLayer(`
windows:
  - id: no_reason_return
    name: {zh: 七日无理由退货, en: 7-day no-reason return}
    types: [return_refund]
    reasons: [no_reason]
    from: signed
    length: 7d
`), "windows[0]"},
		{"making it conditional", "消保法 第二十五条", shopLayer(`
windows:
  - id: no_reason_return
    name: {zh: 七日无理由退货, en: 7-day no-reason return}
    types: [return_refund]
    reasons: [no_reason, size_fit, changed_mind]
    from: signed
    length: 7d
    when: 'customer.risk < 40'
`), "windows[0].when"},
		{"refusing no-reason returns for a category without a statutory ground", "消保法 第二十五条第一款", shopLayer(`
rules:
  - id: no_returns_underwear
    explain: {zh: 内衣不支持无理由退货, en: underwear cannot be returned without a reason}
    types: [return_refund]
    reasons: [no_reason]
    when: 'item.category == "underwear"'
    effect: refuse
`), "rules[0]"},
		{"refusing quality exchanges", "三包 第九条", shopLayer(`
rules:
  - id: no_exchanges
    explain: {zh: 本店不换货, en: no exchanges}
    types: [exchange]
    when: "true"
    effect: refuse
`), "rules[0]"},
		{"making the customer pay shipping for a quality defect", "消保法 第二十四条(经营者应当承担运输等必要费用)", shopLayer(`
return_shipping:
  - id: customer_pays_quality
    reasons: [quality_defect]
    payer: customer
`), "return_shipping[0]"},
		{"making the customer pay every return shipping", "消保法 第二十四条", shopLayer(`
return_shipping:
  - id: customer_pays_all
    payer: customer
`), "return_shipping[0]"},
		{"switching off the merchant's shipping duty", "消保法 第二十四条", shopLayer(`
disable: [merchant_fault_shipping]
`), "disable[0]"},
		{"refunding no-reason returns in 10 days", "消保法 第二十五条(自收到退回商品之日起七日内返还)", shopLayer(`
deadlines:
  merchant_refund: 10d
`), "deadlines.merchant_refund[0]"},
		{"refunding in 8 working days", "消保法 第二十五条(七日内返还)", shopLayer(`
deadlines:
  merchant_refund: 8wd
`), "deadlines.merchant_refund[0]"},
		{"a category layer may not do it either", "消保法 第二十五条", `
schema: aftersales.policy/v1
id: fresh-food
version: 1
layer: category
category: fresh
name: {zh: 生鲜类目, en: Fresh food}
disable: [no_reason_return]
`, "disable[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			e := MustEngine(t)
			fe := MustFloorError(t, e, tt.doc)
			if fe.Field != tt.field {
				t.Errorf("field %q, want %q", fe.Field, tt.field)
			}
			if !hasHan(fe.Message.ZH) || !strings.ContainsAny(fe.Message.EN, "abcdefghijklmnopqrstuvwxyz") || fe.Message.ZH == fe.Message.EN {
				t.Errorf("message %+v should read in zh and en", fe.Message)
			}
			if !citesLaw(fe.Message.ZH) || !citesLaw(fe.Message.EN) {
				t.Errorf("message %+v should cite the law in both languages", fe.Message)
			}
			if !strings.Contains(fe.Error(), fe.Doc) || !strings.Contains(fe.Error(), fe.Message.EN) {
				t.Errorf("Error() %q should name the document and the reason", fe.Error())
			}
			// Nothing of the refused layer took effect.
			d := MustEligible(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
			if d.PolicyVersion != platform() {
				t.Errorf("policy version %q after a refused load", d.PolicyVersion)
			}
		})
	}
}

// generousShop gives 15-day no-reason returns and pays their return shipping itself.
var generousShop = shopLayer(`
windows:
  - id: no_reason_return
    name: {zh: 十五日无理由退货, en: the 15-day no-reason return}
    types: [return_refund]
    reasons: [no_reason, size_fit, changed_mind]
    from: signed
    length: 15d
    source: 商家承诺
return_shipping:
  - id: shop_pays_returns
    reasons: [no_reason, size_fit, changed_mind]
    payer: merchant
    source: 商家承诺(包邮退)
`)

// 消保法 第二十五条 (另有约定的,按照约定): a merchant may be more generous than the law. 15-day
// no-reason returns with the merchant paying the postage load and apply.
func TestMoreGenerousMerchantLayerApplies(t *testing.T) {
	e := MustEngine(t, generousShop)
	tests := []struct {
		name  string
		apply int // day after signing
		ok    bool
	}{
		{"day 7", 7, true},
		{"day 10, beyond the law", 10, true},
		{"day 15", 15, true},
		{"day 16", 16, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: 消保法 第二十五条(另有约定的,按照约定)
			when := at(2025, 3, 10+tt.apply, 20, 0)
			d := MustEvaluate(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, when))
			if d.Eligible != tt.ok {
				t.Fatalf("eligible %v, want %v: %s", d.Eligible, tt.ok, d.Explanation.EN)
			}
			if !tt.ok {
				return
			}
			if d.ReturnShippingPayer != aftersale.PayerMerchant {
				t.Errorf("payer %s, want the merchant", d.ReturnShippingPayer)
			}
			if !strings.Contains(d.Explanation.ZH, "十五日无理由退货") || !strings.Contains(d.Explanation.EN, "15-day no-reason return") {
				t.Errorf("explanation %q / %q should name the merchant's window", d.Explanation.ZH, d.Explanation.EN)
			}
		})
	}
	// The whole life cycle on day 10: the merchant repays the postage.
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 20, 10, 0)))
	l.Do(at(2025, 3, 20, 11, 0), approve(shop))
	l.Do(at(2025, 3, 20, 15, 0), shipBack(1500))
	l.Do(at(2025, 3, 21, 15, 0), inspect(aftersale.InspectionPass))
	l.Do(at(2025, 3, 21, 16, 0), refund(shop))
	if got := movements(l.Money, aftersale.MoveShippingReimbursement); got.Minor != 1500 {
		t.Errorf("postage reimbursed %s, want ¥15.00", got)
	}
}

// 消保法 第二十五条第一款/第二款: a merchant may refuse no-reason returns of a category on a
// statutory ground; the refusal then reaches only goods carrying the ground's tag.
func TestMerchantExclusionOnStatutoryGroundAccepted(t *testing.T) {
	e := MustEngine(t, shopLayer(`
rules:
  - id: underwear_hygiene
    explain: {zh: 贴身衣物拆封后不支持无理由退货(购买时已确认), en: underwear cannot be returned without a reason once opened (confirmed at purchase)}
    types: [return_refund]
    reasons: [no_reason, size_fit, changed_mind]
    when: 'item.category == "underwear"'
    ground: unfit_confirmed
    effect: refuse
    source: 消保法 第二十五条第二款
`))
	when := at(2025, 3, 12, 10, 0)
	MustRefused(t, e, Apply(MustOrder(t, category("underwear"), tagged(order.TagUnfitConfirmed)), aftersale.ReturnRefund, aftersale.NoReason, when), "underwear_hygiene")
	MustEligible(t, e, Apply(MustOrder(t, category("underwear")), aftersale.ReturnRefund, aftersale.NoReason, when))
	MustEligible(t, e, Apply(MustOrder(t, category("underwear"), tagged(order.TagUnfitConfirmed)), aftersale.ReturnRefund, aftersale.QualityDefect, when))
}

// What the floor does not govern is the merchant's to set: a longer refund time for quality
// returns (the 7-day limit binds no-reason returns), and restating that the customer pays
// no-reason postage.
func TestMerchantTermsOutsideTheFloorAccepted(t *testing.T) {
	e := MustEngine(t, shopLayer(`
deadlines:
  merchant_refund:
    - reasons: [quality_defect]
      span: 10d
    - span: 3wd
return_shipping:
  - id: customer_pays_no_reason
    reasons: [no_reason]
    payer: customer
`))
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
	l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass))
	if due := l.Deadline(aftersale.MerchantRefund); !due.Equal(at(2025, 3, 24, 0, 0)) {
		t.Errorf("refund due %v, want 10 days after receipt (2025-03-24 00:00)", due)
	}
}

// The statutory floor is applied at evaluation too: a no-reason return inside the law's 7
// days is refunded in full, even where a merchant layer deducts a restocking fee.
func TestNoDeductionFromStatutoryNoReasonRefund(t *testing.T) {
	restocking := `
refund:
  deductions:
    - id: restocking
      explain: {zh: 无理由退货收取10%手续费, en: a 10% restocking fee on no-reason returns}
      when: 'case.reason == "no_reason"'
      rate_bp: 1000
`
	tests := []struct {
		name   string
		source string
		layer  string
		day    int
		want   int64
		bug    string
	}{
		{"within the law's 7 days", "消保法 第二十五条; statutory refund: never deduct from a refund the floor guarantees", shopLayer(restocking), 3, 19900, ""},
		{"within the law's 7 days under a generous 15-day window", "消保法 第二十五条", generousShop + restocking, 3, 19900, ""},
		{"beyond the law, under the generous window", "消保法 第二十五条(另有约定的,按照约定)", generousShop + restocking, 10, 19900 - 1990, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			if tt.bug != "" {
				t.Skip("BUG: " + tt.bug)
			}
			e := MustEngine(t, tt.layer)
			d := MustEligible(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 10+tt.day, 10, 0)))
			if d.RefundAmount != money.Yuan(tt.want) {
				t.Fatalf("refund %s (deductions %s), want %d fen", d.RefundAmount, d.Deductions, tt.want)
			}
		})
	}
}

// citesLaw reports whether a message names the law it enforces.
func citesLaw(s string) bool {
	for _, law := range []string{"消保法", "暂行办法", "三包"} {
		if strings.Contains(s, law) {
			return true
		}
	}
	return false
}

// 消保法 第二十四条 vs 第二十五条: the statutory grounds (custom-made, perishable, …) excuse goods
// from the no-reason return only. A merchant rule that names a ground to refuse quality returns
// or exchanges of such goods takes away what 第二十四条 guarantees, and must be refused at load.
func TestStatutoryGroundDoesNotExcuseRefusingQualityReturns(t *testing.T) {
	e := MustEngine(t)
	MustFloorError(t, e, shopLayer(`
rules:
  - id: no_quality_returns_custom
    explain: {zh: 定制商品质量问题也不退, en: custom-made goods are not taken back even when defective}
    types: [return_refund, exchange]
    reasons: [quality_defect]
    ground: custom_made
    when: "true"
    effect: refuse
`))
	MustEligible(t, e, Apply(MustOrder(t, tagged(order.TagCustomMade)), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
}
