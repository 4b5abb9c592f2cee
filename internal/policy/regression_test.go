package policy_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// Regression tests of bugs found by the property and fuzz tests, each fixed.

var signedAt = time.Date(2026, 3, 10, 15, 0, 0, 0, calendar.Default().Location())

// partlyRefundedOrder is an order of two ¥100 lines signed for two days ago, where ¥30 of
// line A went back already (a compensation for a defect the customer kept).
func partlyRefundedOrder() order.Order {
	return order.Order{
		No: "O-7", Merchant: "plain", Customer: "c-7", Currency: money.CNY, PaymentMethod: order.Online,
		ShippingFee: money.Yuan(0), PaidAt: signedAt.AddDate(0, 0, -3), ShippedAt: signedAt.AddDate(0, 0, -2), DeliveredAt: signedAt,
		Items: []order.Item{
			{SKU: "A", Title: "台灯", Quantity: 1, UnitPrice: money.Yuan(10000), PaidAmount: money.Yuan(10000), Refunded: money.Yuan(3000), Reserved: money.Yuan(0)},
			{SKU: "B", Title: "灯泡", Quantity: 1, UnitPrice: money.Yuan(10000), PaidAmount: money.Yuan(10000), Refunded: money.Yuan(0), Reserved: money.Yuan(0)},
		},
	}
}

// mustOpen evaluates an application two days after delivery and opens its case.
func mustOpen(t *testing.T, o order.Order, ty as.Type, reason as.Reason, requested money.Amount, items ...policy.RequestItem) (as.Case, *policy.Resolved, policy.Decision) {
	t.Helper()
	e := mustEngine(t)
	req := policy.Request{
		Order: o, Customer: policy.CustomerVars{ID: o.Customer}, Type: ty, Reason: reason, Items: items,
		HasEvidence: true, RefundMethod: as.RefundOriginal, RequestedAmount: requested, At: signedAt.AddDate(0, 0, 2),
	}
	d, err := e.Evaluate(req)
	if err != nil || !d.Eligible {
		t.Fatalf("Evaluate: %v %+v", err, d.Refusals)
	}
	p, err := e.ResolveVersion(d.PolicyVersion)
	if err != nil {
		t.Fatal(err)
	}
	op := as.Opening{ID: "c", OrderNo: o.No, MerchantID: o.Merchant, CustomerID: o.Customer, Actor: as.Actor{Role: as.Customer, ID: o.Customer},
		Type: ty, Reason: reason, RefundMethod: as.RefundOriginal, PaymentMethod: string(o.PaymentMethod), OrderShipped: o.Shipped(),
		RequestedAmount: requested, Evidence: []as.Evidence{{ID: "photo"}}}
	d.Terms(&op)
	res, err := as.Open(op, req.At, p)
	if err != nil {
		t.Fatal(err)
	}
	return res.Case, p, d
}

// mustStep takes an action that the life cycle must accept.
func mustStep(t *testing.T, c as.Case, p as.Policy, cmd as.Command) as.Case {
	t.Helper()
	if cmd.Actor.Role == "" {
		cmd.Actor = as.Actor{Role: as.Merchant, ID: "m"}
	}
	res, err := as.Transition(c, cmd, signedAt.AddDate(0, 0, 3), p)
	if err != nil {
		t.Fatalf("%s: %v", cmd.Action, err)
	}
	return res.Case
}

// held is what a case holds of line sku, paid and promised (aftersale.Holdings).
func held(c *as.Case, sku string) money.Amount {
	hs, _ := as.Holdings(c)
	for _, h := range hs {
		if h.SKU == sku {
			return h.Refunded.MustAdd(h.Reserved)
		}
	}
	return money.Yuan(0)
}

// A return of A and B: the policy refunds ¥70 for A (all that is left of it) and ¥100 for B,
// but Holdings attributes the ¥170 to the lines in order, each up to its paid amount: ¥100
// to A. Line A then holds ¥30 + ¥100 > ¥100, and the store refuses an eligible case; with
// the lines in the order B, A it is accepted.
func TestHoldingsFollowTheRefundDecidedForEachLine(t *testing.T) {
	c, _, d := mustOpen(t, partlyRefundedOrder(), as.ReturnRefund, as.QualityDefect, money.Amount{},
		policy.RequestItem{SKU: "A", Quantity: 1}, policy.RequestItem{SKU: "B", Quantity: 1})
	if d.RefundAmount != money.Yuan(17000) {
		t.Fatalf("refund %v, want ¥170.00", d.RefundAmount)
	}
	if got, left := held(&c, "A"), money.Yuan(7000); got.Cmp(left) > 0 {
		t.Errorf("the case holds %v of line A, where only %v is left", got, left)
	}
}

// A ¥10 compensation on A, of which only ¥10 is left: the policy decides ¥10, but the
// merchant may offer ¥30 (30% of the items, MaxCompensation), and accepting it reserves
// ¥30 of a line with ¥10 left.
func TestCompensationOfferIsCappedByWhatIsLeftOfTheLine(t *testing.T) {
	o := partlyRefundedOrder()
	o.Items[0].Refunded = money.Yuan(9000)
	c, p, d := mustOpen(t, o, as.Compensation, as.QualityDefect, money.Yuan(1000), policy.RequestItem{SKU: "A", Quantity: 1})
	if d.RefundAmount != money.Yuan(1000) {
		t.Fatalf("decided %v, want ¥10.00", d.RefundAmount)
	}
	offer := money.Yuan(3000)
	res, err := as.Transition(c, as.Command{Action: as.Offer, Actor: as.Actor{Role: as.Merchant, ID: "m"}, Amount: &offer}, signedAt.AddDate(0, 0, 3), p)
	if err == nil {
		c = mustStep(t, res.Case, p, as.Command{Action: as.AcceptOffer, Actor: as.Actor{Role: as.Customer, ID: "c"}})
		t.Errorf("an offer of %v was accepted on a line with ¥10.00 left; the case now holds %v of it", offer, held(&c, "A"))
	}
}

// A reship for a missing part of A, escalated when the merchant does not reship: the ruling
// for the customer refunds max(refund, items paid) = ¥100 (rules.go, applyRuling), though
// only ¥70 of line A is left. A choice of return after failed repairs (applyChooseReturn)
// does the same.
func TestRulingRefundsNoMoreThanIsLeftOfTheLine(t *testing.T) {
	c, p, _ := mustOpen(t, partlyRefundedOrder(), as.Reship, as.MissingParts, money.Amount{}, policy.RequestItem{SKU: "A", Quantity: 1})
	c = mustStep(t, c, p, as.Command{Action: as.Approve})
	c = mustStep(t, c, p, as.Command{Action: as.Escalate, Actor: as.SystemActor})
	c = mustStep(t, c, p, as.Command{Action: as.Approve, Actor: as.Actor{Role: as.Supervisor, ID: "s"}, Note: "商家未补发 no reship"})
	if c.State != as.Refunding {
		t.Fatalf("ruling led to %s", c.State)
	}
	if got, left := c.RefundAmount, money.Yuan(7000); got.Cmp(left) > 0 {
		t.Errorf("the ruling refunds %v of line A, where only %v is left", got, left)
	}
}

// An exchange of A whose replacement is cheaper: the merchant may refund a price difference
// up to the items' paid amount less what this case refunded (checkShipExchange), ¥100,
// though only ¥70 of line A is left.
func TestExchangePriceDifferenceIsCappedByWhatIsLeftOfTheLine(t *testing.T) {
	c, p, _ := mustOpen(t, partlyRefundedOrder(), as.Exchange, as.QualityDefect, money.Amount{}, policy.RequestItem{SKU: "A", Quantity: 1})
	c = mustStep(t, c, p, as.Command{Action: as.Approve})
	c = mustStep(t, c, p, as.Command{Action: as.ShipBack, Actor: as.Actor{Role: as.Customer, ID: "c"}, Carrier: "SF", TrackingNo: "SF123456"})
	c = mustStep(t, c, p, as.Command{Action: as.ConfirmReceipt, Inspection: as.InspectionPass})
	back := money.Yuan(-10000)
	res, err := as.Transition(c, as.Command{Action: as.ShipExchange, Actor: as.Actor{Role: as.Merchant, ID: "m"}, Carrier: "SF", TrackingNo: "SF654321", Amount: &back}, signedAt.AddDate(0, 0, 4), p)
	if err == nil {
		t.Errorf("a price difference of ¥100.00 was refunded on a line with ¥70.00 left (refunded %v)", res.Case.RefundedAmount)
	}
}

// A condition that does not compile is quoted again under each of up to 100 syntax errors
// (cel.go, compile): 2 KB of garbage gives an error of about 200 KB.
func TestConditionErrorsAreShort(t *testing.T) {
	for _, n := range []int{20, 200} {
		_, err := mustEngine(t).Load([]byte(conditionDoc(strings.Repeat("#", n))))
		if err == nil {
			t.Fatal("a condition of # loaded")
		}
		if why := unreadable(err.Error()); why != "" {
			t.Errorf("a condition of %d #: error of %d bytes: %s", n, len(err.Error()), why)
		}
	}
}

// CEL names the variables by their Go types: "condition must be true or false, not
// policy.OrderVars", "no matching overload for '_>_' applied to '(policy.ItemVars, …)'".
func TestConditionErrorsNameTheVariablesNotGoTypes(t *testing.T) {
	for _, cond := range []string{"order", "item > 1", "case == customer"} {
		_, err := mustEngine(t).Load([]byte(conditionDoc(cond)))
		if err == nil {
			t.Fatalf("%q loaded", cond)
		}
		if why := unreadable(err.Error()); why != "" {
			t.Errorf("%q: error %q: %s", cond, err.Error(), why)
		}
	}
}

// conditionDoc is a merchant layer with one rule whose condition is cond.
func conditionDoc(cond string) string {
	return "schema: aftersales.policy/v1\nid: m\nversion: 1\nlayer: merchant\nmerchant: m1\nname: {zh: 商, en: M}\n" +
		"rules: [{id: r, explain: {zh: 不行, en: no}, types: [reship], effect: refuse, when: " + strconv.Quote(cond) + "}]\n"
}

// A refund-only case for the whole of an unshipped order gets the items' refund plus the
// order's shipping fee. Holdings tells the fee apart only when the refund exceeds the items'
// paid amount; when part of the line went back before, it counts the fee as money for the
// line: ¥70 + ¥6 reserved on a line with ¥70 left, and the store refuses the case.
func TestHoldingsKeepTheShippingFeeApartFromTheItems(t *testing.T) {
	o := partlyRefundedOrder()
	o.Items = o.Items[:1]
	o.ShippedAt, o.DeliveredAt, o.ShippingFee = time.Time{}, time.Time{}, money.Yuan(600)
	c, _, d := mustOpen(t, o, as.RefundOnly, as.OutOfStock, money.Amount{}, policy.RequestItem{SKU: "A", Quantity: 1})
	if d.RefundAmount != money.Yuan(7600) || d.ShippingRefund != money.Yuan(600) {
		t.Fatalf("refund %v with shipping %v, want ¥76.00 with ¥6.00", d.RefundAmount, d.ShippingRefund)
	}
	if got, left := held(&c, "A"), money.Yuan(7000); got.Cmp(left) > 0 {
		t.Errorf("the case holds %v of line A, where only %v is left", got, left)
	}
	if _, fee := as.Holdings(&c); !fee {
		t.Error("the case does not hold the shipping fee it refunds")
	}
}

// Several YAML type errors each name the shape their key wants, separated.
func TestSeveralYAMLErrorsEachNameTheirShape(t *testing.T) {
	_, err := policy.Parse([]byte("version: x\nreapply_limit: y\n"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Count(msg, "expected a whole number") != 2 || !strings.Contains(msg, "; ") {
		t.Errorf("error %q: want both keys to expect a whole number, separated by \"; \"", msg)
	}
}

// A long condition in Chinese is cut short on a character boundary.
func TestLongConditionErrorStaysValidUTF8(t *testing.T) {
	_, err := mustEngine(t).Load([]byte(conditionDoc("1 \"" + strings.Repeat("衬衫", 60) + "\"")))
	if err == nil || !utf8.ValidString(err.Error()) {
		t.Errorf("error %v: want an error in valid UTF-8", err)
	}
}

// A condition of the wrong type names the type in words, not a protobuf name.
func TestTimestampConditionNamesTheTypeInWords(t *testing.T) {
	_, err := mustEngine(t).Load([]byte(conditionDoc("now")))
	if err == nil || strings.Contains(err.Error(), "google.protobuf") || !strings.Contains(err.Error(), "not a timestamp") {
		t.Errorf("error %v: want \"not a timestamp\"", err)
	}
}

// Shortening a window the law leaves without end says "no end", not "0s".
func TestFloorSaysNoEndForAnOpenEndedWindow(t *testing.T) {
	_, err := mustEngine(t).Load([]byte(`schema: aftersales.policy/v1
id: shop-a
version: 1
layer: merchant
merchant: shop-a
name: {zh: 店, en: Shop}
windows:
  - id: undelivered_refund
    name: {zh: 未收到货退款, en: refund for goods not received}
    types: [refund_only]
    reasons: [not_received, lost_parcel, abnormal_signoff, out_of_stock]
    from: purchase
    length: 1y
`))
	var fe *policy.FloorError
	if !errors.As(err, &fe) || !strings.Contains(fe.Message.EN, "no end") || !strings.Contains(fe.Message.ZH, "不设期限") {
		t.Errorf("error %v: want a floor error saying no end / 不设期限", err)
	}
}

// A fraction where a whole number belongs is refused, not truncated (rate_bp: 450.7).
func TestFractionsAreRefusedNotTruncated(t *testing.T) {
	for _, doc := range []string{"version: 1.5\n", "reapply_limit: 2.9\n", "compensation: {max_bp: 12.5}\n"} {
		_, err := policy.Parse([]byte("schema: aftersales.policy/v1\nid: m\nlayer: merchant\nmerchant: m1\nname: {zh: 商, en: M}\n" + doc))
		if err == nil || !strings.Contains(err.Error(), "not a whole number") {
			t.Errorf("%q: error %v, want \"not a whole number\"", doc, err)
		}
	}
}

// A policy written before the risk score was a number compares customer.risk with a
// level ("low"); stored versions of it must still load and mean the level: the instant
// approval holds for a low-risk customer and not for a high-risk one.
func TestARiskComparedWithALevelReadsTheLevel(t *testing.T) {
	e := mustEngine(t)
	doc := strings.Replace(shopDoc(`auto_approve: {instant: [{id: old_one_click, when: 'case.amount <= 20000 && customer.risk == "low"'}]}`+"\n"), "merchant: m1", "merchant: plain", 1)
	if _, err := e.Load([]byte(doc)); err != nil {
		t.Fatalf("the old comparison does not load: %v", err)
	}
	o := partlyRefundedOrder()
	for _, c := range []struct {
		risk  int
		level string
		want  bool
	}{{10, "low", true}, {80, "high", false}} {
		d, err := e.Evaluate(policy.Request{Order: o, Customer: policy.CustomerVars{ID: o.Customer, Risk: c.risk, RiskLevel: c.level},
			Type: as.ReturnRefund, Reason: as.NoReason, Items: []policy.RequestItem{{SKU: "B", Quantity: 1}},
			RefundMethod: as.RefundOriginal, At: signedAt.AddDate(0, 0, 2)})
		if err != nil || !d.Eligible {
			t.Fatalf("Evaluate: %v %+v", err, d.Refusals)
		}
		if d.AutoApprove != c.want {
			t.Errorf("risk %d (%s): instant approval %v, want %v", c.risk, c.level, d.AutoApprove, c.want)
		}
	}
}
