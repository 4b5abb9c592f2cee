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
// (except compensation, which returns nothing) and reserves the refund due; a completed
// case whose solution was money for the units keeps claiming them; a case that ended
// otherwise releases them. Money is attributed to lines in order, each up to what was paid
// for it, so that a line's refunded plus reserved never exceeds its paid amount.
// ShippingFee reports whether the case holds the order's shipping fee (refunds more than
// the items' value while open or after paying it).
func Holdings(c *Case) (hs []Holding, shippingFee bool) {
	open := !c.State.Terminal()
	zero := money.New(0, c.ItemsPaid.Currency)
	paidBack := money.Min(c.RefundedAmount, c.ItemsPaid)
	promised := money.Min(money.Max(c.RefundAmount, c.RefundedAmount), c.ItemsPaid)
	if !open {
		promised = paidBack
	}
	hs = make([]Holding, len(c.Items))
	for i, it := range c.Items {
		h := Holding{SKU: it.SKU, Refunded: zero, Reserved: zero}
		if c.Type != Compensation && (open || c.State == Completed && c.RefundsUnits) {
			h.Units = it.Quantity
		}
		h.Refunded = money.Min(paidBack, it.PaidAmount)
		paidBack = paidBack.MustSub(h.Refunded)
		total := money.Min(promised, it.PaidAmount)
		promised = promised.MustSub(total)
		h.Reserved = total.MustSub(h.Refunded)
		hs[i] = h
	}
	over := c.RefundAmount.Cmp(c.ItemsPaid) > 0
	shippingFee = over && (open || c.RefundedAmount.Cmp(c.ItemsPaid) > 0)
	return hs, shippingFee
}
