package policy_test

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// generousMerchant is more generous than the seed platform: a 15-day no-reason period, a
// compensation window for any reason, a higher compensation cap, inspection deductions, a
// restocking deduction, no auto-approval.
const generousMerchant = `
schema: aftersales.policy/v1
id: generous-shop
version: 1
layer: merchant
merchant: generous
name: {zh: 宽松商家, en: Generous shop}
windows:
  - id: no_reason_15d
    name: {zh: 十五天无理由, en: 15-day no-reason return}
    types: [return_refund, exchange]
    reasons: [no_reason, size_fit, changed_mind]
    from: signed
    length: 15d
  - id: compensation_any
    name: {zh: 任意原因补偿, en: compensation for any reason}
    types: [compensation]
    from: signed
    length: 30d
refund:
  max_inspection_deduction_bp: 3000
  deductions:
    - id: restocking
      explain: {zh: 不想要了的退货扣除10%, en: a changed-mind return pays 10% restocking}
      when: 'case.reason == "changed_mind"'
      rate_bp: 1000
compensation: {max_bp: 5000}
reapply_limit: 3
auto_approve: {on_merchant_silence: false}
`

// testEngine is the seed platform policy with the generous merchant layer, shared by the
// properties (the engine is safe for concurrent use and nothing loads into it later).
var testEngine = sync.OnceValues(func() (*policy.Engine, error) {
	e, err := policy.New(calendar.Default())
	if err != nil {
		return nil, err
	}
	seed, err := policy.Preset("seed-platform")
	if err != nil {
		return nil, err
	}
	if _, err := e.Load(seed); err != nil {
		return nil, err
	}
	if _, err := e.Load([]byte(generousMerchant)); err != nil {
		return nil, err
	}
	return e, nil
})

func mustEngine(t testing.TB) *policy.Engine {
	t.Helper()
	e, err := testEngine()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// drawOrder is a valid order of 1–4 lines with an order-level discount spread over the
// lines, paid, and usually shipped and delivered a few days ago.
func drawOrder(t *rapid.T) order.Order {
	loc := calendar.Default().Location()
	paidAt := time.Date(2026, time.Month(rapid.IntRange(1, 11).Draw(t, "month")), rapid.IntRange(1, 28).Draw(t, "day"),
		rapid.IntRange(0, 23).Draw(t, "hour"), rapid.IntRange(0, 59).Draw(t, "minute"), 0, 0, loc)
	o := order.Order{
		No: "O-1", Merchant: rapid.SampledFrom([]string{"plain", "generous"}).Draw(t, "merchant"), Customer: "c-1",
		Currency: money.CNY, PaymentMethod: rapid.SampledFrom([]order.PaymentMethod{order.Online, order.CashOnDelivery}).Draw(t, "payment"),
		ShippingFee:      money.Yuan(rapid.SampledFrom([]int64{0, 0, 600, 1000, 1999}).Draw(t, "shipping_fee")),
		FreightInsurance: rapid.Bool().Draw(t, "freight_insurance"),
		PaidAt:           paidAt,
	}
	if rapid.IntRange(0, 4).Draw(t, "shipped") > 0 {
		o.ShippedAt = paidAt.Add(time.Duration(rapid.IntRange(1, 72).Draw(t, "ship_hours")) * time.Hour)
		if rapid.IntRange(0, 4).Draw(t, "delivered") > 0 {
			o.DeliveredAt = o.ShippedAt.Add(time.Duration(rapid.IntRange(1, 96).Draw(t, "delivery_hours")) * time.Hour)
		}
	}
	n := rapid.IntRange(1, 4).Draw(t, "lines")
	lines := make([]money.Line, n)
	var list int64
	for i := range n {
		it := order.Item{
			SKU: fmt.Sprintf("SKU-%d", i), Title: fmt.Sprintf("商品 %d", i),
			Category: rapid.SampledFrom([]string{"apparel", "electronics", "books"}).Draw(t, "category"),
			Quantity: rapid.IntRange(1, 5).Draw(t, "quantity"),
		}
		it.UnitPrice = money.Yuan(rapid.Int64Range(0, 200_000).Draw(t, "unit_price"))
		if rapid.IntRange(0, 9).Draw(t, "tagged") == 9 {
			it.Tags = []string{rapid.SampledFrom([]string{order.TagGift, order.TagPerishable, order.TagCustomMade}).Draw(t, "tag")}
		}
		lines[i] = money.Line{ListAmount: money.Yuan(it.UnitPrice.Minor * int64(it.Quantity))}
		list += lines[i].ListAmount.Minor
		o.Items = append(o.Items, it)
	}
	paid := make([]money.Amount, n)
	if list > 0 {
		var err error
		discount := money.Yuan(rapid.Int64Range(0, list/3).Draw(t, "discount"))
		if paid, err = money.AllocateDiscount(lines, discount); err != nil {
			t.Fatal(err)
		}
	} else {
		for i := range paid {
			paid[i] = money.Yuan(0)
		}
	}
	for i := range o.Items {
		o.Items[i].PaidAmount = paid[i]
		o.Items[i].Refunded = money.Yuan(0)
		o.Items[i].Reserved = money.Yuan(0)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("generated an invalid order: %v", err)
	}
	return o
}

// stats counts what the walks did, evalStats what Evaluate answered; shown with -v.
var (
	stats     = &counter{n: map[string]int{}}
	evalStats = &counter{n: map[string]int{}}
)

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(k string) {
	c.mu.Lock()
	c.n[k]++
	c.mu.Unlock()
}

func (c *counter) log(t *testing.T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range slices.Sorted(maps.Keys(c.n)) {
		t.Logf("%6d %s", c.n[k], k)
	}
}

// TestPropertyNoLineIsRefundedMoreThanWasPaid: several cases on one order, opened when
// the policy finds them eligible and driven by random allowed actions and timeouts, never
// refund a line more than was paid for it, nor the order more than its lines and shipping
// fee (SPEC §3 "never more than what was paid for that item across all cases", §8). The
// application keeps the order's holdings with aftersale.Holdings, and the store refuses
// holdings above a line (store.AdjustHoldings): the property is also that the life cycle
// never accepts what the store must refuse. Evaluate is deterministic and leaves the order
// alone.
func TestPropertyNoLineIsRefundedMoreThanWasPaid(t *testing.T) {
	e := mustEngine(t)
	rapid.Check(t, func(t *rapid.T) {
		a := &app{e: e, order: drawOrder(t)}
		a.now = a.order.PaidAt
		if a.order.Delivered() {
			a.now = a.order.DeliveredAt
		}
		a.now = a.now.Add(time.Duration(rapid.IntRange(0, 10*24).Draw(t, "first_hours")) * time.Hour)
		steps := rapid.IntRange(5, 60).Draw(t, "steps")
		for range steps {
			a.now = a.now.Add(time.Duration(rapid.IntRange(0, 48*60).Draw(t, "minutes")) * time.Minute)
			switch k := rapid.IntRange(0, 9).Draw(t, "op"); {
			case k < 5:
				a.act(t, false)
			case k < 8 && len(a.cases) < 8:
				a.apply(t)
			default:
				a.act(t, true)
			}
			a.checkMoney(t)
		}
	})
	if testing.Verbose() {
		stats.log(t)
	}
}

// TestPropertyEvaluateNeverPanicsAndIsDeterministic: for any valid order with any holdings,
// and any request (unknown types, reasons and SKUs, zero or negative quantities, a missing
// time, amounts of the wrong sign or currency), Evaluate answers without panicking, twice
// the same, with an *InputError or a decision that explains itself.
func TestPropertyEvaluateNeverPanicsAndIsDeterministic(t *testing.T) {
	e := mustEngine(t)
	if testing.Verbose() {
		defer evalStats.log(t)
	}
	var reasons []as.Reason
	for _, r := range as.Reasons() {
		reasons = append(reasons, r.Code)
	}
	rapid.Check(t, func(t *rapid.T) {
		o := drawOrder(t)
		for i := range o.Items {
			it := &o.Items[i]
			it.Claimed = rapid.IntRange(0, it.Quantity).Draw(t, "claimed")
			it.Refunded = money.Yuan(rapid.Int64Range(0, it.PaidAmount.Minor).Draw(t, "refunded"))
			it.Reserved = money.Yuan(rapid.Int64Range(0, it.PaidAmount.Minor-it.Refunded.Minor).Draw(t, "reserved"))
		}
		o.ShippingRefunded = rapid.Bool().Draw(t, "shipping_refunded")
		o.CompletedAt = rapid.SampledFrom([]time.Time{{}, o.PaidAt.AddDate(0, 0, 10)}).Draw(t, "completed")
		skus := []string{"nope"}
		for _, it := range o.Items {
			skus = append(skus, it.SKU)
		}
		req := policy.Request{
			Order: o, Customer: policy.CustomerVars{
				ID: "c", Risk: rapid.IntRange(0, 100).Draw(t, "risk"), WatchListed: rapid.Bool().Draw(t, "watch_listed"),
				Cases90d: rapid.IntRange(0, 50).Draw(t, "cases_90d"), ReturnRateBP: rapid.Int64Range(0, 10000).Draw(t, "rate"),
			},
			Type:            rapid.SampledFrom(as.Types).Draw(t, "type"),
			Reason:          rapid.SampledFrom(reasons).Draw(t, "reason"),
			HasEvidence:     rapid.Bool().Draw(t, "evidence"),
			RefundMethod:    rapid.SampledFrom([]as.RefundMethod{as.RefundOriginal, "", as.RefundBankCard}).Draw(t, "method"),
			Channel:         rapid.SampledFrom([]string{"", "web", "phone"}).Draw(t, "channel"),
			Description:     strings.Repeat("坏", rapid.SampledFrom([]int{0, 3, 1333}).Draw(t, "description")),
			RequestedAmount: money.New(rapid.Int64Range(1, 1_000_000).Draw(t, "requested"), money.CNY),
			At:              o.PaidAt.Add(time.Duration(rapid.Int64Range(0, 24*400).Draw(t, "hours_after_payment")) * time.Hour),
		}
		for _, i := range rapid.SliceOfNDistinct(rapid.IntRange(1, len(o.Items)), 1, len(o.Items), rapid.ID[int]).Draw(t, "lines") {
			req.Items = append(req.Items, policy.RequestItem{SKU: skus[i], Quantity: rapid.IntRange(1, 6).Draw(t, "qty")})
		}
		// Now and then, one thing wrong.
		switch rapid.IntRange(0, 24).Draw(t, "spoil") {
		case 24:
			req.Type = "teleport"
		case 23:
			req.Reason = rapid.SampledFrom([]as.Reason{"", "bored"}).Draw(t, "bad_reason")
		case 22:
			req.RefundMethod = "cash"
		case 21:
			req.Description = strings.Repeat("坏", 1334)
		case 20:
			req.Order.Items = nil
		case 19:
			req.Items[0].SKU = "nope"
		case 18:
			req.Items[0].Quantity = rapid.IntRange(-1, 0).Draw(t, "bad_qty")
		case 17:
			req.Items = append(req.Items, req.Items[0])
		case 16:
			req.Items = nil
		case 15:
			req.At = time.Time{}
		case 14:
			req.RequestedAmount = rapid.SampledFrom([]money.Amount{money.Yuan(-1), money.New(100, "USD"), {}}).Draw(t, "bad_amount")
		case 13:
			req.Items[0].Quantity = 1_000_000
		}
		before := req.Order
		before.Items = slices.Clone(req.Order.Items)
		d, err := e.Evaluate(req)
		switch {
		case err != nil:
			evalStats.add("input error")
		case d.Eligible:
			evalStats.add("eligible " + string(req.Type))
		default:
			evalStats.add("refused " + string(req.Type))
		}
		again, err2 := e.Evaluate(req)
		if !reflect.DeepEqual(d, again) || fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("Evaluate is not deterministic:\n%+v %v\n%+v %v", d, err, again, err2)
		}
		if !reflect.DeepEqual(req.Order, before) {
			t.Fatal("Evaluate changed the order it was given")
		}
		if err != nil {
			var ie *policy.InputError
			if !errors.As(err, &ie) || ie.Field == "" || ie.Message.EN == "" || ie.Message.ZH == "" {
				t.Fatalf("Evaluate: %v (%T), want an *InputError", err, err)
			}
			return
		}
		if d.Explanation.ZH == "" || d.Explanation.EN == "" || d.Eligible == (len(d.Refusals) > 0) {
			t.Fatalf("decision %+v", d)
		}
		if d.RefundAmount.IsNegative() || d.ItemsPaid.IsNegative() {
			t.Fatalf("refund %v of items paid %v", d.RefundAmount, d.ItemsPaid)
		}
	})
}
