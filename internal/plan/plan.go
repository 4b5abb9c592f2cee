// Package plan holds emergency plans (应急预案): what starts a plan (its triggers), what it
// changes while active (its effects) and what ends it, as data; Decide says when a plan
// starts or ends and Simulate replays a synthetic surge (the drill). Nothing here does I/O;
// the time is passed in.
package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// State is where a plan stands.
type State string

// The plan states: a draft waits, an active plan's effects apply, an ended plan may start again.
const (
	Draft  State = "draft"
	Active State = "active"
	Ended  State = "ended"
)

// TriggerKind names what starts a plan.
type TriggerKind string

// The trigger kinds.
const (
	IntakePerHour TriggerKind = "intake_per_hour" // more than Above cases opened in the last hour
	CarrierOutage TriggerKind = "carrier_outage"  // the carrier is out
	Recall        TriggerKind = "recall"          // a product recall of SKUs (started by hand)
	Manual        TriggerKind = "manual"          // started by hand
)

// Text is a text in both languages.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" or else Chinese), falling back to the other.
func (t Text) In(lang string) string {
	if strings.HasPrefix(lang, "en") && t.EN != "" || t.ZH == "" {
		return t.EN
	}
	return t.ZH
}

// Trigger is one thing that starts a plan.
type Trigger struct {
	Kind    TriggerKind `json:"kind"`
	Above   int         `json:"above,omitempty"`   // intake_per_hour
	Carrier string      `json:"carrier,omitempty"` // carrier_outage
	SKUs    []string    `json:"skus,omitempty"`    // recall
}

// AutoApprove approves low-risk, low-value cases while the plan is active.
type AutoApprove struct {
	MaxAmount int64 `json:"max_amount"` // minor units (分), inclusive
	MaxRisk   int   `json:"max_risk"`   // customer risk 0–100, inclusive
}

// Overflow routes cases of a full group to other groups.
type Overflow struct {
	From string   `json:"from"`
	To   []string `json:"to"`
}

// Effects is what a plan changes while it is active; zero values change nothing.
type Effects struct {
	ExtendDeadlinesWD int          `json:"extend_deadlines_wd,omitempty"` // working days added to new cases' deadlines
	AutoApprove       *AutoApprove `json:"auto_approve,omitempty"`
	Overflow          *Overflow    `json:"overflow,omitempty"`
	Banner            *Text        `json:"banner,omitempty"`        // shown to customers
	SLAFactorBP       int          `json:"sla_factor_bp,omitempty"` // basis points: 10000 unchanged (0 means 10000)
}

// Duration is a time.Duration written as "90m" or "48h" in JSON.
type Duration time.Duration

// MarshalText writes the duration as Go writes it ("1h30m0s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "90m", "48h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: like 90m or 48h", b)
	}
	*d = Duration(v)
	return nil
}

// End says when an active plan ends by itself; with none set it ends only by hand.
type End struct {
	After        Duration   `json:"after,omitempty" jsonschema:"type=string,description=this long after activation: 90m or 48h"`
	At           *time.Time `json:"at,omitempty" jsonschema:"description=at this time"`
	WhenClearFor Duration   `json:"when_clear_for,omitempty" jsonschema:"type=string,description=once no trigger has held for this long: 30m"`
}

// Plan is an emergency plan.
type Plan struct {
	ID       string    `json:"id,omitempty"`
	Name     Text      `json:"name"`
	Triggers []Trigger `json:"triggers"`
	Effects  Effects   `json:"effects"`
	End      End       `json:"end,omitzero"`
}

// FieldError is a problem with one field of a plan, by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	ZH      string `json:"zh"`
	Message string `json:"message"` // in English
}

// Validate returns the plan's problems, each at its field's path; none when it is good.
func (p Plan) Validate() []FieldError {
	var errs []FieldError
	bad := func(field, zh, en string) {
		errs = append(errs, FieldError{Field: field, ZH: zh, Message: en})
	}
	if strings.TrimSpace(p.Name.ZH) == "" && strings.TrimSpace(p.Name.EN) == "" {
		bad("name", "预案需要名称", "a plan needs a name")
	}
	if len(p.Triggers) == 0 {
		bad("triggers", "至少一个触发条件(手动启动用 manual)", "a plan needs at least one trigger (manual when started by hand)")
	}
	for i, t := range p.Triggers {
		at := fmt.Sprintf("triggers[%d]", i)
		switch t.Kind {
		case IntakePerHour:
			if t.Above < 1 {
				bad(at+".above", "每小时进线阈值至少为 1", "intake per hour must be above at least 1")
			}
		case CarrierOutage:
			if t.Carrier == "" {
				bad(at+".carrier", "请填写承运商", "name the carrier")
			}
		case Recall:
			if len(t.SKUs) == 0 {
				bad(at+".skus", "召回至少包含一个 SKU", "a recall names at least one SKU")
			}
			for j, s := range t.SKUs {
				if strings.TrimSpace(s) == "" {
					bad(fmt.Sprintf("%s.skus[%d]", at, j), "SKU 不能为空", "empty SKU")
				}
			}
		case Manual:
		default:
			bad(at+".kind", "未知的触发条件", "unknown trigger (intake_per_hour, carrier_outage, recall, manual)")
		}
	}
	e := p.Effects
	if e.ExtendDeadlinesWD < 0 || e.ExtendDeadlinesWD > 30 {
		bad("effects.extend_deadlines_wd", "顺延 0–30 个工作日", "between 0 and 30 working days")
	}
	if a := e.AutoApprove; a != nil {
		if a.MaxAmount <= 0 {
			bad("effects.auto_approve.max_amount", "金额须为正数(分)", "a positive amount in minor units")
		}
		if a.MaxRisk < 0 || a.MaxRisk > 100 {
			bad("effects.auto_approve.max_risk", "风险分在 0–100 之间", "between 0 and 100")
		}
	}
	if o := e.Overflow; o != nil {
		if o.From == "" {
			bad("effects.overflow.from", "请填写溢出的技能组", "name the group that overflows")
		}
		if len(o.To) == 0 {
			bad("effects.overflow.to", "至少一个接收溢出的技能组", "at least one group to overflow to")
		}
		for i, g := range o.To {
			if g == "" || g == o.From {
				bad(fmt.Sprintf("effects.overflow.to[%d]", i), "须为另一个技能组", "another group")
			}
		}
	}
	if b := e.Banner; b != nil && (b.ZH == "" || b.EN == "") {
		bad("effects.banner", "公告须有中英文", "the banner in both languages (zh, en)")
	}
	if e.SLAFactorBP != 0 && (e.SLAFactorBP < 2500 || e.SLAFactorBP > 40000) {
		bad("effects.sla_factor_bp", "SLA 系数在 2500–40000 基点之间(10000 不变)", "between 2500 and 40000 basis points (10000 unchanged)")
	}
	if e.ExtendDeadlinesWD == 0 && e.AutoApprove == nil && e.Overflow == nil && e.Banner == nil && e.SLAFactorBP == 0 && !p.recalls() {
		bad("effects", "预案至少要有一项措施", "a plan changes something")
	}
	if p.End.After < 0 {
		bad("end.after", "须为正的时长", "a positive duration")
	}
	if p.End.WhenClearFor < 0 {
		bad("end.when_clear_for", "须为正的时长", "a positive duration")
	}
	return errs
}

func (p Plan) recalls() bool { return len(p.RecalledSKUs()) > 0 }

// RecalledSKUs returns the SKUs of the plan's recall triggers.
func (p Plan) RecalledSKUs() []string {
	var out []string
	for _, t := range p.Triggers {
		if t.Kind == Recall {
			out = append(out, t.SKUs...)
		}
	}
	return out
}

// SLAFactor returns the SLA factor in basis points (10000 when unset).
func (e Effects) SLAFactor() int {
	if e.SLAFactorBP == 0 {
		return 10000
	}
	return e.SLAFactorBP
}

// Covers reports whether the auto-approval takes a case refunding amount (minor units)
// for a customer at risk score: both at most the plan's limits.
func (a *AutoApprove) Covers(amount int64, risk int) bool {
	return a != nil && amount <= a.MaxAmount && risk <= a.MaxRisk
}

// SLAFactorOf is the SLA factor for a case opened while the plans with these effects are
// active, in basis points: the loosest of those that set one (as the longest extension of
// the deadlines counts), 0 when none does.
func SLAFactorOf(es []Effects) int {
	f := 0
	for _, e := range es {
		f = max(f, e.SLAFactorBP)
	}
	return f
}

// OverflowTo lists the groups that take a full group's work while the plans with these
// effects are active, in the plans' order, each once.
func OverflowTo(es []Effects, group string) []string {
	var out []string
	for _, e := range es {
		if o := e.Overflow; o != nil && o.From == group {
			for _, g := range o.To {
				if !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
		}
	}
	return out
}

// Metrics are what the triggers read.
type Metrics struct {
	IntakeLastHour int
	CarriersOut    []string
}

// Status is a stored plan's state as Decide reads it.
type Status struct {
	State       State
	ActivatedAt time.Time // when it last started
	ClearSince  time.Time // since when no trigger held while active (zero: held at last check)
}

// Decision is what Decide asks for.
type Decision string

// The decisions.
const (
	Keep       Decision = ""
	Activate   Decision = "activate"
	Deactivate Decision = "deactivate"
)

// Holds reports whether one of the plan's automatic triggers holds under m.
func (p Plan) Holds(m Metrics) bool {
	for _, t := range p.Triggers {
		switch t.Kind {
		case IntakePerHour:
			if m.IntakeLastHour > t.Above {
				return true
			}
		case CarrierOutage:
			for _, c := range m.CarriersOut {
				if c == t.Carrier {
					return true
				}
			}
		}
	}
	return false
}

// Decide says whether a plan starts or ends now: a draft or ended plan starts when one of
// its automatic triggers holds; an active plan ends by its end rule. It also returns the
// plan's ClearSince as it should be stored.
func Decide(p Plan, s Status, m Metrics, now time.Time) (Decision, time.Time) {
	holds := p.Holds(m)
	if s.State != Active {
		if holds {
			return Activate, time.Time{}
		}
		return Keep, time.Time{}
	}
	if p.End.After > 0 && !now.Before(s.ActivatedAt.Add(time.Duration(p.End.After))) {
		return Deactivate, s.ClearSince
	}
	if p.End.At != nil && !now.Before(*p.End.At) {
		return Deactivate, s.ClearSince
	}
	if p.End.WhenClearFor > 0 {
		if holds {
			return Keep, time.Time{}
		}
		since := s.ClearSince
		if since.IsZero() {
			since = now
		}
		if !now.Before(since.Add(time.Duration(p.End.WhenClearFor))) {
			return Deactivate, since
		}
		return Keep, since
	}
	return Keep, s.ClearSince
}
