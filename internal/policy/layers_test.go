package policy_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// m1Layer replaces three items of the seed platform (a longer exchange, a larger one-click
// return) and switches off its evidence rule; it adds a 15-day changed-mind return that
// pays a restocking deduction.
const m1Layer = `schema: aftersales.policy/v1
id: m1-rules
version: 1
layer: merchant
merchant: m1
name: {zh: 一号店, en: Shop one}
windows:
  - id: exchange_15d
    name: {zh: 三十天换货, en: the exchange within 30 days}
    types: [exchange]
    reasons: [quality_defect]
    from: purchase
    length: 30d
  - id: changed_mind_15d
    name: {zh: 十五天不想要了, en: the 15-day changed-mind return}
    types: [return_refund]
    reasons: [changed_mind]
    from: signed
    length: 15d
refund:
  deductions:
    - id: restocking
      explain: {zh: 扣除10%, en: 10% restocking}
      when: 'case.reason == "changed_mind"'
      rate_bp: 1000
auto_approve:
  instant:
    - id: one_click_return
      when: 'case.reason == "no_reason" && case.amount <= 100000'
disable: [evidence_for_quality]
`

// m2Layer switches off the platform's one-click return and its shipping for size exchanges.
const m2Layer = `schema: aftersales.policy/v1
id: m2-rules
version: 1
layer: merchant
merchant: m2
name: {zh: 二号店, en: Shop two}
disable: [one_click_return, size_fit_shipping]
`

// m1Sale lowers m1's restocking deduction for its sale category; m1Clearance drops it.
const (
	m1Sale = `schema: aftersales.policy/v1
id: m1-sale
version: 1
layer: category
merchant: m1
category: sale
name: {zh: 特价, en: Sale}
refund:
  deductions:
    - id: restocking
      explain: {zh: 扣除5%, en: 5% restocking}
      when: 'true'
      rate_bp: 500
`
	m1Clearance = `schema: aftersales.policy/v1
id: m1-clearance
version: 1
layer: category
merchant: m1
category: clearance
name: {zh: 清仓, en: Clearance}
disable: [restocking]
`
)

var purchasedAt = time.Date(2026, 3, 2, 10, 0, 0, 0, calendar.Default().Location())

func layeredEngine(t *testing.T) *policy.Engine {
	t.Helper()
	e := newEngine(t)
	for _, doc := range []string{mustPreset(t, "seed-platform"), m1Layer, m2Layer, m1Sale, m1Clearance} {
		if _, err := e.Load([]byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// application is a request for the one line (¥price, category) of an order of merchant,
// bought on purchasedAt and signed for two days later, made days after the purchase.
func application(merchant, category string, price int64, ty as.Type, reason as.Reason, days int) policy.Request {
	o := order.Order{
		No: "O-9", Merchant: merchant, Customer: "c-9", Currency: money.CNY, PaymentMethod: order.Online,
		ShippingFee: money.Yuan(0), PaidAt: purchasedAt, ShippedAt: purchasedAt.AddDate(0, 0, 1), DeliveredAt: purchasedAt.AddDate(0, 0, 2),
		Items: []order.Item{{SKU: "A", Title: "衬衫", Category: category, Quantity: 1, UnitPrice: money.Yuan(price), PaidAmount: money.Yuan(price)}},
	}
	return policy.Request{
		Order: o, Customer: policy.CustomerVars{ID: o.Customer}, Type: ty, Reason: reason,
		Items: []policy.RequestItem{{SKU: "A", Quantity: 1}}, RefundMethod: as.RefundOriginal, At: purchasedAt.AddDate(0, 0, days),
	}
}

func hit(d policy.Decision, id string) (policy.Hit, bool) {
	i := slices.IndexFunc(d.Rules, func(h policy.Hit) bool { return h.ID == id })
	if i < 0 {
		return policy.Hit{}, false
	}
	return d.Rules[i], true
}

// A later layer's item with an earlier one's id replaces it, and disable removes earlier
// items (resolved.go, merge; docs/POLICY.md): merchants and categories change the platform's
// rules for their own goods only.
func TestLaterLayersReplaceAndDisableEarlierItems(t *testing.T) {
	e := layeredEngine(t)
	tests := []struct {
		name     string
		req      policy.Request
		evidence bool
		check    func(t *testing.T, d policy.Decision)
	}{
		{"m1's 30-day exchange replaces the platform's 15 days", application("m1", "", 20000, as.Exchange, as.QualityDefect, 20), true,
			func(t *testing.T, d policy.Decision) {
				if h, ok := hit(d, "exchange_15d"); !d.Eligible || !ok || h.Doc != "m1-rules@1" || h.Outcome != "allow" {
					t.Errorf("eligible %v, hit %+v; want m1-rules@1's exchange_15d to allow", d.Eligible, h)
				}
			}},
		{"the platform's exchange has ended for another merchant", application("m3", "", 20000, as.Exchange, as.QualityDefect, 20), true,
			func(t *testing.T, d policy.Decision) {
				if d.Eligible {
					t.Errorf("eligible on day 20 under the platform's 15 days: %+v", d.Rules)
				}
			}},
		{"m1 switched off the evidence rule", application("m1", "", 20000, as.ReturnRefund, as.QualityDefect, 5), false,
			func(t *testing.T, d policy.Decision) {
				if _, ok := hit(d, "evidence_for_quality"); !d.Eligible || ok {
					t.Errorf("eligible %v, rules %+v; want no evidence rule", d.Eligible, d.Rules)
				}
			}},
		{"the platform asks another merchant's customer for evidence", application("m3", "", 20000, as.ReturnRefund, as.QualityDefect, 5), false,
			func(t *testing.T, d policy.Decision) {
				if h, ok := hit(d, "evidence_for_quality"); d.Eligible || !ok || h.Doc != "seed-platform@4" {
					t.Errorf("eligible %v, hit %+v; want the platform's evidence rule to refuse", d.Eligible, h)
				}
			}},
		{"m1's one-click return goes up to ¥1000", application("m1", "", 50000, as.ReturnRefund, as.NoReason, 4), false,
			func(t *testing.T, d policy.Decision) {
				if h, ok := hit(d, "one_click_return"); !d.AutoApprove || h.Doc != "m1-rules@1" || !ok {
					t.Errorf("auto-approve %v, hit %+v; want m1's one-click return", d.AutoApprove, h)
				}
			}},
		{"the platform's one-click return stops at ¥100", application("m3", "", 50000, as.ReturnRefund, as.NoReason, 4), false,
			func(t *testing.T, d policy.Decision) {
				if !d.Eligible || d.AutoApprove {
					t.Errorf("eligible %v, auto-approve %v; want eligible, not at once", d.Eligible, d.AutoApprove)
				}
			}},
		{"the platform approves ¥50 at once", application("m3", "", 5000, as.ReturnRefund, as.NoReason, 4), false,
			func(t *testing.T, d policy.Decision) {
				if !d.AutoApprove {
					t.Errorf("not approved at once: %+v", d.Rules)
				}
			}},
		{"m2 switched off the one-click return", application("m2", "", 5000, as.ReturnRefund, as.NoReason, 4), false,
			func(t *testing.T, d policy.Decision) {
				if !d.Eligible || d.AutoApprove {
					t.Errorf("eligible %v, auto-approve %v; want eligible, not at once", d.Eligible, d.AutoApprove)
				}
			}},
		{"the platform pays for size exchanges", application("m3", "", 20000, as.Exchange, as.SizeFit, 4), false,
			func(t *testing.T, d policy.Decision) {
				if d.ReturnShippingPayer != as.PayerMerchant {
					t.Errorf("payer %s, want merchant", d.ReturnShippingPayer)
				}
			}},
		{"m2 switched the platform's size shipping off: the floor's customer-pays applies", application("m2", "", 20000, as.Exchange, as.SizeFit, 4), false,
			func(t *testing.T, d policy.Decision) {
				if h, _ := hit(d, "no_reason_shipping"); d.ReturnShippingPayer != as.PayerCustomer || h.Doc != "statutory@1" {
					t.Errorf("payer %s by %+v, want the customer by the floor's no_reason_shipping", d.ReturnShippingPayer, h)
				}
			}},
		// Day 10: the law's 7 days have passed, so m1's own window applies, and its deduction.
		{"m1 deducts 10% after the law's 7 days", application("m1", "", 20000, as.ReturnRefund, as.ChangedMind, 10), false,
			func(t *testing.T, d policy.Decision) {
				if d.Deductions != money.Yuan(2000) || d.RefundAmount != money.Yuan(18000) {
					t.Errorf("deductions %v, refund %v; want ¥20.00 off ¥200.00", d.Deductions, d.RefundAmount)
				}
			}},
		{"m1's sale category deducts 5% instead", application("m1", "sale", 20000, as.ReturnRefund, as.ChangedMind, 10), false,
			func(t *testing.T, d policy.Decision) {
				if h, _ := hit(d, "restocking"); d.Deductions != money.Yuan(1000) || h.Doc != "m1-sale@1" {
					t.Errorf("deductions %v by %+v; want ¥10.00 by m1-sale@1", d.Deductions, h)
				}
			}},
		{"m1's clearance category deducts nothing", application("m1", "clearance", 20000, as.ReturnRefund, as.ChangedMind, 10), false,
			func(t *testing.T, d policy.Decision) {
				if !d.Eligible || !d.Deductions.IsZero() || d.RefundAmount != money.Yuan(20000) {
					t.Errorf("eligible %v, deductions %v, refund %v; want the whole ¥200.00", d.Eligible, d.Deductions, d.RefundAmount)
				}
			}},
		// Within the law's 7 days nothing may be deducted (消保法 第二十五条).
		{"m1 deducts nothing within the law's 7 days", application("m1", "", 20000, as.ReturnRefund, as.ChangedMind, 5), false,
			func(t *testing.T, d policy.Decision) {
				if !d.Deductions.IsZero() {
					t.Errorf("deducted %v from a statutory return", d.Deductions)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.HasEvidence = tt.evidence
			d, err := e.Evaluate(req)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, d)
		})
	}
}

// The last layer that sets a case term wins; a layer that leaves it out keeps the one below
// (resolved.go, merge): the floor's defaults, the platform's, the merchant's.
func TestCaseTermsComeFromTheLastLayerThatSetsThem(t *testing.T) {
	e := newEngine(t)
	floorOnly, err := e.Resolve("m1", "", sampleNow())
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{mustPreset(t, "seed-platform"), strictMerchant} {
		if _, err := e.Load([]byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	platform, err := e.Resolve("m1", "", sampleNow())
	if err != nil {
		t.Fatal(err)
	}
	strict, err := e.Resolve("strict", "", sampleNow())
	if err != nil {
		t.Fatal(err)
	}
	c := &as.Case{ItemsPaid: money.Yuan(10000), RefundedAmount: money.Yuan(0),
		Items: []as.Item{{SKU: "A", Quantity: 1, PaidAmount: money.Yuan(10000), Refundable: money.Yuan(10000)}}}
	tests := []struct {
		name                    string
		r                       *policy.Resolved
		reapply, failed         int
		silence                 bool
		deduction, compensation money.Amount
	}{
		// statutory.yaml: reapply 2, two failed repairs (三包 第十条), 50%, nothing deducted.
		{"the floor", floorOnly, 2, 2, true, money.Yuan(0), money.Yuan(5000)},
		// seed-platform.yaml: 20% for missing gifts, compensation up to 30%.
		{"the platform", platform, 2, 2, true, money.Yuan(2000), money.Yuan(3000)},
		// strictMerchant: no re-application, one failed repair, 100%, no auto-approval.
		{"a strict merchant", strict, 0, 1, false, money.Yuan(2000), money.Yuan(10000)},
	}
	for _, tt := range tests {
		got := []any{tt.r.ReapplyLimit(c), tt.r.MaxFailedRepairs(c), tt.r.AutoApproveOnSilence(c), tt.r.MaxDeduction(c), tt.r.MaxCompensation(c)}
		want := []any{tt.reapply, tt.failed, tt.silence, tt.deduction, tt.compensation}
		if !slices.Equal(got, want) {
			t.Errorf("%s (%s): reapply, failed repairs, silence, deduction, compensation = %v, want %v", tt.name, tt.r.Version(), got, want)
		}
	}
}

// A case is judged under the policy version stored with it, however many versions are
// loaded after (engine.go, ResolveVersion).
func TestACaseKeepsThePolicyVersionItWasDecidedUnder(t *testing.T) {
	e := newEngine(t)
	if _, err := e.Load([]byte(shopDoc("reapply_limit: 1\n"))); err != nil {
		t.Fatal(err)
	}
	v1, err := e.Resolve("m1", "", sampleNow())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Load([]byte(strings.Replace(shopHead, "version: 1", "version: 2", 1) + "reapply_limit: 3\n")); err != nil {
		t.Fatal(err)
	}
	v2, err := e.Resolve("m1", "", sampleNow())
	if err != nil || v2.Version() != "statutory@1+shop-rules@2" || v2.ReapplyLimit(nil) != 3 {
		t.Fatalf("after loading version 2, Resolve = %v, %v", v2, err)
	}
	again, err := e.ResolveVersion(v1.Version())
	if err != nil || again != v1 || again.ReapplyLimit(nil) != 1 {
		t.Errorf("ResolveVersion(%q) = %v, %v; want the policy the case was decided under", v1.Version(), again, err)
	}
	// A chain nobody resolved yet, such as one read back from the store after a restart.
	fresh := newEngine(t)
	for _, doc := range []string{shopDoc("reapply_limit: 1\n"), strings.Replace(shopHead, "version: 1", "version: 2", 1) + "reapply_limit: 3\n"} {
		if _, err := fresh.Load([]byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	old, err := fresh.ResolveVersion("statutory@1+shop-rules@1")
	if err != nil || old.Version() != "statutory@1+shop-rules@1" || old.ReapplyLimit(nil) != 1 {
		t.Errorf("ResolveVersion of version 1 after a restart = %v, %v", old, err)
	}
	if _, err := fresh.ResolveVersion("statutory@1+shop-rules@9"); err == nil || !strings.Contains(err.Error(), "shop-rules@9 is not loaded") {
		t.Errorf("ResolveVersion of a version never loaded: %v, want an error naming shop-rules@9", err)
	}
}

// A version takes effect at its effective_from and not before; an answer Resolve has cached
// ends when the next version takes effect (engine.go, inForce and Resolve).
func TestAVersionTakesEffectOnItsDate(t *testing.T) {
	e := newEngine(t)
	versions := []string{
		shopDoc("reapply_limit: 1\n"),
		strings.Replace(shopHead, "version: 1", "version: 2", 1) + "effective_from: 2026-04-01T00:00:00+08:00\nreapply_limit: 2\n",
		strings.Replace(shopHead, "version: 1", "version: 3", 1) + "effective_from: 2026-05-01T00:00:00+08:00\nreapply_limit: 3\n",
	}
	for _, doc := range versions {
		if _, err := e.Load([]byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	loc := calendar.Default().Location()
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 14, 10, 0, 0, 0, loc), "shop-rules@1"},
		{time.Date(2026, 3, 31, 23, 59, 59, 0, loc), "shop-rules@1"}, // from the cache
		{time.Date(2026, 4, 1, 0, 0, 0, 0, loc), "shop-rules@2"},     // the cache ended
		{time.Date(2026, 3, 20, 0, 0, 0, 0, loc), "shop-rules@1"},    // before the cached period
		{time.Date(2026, 4, 30, 12, 0, 0, 0, loc), "shop-rules@2"},
		{time.Date(2026, 5, 1, 0, 0, 0, 0, loc), "shop-rules@3"},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, loc), "shop-rules@3"},
	}
	for _, tt := range tests {
		r, err := e.Resolve("m1", "", tt.at)
		if err != nil || r.Version() != "statutory@1+"+tt.want {
			t.Errorf("Resolve at %s = %v, %v; want %s", tt.at, r.Version(), err, tt.want)
		}
	}
	// A merchant without a layer of its own is not affected.
	if r, _ := e.Resolve("m2", "", tests[0].at); r.Version() != "statutory@1" {
		t.Errorf("another merchant resolves to %s", r.Version())
	}
}

// Deadline alternatives read what a stored case keeps and the clock (cel.go, deadlineVars),
// and a deadline never ends after the floor's limit: a no-reason refund within 7 days of
// the merchant's receipt (消保法 第二十五条; resolved.go, due).
func TestDeadlineAlternativesReadTheCaseAndTheClock(t *testing.T) {
	e := newEngine(t)
	layer := shopDoc(`deadlines:
  merchant_response:
    - when: 'case.type == "refund_only" && !order.shipped'
      span: 2h
    - reasons: [quality_defect]
      span: 12h
    - when: 'now >= timestamp("2026-06-01T00:00:00+08:00")'
      span: 3d
    - span: 1d
  merchant_refund: 5wd
`)
	if _, err := e.Load([]byte(layer)); err != nil {
		t.Fatal(err)
	}
	r, err := e.Resolve("m1", "", sampleNow())
	if err != nil {
		t.Fatal(err)
	}
	loc := calendar.Default().Location()
	march := time.Date(2026, 3, 10, 9, 0, 0, 0, loc) // a Tuesday
	june := time.Date(2026, 6, 2, 9, 0, 0, 0, loc)
	tests := []struct {
		name string
		c    as.Case
		kind as.DeadlineKind
		now  time.Time
		want time.Time
	}{
		{"refund before shipment", as.Case{Type: as.RefundOnly, Reason: as.OutOfStock}, as.MerchantResponse, march, march.Add(2 * time.Hour)},
		{"refund after shipment, quality", as.Case{Type: as.RefundOnly, Reason: as.QualityDefect, OrderShipped: true}, as.MerchantResponse, march, march.Add(12 * time.Hour)},
		{"a return in March", as.Case{Type: as.ReturnRefund, Reason: as.SizeFit}, as.MerchantResponse, march, time.Date(2026, 3, 12, 0, 0, 0, 0, loc)},
		{"a return in June", as.Case{Type: as.ReturnRefund, Reason: as.SizeFit}, as.MerchantResponse, june, time.Date(2026, 6, 6, 0, 0, 0, 0, loc)},
		// 5 working days from Tuesday end with the next Tuesday, within the 7 days of receipt.
		{"a no-reason refund received now", as.Case{Type: as.ReturnRefund, Reason: as.NoReason, ReceivedAt: march}, as.MerchantRefund, march, time.Date(2026, 3, 18, 0, 0, 0, 0, loc)},
		// Received on the 6th: the law's 7 days end with the 13th, before the 5 working days.
		{"a no-reason refund received four days ago", as.Case{Type: as.ReturnRefund, Reason: as.NoReason, ReceivedAt: march.AddDate(0, 0, -4)}, as.MerchantRefund, march, time.Date(2026, 3, 14, 0, 0, 0, 0, loc)},
		// The limit is for the no-reason return only.
		{"a quality refund received four days ago", as.Case{Type: as.ReturnRefund, Reason: as.QualityDefect, ReceivedAt: march.AddDate(0, 0, -4)}, as.MerchantRefund, march, time.Date(2026, 3, 18, 0, 0, 0, 0, loc)},
	}
	for _, tt := range tests {
		due, ok := r.Deadline(&tt.c, tt.kind, tt.now)
		if !ok || !due.Equal(tt.want) {
			t.Errorf("%s: Deadline = %s, %v; want %s", tt.name, due, ok, tt.want)
		}
	}
	if due, ok := r.Deadline(&as.Case{}, "merchant_dispute", march); ok {
		t.Errorf("a deadline kind the policy does not know ends at %s", due)
	}
}
