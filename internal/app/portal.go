package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
)

// OrderOptions is what may be applied for on an order now (the customer portal's order
// page): for each line and each case type, the reasons the policy accepts, or — when it
// accepts none — the policy's own words for why not.
type OrderOptions struct {
	Order OrderView     `json:"order"`
	Items []ItemOptions `json:"items"`
}

// ItemOptions is one line: how many units are left to claim and what each type allows.
type ItemOptions struct {
	SKU   string       `json:"sku"`
	Left  int          `json:"left" jsonschema:"description=units not yet claimed by a case"`
	Types []TypeOption `json:"types"`
}

// TypeOption is one case type for a line: the reasons that are accepted now, or why none is.
type TypeOption struct {
	Type     aftersale.Type `json:"type"`
	Label    Text           `json:"label"`
	Reasons  []ReasonOption `json:"reasons"`
	Refusals []Text         `json:"refusals,omitempty" jsonschema:"description=when no reason is accepted: the policy's refusal texts"`
	// Unavailable are the reasons not accepted now, each with the policy's words.
	Unavailable []ReasonRefusal `json:"unavailable,omitempty"`
}

// ReasonRefusal is a reason the policy does not accept now for a type, and why.
type ReasonRefusal struct {
	Reason aftersale.Reason `json:"reason"`
	Label  Text             `json:"label"`
	Texts  []Text           `json:"texts"`
}

// Allowed reports whether some reason is accepted.
func (t TypeOption) Allowed() bool { return len(t.Reasons) > 0 }

// ReasonOption is an accepted reason; NeedsEvidence when the policy asks for a photo or
// video with it.
type ReasonOption struct {
	Reason        aftersale.Reason `json:"reason"`
	Label         Text             `json:"label"`
	NeedsEvidence bool             `json:"needs_evidence"`
}

// OrderOptions judges, for every line of an order the principal may apply on, one unit of
// each type with each reason under the policy in force now — dry runs, nothing stored.
func (a *App) OrderOptions(ctx context.Context, p Principal, orderNo string) (*OrderOptions, error) {
	if err := authorize(p, opEvaluate, nil, ""); err != nil {
		return nil, err
	}
	var o order.Order
	now := a.now()
	// What the policy reads besides the order, as an application would give it: the
	// merchant's tier and the customer's risk (a risky account's "not received" claim needs
	// evidence; the form says so before it is sent, never why).
	var tier string
	var customer policy.CustomerVars
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		o, err = tx.Order(ctx, orderNo, false)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("order")
		} else if err != nil {
			return err
		}
		if err := authorize(p, opEvaluate, &owner{o.Merchant, o.Customer}, "order"); err != nil {
			return err
		}
		var score risk.Score
		var watched bool
		if tier, score, watched, err = a.applicant(ctx, tx, &o, now); err != nil {
			return err
		}
		customer = policy.CustomerVars{ID: o.Customer}
		setRisk(&customer, score, watched)
		return nil
	})
	if err != nil {
		return nil, fromCore(err)
	}
	out := &OrderOptions{Order: *orderView(&o), Items: []ItemOptions{}}
	for _, it := range o.Items {
		io := ItemOptions{SKU: it.SKU, Left: max(it.Quantity-it.Claimed, 0), Types: []TypeOption{}}
		if io.Left > 0 {
			for _, t := range aftersale.Types {
				io.Types = append(io.Types, a.typeOption(&o, it.SKU, t, tier, customer, now))
			}
		}
		out.Items = append(out.Items, io)
	}
	return out, nil
}

// typeOption judges one unit of line sku for type t with every reason, for the customer of
// the merchant of tier.
func (a *App) typeOption(o *order.Order, sku string, t aftersale.Type, tier string, customer policy.CustomerVars, now time.Time) TypeOption {
	opt := TypeOption{Type: t, Label: t.Label(), Reasons: []ReasonOption{}}
	for _, r := range aftersale.Reasons() {
		if r.Code == aftersale.ProductRecall {
			continue // a recall plan opens its cases itself (plans_recall.go)
		}
		req := policy.Request{Order: *o, Customer: customer, Type: t, Reason: r.Code, MerchantTier: tier,
			Items: []policy.RequestItem{{SKU: sku, Quantity: 1}}, RefundMethod: aftersale.RefundOriginal, Channel: "web", At: now}
		if it, ok := o.Item(sku); ok && t == aftersale.Compensation {
			req.RequestedAmount = it.PaidAmount // any positive ask: the cap is the policy's
		}
		d, err := a.engine.Evaluate(req)
		if err != nil {
			continue
		}
		needs := false
		if !d.Eligible {
			req.HasEvidence = true
			withEvidence, err := a.engine.Evaluate(req)
			if err != nil || !withEvidence.Eligible {
				rr := ReasonRefusal{Reason: r.Code, Label: r.Label}
				for _, ref := range d.Refusals {
					if !slices.Contains(opt.Refusals, ref.Text) {
						opt.Refusals = append(opt.Refusals, ref.Text)
					}
					if !slices.Contains(rr.Texts, ref.Text) {
						rr.Texts = append(rr.Texts, ref.Text)
					}
				}
				opt.Unavailable = append(opt.Unavailable, rr)
				continue
			}
			needs = true
		}
		opt.Reasons = append(opt.Reasons, ReasonOption{Reason: r.Code, Label: r.Label, NeedsEvidence: needs})
	}
	if len(opt.Reasons) > 0 {
		opt.Refusals = nil
	}
	return opt
}
