package aftersale_test

// Generators of the life-cycle walk (property_test.go): a fixed policy with random limits,
// the engine's real policies, openings, commands valid and broken, and the field checks a
// command must pass as the rules state them.

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/policy"
)

// fixedPolicy is a small aftersale.Policy with limits drawn at random. Deadlines are plain
// durations; a kind missing from spans has no deadline.
type fixedPolicy struct {
	spans           map[as.DeadlineKind]time.Duration
	reapply         int
	maxFailed       int
	autoApprove     bool
	deductionBP     int64
	compensationBP  int64
	postageMax      int64
	postageReduceBP int64
}

func (p *fixedPolicy) Deadline(_ *as.Case, k as.DeadlineKind, now time.Time) (time.Time, bool) {
	d, ok := p.spans[k]
	return now.Add(d), ok
}
func (p *fixedPolicy) ReapplyLimit(*as.Case) int          { return p.reapply }
func (p *fixedPolicy) MaxFailedRepairs(*as.Case) int      { return p.maxFailed }
func (p *fixedPolicy) AutoApproveOnSilence(*as.Case) bool { return p.autoApprove }
func (p *fixedPolicy) MaxDeduction(c *as.Case) money.Amount {
	return c.ItemsPaid.Percent(p.deductionBP)
}
func (p *fixedPolicy) MaxCompensation(c *as.Case) money.Amount {
	return c.ItemsPaid.Percent(p.compensationBP)
}
func (p *fixedPolicy) MaxReturnPostage(c *as.Case, _ string) money.Amount {
	return money.New(p.postageMax, c.ItemsPaid.Currency)
}
func (p *fixedPolicy) MaxPostageReduction(_ *as.Case, claim money.Amount) money.Amount {
	return claim.Percent(p.postageReduceBP)
}

func drawFixedPolicy(t *rapid.T) *fixedPolicy {
	p := &fixedPolicy{
		spans:           map[as.DeadlineKind]time.Duration{},
		reapply:         rapid.IntRange(0, 3).Draw(t, "reapply_limit"),
		maxFailed:       rapid.IntRange(1, 3).Draw(t, "max_failed_repairs"),
		autoApprove:     rapid.Bool().Draw(t, "auto_approve"),
		deductionBP:     rapid.Int64Range(0, 10000).Draw(t, "deduction_bp"),
		compensationBP:  rapid.Int64Range(0, 10000).Draw(t, "compensation_bp"),
		postageMax:      rapid.Int64Range(0, 5000).Draw(t, "postage_max"),
		postageReduceBP: rapid.Int64Range(0, 10000).Draw(t, "postage_reduction_bp"),
	}
	for _, k := range as.DeadlineKinds() {
		if rapid.IntRange(0, 4).Draw(t, "has_"+string(k)) > 0 {
			p.spans[k] = time.Duration(rapid.IntRange(1, 30*24).Draw(t, "hours_"+string(k))) * time.Hour
		}
	}
	return p
}

const strictMerchant = `
schema: aftersales.policy/v1
id: strict-shop
version: 1
layer: merchant
merchant: strict
name: {zh: 严格商家, en: Strict shop}
reapply_limit: 0
max_failed_repairs: 1
compensation: {max_bp: 10000}
refund: {max_inspection_deduction_bp: 5000}
auto_approve: {on_merchant_silence: false}
`

var testNow = time.Date(2026, 3, 10, 15, 4, 5, 0, calendar.Default().Location())

// realPolicies are the engine's resolved policies: the seed platform rules alone, and with a
// strict merchant layer (no re-application, no auto-approval, one failed repair).
var realPolicies = sync.OnceValues(func() ([]*policy.Resolved, error) {
	e, err := policy.New(calendar.Default())
	if err != nil {
		return nil, err
	}
	seed, err := policy.Preset("seed-platform")
	if err != nil {
		return nil, err
	}
	if _, err := e.Load(seed); err != nil {
		return nil, err
	}
	if _, err := e.Load([]byte(strictMerchant)); err != nil {
		return nil, err
	}
	var out []*policy.Resolved
	for _, m := range []string{"plain", "strict"} {
		r, err := e.Resolve(m, "", testNow)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
})

func mustRealPolicies(t testing.TB) []*policy.Resolved {
	t.Helper()
	ps, err := realPolicies()
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// drawOpening is an application the policy found eligible, with random terms.
func drawOpening(t *rapid.T, version string) as.Opening {
	cur := rapid.SampledFrom([]money.Currency{money.CNY, money.CNY, money.CNY, "USD"}).Draw(t, "currency")
	ty := rapid.SampledFrom(as.Types).Draw(t, "type")
	var codes []as.Reason
	for _, r := range as.Reasons() {
		codes = append(codes, r.Code)
	}
	n := rapid.IntRange(1, 3).Draw(t, "lines")
	var items []as.Item
	paid := money.New(0, cur)
	for i := range n {
		it := as.Item{
			SKU:        fmt.Sprintf("SKU-%d", i),
			Quantity:   rapid.IntRange(1, 5).Draw(t, "qty"),
			PaidAmount: money.New(rapid.Int64Range(0, 500_000).Draw(t, "paid"), cur),
		}
		paid = paid.MustAdd(it.PaidAmount)
		items = append(items, it)
	}
	o := as.Opening{
		ID: "case-1", Number: "RMA-1", OrderNo: "O-1", MerchantID: "m-1", CustomerID: "c-1",
		Actor: as.Actor{Role: rapid.SampledFrom([]as.Role{as.Customer, as.Agent, as.Supervisor}).Draw(t, "applicant"), ID: "c-1"},
		Type:  ty, Reason: rapid.SampledFrom(codes).Draw(t, "reason"), Items: items,
		Description:   rapid.SampledFrom([]string{"", "  坏了  ", "broken"}).Draw(t, "description"),
		RefundMethod:  rapid.SampledFrom([]as.RefundMethod{as.RefundOriginal, as.RefundBalance, as.RefundBankCard}).Draw(t, "refund_method"),
		PaymentMethod: rapid.SampledFrom([]string{"online", "cod"}).Draw(t, "payment_method"),
		OrderShipped:  rapid.Bool().Draw(t, "shipped"),
		PolicyVersion: version,
		ItemsPaid:     paid,
		ReturnShippingPayer: rapid.SampledFrom([]as.Payer{
			as.PayerCustomer, as.PayerMerchant, as.PayerInsurance, as.PayerNone,
		}).Draw(t, "payer"),
		InWarranty: rapid.Bool().Draw(t, "in_warranty"),
	}
	if o.PaymentMethod == "cod" && o.RefundMethod == as.RefundOriginal {
		o.RefundMethod = as.RefundBalance // cash paid at the door has no way back
	}
	if rapid.Bool().Draw(t, "has_evidence") {
		o.Evidence = []as.Evidence{{ID: "ev-0", Kind: "photo"}}
	}
	switch ty {
	case as.RefundOnly, as.ReturnRefund:
		// The items, perhaps plus the order's shipping fee, perhaps less deductions.
		o.RefundAmount = money.New(rapid.Int64Range(0, paid.Minor+2000).Draw(t, "refund"), cur)
	case as.Compensation:
		o.RequestedAmount = money.New(rapid.Int64Range(1, paid.Minor+1).Draw(t, "requested"), cur)
		o.RefundAmount = money.Min(o.RequestedAmount, paid)
	}
	return o
}

// refundBound is the most a case may ever pay back (rules.go): what the policy decided at
// opening, or the items' paid amount (a ruling or a choice of return after failed repairs).
func refundBound(o as.Opening) money.Amount {
	return money.Max(orZero(o.RefundAmount, o.ItemsPaid.Currency), o.ItemsPaid)
}

func orZero(a money.Amount, c money.Currency) money.Amount {
	if a.IsZero() {
		return money.New(0, c)
	}
	return a
}

// drawAmount is an amount in [lo, hi] of currency c (lo when hi < lo).
func drawAmount(t *rapid.T, label string, lo, hi int64, c money.Currency) money.Amount {
	if hi < lo {
		hi = lo
	}
	return money.New(rapid.Int64Range(lo, hi).Draw(t, label), c)
}

func due(c *as.Case) money.Amount { return c.RefundAmount.MustSub(c.RefundedAmount) }

// validCommand fills every field action might check with a value that passes.
func validCommand(t *rapid.T, c *as.Case, a as.Action, role as.Role, p as.Policy) as.Command {
	cur := c.ItemsPaid.Currency
	cmd := as.Command{
		Action: a, Actor: as.Actor{Role: role, ID: string(role) + "-1"},
		Note:       "理由 reason",
		Carrier:    "SF Express",
		TrackingNo: "SF" + fmt.Sprint(rapid.IntRange(100000, 999999999).Draw(t, "tracking")),
		Cost:       drawAmount(t, "cost", 0, 2000, cur),
		Inspection: as.InspectionPass,
	}
	if rapid.Bool().Draw(t, "with_evidence") {
		cmd.Evidence = []as.Evidence{{ID: fmt.Sprintf("ev-%d", c.Version), Kind: "photo"}}
	}
	switch a {
	case as.Refund:
		if rapid.Bool().Draw(t, "state_amount") {
			d := due(c)
			cmd.Amount = &d
		}
	case as.Offer:
		amt := drawAmount(t, "offer", 1, p.MaxCompensation(c).Minor, cur)
		cmd.Amount = &amt
	case as.Quote:
		amt := drawAmount(t, "quote", 1, 100_000, cur)
		cmd.Amount = &amt
	case as.AdvancePay:
		room := c.Refundable().MustAdd(c.ShippingRefund).MustSub(c.RefundedAmount)
		amt := drawAmount(t, "advance", 1, room.Minor, cur)
		cmd.Amount = &amt
	case as.Approve:
		if top := c.Refundable().MustAdd(c.ShippingRefund).Minor; c.State == as.Disputed && top >= max(c.RefundedAmount.Minor, 1) && rapid.Bool().Draw(t, "part") {
			lo := max(c.RefundedAmount.Minor, 1)
			amt := drawAmount(t, "ruled", lo, top, cur)
			cmd.Amount = &amt
		}
	case as.ShipExchange:
		if rapid.Bool().Draw(t, "price_difference") {
			left := c.ItemsPaid.MustSub(c.RefundedAmount).Minor
			amt := drawAmount(t, "difference", -max(left, 0), 5000, cur)
			cmd.Amount = &amt
		}
	case as.ConfirmReceipt:
		if c.Type == as.ReturnRefund && rapid.Bool().Draw(t, "deduct") {
			cmd.Deduction = drawAmount(t, "deduction", 0, money.Min(p.MaxDeduction(c), due(c)).Minor, cur)
		}
		if acct, ok := as.ReturnPostage(c, p); ok && role != as.System && acct.Claimed.Minor > 0 && rapid.Bool().Draw(t, "reduce_postage") {
			cmd.PostageReduction = drawAmount(t, "postage_reduction", 0, acct.MaxReduce.Minor, cur)
		}
	}
	return cmd
}

// corruptions break one field of a command; whether that makes it invalid depends on the
// action, the role and the case, which is for expectedProblem to say.
var corruptions = map[string]func(t *rapid.T, c *as.Case, cmd *as.Command){
	"blank_note":       func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Note = "  \n" },
	"no_note_evidence": func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Note, cmd.Evidence = "", nil },
	"no_carrier":       func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Carrier = " " },
	"long_carrier":     func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Carrier = strings.Repeat("顺", 22) },
	"bad_tracking": func(t *rapid.T, _ *as.Case, cmd *as.Command) {
		cmd.TrackingNo = rapid.SampledFrom([]string{"", "12345", "SF 123456", "SF_123456", strings.Repeat("9", 41), "顺丰123456"}).Draw(t, "bad_tracking")
	},
	"negative_cost": func(_ *rapid.T, c *as.Case, cmd *as.Command) { cmd.Cost = money.New(-1, c.ItemsPaid.Currency) },
	// The attack of issue 17: a postage of 2^63−1000 was reimbursed in full.
	"huge_cost": func(_ *rapid.T, c *as.Case, cmd *as.Command) {
		cmd.Cost = money.New(9223372036854775000, c.ItemsPaid.Currency)
	},
	"big_postage_reduction": func(_ *rapid.T, c *as.Case, cmd *as.Command) {
		cmd.PostageReduction = money.New(2001, c.ItemsPaid.Currency) // above any drawn claim
		if c.ReturnShipment != nil {
			cmd.PostageReduction = c.ReturnShipment.Cost.MustAdd(money.New(1, c.ItemsPaid.Currency))
		}
	},
	"postage_reduction_without_note": func(t *rapid.T, c *as.Case, cmd *as.Command) {
		cmd.PostageReduction, cmd.Note = money.New(1, c.ItemsPaid.Currency), ""
	},
	"foreign_cost":   func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Cost = money.New(500, "EUR") },
	"no_inspection":  func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Inspection = "" },
	"odd_inspection": func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Inspection = "maybe" },
	"fail_inspection": func(t *rapid.T, _ *as.Case, cmd *as.Command) {
		cmd.Inspection = as.InspectionFail
		if rapid.Bool().Draw(t, "fail_without_note") {
			cmd.Note = ""
		}
	},
	"big_deduction": func(_ *rapid.T, c *as.Case, cmd *as.Command) {
		cmd.Deduction = c.ItemsPaid.MustAdd(money.New(1, c.ItemsPaid.Currency))
	},
	"negative_deduction": func(_ *rapid.T, c *as.Case, cmd *as.Command) { cmd.Deduction = money.New(-10, c.ItemsPaid.Currency) },
	"foreign_deduction":  func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Deduction = money.New(1, "EUR") },
	"no_amount":          func(_ *rapid.T, _ *as.Case, cmd *as.Command) { cmd.Amount = nil },
	"zero_amount": func(_ *rapid.T, c *as.Case, cmd *as.Command) {
		z := money.New(0, c.ItemsPaid.Currency)
		cmd.Amount = &z
	},
	"negative_amount": func(t *rapid.T, c *as.Case, cmd *as.Command) {
		a := drawAmount(t, "negative", -1_000_000, -1, c.ItemsPaid.Currency)
		cmd.Amount = &a
	},
	"big_amount": func(t *rapid.T, c *as.Case, cmd *as.Command) {
		a := c.ItemsPaid.MustAdd(drawAmount(t, "extra", 1, 100_000, c.ItemsPaid.Currency))
		cmd.Amount = &a
	},
	"foreign_amount": func(_ *rapid.T, _ *as.Case, cmd *as.Command) {
		a := money.New(100, "EUR")
		cmd.Amount = &a
	},
	"off_by_one_refund": func(_ *rapid.T, c *as.Case, cmd *as.Command) {
		a := due(c).MustAdd(money.New(1, c.ItemsPaid.Currency))
		cmd.Amount = &a
	},
}

var corruptionNames = func() []string {
	var ns []string
	for n := range corruptions {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}()

func validParcel(c *as.Case, cmd *as.Command) string {
	if strings.TrimSpace(cmd.Carrier) == "" || len(cmd.Carrier) > 64 {
		return "carrier"
	}
	if n := len(cmd.TrackingNo); n < 6 || n > 40 || strings.IndexFunc(cmd.TrackingNo, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-')
	}) >= 0 {
		return "tracking_no"
	}
	if cmd.Cost.IsNegative() || !cmd.Cost.IsZero() && cmd.Cost.Currency != c.ItemsPaid.Currency {
		return "cost"
	}
	return ""
}

// expectedProblem is the field checks of the life cycle as the rules say them (rules.go and
// the table's check column): the field a command for an allowed action gets wrong first,
// or "" when it is valid.
func expectedProblem(c *as.Case, cmd *as.Command, p as.Policy) string {
	// Amounts beyond money.Limit are refused whatever the action.
	for _, f := range []struct {
		name string
		a    money.Amount
	}{{"cost", cmd.Cost}, {"deduction", cmd.Deduction}, {"postage_reduction", cmd.PostageReduction}} {
		if !f.a.InRange() {
			return f.name
		}
	}
	if cmd.Amount != nil && !cmd.Amount.InRange() {
		return "amount"
	}
	role := cmd.Actor.Role
	blank := strings.TrimSpace(cmd.Note) == ""
	cur := c.ItemsPaid.Currency
	positive := func() string {
		if cmd.Amount == nil || cmd.Amount.Minor <= 0 || cmd.Amount.Currency != cur {
			return "amount"
		}
		return ""
	}
	switch cmd.Action {
	case as.Reject, as.RequestInfo, as.RepairFailed:
		if blank {
			return "note"
		}
	case as.Approve:
		if c.State == as.Disputed && blank { // a ruling explains itself
			return "note"
		}
		if a := cmd.Amount; c.State == as.Disputed && a != nil { // part of the refund
			if f := positive(); f != "" {
				return f
			}
			if a.Cmp(c.Refundable().MustAdd(c.ShippingRefund)) > 0 || a.Cmp(c.RefundedAmount) < 0 {
				return "amount"
			}
		}
	case as.AdvancePay:
		if f := positive(); f != "" {
			return f
		}
		if cmd.Amount.Cmp(c.Refundable().MustAdd(c.ShippingRefund).MustSub(c.RefundedAmount)) > 0 {
			return "amount"
		}
		if role != as.System && blank {
			return "note"
		}
	case as.Escalate:
		// A customer says why she escalates, except when choosing after failed repairs.
		if role == as.Customer && blank {
			return "note"
		}
	case as.ProvideInfo:
		if blank && len(cmd.Evidence) == 0 {
			return "note"
		}
	case as.ShipBack, as.RepairDone, as.ShipReship:
		return validParcel(c, cmd)
	case as.ShipExchange:
		if f := validParcel(c, cmd); f != "" {
			return f
		}
		if a := cmd.Amount; a != nil {
			left := c.ItemsPaid.MustSub(c.RefundedAmount)
			if !a.IsZero() && a.Currency != cur || a.IsNegative() && a.Abs().Cmp(left) > 0 {
				return "amount"
			}
		}
	case as.ConfirmReceipt:
		if role == as.System { // the timeout passes the goods, and never deducts
			if cmd.Inspection == as.InspectionFail || !cmd.Deduction.IsZero() || !cmd.PostageReduction.IsZero() {
				return "inspection"
			}
			return ""
		}
		switch {
		case cmd.Inspection != as.InspectionPass && cmd.Inspection != as.InspectionFail:
			return "inspection"
		case cmd.Inspection == as.InspectionFail && blank:
			return "note"
		}
		// A merchant may dispute the return postage claim: within the policy, with a reason.
		if r := cmd.PostageReduction; !r.IsZero() {
			acct, ok := as.ReturnPostage(c, p)
			switch {
			case !ok || acct.Claimed.IsZero() || r.IsNegative() || r.Cmp(acct.MaxReduce) > 0:
				return "postage_reduction"
			case blank:
				return "note"
			case r.Currency != cur:
				return "postage_reduction"
			}
		}
		switch {
		case cmd.Deduction.IsZero():
			return ""
		case cmd.Inspection != as.InspectionPass || c.Type != as.ReturnRefund || cmd.Deduction.IsNegative(),
			cmd.Deduction.Cmp(money.Min(p.MaxDeduction(c), due(c))) > 0,
			cmd.Deduction.Currency != cur:
			return "deduction"
		}
	case as.Refund:
		if cmd.Amount != nil && *cmd.Amount != due(c) {
			return "amount"
		}
	case as.Offer:
		if f := positive(); f != "" {
			return f
		}
		if cmd.Amount.Cmp(p.MaxCompensation(c)) > 0 {
			return "amount"
		}
	case as.Quote:
		return positive()
	}
	return ""
}

// drawCommand draws the next command: mostly an action allowed to someone (valid, or with a
// broken field), sometimes any action by any role, sometimes the timeout. Rapid favours
// small numbers, so the commonest choice comes first.
func drawCommand(t *rapid.T, w *walk) as.Command {
	c := &w.c
	switch k := rapid.IntRange(0, 19).Draw(t, "kind"); {
	case k >= 17: // the timeout
		if cmd, ok := as.TimeoutAction(c, w.p); ok {
			return cmd
		}
	case k >= 12: // anything by anyone
		role := rapid.SampledFrom(allRoles).Draw(t, "role")
		a := rapid.SampledFrom(allActions).Draw(t, "action")
		cmd := validCommand(t, c, a, role, w.p)
		if rapid.Bool().Draw(t, "corrupt") {
			corruptions[rapid.SampledFrom(corruptionNames).Draw(t, "corruption")](t, c, &cmd)
		}
		return cmd
	}
	// Every (role, action) allowed now, those that end the case last: rapid favours the
	// first elements, and a walk should live long enough to see the later states.
	type pair struct {
		role   as.Role
		action as.Action
	}
	var pairs, enders []pair
	for _, r := range as.Roles {
		for _, a := range as.Allowed(c, r, w.p) {
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
		pairs = []pair{{as.Customer, as.Confirm}}
	}
	pr := rapid.SampledFrom(pairs).Draw(t, "allowed")
	role, a := pr.role, pr.action
	cmd := validCommand(t, c, a, role, w.p)
	if rapid.IntRange(0, 5).Draw(t, "corrupt") == 5 {
		corruptions[rapid.SampledFrom(corruptionNames).Draw(t, "corruption")](t, c, &cmd)
	}
	return cmd
}
