package aftersale

import (
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// Opening is an application that the policy found eligible, with the terms it decided.
// The application layer fills it from the order, the request and policy.Evaluate.
type Opening struct {
	ID         string
	Number     string
	OrderNo    string
	MerchantID string
	CustomerID string
	Actor      Actor // the customer, an agent entering a phone or e-mail request, or the system (a recall plan)

	Type         Type
	Reason       Reason
	Items        []Item
	Description  string
	Evidence     []Evidence
	RefundMethod RefundMethod
	Channel      string
	Priority     Priority // normal when empty

	PaymentMethod string
	OrderShipped  bool
	MerchantTier  string // the merchant's scorecard tier (Case.MerchantTier)

	PolicyVersion       string
	ItemsPaid           money.Amount
	RefundAmount        money.Amount
	ShippingRefund      money.Amount
	RequestedAmount     money.Amount
	ReturnShippingPayer Payer
	InWarranty          bool
}

// Open creates a case in state Requested, version 1, with its first history event and the
// merchant's response deadline.
func Open(o Opening, now time.Time, p Policy) (Result, error) {
	if o.Priority == "" {
		o.Priority = PriorityNormal
	}
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	cur := o.ItemsPaid.Currency
	zero := money.New(0, cur)
	items := append([]Item(nil), o.Items...)
	for i := range items {
		if items[i].Refundable.Currency == "" {
			items[i].Refundable = items[i].PaidAmount
		}
	}
	c := Case{
		ID: o.ID, Number: o.Number, OrderNo: o.OrderNo, MerchantID: o.MerchantID, CustomerID: o.CustomerID,
		Type: o.Type, Reason: o.Reason, State: Requested, Version: 1,
		Items: items, Description: strings.TrimSpace(o.Description),
		Evidence: append([]Evidence(nil), o.Evidence...), RefundMethod: o.RefundMethod, Channel: o.Channel,
		PaymentMethod: o.PaymentMethod, OrderShipped: o.OrderShipped, MerchantTier: o.MerchantTier,
		PolicyVersion: o.PolicyVersion, ItemsPaid: o.ItemsPaid,
		RefundAmount: orZero(o.RefundAmount, cur), ShippingRefund: orZero(o.ShippingRefund, cur),
		RefundedAmount: zero, ChargedAmount: zero,
		RequestedAmount: orZero(o.RequestedAmount, cur), Quote: zero, Offer: zero,
		ReturnShippingPayer: o.ReturnShippingPayer, InWarranty: o.InWarranty, Applications: 1,
		RefundsUnits: o.Type == RefundOnly || o.Type == ReturnRefund,
		Priority:     o.Priority, Tier: 1,
		CreatedAt: now, UpdatedAt: now,
	}
	var fx Effects
	if due, ok := p.Deadline(&c, MerchantResponse, now); ok {
		d := Deadline{Kind: MerchantResponse, Due: due}
		c.Deadlines = []Deadline{d}
		fx.SetDeadlines = []Deadline{d}
	}
	fx.Messages = []Message{{Template: "case." + string(Apply), To: []Role{Merchant}}}
	ev := Event{
		Seq: 1, Action: Apply, Actor: o.Actor, To: Requested, At: now,
		Note: c.Description, Evidence: c.Evidence, PolicyVersion: o.PolicyVersion,
	}
	return Result{Case: c, Event: ev, Effects: fx}, nil
}

func orZero(a money.Amount, cur money.Currency) money.Amount {
	if a.IsZero() {
		return money.New(0, cur)
	}
	return a
}

func (o *Opening) validate() error {
	switch {
	case !o.Type.Valid():
		return invalid("type", "未知的售后类型", fmt.Sprintf("unknown case type %q", o.Type))
	case !o.Reason.Valid():
		return invalid("reason", "未知的售后原因", fmt.Sprintf("unknown reason %q", o.Reason))
	case len(o.Items) == 0:
		return invalid("items", "请选择至少一件商品", "at least one item is required")
	case !o.RefundMethod.Valid():
		return invalid("refund_method", "退款方式应为 original、balance 或 bank_card", "the refund method must be original, balance or bank_card")
	case o.RefundMethod == RefundOriginal && o.PaymentMethod == "cod":
		return invalid("refund_method", "货到付款的订单不能原路退回,请选择退至余额或银行卡", "a cash-on-delivery order cannot be refunded the original way: choose balance or bank_card")
	case o.Actor.Role != Customer && o.Actor.Role != Agent && o.Actor.Role != Supervisor && o.Actor.Role != System:
		// System: the platform on the customer's behalf (a recall plan opens the cases of a
		// recalled product); the application layer lets no integration apply.
		return invalid("actor", "只有买家、客服或平台可以提交申请", "only a customer, or an agent or the platform on a customer's behalf, may apply")
	case !o.ItemsPaid.Currency.Valid():
		return invalid("currency", "未知币种", fmt.Sprintf("unknown currency %q", o.ItemsPaid.Currency))
	case !o.Priority.Valid():
		return invalid("priority", "优先级应为 low、normal、high 或 urgent", "the priority must be low, normal, high or urgent")
	case o.RefundAmount.IsNegative() || o.ShippingRefund.IsNegative() || o.ShippingRefund.Cmp(o.RefundAmount) > 0:
		return invalid("refund_amount", "退款金额不能为负数", "the refund amount cannot be negative or less than its shipping part")
	}
	cur := o.ItemsPaid.Currency
	for field, a := range map[string]money.Amount{"refund_amount": o.RefundAmount, "shipping_refund": o.ShippingRefund, "requested_amount": o.RequestedAmount} {
		if !a.IsZero() && a.Currency != cur {
			return invalid(field, "币种与订单不一致", fmt.Sprintf("the currency differs from the items' (%s)", cur))
		}
	}
	var paid int64
	for i, it := range o.Items {
		f := fmt.Sprintf("items[%d]", i)
		switch {
		case it.SKU == "" || it.Quantity <= 0:
			return invalid(f, "商品和数量必须有效", "each item needs a SKU and a quantity of at least 1")
		case it.PaidAmount.Currency != cur || it.Refundable.Currency != "" && it.Refundable.Currency != cur:
			return invalid(f, "币种与订单不一致", fmt.Sprintf("the currency differs from the items' (%s)", cur))
		case it.PaidAmount.IsNegative() || it.Refundable.IsNegative() || it.Refundable.Cmp(it.PaidAmount) > 0:
			return invalid(f, "金额无效", "paid and refundable amounts must be ≥ 0, refundable no more than paid")
		}
		paid += it.PaidAmount.Minor
	}
	if paid != o.ItemsPaid.Minor {
		return invalid("items_paid", "商品实付金额合计不符", "the items' paid amounts do not add up to items_paid")
	}
	return nil
}
