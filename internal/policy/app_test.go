package policy_test

// The application layer of the multi-case property (property_test.go): cases on one order,
// the order's holdings kept with aftersale.Holdings as internal/app keeps them, and the
// store's refusal of holdings above a line (store.AdjustHoldings, ErrExceeded).

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"pgregory.net/rapid"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// appCase is a case as the application keeps it, with the money its effects moved.
type appCase struct {
	c        as.Case
	p        *policy.Resolved
	decision policy.Decision
	paidOut  money.Amount // refund, compensation and price-difference movements
	charged  money.Amount
}

// app is the application layer of one order: its cases, and the order's holdings derived
// from them with aftersale.Holdings, as internal/app keeps them (store.AdjustHoldings).
type app struct {
	e     *policy.Engine
	order order.Order
	cases []*appCase
	now   time.Time
}

// holdings sums every case's holdings per line.
func holdings(o order.Order, cases []*appCase) (order.Order, bool) {
	out := o
	out.Items = slices.Clone(o.Items)
	out.ShippingRefunded = false
	for i := range out.Items {
		out.Items[i].Claimed, out.Items[i].Refunded, out.Items[i].Reserved = 0, money.Yuan(0), money.Yuan(0)
	}
	for _, ac := range cases {
		hs, ship := as.Holdings(&ac.c)
		out.ShippingRefunded = out.ShippingRefunded || ship
		for _, h := range hs {
			it, ok := out.Item(h.SKU)
			if !ok {
				panic("case line not on the order: " + h.SKU)
			}
			it.Claimed += h.Units
			it.Refunded = it.Refunded.MustAdd(h.Refunded)
			it.Reserved = it.Reserved.MustAdd(h.Reserved)
		}
	}
	return out, true
}

// exceeded says which line the store would refuse (ErrExceeded: a line above its
// quantity or paid amount), or "".
func exceeded(o order.Order) string {
	for _, it := range o.Items {
		switch {
		case it.Claimed < 0 || it.Claimed > it.Quantity:
			return fmt.Sprintf("%s: %d of %d units claimed", it.SKU, it.Claimed, it.Quantity)
		case it.Refunded.IsNegative() || it.Reserved.IsNegative():
			return fmt.Sprintf("%s: refunded %v, reserved %v", it.SKU, it.Refunded, it.Reserved)
		case it.Refunded.MustAdd(it.Reserved).Cmp(it.PaidAmount) > 0:
			return fmt.Sprintf("%s: refunded %v + reserved %v > paid %v", it.SKU, it.Refunded, it.Reserved, it.PaidAmount)
		}
	}
	return ""
}

// checkMoney is the invariant: no line is refunded more than was paid for it, and the order
// as a whole no more than its lines and its shipping fee, whatever the cases did.
func (a *app) checkMoney(t *rapid.T) {
	var paidAll, paidOut, overItems money.Amount
	for _, it := range a.order.Items {
		paidAll = paidAll.MustAdd(it.PaidAmount)
	}
	for i, ac := range a.cases {
		c := &ac.c
		if c.RefundedAmount != ac.paidOut || c.ChargedAmount != ac.charged {
			t.Fatalf("case %d: refunded %v and charged %v, but its effects paid %v and charged %v", i, c.RefundedAmount, c.ChargedAmount, ac.paidOut, ac.charged)
		}
		paidOut = paidOut.MustAdd(ac.paidOut)
		if over := ac.paidOut.MustSub(c.ItemsPaid); over.Minor > 0 {
			// Only the order's shipping fee may go back on top of the items.
			if over.Cmp(ac.decision.ShippingRefund) > 0 {
				t.Fatalf("case %d (%s) paid %v, more than its items %v and the shipping fee it was granted %v", i, c.Type, ac.paidOut, c.ItemsPaid, ac.decision.ShippingRefund)
			}
			overItems = overItems.MustAdd(over)
		}
	}
	if overItems.Cmp(a.order.ShippingFee) > 0 {
		t.Fatalf("the shipping fee %v went back %v", a.order.ShippingFee, overItems)
	}
	if limit := paidAll.MustAdd(a.order.ShippingFee); paidOut.Cmp(limit) > 0 {
		t.Fatalf("the order paid %v and %v shipping; its cases refunded %v", paidAll, a.order.ShippingFee, paidOut)
	}
	for _, it := range a.order.Items {
		if it.Refunded.Cmp(it.PaidAmount) > 0 {
			t.Fatalf("line %s: refunded %v of %v paid", it.SKU, it.Refunded, it.PaidAmount)
		}
	}
}

// commit stores the cases as they would be after a command, unless the store would refuse
// the new holdings. It returns the store's refusal, or "".
func (a *app) commit(cases []*appCase) string {
	o, _ := holdings(a.order, cases)
	if why := exceeded(o); why != "" {
		return why
	}
	a.order, a.cases = o, cases
	return ""
}

// apply judges a random application and opens a case when it is eligible.
func (a *app) apply(t *rapid.T) {
	o := &a.order
	ty := rapid.SampledFrom(as.Types).Draw(t, "type")
	var codes []as.Reason
	for _, r := range as.Reasons() {
		codes = append(codes, r.Code)
	}
	idx := rapid.SliceOfNDistinct(rapid.IntRange(0, len(o.Items)-1), 1, len(o.Items), rapid.ID[int]).Draw(t, "lines")
	req := policy.Request{
		Order: *o, Customer: policy.CustomerVars{ID: "c-1"}, Type: ty,
		Reason:       rapid.SampledFrom(codes).Draw(t, "reason"),
		HasEvidence:  rapid.Bool().Draw(t, "evidence"),
		RefundMethod: as.RefundOriginal, At: a.now,
		Description: "申请 application",
	}
	if o.PaymentMethod == order.CashOnDelivery {
		req.RefundMethod = as.RefundBalance // cash on delivery cannot be refunded the original way
	}
	var asked int64
	for _, i := range idx {
		it := o.Items[i]
		q := rapid.IntRange(1, it.Quantity+1).Draw(t, "units")
		req.Items = append(req.Items, policy.RequestItem{SKU: it.SKU, Quantity: q})
		asked += it.PaidAmount.Minor
	}
	if ty == as.Compensation {
		req.RequestedAmount = money.Yuan(rapid.Int64Range(1, max(asked, 1)).Draw(t, "requested"))
	}
	req.Order.Items = slices.Clone(o.Items)
	before := req.Order
	before.Items = slices.Clone(o.Items)

	d, err := a.e.Evaluate(req)
	again, err2 := a.e.Evaluate(req)
	if !reflect.DeepEqual(d, again) || fmt.Sprint(err) != fmt.Sprint(err2) {
		t.Fatalf("Evaluate is not deterministic:\n%+v %v\n%+v %v", d, err, again, err2)
	}
	if !reflect.DeepEqual(req.Order, before) {
		t.Fatal("Evaluate changed the order it was given")
	}
	if err != nil {
		var ie *policy.InputError
		if !errors.As(err, &ie) || ie.Message.EN == "" || ie.Message.ZH == "" {
			t.Fatalf("Evaluate: %v (%T), want an *InputError", err, err)
		}
		return
	}
	a.checkDecision(t, &req, &d)
	stats.add(fmt.Sprintf("apply %s eligible=%v", ty, d.Eligible))
	if !d.Eligible {
		return
	}
	p, err := a.e.ResolveVersion(d.PolicyVersion)
	if err != nil {
		t.Fatal(err)
	}
	op := as.Opening{
		ID: fmt.Sprintf("case-%d", len(a.cases)+1), Number: "RMA", OrderNo: o.No, MerchantID: o.Merchant, CustomerID: o.Customer,
		Actor: as.Actor{Role: as.Customer, ID: o.Customer}, Type: ty, Reason: req.Reason, RefundMethod: req.RefundMethod,
		Description: req.Description, PaymentMethod: string(o.PaymentMethod), OrderShipped: o.Shipped(),
		RequestedAmount: req.RequestedAmount,
	}
	d.Terms(&op)
	if req.HasEvidence {
		op.Evidence = []as.Evidence{{ID: "photo-1", Kind: "photo"}}
	}
	res, err := as.Open(op, a.now, p)
	if err != nil {
		t.Fatalf("Open of an eligible decision: %v", err)
	}
	zero := money.Yuan(0)
	ac := &appCase{c: res.Case, p: p, decision: d, paidOut: zero, charged: zero}
	if why := a.commit(append(slices.Clone(a.cases), ac)); why != "" {
		t.Fatalf("the store would refuse the eligible %s case %+v: %s", ty, ac.c.Items, why)
	}
}

// checkDecision checks what any decision promises.
func (a *app) checkDecision(t *rapid.T, req *policy.Request, d *policy.Decision) {
	if d.Explanation.ZH == "" || d.Explanation.EN == "" || d.PolicyVersion == "" {
		t.Fatalf("decision without explanation or version: %+v", d)
	}
	if !d.Eligible {
		if len(d.Refusals) == 0 {
			t.Fatalf("refused without a reason: %+v", d)
		}
		return
	}
	if len(d.Refusals) != 0 || len(d.Items) != len(req.Items) {
		t.Fatalf("eligible decision %+v", d)
	}
	sum, available := money.Yuan(0), money.Yuan(0)
	for i, id := range d.Items {
		it, _ := req.Order.Item(id.SKU)
		if id.SKU != req.Items[i].SKU || id.Quantity != req.Items[i].Quantity || !id.Eligible {
			t.Fatalf("item decision %+v for %+v", id, req.Items[i])
		}
		if id.Quantity > it.Quantity-it.Claimed {
			t.Fatalf("eligible for %d units of %s with %d of %d claimed", id.Quantity, it.SKU, it.Claimed, it.Quantity)
		}
		if id.PaidAmount.IsNegative() || id.PaidAmount.Cmp(it.PaidAmount) > 0 || id.Refund.IsNegative() || id.Refund.Cmp(id.PaidAmount) > 0 {
			t.Fatalf("item %s: paid %v, refund %v of a line of %v", id.SKU, id.PaidAmount, id.Refund, it.PaidAmount)
		}
		if id.Refund.Cmp(it.Available()) > 0 {
			t.Fatalf("item %s: refund %v but only %v is left of the line", id.SKU, id.Refund, it.Available())
		}
		sum = sum.MustAdd(id.PaidAmount)
		available = available.MustAdd(money.Max(money.Min(id.PaidAmount, it.Available()), money.Yuan(0)))
	}
	if sum != d.ItemsPaid {
		t.Fatalf("items paid %v, but the items add up to %v", d.ItemsPaid, sum)
	}
	if d.RefundAmount.IsNegative() || d.RefundAmount.Cmp(available.MustAdd(d.ShippingRefund)) > 0 {
		t.Fatalf("refund %v of items with %v left and shipping %v", d.RefundAmount, available, d.ShippingRefund)
	}
	if !d.ShippingRefund.IsZero() && (req.Order.ShippingRefunded || d.ShippingRefund != req.Order.ShippingFee) {
		t.Fatalf("shipping refund %v of a fee %v already refunded: %v", d.ShippingRefund, req.Order.ShippingFee, req.Order.ShippingRefunded)
	}
	if !req.Type.RefundsMoney() && !d.RefundAmount.IsZero() {
		t.Fatalf("a %s case refunds %v", req.Type, d.RefundAmount)
	}
}

// act takes a random allowed action, with valid fields, on a random open case.
func (a *app) act(t *rapid.T, timeout bool) {
	var open []int
	for i, ac := range a.cases {
		if !ac.c.State.Terminal() {
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		return
	}
	i := rapid.SampledFrom(open).Draw(t, "case")
	ac := a.cases[i]
	var cmd as.Command
	if timeout {
		var ok bool
		if cmd, ok = as.TimeoutAction(&ac.c, ac.p); !ok {
			return
		}
	} else {
		var ok bool
		if cmd, ok = drawCommand(t, &ac.c, ac.p); !ok {
			return
		}
	}
	res, err := as.Transition(ac.c, cmd, a.now, ac.p)
	if err != nil {
		t.Fatalf("%s by %s on a %s case in %s: %v", cmd.Action, cmd.Actor.Role, ac.c.Type, ac.c.State, err)
	}
	next := *ac
	next.c = res.Case
	for _, m := range res.Effects.Money {
		switch m.Kind {
		case as.MoveRefund, as.MoveCompensation, as.MovePriceDifference, as.MoveAdvance:
			next.paidOut = next.paidOut.MustAdd(m.Amount)
		case as.MoveCharge:
			next.charged = next.charged.MustAdd(m.Amount)
		}
	}
	stats.add(fmt.Sprintf("%s %s -%s/%s-> %s", ac.c.Type, ac.c.State, cmd.Action, cmd.Actor.Role, next.c.State))
	cases := slices.Clone(a.cases)
	cases[i] = &next
	if why := a.commit(cases); why != "" {
		t.Fatalf("the life cycle accepted %s by %s on a %s case in %s (%+v), but the store would refuse it: %s",
			cmd.Action, cmd.Actor.Role, ac.c.Type, ac.c.State, cmd, why)
	}
}

// drawCommand is an allowed action for some role with fields that pass its checks; actions
// that end the case are drawn less often, so that cases live to see their later states.
func drawCommand(t *rapid.T, c *as.Case, p as.Policy) (as.Command, bool) {
	type pair struct {
		role   as.Role
		action as.Action
	}
	var pairs, enders []pair
	for _, r := range as.Roles {
		for _, a := range as.Allowed(c, r, p) {
			if a == as.Offer && p.MaxCompensation(c).Minor < 1 {
				continue // nothing can be offered
			}
			if a == as.Cancel || a == as.Close || a == as.DeclineQuote || c.State == as.Disputed && a == as.Reject {
				enders = append(enders, pair{r, a})
			} else {
				pairs = append(pairs, pair{r, a})
			}
		}
	}
	if len(pairs) == 0 || rapid.IntRange(0, 7).Draw(t, "end") == 7 {
		pairs = append(pairs, enders...)
	}
	if len(pairs) == 0 {
		return as.Command{}, false
	}
	pr := rapid.SampledFrom(pairs).Draw(t, "action")
	cur := c.ItemsPaid.Currency
	amount := func(label string, lo, hi int64) *money.Amount {
		a := money.New(rapid.Int64Range(lo, max(lo, hi)).Draw(t, label), cur)
		return &a
	}
	cmd := as.Command{
		Action: pr.action, Actor: as.Actor{Role: pr.role, ID: string(pr.role) + "-1"}, Note: "理由 reason",
		Carrier: "SF Express", TrackingNo: "SF12345678", Cost: money.New(rapid.Int64Range(0, 1500).Draw(t, "postage"), cur),
		Inspection: as.InspectionPass,
	}
	due := c.RefundAmount.MustSub(c.RefundedAmount)
	switch pr.action {
	case as.ConfirmReceipt:
		if pr.role == as.System {
			break
		}
		if rapid.IntRange(0, 3).Draw(t, "inspection_fails") == 3 {
			cmd.Inspection = as.InspectionFail
		} else if c.Type == as.ReturnRefund {
			cmd.Deduction = *amount("deduction", 0, money.Min(p.MaxDeduction(c), due).Minor)
		}
	case as.Offer:
		cmd.Amount = amount("offer", 1, p.MaxCompensation(c).Minor)
	case as.Quote:
		cmd.Amount = amount("quote", 1, 50_000)
	case as.AdvancePay:
		room := c.Refundable().MustAdd(c.ShippingRefund).MustSub(c.RefundedAmount)
		cmd.Amount = amount("advance", 1, room.Minor)
	case as.Approve:
		if top := c.Refundable().MustAdd(c.ShippingRefund).Minor; c.State == as.Disputed && top >= max(c.RefundedAmount.Minor, 1) && rapid.Bool().Draw(t, "part") {
			lo := max(c.RefundedAmount.Minor, 1)
			cmd.Amount = amount("ruled", lo, top)
		}
	case as.ShipExchange:
		if rapid.Bool().Draw(t, "price_difference") {
			// At most what the line may still refund (other cases on it may have refunded
			// part of what was paid): the core refuses more, as the property wants.
			cmd.Amount = amount("difference", -c.Refundable().MustSub(c.RefundedAmount).Minor, 5_000)
		}
	}
	return cmd, true
}
