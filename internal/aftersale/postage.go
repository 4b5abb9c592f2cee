package aftersale

import "github.com/aftersales/aftersales/internal/money"

// Postage is the account of a customer's return postage when the merchant bears it: what
// the customer says they paid, the most the policy repays for that parcel, what the merchant
// took off at receipt, and what is repaid. Nothing is repaid when the customer bears the
// postage or no parcel was sent.
type Postage struct {
	Claimed    money.Amount `json:"claimed"`              // what the customer entered with the tracking number
	Cap        money.Amount `json:"cap"`                  // the policy's maximum for the parcel (首重 of the carrier)
	Reduction  money.Amount `json:"reduction"`            // taken off by the merchant at receipt
	Reason     string       `json:"reason,omitempty"`     // why the merchant reduced it
	MaxReduce  money.Amount `json:"max_reduction"`        // the most the merchant may take off
	Reimbursed bool         `json:"reimbursed,omitempty"` // the repayment has been made
	Due        money.Amount `json:"due"`                  // min(claimed, cap) − reduction
}

// ReturnPostage is the postage account of c under p; ok is false when the merchant does not
// bear the return postage or no return parcel has been sent.
func ReturnPostage(c *Case, p Policy) (Postage, bool) {
	if c.ReturnShippingPayer != PayerMerchant || c.ReturnShipment == nil {
		return Postage{}, false
	}
	cur := c.ItemsPaid.Currency
	claimed := money.New(max(c.ReturnShipment.Cost.Minor, 0), cur)
	limit := p.MaxReturnPostage(c, c.ReturnShipment.Carrier)
	capped := money.Max(money.Min(claimed, limit), money.New(0, cur))
	reduction := money.Min(c.PostageReduction, capped)
	return Postage{
		Claimed: claimed, Cap: limit, Reduction: reduction, Reason: c.PostageReductionReason,
		MaxReduce: money.Min(p.MaxPostageReduction(c, capped), capped), Reimbursed: c.ShippingReimbursed,
		Due: capped.MustSub(reduction),
	}, true
}
