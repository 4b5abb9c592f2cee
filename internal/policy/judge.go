package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

// windowResult is what the windows say about one item.
type windowResult struct {
	end           *time.Time // when the decisive window closes; nil when unlimited or none
	statutoryOpen bool       // a locked (statutory) window is open
}

func (w *cWindow) applies(t aftersale.Type, reason aftersale.Reason) bool {
	return slices.Contains(w.Types, t) && (len(w.Reasons) == 0 || slices.Contains(w.Reasons, reason))
}

func inScope(types []aftersale.Type, reasons []aftersale.Reason, t aftersale.Type, reason aftersale.Reason) bool {
	return (len(types) == 0 || slices.Contains(types, t)) && (len(reasons) == 0 || slices.Contains(reasons, reason))
}

func eventTime(o *order.Order, ev Event) time.Time {
	switch ev {
	case FromSigned:
		return o.DeliveredAt
	case FromShipment:
		return o.ShippedAt
	}
	return o.PaidAt
}

// judgeWindow finds the windows that let this item be applied for now. The most generous
// open window decides; if none is open, the item is refused with the window that closed
// last (or the one not yet started, or "no window").
func (r *Resolved) judgeWindow(req *Request, it *order.Item, v *vars, d *Decision, id *ItemDecision) windowResult {
	var (
		res                windowResult
		best, closed       *cWindow
		bestEnd, closedEnd *time.Time
		bestOpen           bool
		notStarted         *cWindow
	)
	for _, w := range r.windows {
		if !w.applies(req.Type, req.Reason) {
			continue
		}
		if ok, err := w.when.eval(v); !ok {
			if err != nil {
				d.Rules = append(d.Rules, Hit{ID: w.ID, Doc: w.doc, Kind: "window", Outcome: "error", Source: err.Error()})
			}
			continue
		}
		start := eventTime(&req.Order, w.From)
		if start.IsZero() {
			notStarted = w
			continue
		}
		var end *time.Time
		if !w.Length.IsZero() {
			e := r.cal.Add(start, w.Length)
			end = &e
		}
		if end == nil || req.At.Before(*end) {
			if !bestOpen || bestEnd != nil && (end == nil || end.After(*bestEnd)) {
				best, bestEnd, bestOpen = w, end, true
			}
			continue
		}
		if closed == nil || end.After(*closedEnd) {
			closed, closedEnd = w, end
		}
	}
	res.statutoryOpen = r.statutoryOpen(req, v)
	if req.Type == aftersale.Repair && !bestOpen && closed != nil && r.outOfWarranty == "paid" {
		// Out of warranty: a paid repair by quote (SPEC §2).
		d.InWarranty = false
		d.Rules = append(d.Rules, Hit{ID: closed.ID, Doc: closed.doc, Kind: "window", Outcome: "out_of_warranty", Source: closed.Source})
		return res
	}
	switch {
	case bestOpen:
		id.Window = best.ID
		id.ApplyBy = bestEnd
		res.end = bestEnd
		if !slices.Contains(d.windowNames, best.Name) {
			d.windowNames = append(d.windowNames, best.Name)
		}
		d.Rules = append(d.Rules, Hit{ID: best.ID, Doc: best.doc, Kind: "window", Outcome: "allow", Source: best.Source})
	case closed != nil:
		id.Eligible = false
		id.ApplyBy = closedEnd
		d.refuse(closed.ID, closed.doc, "window", it.SKU, Text{
			ZH: fmt.Sprintf("已超过“%s”的申请期限(%s截止)", closed.Name.ZH, formatTime(*closedEnd, r.cal, "zh")),
			EN: fmt.Sprintf("the period for %s ended on %s", closed.Name.EN, formatTime(*closedEnd, r.cal, "en")),
		})
		d.Rules[len(d.Rules)-1].Source = closed.Source
	case notStarted != nil:
		id.Eligible = false
		d.refuse(notStarted.ID, notStarted.doc, "window", it.SKU, Text{
			ZH: fmt.Sprintf("“%s”自%s起算,订单尚未到此节点", notStarted.Name.ZH, eventLabel(notStarted.From).ZH),
			EN: fmt.Sprintf("%s counts from %s, which has not happened yet", notStarted.Name.EN, eventLabel(notStarted.From).EN),
		})
	default:
		id.Eligible = false
		d.refuse("no_window", "", "window", it.SKU, Text{
			ZH: fmt.Sprintf("政策不支持以“%s”为由申请%s", req.Reason.Info().Label.ZH, req.Type.Label().ZH),
			EN: fmt.Sprintf("the policy does not offer %s for the reason %q", req.Type.Label().EN, req.Reason.Info().Label.EN),
		})
	}
	return res
}

// statutoryOpen reports whether one of the law's own windows, as the floor states it, is
// open for this application: then the refund is the law's, and nothing may be deducted.
func (r *Resolved) statutoryOpen(req *Request, v *vars) bool {
	for _, w := range r.floorWindows {
		if !w.applies(req.Type, req.Reason) {
			continue
		}
		if ok, _ := w.when.eval(v); !ok {
			continue
		}
		start := eventTime(&req.Order, w.From)
		if !start.IsZero() && (w.Length.IsZero() || req.At.Before(r.cal.Add(start, w.Length))) {
			return true
		}
	}
	return false
}

// judgeRules applies the exclusions and conditions to one item. A rule with a statutory
// ground applies only to items that carry the ground's tag.
func (r *Resolved) judgeRules(req *Request, it *order.Item, v *vars, d *Decision, id *ItemDecision) {
	for _, x := range r.rules {
		if !inScope(x.Types, x.Reasons, req.Type, req.Reason) {
			continue
		}
		if x.Ground != "" && !it.HasTag(groundTag(x.Ground)) {
			continue
		}
		ok, err := x.when.eval(v)
		if err != nil {
			d.Rules = append(d.Rules, Hit{ID: x.ID, Doc: x.doc, Kind: "rule", Outcome: "error", Source: err.Error()})
		}
		if !ok || x.Effect == RequireEvidence && req.HasEvidence {
			continue
		}
		id.Eligible = false
		d.refuse(x.ID, x.doc, "rule", it.SKU, x.Explain)
		d.Rules[len(d.Rules)-1].Source = x.Source
	}
}

// payer decides who pays the return shipping: the floor's locked rules, then the most
// specific layer's rules first; the merchant when nothing matches. Freight insurance
// covers what the customer would pay.
func (r *Resolved) payer(req *Request, v *vars, d *Decision) aftersale.Payer {
	if !req.Type.ReturnsGoods() {
		return aftersale.PayerNone
	}
	p := aftersale.PayerMerchant
	for _, s := range r.shipping {
		if !inScope(s.Types, s.Reasons, req.Type, req.Reason) {
			continue
		}
		if ok, _ := s.when.eval(v); ok {
			p = s.Payer
			d.Rules = append(d.Rules, Hit{ID: s.ID, Doc: s.doc, Kind: "shipping", Outcome: string(s.Payer), Source: s.Source})
			break
		}
	}
	if p == aftersale.PayerCustomer && req.Order.FreightInsurance {
		d.Rules = append(d.Rules, Hit{ID: "freight_insurance", Doc: r.version, Kind: "shipping", Outcome: string(aftersale.PayerInsurance)})
		return aftersale.PayerInsurance
	}
	return p
}

// deduct takes the policy's deductions off the refund of base.
func (r *Resolved) deduct(v *vars, d *Decision, base money.Amount) {
	for _, x := range r.deductions {
		if ok, _ := x.when.eval(v); !ok {
			continue
		}
		amt := base.Percent(x.RateBP)
		d.Deductions = d.Deductions.MustAdd(amt)
		d.RefundAmount = money.Max(d.RefundAmount.MustSub(amt), money.New(0, base.Currency))
		d.Rules = append(d.Rules, Hit{ID: x.ID, Doc: x.doc, Kind: "deduction", Outcome: "apply", Source: x.Source})
	}
}

var deadlineKinds = aftersale.DeadlineKinds()

// deadlineTerms lists every deadline: the application window's end, the merchant's answer
// due now, and the length of each later wait.
func (r *Resolved) deadlineTerms(at time.Time, applyBy *time.Time, v *vars) []DeadlineTerm {
	var out []DeadlineTerm
	dv := &deadlineVars{
		order: &DeadlineOrderVars{No: v.order.No, Merchant: v.order.Merchant, PaymentMethod: v.order.PaymentMethod, Shipped: v.order.Shipped, MerchantTier: v.order.MerchantTier},
		kase: &DeadlineCaseVars{Type: v.kase.Type, Reason: v.kase.Reason, Quantity: v.kase.Quantity, Amount: v.kase.Amount,
			RequestedAmount: v.kase.RequestedAmount, RefundMethod: v.kase.RefundMethod, Channel: v.kase.Channel, HasEvidence: v.kase.HasEvidence},
		now: at,
	}
	if applyBy != nil {
		t := *applyBy
		out = append(out, DeadlineTerm{Kind: "apply_by", Due: &t})
	}
	for _, k := range deadlineKinds {
		term := DeadlineTerm{Kind: string(k), Span: r.deadlineSpan(k, dv).String()}
		if k == aftersale.MerchantResponse {
			due := r.due(k, dv, at, time.Time{})
			term.Due = &due
		}
		out = append(out, term)
	}
	return out
}
