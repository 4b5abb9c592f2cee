package aftersale

import "github.com/aftersales/aftersales/internal/money"

// Holding is what a case holds of one order line in its current state: units it claims
// (so that no other case can claim them), money already paid back for the line, and money
// promised but not yet paid. The application keeps the sum of holdings of all cases on each
// order line and the store refuses a sum above the line's quantity or paid amount, so that
// no line is ever refunded more than was paid for it, whatever the cases do.
type Holding struct {
	SKU      string
	Units    int
	Refunded money.Amount
	Reserved money.Amount
}

// Holdings returns the case's holding of each of its lines. An open case claims its units
// (except compensation, which returns nothing) and reserves all it may pay back; a completed
// case whose solution was money for the units keeps claiming them; a case that ended
// otherwise releases them. Money for the items (the refund less the order's shipping fee)
// is attributed to lines in order, each up to what the case may take from it (Refundable),
// so that no line's refunded plus reserved ever exceeds what was left of it.
// ShippingFee reports whether the case holds the order's shipping fee (refunds more than
// the items' value while open or after paying it).
func Holdings(c *Case) (hs []Holding, shippingFee bool) {
	open := !c.State.Terminal()
	zero := money.New(0, c.ItemsPaid.Currency)
	limit := c.Refundable()
	// The order's shipping fee is part of RefundAmount but not money of any line.
	items := func(x money.Amount) money.Amount {
		return money.Min(money.Max(x.MustSub(c.ShippingRefund), zero), limit)
	}
	paidBack := items(c.RefundedAmount)
	// An open case reserves the most it could ever pay back (a ruling may turn an exchange
	// into a refund, an offer may rise to its cap), so that no later transition can need
	// money another case took meanwhile; an ended case keeps what it paid.
	promised := limit
	if !open {
		promised = paidBack
	}
	hs = make([]Holding, len(c.Items))
	for i, it := range c.Items {
		h := Holding{SKU: it.SKU, Refunded: zero, Reserved: zero}
		if c.Type != Compensation && (open || c.State == Completed && c.RefundsUnits) {
			h.Units = it.Quantity
		}
		h.Refunded = money.Min(paidBack, it.Refundable)
		paidBack = paidBack.MustSub(h.Refunded)
		total := money.Min(promised, it.Refundable)
		promised = promised.MustSub(total)
		h.Reserved = total.MustSub(h.Refunded)
		hs[i] = h
	}
	paidAll := c.RefundedAmount.Minor > 0 && c.RefundedAmount.Cmp(c.RefundAmount) >= 0
	shippingFee = c.ShippingRefund.Minor > 0 && (open || paidAll)
	return hs, shippingFee
}
