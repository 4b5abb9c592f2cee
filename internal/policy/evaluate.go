package policy

import (
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

// Request is an application to judge: the apply body of the API with the order and the
// customer's facts filled in by the application layer.
type Request struct {
	Order           order.Order
	Customer        CustomerVars
	Type            aftersale.Type
	Reason          aftersale.Reason
	Items           []RequestItem
	Description     string
	HasEvidence     bool
	RefundMethod    aftersale.RefundMethod
	Channel         string
	RequestedAmount money.Amount // compensation: what the customer asks for
	At              time.Time
	// MerchantTier is the merchant's latest scorecard tier ("" none): order.merchant_tier.
	MerchantTier string
}

// RequestItem is a line and the units asked for.
type RequestItem struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// InputError is a request that cannot be judged at all (an unknown SKU, a quantity of
// zero): a field-level input problem, not a policy refusal.
type InputError struct {
	Field   string
	Message Text
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message.EN }

// Hit is a rule that took part in a decision.
type Hit struct {
	ID      string `json:"id"`
	Doc     string `json:"policy"`           // id@version of the layer it comes from
	Kind    string `json:"kind"`             // window | rule | quantity | shipping | shipping_fee | deduction | instant
	Outcome string `json:"outcome"`          // allow | refuse | apply
	Source  string `json:"source,omitempty"` // the law or seed document it comes from
}

// ItemDecision is the decision for one line.
type ItemDecision struct {
	SKU        string       `json:"sku"`
	Quantity   int          `json:"quantity"`
	PaidAmount money.Amount `json:"paid_amount"` // for these units, discounts prorated
	Refundable money.Amount `json:"refundable"`  // of that, what other cases have not taken
	Refund     money.Amount `json:"refund"`      // the part of the refund for these units
	Eligible   bool         `json:"eligible"`
	Window     string       `json:"window,omitempty"`
	ApplyBy    *time.Time   `json:"apply_by,omitempty"`
}

// DeadlineTerm is one deadline of the policy for this case: a due time when it starts now
// (the merchant's answer, the application window), or just its length.
type DeadlineTerm struct {
	Kind string     `json:"kind"`
	Due  *time.Time `json:"due_at,omitempty"`
	Span string     `json:"span,omitempty"`
}

// Refusal is one reason the application is not eligible.
type Refusal struct {
	Rule string `json:"rule"`
	SKU  string `json:"sku,omitempty"`
	Text Text   `json:"text"`
}

// Decision is Evaluate's answer.
type Decision struct {
	Eligible            bool            `json:"eligible"`
	Rules               []Hit           `json:"rules"`
	Refusals            []Refusal       `json:"refusals,omitempty"`
	Items               []ItemDecision  `json:"items"`
	ReturnShippingPayer aftersale.Payer `json:"return_shipping_payer"`
	ItemsPaid           money.Amount    `json:"items_paid"`
	ShippingRefund      money.Amount    `json:"shipping_refund"`
	Deductions          money.Amount    `json:"deductions"`
	RefundAmount        money.Amount    `json:"refund_amount"`
	InWarranty          bool            `json:"in_warranty"`
	AutoApprove         bool            `json:"auto_approve"`
	Deadlines           []DeadlineTerm  `json:"deadlines"`
	Explanation         Text            `json:"explanation"`
	PolicyVersion       string          `json:"policy_version"`

	windowNames []Text // of the deciding windows, for the explanation
}

// Evaluate judges an application under the policy in force at req.At for the order's
// merchant: whether it is eligible and by which rules, who pays return shipping, how much
// is refunded, every deadline, and an explanation a customer can read. Nothing is stored.
// Each item is judged under its category's layers; the case-level terms come from the
// category's layers when all items share one category, else from the merchant's.
func (e *Engine) Evaluate(req Request) (Decision, error) {
	if err := req.validate(); err != nil {
		return Decision{}, err
	}
	o := &req.Order
	cur := o.Currency
	zero := money.New(0, cur)
	category := ""
	for i, ri := range req.Items {
		it, _ := o.Item(ri.SKU)
		if i == 0 {
			category = it.Category
		} else if it.Category != category {
			category = ""
		}
	}
	r, err := e.Resolve(o.Merchant, category, req.At)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{
		Eligible: true, PolicyVersion: r.version, ItemsPaid: zero, ShippingRefund: zero,
		Deductions: zero, RefundAmount: zero, ReturnShippingPayer: aftersale.PayerNone,
		InWarranty: req.Type == aftersale.Repair,
	}
	v := newVars(&req)
	var applyBy *time.Time
	statutoryOpen := false // a locked window is open for some item: no deductions
	itemsRefund := zero
	available := zero
	for _, ri := range req.Items {
		it, _ := o.Item(ri.SKU)
		ir := r
		if it.Category != category {
			if ir, err = e.Resolve(o.Merchant, it.Category, req.At); err != nil {
				return Decision{}, err
			}
		}
		v.item = itemVars(it)
		id := ItemDecision{SKU: it.SKU, Quantity: ri.Quantity, Eligible: true}
		claimed := min(it.Claimed, it.Quantity)
		id.PaidAmount, _ = money.UnitsRange(it.PaidAmount, int64(it.Quantity), int64(claimed), int64(min(ri.Quantity, it.Quantity-claimed)))

		if left := it.Quantity - it.Claimed; ri.Quantity > left {
			id.Eligible = false
			d.refuse("quantity", "", "quantity", it.SKU, Text{
				ZH: fmt.Sprintf("商品 %s 只剩 %d 件可申请售后", it.SKU, max(left, 0)),
				EN: fmt.Sprintf("only %d unit(s) of %s are left to claim", max(left, 0), it.SKU),
			})
		}
		w := ir.judgeWindow(&req, it, v, &d, &id)
		if w.statutoryOpen {
			statutoryOpen = true
		}
		if w.end != nil && (applyBy == nil || w.end.Before(*applyBy)) {
			applyBy = w.end
		}
		ir.judgeRules(&req, it, v, &d, &id)
		if !id.Eligible {
			d.Eligible = false
		}
		d.ItemsPaid = d.ItemsPaid.MustAdd(id.PaidAmount)
		refundable := money.Max(money.Min(id.PaidAmount, it.Available()), zero)
		if req.Type == aftersale.Compensation {
			// A compensation may take at most its cap's share of the line.
			refundable = money.Min(refundable, id.PaidAmount.Percent(ir.compensationMaxBP))
		}
		id.Refundable = refundable
		available = available.MustAdd(refundable)
		if req.Type.RefundsMoney() && req.Type != aftersale.Compensation {
			id.Refund = refundable
			itemsRefund = itemsRefund.MustAdd(refundable)
		} else {
			id.Refund = zero
		}
		d.Items = append(d.Items, id)
	}
	first, _ := o.Item(req.Items[0].SKU)
	v.item = itemVars(first)

	d.ReturnShippingPayer = r.payer(&req, v, &d)
	switch req.Type {
	case aftersale.RefundOnly, aftersale.ReturnRefund:
		d.RefundAmount = itemsRefund
		if !o.ShippingRefunded && o.ShippingFee.Minor > 0 && r.shipFee != nil {
			if ok, _ := r.shipFee.eval(v); ok {
				d.ShippingRefund = o.ShippingFee
				d.RefundAmount = d.RefundAmount.MustAdd(o.ShippingFee)
				d.Rules = append(d.Rules, Hit{ID: "shipping_fee", Doc: r.version, Kind: "shipping_fee", Outcome: "apply"})
			}
		}
		if !statutoryOpen {
			r.deduct(v, &d, itemsRefund)
		}
	case aftersale.Compensation:
		limit := money.Min(d.ItemsPaid.Percent(r.compensationMaxBP), available)
		d.RefundAmount = money.Min(req.RequestedAmount, limit)
		if req.RequestedAmount.Cmp(limit) > 0 {
			d.Rules = append(d.Rules, Hit{ID: "compensation_cap", Doc: r.version, Kind: "rule", Outcome: "apply"})
		}
	}
	if d.Eligible {
		for _, x := range r.instant {
			if ok, _ := x.when.eval(v); ok {
				d.AutoApprove = true
				d.Rules = append(d.Rules, Hit{ID: x.ID, Doc: x.doc, Kind: "instant", Outcome: "apply", Source: x.Source})
				break
			}
		}
	}
	d.Deadlines = r.deadlineTerms(req.At, applyBy, v)
	d.Explanation = explain(&req, &d, applyBy, r.cal)
	return d, nil
}

// Terms fills what the decision decided into an opening of a case: the policy version, the
// items with their prorated paid amounts, what was paid and what is to be refunded, who pays
// the return shipping and whether a repair is in warranty.
func (d *Decision) Terms(o *aftersale.Opening) {
	o.PolicyVersion = d.PolicyVersion
	o.ItemsPaid = d.ItemsPaid
	o.RefundAmount = d.RefundAmount
	o.ShippingRefund = d.ShippingRefund
	o.ReturnShippingPayer = d.ReturnShippingPayer
	o.InWarranty = d.InWarranty
	o.Items = o.Items[:0]
	for _, it := range d.Items {
		o.Items = append(o.Items, aftersale.Item{SKU: it.SKU, Quantity: it.Quantity, PaidAmount: it.PaidAmount, Refundable: it.Refundable})
	}
}

func (req *Request) validate() error {
	bad := func(field, zh, en string) error { return &InputError{Field: field, Message: Text{ZH: zh, EN: en}} }
	switch {
	case !req.Type.Valid():
		return bad("type", "未知的售后类型", fmt.Sprintf("unknown case type %q", req.Type))
	case !req.Reason.Valid():
		return bad("reason", "未知的售后原因", fmt.Sprintf("unknown reason %q", req.Reason))
	case len(req.Items) == 0:
		return bad("items", "请选择至少一件商品", "at least one item is required")
	case len(req.Items) > len(req.Order.Items):
		return bad("items", "商品数量超过订单", "more items than the order has")
	case req.RefundMethod != "" && !req.RefundMethod.Valid():
		return bad("refund_method", "退款方式应为 original、balance 或 bank_card", "the refund method must be original, balance or bank_card")
	case req.At.IsZero():
		return bad("at", "缺少申请时间", "the application time is required")
	case req.Type == aftersale.Compensation && req.RequestedAmount.Minor <= 0:
		return bad("amount", "请填写希望补偿的金额", "compensation needs the amount asked for")
	case req.RequestedAmount.IsNegative() || !req.RequestedAmount.IsZero() && req.RequestedAmount.Currency != req.Order.Currency:
		return bad("amount", "金额无效或币种与订单不一致", "the amount must be positive and in the order's currency")
	case len(req.Description) > 4000:
		return bad("description", "描述不能超过 4000 字节", "the description is longer than 4000 bytes")
	}
	seen := map[string]bool{}
	for i, ri := range req.Items {
		f := fmt.Sprintf("items[%d]", i)
		if _, ok := req.Order.Item(ri.SKU); !ok {
			return bad(f+".sku", fmt.Sprintf("订单中没有商品 %q", ri.SKU), fmt.Sprintf("the order has no item %q", ri.SKU))
		}
		if seen[ri.SKU] {
			return bad(f+".sku", "同一商品只能出现一次", fmt.Sprintf("%q appears twice", ri.SKU))
		}
		seen[ri.SKU] = true
		if ri.Quantity < 1 {
			return bad(f+".quantity", "数量至少为 1", "the quantity must be at least 1")
		}
	}
	return nil
}

func (d *Decision) refuse(id, doc, kind, sku string, t Text) {
	d.Eligible = false
	d.Refusals = append(d.Refusals, Refusal{Rule: id, SKU: sku, Text: t})
	d.Rules = append(d.Rules, Hit{ID: id, Doc: doc, Kind: kind, Outcome: "refuse"})
}

func newVars(req *Request) *vars {
	o := &req.Order
	var total int64
	for _, it := range o.Items {
		total += it.PaidAmount.Minor
	}
	qty, whole := 0, len(req.Items) == len(o.Items)
	var amount int64
	for _, ri := range req.Items {
		qty += ri.Quantity
		if it, ok := o.Item(ri.SKU); ok {
			whole = whole && ri.Quantity == it.Quantity && it.Claimed == 0
			claimed := min(it.Claimed, it.Quantity)
			units, _ := money.UnitsRange(it.PaidAmount, int64(it.Quantity), int64(claimed), int64(min(ri.Quantity, it.Quantity-claimed)))
			amount += units.Minor
		}
	}
	cust := req.Customer
	if cust.RiskLevel == "" {
		cust.RiskLevel = RiskLevel(cust.Risk)
	}
	return &vars{
		order: &OrderVars{
			No: o.No, Merchant: o.Merchant, PaymentMethod: string(o.PaymentMethod), ShippingFee: o.ShippingFee.Minor,
			FreightInsurance: o.FreightInsurance, PaidAt: o.PaidAt, ShippedAt: o.ShippedAt, DeliveredAt: o.DeliveredAt,
			CompletedAt: o.CompletedAt, Shipped: o.Shipped(), Delivered: o.Delivered(), Completed: !o.CompletedAt.IsZero(),
			Lines: len(o.Items), Total: total, MerchantTier: req.MerchantTier,
		},
		kase: &CaseVars{
			Type: string(req.Type), Reason: string(req.Reason), Quantity: qty, Amount: amount,
			RequestedAmount: req.RequestedAmount.Minor, RefundMethod: string(req.RefundMethod), Channel: req.Channel,
			HasEvidence: req.HasEvidence, WholeOrder: whole, Description: req.Description,
		},
		customer: &cust,
		now:      req.At,
	}
}

func itemVars(it *order.Item) *ItemVars {
	return &ItemVars{
		SKU: it.SKU, Title: it.Title, Category: it.Category, Quantity: it.Quantity,
		UnitPrice: it.UnitPrice.Minor, PaidAmount: it.PaidAmount.Minor, Tags: it.Tags,
	}
}

// RiskLevel is the band of a risk score (customer.risk_level): low below 40, medium below
// 70, high from 70.
func RiskLevel(score int) string {
	switch {
	case score >= 70:
		return "high"
	case score >= 40:
		return "medium"
	}
	return "low"
}
