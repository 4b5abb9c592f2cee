package policy

import (
	"fmt"
	"github.com/aftersales/aftersales/internal/logistics"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/money"
)

// Resolved is the effective policy of one chain of layers (floor → platform → merchant →
// category): what Evaluate decides with, and what the case life cycle asks for deadlines
// and limits. It implements aftersale.Policy. It is immutable and shared.
type Resolved struct {
	version string
	cal     *calendar.Calendar

	windows []*cWindow
	// floorWindows are the statutory floor's locked windows as the law states them, even
	// where a layer restates one more generously: they say when a refund is the law's own.
	floorWindows []*cWindow
	rules        []*cRule
	shipping     []*cShipping // locked rules first, then the latest layer's first
	deductions   []*cDeduction
	shipFee      *condition
	instant      []*cInstant
	deadlines    map[aftersale.DeadlineKind][]cDeadline
	limits       []DeadlineLimit

	slaTargets    []*slaTarget // the most specific layer's first
	slaWarningBP  int64
	slaEscalation []string

	reapplyLimit      int
	maxFailedRepairs  int
	outOfWarranty     string
	compensationMaxBP int64
	inspectionMaxBP   int64
	postageMax        int64
	postageCarriers   map[string]int64 // keys in upper case
	postageReduceBP   int64
	onSilence         bool

	evidenceSpan   calendar.Span
	loseByDefault  []dispute.Category
	advanceAfter   calendar.Span
	standards      []dispute.Standard
	complaintTiers map[int]ComplaintTier
	logistics      logistics.Terms
}

var _ aftersale.Policy = (*Resolved)(nil)

// Version is the chain's identity, stored with each case: "statutory@1+seed-platform@3+…".
func (r *Resolved) Version() string { return r.version }

// merge folds a chain of layers into one effective policy: a later layer's item with the
// same id replaces an earlier one; disable removes items of earlier layers (the floor's
// locked items cannot be removed, which Load has already checked).
func merge(version string, cal *calendar.Calendar, chain []*compiled) (*Resolved, error) {
	r := &Resolved{
		version: version, cal: cal,
		deadlines:     map[aftersale.DeadlineKind][]cDeadline{},
		outOfWarranty: "paid", maxFailedRepairs: 2, onSilence: true,
		postageMax: DefaultReturnPostageMax, postageCarriers: map[string]int64{},
		evidenceSpan: DefaultEvidenceDeadline, complaintTiers: map[int]ComplaintTier{}, logistics: logistics.DefaultTerms,
	}
	var layerShipping [][]*cShipping
	var layerSLA [][]*slaTarget
	r.slaWarningBP = 8000
	for _, c := range chain {
		d := c.doc
		for _, id := range d.Disable {
			r.windows = slices.DeleteFunc(r.windows, func(w *cWindow) bool { return w.ID == id && !w.Locked })
			r.rules = slices.DeleteFunc(r.rules, func(x *cRule) bool { return x.ID == id })
			r.deductions = slices.DeleteFunc(r.deductions, func(x *cDeduction) bool { return x.ID == id })
			r.instant = slices.DeleteFunc(r.instant, func(x *cInstant) bool { return x.ID == id })
			for i := range layerShipping {
				layerShipping[i] = slices.DeleteFunc(layerShipping[i], func(x *cShipping) bool { return x.ID == id && !x.Locked })
			}
		}
		for _, w := range c.windows {
			r.windows = replaceOrAppend(r.windows, w, func(x *cWindow) bool { return x.ID == w.ID })
			if w.Locked {
				r.floorWindows = append(r.floorWindows, w)
			}
		}
		for _, x := range c.rules {
			r.rules = replaceOrAppend(r.rules, x, func(y *cRule) bool { return y.ID == x.ID })
		}
		for _, x := range c.deductions {
			r.deductions = replaceOrAppend(r.deductions, x, func(y *cDeduction) bool { return y.ID == x.ID })
		}
		for _, x := range c.instant {
			r.instant = replaceOrAppend(r.instant, x, func(y *cInstant) bool { return y.ID == x.ID })
		}
		layerShipping = append(layerShipping, slices.Clone(c.shipping))
		if c.shipFee != nil {
			r.shipFee = c.shipFee
		}
		for k, opts := range c.deadlines {
			r.deadlines[k] = opts
		}
		r.limits = append(r.limits, d.DeadlineLimits...)
		if d.ReapplyLimit != nil {
			r.reapplyLimit = *d.ReapplyLimit
		}
		r.mergeDisputes(d)
		if d.MaxFailedRepairs != nil {
			r.maxFailedRepairs = *d.MaxFailedRepairs
		}
		if d.Repair != nil {
			r.outOfWarranty = d.Repair.OutOfWarranty
		}
		if d.Compensation != nil {
			r.compensationMaxBP = d.Compensation.MaxBP
		}
		if d.Refund != nil && d.Refund.MaxInspectionDeductionBP != nil {
			r.inspectionMaxBP = *d.Refund.MaxInspectionDeductionBP
		}
		if pt := d.ReturnPostage; pt != nil {
			if pt.Max != nil {
				r.postageMax = *pt.Max
			}
			for carrier, v := range pt.Carriers {
				r.postageCarriers[carrierKey(carrier)] = v
			}
			if pt.MaxReductionBP != nil {
				r.postageReduceBP = *pt.MaxReductionBP
			}
		}
		if d.AutoApprove != nil && d.AutoApprove.OnMerchantSilence != nil {
			r.onSilence = *d.AutoApprove.OnMerchantSilence
		}
		if t := d.SLA; t != nil {
			if t.WarningBP != nil {
				r.slaWarningBP = *t.WarningBP
			}
			if t.Escalation != nil {
				r.slaEscalation = t.Escalation
			}
			var l []*slaTarget
			for i := range t.Targets {
				l = append(l, &slaTarget{&t.Targets[i], d.Key()})
			}
			layerSLA = append(layerSLA, l)
		}
	}
	// Shipping: the floor's locked rules first, then the latest layer's rules first.
	for _, l := range layerShipping {
		for _, s := range l {
			if s.Locked {
				r.shipping = append(r.shipping, s)
			}
		}
	}
	for i := len(layerShipping) - 1; i >= 0; i-- {
		for _, s := range layerShipping[i] {
			if !s.Locked {
				r.shipping = append(r.shipping, s)
			}
		}
	}
	for i := len(layerSLA) - 1; i >= 0; i-- {
		r.slaTargets = append(r.slaTargets, layerSLA[i]...)
	}
	for _, k := range aftersale.DeadlineKinds() {
		if len(r.deadlines[k]) == 0 {
			return nil, fmt.Errorf("policy %s has no deadline for %s: every waiting state needs one", version, k)
		}
	}
	return r, nil
}

func replaceOrAppend[T any](list []T, x T, same func(T) bool) []T {
	if i := slices.IndexFunc(list, same); i >= 0 {
		list = slices.Clone(list)
		list[i] = x
		return list
	}
	return append(list, x)
}

// Deadline implements aftersale.Policy: the first alternative whose condition holds for
// the case, counted on the business calendar from now, and never later than the floor's
// limit for that kind.
func (r *Resolved) Deadline(c *aftersale.Case, k aftersale.DeadlineKind, now time.Time) (time.Time, bool) {
	opts := r.deadlines[k]
	if len(opts) == 0 {
		return time.Time{}, false
	}
	return r.due(k, caseDeadlineVars(c, now), now, c.ReceivedAt), true
}

// due counts a deadline of kind k from now on the business calendar, never later than the
// floor's limit for the kind. A limit counted from receipt (the refund within 7 days of
// the merchant receiving the goods) starts at received when the goods have arrived.
func (r *Resolved) due(k aftersale.DeadlineKind, v *deadlineVars, now, received time.Time) time.Time {
	due := r.cal.Add(now, r.deadlineSpan(k, v))
	for _, lim := range r.limits {
		if lim.Kind != k || len(lim.Reasons) > 0 && !slices.Contains(lim.Reasons, aftersale.Reason(v.kase.Reason)) {
			continue
		}
		from := now
		if lim.From == LimitFromReceipt && !received.IsZero() {
			from = received
		}
		if max := r.cal.Add(from, lim.Span); max.Before(due) {
			due = max
		}
	}
	return due
}

// deadlineSpan is the span of the first alternative whose condition holds.
func (r *Resolved) deadlineSpan(k aftersale.DeadlineKind, v *deadlineVars) calendar.Span {
	opts := r.deadlines[k]
	for _, o := range opts {
		if len(o.Reasons) > 0 && !slices.Contains(o.Reasons, aftersale.Reason(v.kase.Reason)) {
			continue
		}
		if ok, _ := o.when.eval(v); ok {
			return o.Span
		}
	}
	return opts[len(opts)-1].Span
}

// caseDeadlineVars gives deadline conditions what a stored case knows.
func caseDeadlineVars(c *aftersale.Case, now time.Time) *deadlineVars {
	qty := 0
	for _, it := range c.Items {
		qty += it.Quantity
	}
	return &deadlineVars{
		order: &DeadlineOrderVars{No: c.OrderNo, Merchant: c.MerchantID, PaymentMethod: c.PaymentMethod, Shipped: c.OrderShipped, MerchantTier: c.MerchantTier},
		kase: &DeadlineCaseVars{
			Type: string(c.Type), Reason: string(c.Reason), Quantity: qty, Amount: c.ItemsPaid.Minor,
			RequestedAmount: c.RequestedAmount.Minor, RefundMethod: string(c.RefundMethod), Channel: c.Channel,
			HasEvidence: len(c.Evidence) > 0,
		},
		now: now,
	}
}

// ReapplyLimit implements aftersale.Policy.
func (r *Resolved) ReapplyLimit(*aftersale.Case) int { return r.reapplyLimit }

// MaxFailedRepairs implements aftersale.Policy.
func (r *Resolved) MaxFailedRepairs(*aftersale.Case) int { return r.maxFailedRepairs }

// AutoApproveOnSilence implements aftersale.Policy.
func (r *Resolved) AutoApproveOnSilence(*aftersale.Case) bool { return r.onSilence }

// MaxDeduction implements aftersale.Policy.
func (r *Resolved) MaxDeduction(c *aftersale.Case) money.Amount {
	return c.ItemsPaid.Percent(r.inspectionMaxBP)
}

// MaxCompensation implements aftersale.Policy.
func (r *Resolved) MaxCompensation(c *aftersale.Case) money.Amount {
	return money.Min(c.ItemsPaid.Percent(r.compensationMaxBP), c.Refundable().MustSub(c.RefundedAmount))
}

// DefaultReturnPostageMax is what a merchant repays at most for one return parcel when no
// layer says (¥20.00: an express parcel's first weight, 首重, within China).
const DefaultReturnPostageMax = 2000

func carrierKey(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// MaxReturnPostage implements aftersale.Policy: the carrier's first-weight rate when a layer
// lists the carrier, else the maximum per parcel.
func (r *Resolved) MaxReturnPostage(c *aftersale.Case, carrier string) money.Amount {
	v, ok := r.postageCarriers[carrierKey(carrier)]
	if !ok {
		v = r.postageMax
	}
	return money.New(v, c.ItemsPaid.Currency)
}

// MaxPostageReduction implements aftersale.Policy.
func (r *Resolved) MaxPostageReduction(_ *aftersale.Case, claim money.Amount) money.Amount {
	return claim.Percent(r.postageReduceBP)
}

type slaTarget struct {
	*SLATarget
	doc string
}

// SLA returns the service targets that apply to a case — the first target of the most
// specific layer that matches its type, priority and channel — with the warning share and
// what a breach causes; ok is false when no policy layer sets targets for it.
func (r *Resolved) SLA(c *aftersale.Case) (t SLATarget, warningBP int64, escalation []string, ok bool) {
	for _, x := range r.slaTargets {
		if (len(x.Types) == 0 || slices.Contains(x.Types, c.Type)) &&
			(len(x.Priorities) == 0 || slices.Contains(x.Priorities, c.Priority)) &&
			(len(x.Channels) == 0 || slices.Contains(x.Channels, c.Channel)) {
			return *x.SLATarget, r.slaWarningBP, r.slaEscalation, true
		}
	}
	return SLATarget{}, 0, nil, false
}

// DefaultEvidenceDeadline is how long a side has to submit evidence in a dispute when no
// layer says.
var DefaultEvidenceDeadline = calendar.Span{N: 3, Unit: calendar.WorkingDay}

// mergeDisputes folds a layer's disputes and complaints sections in.
func (r *Resolved) mergeDisputes(d *Document) {
	if t := d.Disputes; t != nil {
		if !t.EvidenceDeadline.IsZero() {
			r.evidenceSpan = t.EvidenceDeadline
		}
		if t.LoseByDefault != nil {
			r.loseByDefault = slices.Clone(*t.LoseByDefault)
		}
		if t.AdvanceAfter != nil {
			r.advanceAfter = *t.AdvanceAfter
		}
		for _, s := range t.Standards {
			r.standards = replaceOrAppend(r.standards, s, func(x dispute.Standard) bool { return x.Code == s.Code })
		}
	}
	if t := d.Complaints; t != nil {
		for _, x := range t.Tiers {
			r.complaintTiers[x.Tier] = x
		}
	}
	if t := d.Logistics; t != nil {
		if t.StaleAfter != nil {
			r.logistics.StaleAfter, _ = spanDuration(*t.StaleAfter)
		}
		if t.Exceptions != nil {
			r.logistics.Enabled = slices.Clone(*t.Exceptions)
		}
	}
}

// LogisticsTerms are the parcel exception rules in force.
func (r *Resolved) LogisticsTerms() logistics.Terms {
	t := r.logistics
	t.Enabled = slices.Clone(t.Enabled)
	return t
}

// spanDuration is a span of clock time as a duration; ok is false for spans of the
// calendar (working days, business hours, months, years).
func spanDuration(s calendar.Span) (time.Duration, bool) {
	switch s.Unit {
	case calendar.Second:
		return time.Duration(s.N) * time.Second, true
	case calendar.Minute:
		return time.Duration(s.N) * time.Minute, true
	case calendar.Hour:
		return time.Duration(s.N) * time.Hour, true
	case calendar.Day:
		return time.Duration(s.N) * 24 * time.Hour, true
	}
	return 0, false
}

// Standards is the compensation standard table in force.
func (r *Resolved) Standards() []dispute.Standard { return slices.Clone(r.standards) }

// DisputeTerms is what the dispute process asks of the policy.
func (r *Resolved) DisputeTerms() dispute.Terms { return disputeTerms{r} }

type disputeTerms struct{ r *Resolved }

func (t disputeTerms) EvidenceDue(now time.Time) time.Time { return t.r.cal.Add(now, t.r.evidenceSpan) }

func (t disputeTerms) LosesByDefault(c dispute.Category) bool {
	return slices.Contains(t.r.loseByDefault, c)
}

func (t disputeTerms) AdvanceDue(now time.Time) (time.Time, bool) {
	if t.r.advanceAfter.IsZero() {
		return time.Time{}, false
	}
	return t.r.cal.Add(now, t.r.advanceAfter), true
}

func (t disputeTerms) Standard(code string) (dispute.Standard, bool) {
	i := slices.IndexFunc(t.r.standards, func(s dispute.Standard) bool { return s.Code == code })
	if i < 0 {
		return dispute.Standard{}, false
	}
	return t.r.standards[i], true
}

// ComplaintTerms is what complaints ask of the policy: each tier's targets on the
// business calendar.
func (r *Resolved) ComplaintTerms() complaint.Terms { return complaintTerms{r} }

// ComplaintTiers lists the tiers' targets in force, by tier.
func (r *Resolved) ComplaintTiers() []ComplaintTier {
	var out []ComplaintTier
	for tier := 1; tier <= complaint.TopTier; tier++ {
		if x, ok := r.complaintTiers[tier]; ok {
			out = append(out, x)
		}
	}
	return out
}

type complaintTerms struct{ r *Resolved }

func (t complaintTerms) Due(tier int, target complaint.Target, since time.Time) (time.Time, bool) {
	x, ok := t.r.complaintTiers[tier]
	if !ok {
		return time.Time{}, false
	}
	if target == complaint.FirstResponse {
		return t.r.cal.Add(since, x.FirstResponse), true
	}
	return t.r.cal.Add(since, x.Resolution), true
}
