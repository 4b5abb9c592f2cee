package policy

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/aftersales/aftersales/internal/logistics"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/money"
)

// Schema is the value of a policy document's schema key.
const Schema = "aftersales.policy/v1"

// Text is a user-facing string in both product languages.
type Text = aftersale.Text

// Layer is where a document sits in the stack: statutory floor → platform → merchant →
// category. Later layers override earlier ones, but never below the floor.
type Layer string

// The layers, lowest first.
const (
	Statutory Layer = "statutory"
	Platform  Layer = "platform"
	Merchant  Layer = "merchant"
	Category  Layer = "category"
)

// Event is what an application window is counted from.
type Event string

// Window start events.
const (
	FromSigned   Event = "signed"   // 签收: the order's delivered_at
	FromPurchase Event = "purchase" // 付款: paid_at
	FromShipment Event = "shipment" // 发货: shipped_at
)

// Effect is what a rule does when its condition holds.
type Effect string

// Rule effects.
const (
	Refuse          Effect = "refuse"           // the application is not eligible
	RequireEvidence Effect = "require_evidence" // eligible only with photos or video
)

// Document is one policy layer as written in YAML (docs/POLICY.md describes every key).
type Document struct {
	Schema        string    `yaml:"schema"`
	ID            string    `yaml:"id"`
	Version       int       `yaml:"version"`
	Layer         Layer     `yaml:"layer"`
	Merchant      string    `yaml:"merchant,omitempty"`
	Category      string    `yaml:"category,omitempty"`
	Name          Text      `yaml:"name"`
	EffectiveFrom time.Time `yaml:"effective_from,omitempty"`
	Source        string    `yaml:"source,omitempty"`

	Windows          []Window                                `yaml:"windows,omitempty"`
	Rules            []Rule                                  `yaml:"rules,omitempty"`
	ReturnShipping   []ShippingRule                          `yaml:"return_shipping,omitempty"`
	Refund           *RefundTerms                            `yaml:"refund,omitempty"`
	Deadlines        map[aftersale.DeadlineKind]DeadlineSpec `yaml:"deadlines,omitempty"`
	DeadlineLimits   []DeadlineLimit                         `yaml:"deadline_limits,omitempty"`
	ReapplyLimit     *int                                    `yaml:"reapply_limit,omitempty"`
	MaxFailedRepairs *int                                    `yaml:"max_failed_repairs,omitempty"`
	Repair           *RepairTerms                            `yaml:"repair,omitempty"`
	Compensation     *CompensationTerms                      `yaml:"compensation,omitempty"`
	ReturnPostage    *PostageTerms                           `yaml:"return_postage,omitempty"`
	AutoApprove      *AutoApprove                            `yaml:"auto_approve,omitempty"`
	SLA              *SLATerms                               `yaml:"sla,omitempty"`
	Disputes         *DisputeTerms                           `yaml:"disputes,omitempty"`
	Complaints       *ComplaintTerms                         `yaml:"complaints,omitempty"`
	Logistics        *LogisticsTerms                         `yaml:"logistics,omitempty"`
	Disable          []string                                `yaml:"disable,omitempty"`
}

// Window is a period in which a type of application may be made for some reasons.
type Window struct {
	ID      string             `yaml:"id"`
	Name    Text               `yaml:"name"`
	Types   []aftersale.Type   `yaml:"types"`
	Reasons []aftersale.Reason `yaml:"reasons,omitempty"` // empty: any reason
	From    Event              `yaml:"from"`
	// Length is counted from the day after From (days, working days, months) or from the
	// instant (hours, seconds). Empty means no limit.
	Length calendar.Span `yaml:"length,omitempty"`
	When   string        `yaml:"when,omitempty"` // CEL over order, item, case, customer, now
	// Locked windows (the statutory floor) may not be disabled, shortened or narrowed by a
	// later layer.
	Locked bool   `yaml:"locked,omitempty"`
	Source string `yaml:"source,omitempty"`
}

// Rule is a condition that refuses an application or asks more of it.
type Rule struct {
	ID      string             `yaml:"id"`
	Explain Text               `yaml:"explain"`
	Types   []aftersale.Type   `yaml:"types,omitempty"`
	Reasons []aftersale.Reason `yaml:"reasons,omitempty"`
	When    string             `yaml:"when"`
	Effect  Effect             `yaml:"effect"`
	// Ground names the statutory ground of an exclusion (custom_made, perishable, digital,
	// opened_media, periodical, unfit_confirmed). A later layer may refuse what the floor
	// guarantees only on such a ground; the engine then also requires the item's tag.
	Ground string `yaml:"ground,omitempty"`
	Source string `yaml:"source,omitempty"`
}

// ShippingRule says who pays the return shipping; the first matching rule wins.
type ShippingRule struct {
	ID      string             `yaml:"id"`
	Types   []aftersale.Type   `yaml:"types,omitempty"`
	Reasons []aftersale.Reason `yaml:"reasons,omitempty"`
	When    string             `yaml:"when,omitempty"`
	Payer   aftersale.Payer    `yaml:"payer"`
	Locked  bool               `yaml:"locked,omitempty"`
	Source  string             `yaml:"source,omitempty"`
}

// RefundTerms are the refund amount rules.
type RefundTerms struct {
	// ShippingFeeWhen is a CEL condition under which the order's shipping fee is refunded
	// with the case (once per order).
	ShippingFeeWhen string `yaml:"shipping_fee_when,omitempty"`
	// Deductions are taken from the refund when their condition holds; never from a refund
	// the statutory floor guarantees.
	Deductions []Deduction `yaml:"deductions,omitempty"`
	// MaxInspectionDeductionBP caps what an inspection may deduct (missing gifts or
	// accessories), in basis points of the items' paid amount.
	MaxInspectionDeductionBP *int64 `yaml:"max_inspection_deduction_bp,omitempty"`
}

// Deduction is an amount taken off a refund.
type Deduction struct {
	ID      string `yaml:"id"`
	Explain Text   `yaml:"explain"`
	When    string `yaml:"when"`
	RateBP  int64  `yaml:"rate_bp"` // basis points of the items' paid amount: 450 = 4.5%
	Source  string `yaml:"source,omitempty"`
}

// RepairTerms say what happens outside the warranty.
type RepairTerms struct {
	// OutOfWarranty is "paid" (a quote the customer accepts or declines) or "refuse".
	OutOfWarranty string `yaml:"out_of_warranty"`
}

// CompensationTerms cap compensation.
type CompensationTerms struct {
	MaxBP int64 `yaml:"max_bp"` // of the items' paid amount
}

// PostageTerms bound what a merchant repays of a customer's return postage when the merchant
// bears it: the customer enters what they paid, and is repaid at most the carrier's
// first-weight rate (首重), or Max for a carrier not listed. At receipt the merchant may
// dispute a claim and take off up to MaxReductionBP of it, with a reason.
type PostageTerms struct {
	Max            *int64           `yaml:"max,omitempty"`              // minor units per return parcel
	Carriers       map[string]int64 `yaml:"carriers,omitempty"`         // carrier (as customers write it, any case) → minor units
	MaxReductionBP *int64           `yaml:"max_reduction_bp,omitempty"` // of the capped claim; 0 = no reductions
}

// AutoApprove says when the platform approves without the merchant.
type AutoApprove struct {
	OnMerchantSilence *bool         `yaml:"on_merchant_silence,omitempty"`
	Instant           []InstantRule `yaml:"instant,omitempty"`
}

// InstantRule approves an eligible application at once (一键退换货).
type InstantRule struct {
	ID     string `yaml:"id"`
	When   string `yaml:"when"`
	Source string `yaml:"source,omitempty"`
}

// SLATerms are the service desk's promises (SPEC §6): first response, next update and
// resolution targets per case type, priority and channel; a warning at a share of a target;
// what happens on breach.
type SLATerms struct {
	WarningBP  *int64      `yaml:"warning_at_bp,omitempty"` // 8000 = at risk at 80% of a target
	Escalation []string    `yaml:"escalation,omitempty"`    // on breach: raise_priority, notify_supervisor, reassign
	Targets    []SLATarget `yaml:"targets,omitempty"`
}

// SLATarget is one row of targets; the first that matches a case applies.
type SLATarget struct {
	ID            string               `yaml:"id"`
	Types         []aftersale.Type     `yaml:"types,omitempty"`
	Priorities    []aftersale.Priority `yaml:"priorities,omitempty"`
	Channels      []string             `yaml:"channels,omitempty"`
	FirstResponse calendar.Span        `yaml:"first_response"`
	NextUpdate    calendar.Span        `yaml:"next_update"`
	Resolution    calendar.Span        `yaml:"resolution"`
	Source        string               `yaml:"source,omitempty"`
}

// DisputeTerms are the platform's rules for disputes (SPEC §5): how long a side has to
// submit evidence by default, the dispute categories where missing that deadline loses the
// dispute by rule, when the platform advances the refund to the customer by itself
// (先行赔付) if the merchant does not answer, and the compensation standard table.
// A later layer's field replaces an earlier one's; standards replace by code.
type DisputeTerms struct {
	EvidenceDeadline calendar.Span       `yaml:"evidence_deadline,omitempty"`
	LoseByDefault    *[]dispute.Category `yaml:"lose_by_default,omitempty"`
	AdvanceAfter     *calendar.Span      `yaml:"advance_after,omitempty"` // zero: never by rule
	Standards        []dispute.Standard  `yaml:"standards,omitempty"`
}

// LogisticsTerms are the parcel exception rules (SPEC §7): which of them fire, and how
// long without a carrier update makes a parcel stale. A later layer's field replaces an
// earlier one's.
type LogisticsTerms struct {
	// StaleAfter is in hours, minutes or days ("48h", "2d"): carriers scan around the clock.
	StaleAfter *calendar.Span    `yaml:"stale_after,omitempty"`
	Exceptions *[]logistics.Rule `yaml:"exceptions,omitempty"`
}

// ComplaintTerms are the complaint tiers' service targets (SPEC §5: agent → supervisor →
// manager, each tier with its own SLA).
type ComplaintTerms struct {
	Tiers []ComplaintTier `yaml:"tiers"`
}

// ComplaintTier is one tier's targets, counted from when the complaint reached the tier.
type ComplaintTier struct {
	Tier          int           `yaml:"tier"`
	FirstResponse calendar.Span `yaml:"first_response"`
	Resolution    calendar.Span `yaml:"resolution"`
	Source        string        `yaml:"source,omitempty"`
}

// Escalations a breach may cause.
var slaEscalations = []string{"raise_priority", "notify_supervisor", "reassign"}

// DeadlineSpec is the length of a waiting state's deadline: one span, or a list of
// alternatives whose first true condition wins (the last may have no condition).
type DeadlineSpec []DeadlineOption

// DeadlineOption is one alternative of a DeadlineSpec. It applies when the case's reason is
// in Reasons (any reason when empty) and When holds.
type DeadlineOption struct {
	Reasons []aftersale.Reason `yaml:"reasons,omitempty"`
	When    string             `yaml:"when,omitempty"`
	Span    calendar.Span      `yaml:"span"`
	Source  string             `yaml:"source,omitempty"`
}

// DeadlineLimit is the floor's longest allowed deadline of a kind, for cases whose reason is
// in Reasons (all when empty): the refund within 7 days of receiving a no-reason return.
type DeadlineLimit struct {
	Kind    aftersale.DeadlineKind `yaml:"kind"`
	Span    calendar.Span          `yaml:"span"`
	Reasons []aftersale.Reason     `yaml:"reasons,omitempty"`
	// From is where the limit counts from: "" (when the waiting state begins) or "receipt"
	// (when the returned goods reached the merchant).
	From   string `yaml:"from,omitempty"`
	Source string `yaml:"source,omitempty"`
}

// LimitFromReceipt counts a deadline limit from the merchant's receipt of the goods.
const LimitFromReceipt = "receipt"

// UnmarshalYAML accepts "24h" as well as a list of {when, span}.
func (d *DeadlineSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s calendar.Span
		if err := n.Decode(&s); err != nil {
			return err
		}
		*d = DeadlineSpec{{Span: s}}
		return nil
	}
	var opts []DeadlineOption
	if err := n.Decode(&opts); err != nil {
		return err
	}
	*d = opts
	return nil
}

// ParseError is a problem in a policy document, with where it is.
type ParseError struct {
	Doc   string // id@version when known
	Field string // path such as windows[2].length
	Msg   string
	Line  int // the line of the document it is about; 0 when unknown
}

func (e *ParseError) Error() string {
	s := "policy"
	if e.Doc != "" {
		s += " " + e.Doc
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Msg
}

// FloorError is a layer that would give customers less than the statutory floor.
type FloorError struct {
	Doc     string
	Field   string
	Message Text
	Line    int // the line of the document it is about; 0 when unknown
}

func (e *FloorError) Error() string {
	return fmt.Sprintf("policy %s: %s: %s", e.Doc, e.Field, e.Message.EN)
}

const maxDocumentSize = 1 << 20

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:/-]{0,63}$`)

// Parse reads a policy document and checks its structure (not its CEL, which the engine
// compiles, nor the floor, which the engine enforces). A *ParseError says at which line of
// the document the problem is, when it can.
func Parse(data []byte) (*Document, error) {
	d, err := parse(data)
	return d, located(data, err)
}

func parse(data []byte) (*Document, error) {
	if len(data) > maxDocumentSize {
		return nil, &ParseError{Msg: "the document is larger than 1 MiB"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var d Document
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{Msg: "the document is empty"}
		}
		return nil, &ParseError{Msg: readableYAML(yamlMessage(err))}
	}
	if err := noFractions(data); err != nil {
		return nil, err
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// noFractions refuses numbers with a fraction anywhere in a document: no key takes one, and
// the YAML library would otherwise drop the fraction silently (rate_bp: 450.7 → 450).
func noFractions(data []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil // the strict decoder has reported it already
	}
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!float" {
			return &ParseError{Line: n.Line, Msg: fmt.Sprintf("line %d: %s is not a whole number; shares are in basis points (1250 = 12.5%%)", n.Line, n.Value)}
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(&root)
}

func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg := ""
		for i, e := range te.Errors {
			if i > 0 {
				msg += "; "
			}
			msg += e
		}
		return msg
	}
	return err.Error()
}

// Key is the document's identity in a case's policy version: id@version.
func (d *Document) Key() string {
	if d.ID == "" {
		return "(no id)"
	}
	return fmt.Sprintf("%s@%d", d.ID, d.Version)
}

func (d *Document) validate() error {
	bad := func(field, format string, args ...any) error {
		return &ParseError{Doc: d.Key(), Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if d.Schema != Schema {
		return bad("schema", "must be %q", Schema)
	}
	if !idPattern.MatchString(d.ID) {
		return bad("id", "must be 1–64 lower-case letters, digits, or _ . : / -")
	}
	if d.Version < 1 {
		return bad("version", "must be a whole number ≥ 1")
	}
	switch d.Layer {
	case Statutory, Platform:
		if d.Merchant != "" || d.Category != "" {
			return bad("layer", "a %s layer applies to everyone: leave merchant and category empty", d.Layer)
		}
	case Merchant:
		if d.Merchant == "" {
			return bad("merchant", "a merchant layer names its merchant")
		}
		if d.Category != "" {
			return bad("category", "a merchant layer names no category: use layer: category for a category")
		}
	case Category:
		if d.Category == "" {
			return bad("category", "a category layer names its category")
		}
	default:
		return bad("layer", "must be platform, merchant or category")
	}
	if d.Name.ZH == "" || d.Name.EN == "" {
		return bad("name", "needs zh and en")
	}
	ids := map[string]string{}
	unique := func(field, id string) error {
		if !idPattern.MatchString(id) {
			return bad(field+".id", "must be 1–64 lower-case letters, digits, or _ . : / -")
		}
		if prev, ok := ids[id]; ok {
			return bad(field+".id", "%q is also used by %s", id, prev)
		}
		ids[id] = field
		return nil
	}
	for i, w := range d.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		if err := unique(f, w.ID); err != nil {
			return err
		}
		if w.Name.ZH == "" || w.Name.EN == "" {
			return bad(f+".name", "needs zh and en")
		}
		if err := checkScope(f, w.Types, w.Reasons, true); err != nil {
			return bad(err.field, "%s", err.msg)
		}
		if w.From != FromSigned && w.From != FromPurchase && w.From != FromShipment {
			return bad(f+".from", "must be signed, purchase or shipment")
		}
		if w.Length.Unit == calendar.BusinessHour {
			return bad(f+".length", "business hours are for service clocks; use d, wd, h, mo or y")
		}
	}
	for i, r := range d.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		if err := unique(f, r.ID); err != nil {
			return err
		}
		if r.Explain.ZH == "" || r.Explain.EN == "" {
			return bad(f+".explain", "needs zh and en")
		}
		if err := checkScope(f, r.Types, r.Reasons, false); err != nil {
			return bad(err.field, "%s", err.msg)
		}
		if r.When == "" {
			return bad(f+".when", "is required")
		}
		if r.Effect != Refuse && r.Effect != RequireEvidence {
			return bad(f+".effect", "must be refuse or require_evidence")
		}
		if r.Ground != "" && groundTag(r.Ground) == "" {
			return bad(f+".ground", "unknown ground %q: use custom_made, perishable, digital, opened_media, periodical or unfit_confirmed", r.Ground)
		}
	}
	for i, s := range d.ReturnShipping {
		f := fmt.Sprintf("return_shipping[%d]", i)
		if err := unique(f, s.ID); err != nil {
			return err
		}
		if err := checkScope(f, s.Types, s.Reasons, false); err != nil {
			return bad(err.field, "%s", err.msg)
		}
		if s.Payer != aftersale.PayerCustomer && s.Payer != aftersale.PayerMerchant {
			return bad(f+".payer", "must be customer or merchant (insurance applies by itself when the order has it)")
		}
	}
	if r := d.Refund; r != nil {
		for i, x := range r.Deductions {
			f := fmt.Sprintf("refund.deductions[%d]", i)
			if err := unique(f, x.ID); err != nil {
				return err
			}
			if x.Explain.ZH == "" || x.Explain.EN == "" {
				return bad(f+".explain", "needs zh and en")
			}
			if x.When == "" {
				return bad(f+".when", "is required")
			}
			if x.RateBP <= 0 || x.RateBP > 10000 {
				return bad(f+".rate_bp", "must be between 1 and 10000 basis points")
			}
		}
		if bp := r.MaxInspectionDeductionBP; bp != nil && (*bp < 0 || *bp > 10000) {
			return bad("refund.max_inspection_deduction_bp", "must be between 0 and 10000")
		}
	}
	if pt := d.ReturnPostage; pt != nil {
		if pt.Max != nil && (*pt.Max < 0 || *pt.Max > money.Limit) {
			return bad("return_postage.max", "must be between 0 and %d minor units", money.Limit)
		}
		for carrier, v := range pt.Carriers {
			if strings.TrimSpace(carrier) == "" || v < 0 || v > money.Limit {
				return bad("return_postage.carriers", "%q: a carrier's name and a rate between 0 and %d minor units", carrier, money.Limit)
			}
		}
		if bp := pt.MaxReductionBP; bp != nil && (*bp < 0 || *bp > 10000) {
			return bad("return_postage.max_reduction_bp", "must be between 0 and 10000")
		}
	}
	if a := d.AutoApprove; a != nil {
		for i, x := range a.Instant {
			f := fmt.Sprintf("auto_approve.instant[%d]", i)
			if err := unique(f, x.ID); err != nil {
				return err
			}
			if x.When == "" {
				return bad(f+".when", "is required")
			}
		}
	}
	for k, spec := range d.Deadlines {
		f := "deadlines." + string(k)
		if !k.Valid() {
			return bad(f, "unknown deadline kind; known kinds: %v", aftersale.DeadlineKinds())
		}
		if len(spec) == 0 {
			return bad(f, "needs a span")
		}
		for i, o := range spec {
			g := fmt.Sprintf("%s[%d]", f, i)
			if o.Span.IsZero() {
				return bad(g+".span", "must be longer than zero")
			}
			if (o.When == "" && len(o.Reasons) == 0) != (i == len(spec)-1) {
				return bad(g, "every alternative but the last needs a condition (when or reasons); the last is the default and has none")
			}
			if err := checkScope(g, nil, o.Reasons, false); err != nil {
				return bad(err.field, "%s", err.msg)
			}
		}
	}
	for i, l := range d.DeadlineLimits {
		f := fmt.Sprintf("deadline_limits[%d]", i)
		if d.Layer != Statutory {
			return bad(f, "only the statutory floor sets deadline limits")
		}
		if !l.Kind.Valid() {
			return bad(f+".kind", "unknown deadline kind %q", l.Kind)
		}
		if l.Span.IsZero() {
			return bad(f+".span", "must be longer than zero")
		}
		if l.From != "" && l.From != LimitFromReceipt {
			return bad(f+".from", "must be empty (the state's start) or receipt")
		}
		if err := checkScope(f, nil, l.Reasons, false); err != nil {
			return bad(err.field, "%s", err.msg)
		}
	}
	if err := d.validateDisputes(); err != nil {
		return err
	}
	if t := d.SLA; t != nil {
		if t.WarningBP != nil && (*t.WarningBP <= 0 || *t.WarningBP >= 10000) {
			return bad("sla.warning_at_bp", "must be between 1 and 9999 basis points")
		}
		for i, e := range t.Escalation {
			if !slices.Contains(slaEscalations, e) {
				return bad(fmt.Sprintf("sla.escalation[%d]", i), "unknown escalation %q: use raise_priority, notify_supervisor or reassign", e)
			}
		}
		for i, x := range t.Targets {
			f := fmt.Sprintf("sla.targets[%d]", i)
			if err := unique(f, x.ID); err != nil {
				return err
			}
			if err := checkScope(f, x.Types, nil, false); err != nil {
				return bad(err.field, "%s", err.msg)
			}
			for j, p := range x.Priorities {
				if !p.Valid() {
					return bad(fmt.Sprintf("%s.priorities[%d]", f, j), "unknown priority %q: use low, normal, high or urgent", p)
				}
			}
			for name, sp := range map[string]calendar.Span{"first_response": x.FirstResponse, "next_update": x.NextUpdate, "resolution": x.Resolution} {
				switch {
				case sp.IsZero():
					return bad(f+"."+name, "is required and longer than zero")
				case sp.Unit != calendar.BusinessHour && sp.Unit != calendar.Hour && sp.Unit != calendar.Minute && sp.Unit != calendar.Second:
					return bad(f+"."+name, "service clocks count business hours (bh) or wall time (h, m, s), not %s", sp)
				}
			}
		}
	}
	if d.ReapplyLimit != nil && (*d.ReapplyLimit < 0 || *d.ReapplyLimit > 100) {
		return bad("reapply_limit", "must be between 0 and 100")
	}
	if d.MaxFailedRepairs != nil && (*d.MaxFailedRepairs < 1 || *d.MaxFailedRepairs > 10) {
		return bad("max_failed_repairs", "must be between 1 and 10")
	}
	if d.Repair != nil && d.Repair.OutOfWarranty != "paid" && d.Repair.OutOfWarranty != "refuse" {
		return bad("repair.out_of_warranty", "must be paid or refuse")
	}
	if d.Compensation != nil && (d.Compensation.MaxBP < 0 || d.Compensation.MaxBP > 10000) {
		return bad("compensation.max_bp", "must be between 0 and 10000")
	}
	for i, id := range d.Disable {
		if !idPattern.MatchString(id) {
			return bad(fmt.Sprintf("disable[%d]", i), "is not a rule id")
		}
	}
	if d.Layer != Statutory {
		for i, w := range d.Windows {
			if w.Locked {
				return bad(fmt.Sprintf("windows[%d].locked", i), "only the statutory floor locks rules")
			}
		}
		for i, s := range d.ReturnShipping {
			if s.Locked {
				return bad(fmt.Sprintf("return_shipping[%d].locked", i), "only the statutory floor locks rules")
			}
		}
	}
	return nil
}

type scopeError struct{ field, msg string }

func checkScope(f string, types []aftersale.Type, reasons []aftersale.Reason, needTypes bool) *scopeError {
	if needTypes && len(types) == 0 {
		return &scopeError{f + ".types", "at least one case type is required"}
	}
	for j, t := range types {
		if !t.Valid() {
			return &scopeError{fmt.Sprintf("%s.types[%d]", f, j), fmt.Sprintf("unknown case type %q", t)}
		}
	}
	for j, r := range reasons {
		if !r.Valid() {
			return &scopeError{fmt.Sprintf("%s.reasons[%d]", f, j), fmt.Sprintf("unknown reason %q", r)}
		}
	}
	return nil
}

// groundTag maps a statutory exclusion ground to the item tag that must be present.
func groundTag(g string) string {
	switch g {
	case "custom_made", "perishable", "digital", "opened_media", "periodical", "unfit_confirmed":
		return g
	}
	return ""
}

// validateDisputes checks the disputes and complaints sections.
func (d *Document) validateDisputes() error {
	bad := func(field, format string, args ...any) error {
		return &ParseError{Doc: d.Key(), Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if t := d.Disputes; t != nil {
		codes := map[string]bool{}
		if t.LoseByDefault != nil {
			for i, c := range *t.LoseByDefault {
				if !c.Valid() {
					return bad(fmt.Sprintf("disputes.lose_by_default[%d]", i), "unknown category %q: use quality, logistics, service, customer_error or order_error", c)
				}
			}
		}
		if t.EvidenceDeadline.N < 0 || t.AdvanceAfter != nil && t.AdvanceAfter.N < 0 {
			return bad("disputes", "spans must not be negative")
		}
		for i, s := range t.Standards {
			f := fmt.Sprintf("disputes.standards[%d]", i)
			switch {
			case s.Code == "":
				return bad(f+".code", "is required")
			case s.Name.ZH == "" || s.Name.EN == "":
				return bad(f+".name", "needs zh and en")
			case s.PercentBP < 0 || s.PercentBP > 1000000:
				return bad(f+".percent_bp", "must be between 0 and 1000000 (100 times the price)")
			case s.Fixed < 0 || s.Fixed > money.Limit || s.Cap < 0 || s.Cap > money.Limit:
				return bad(f, "fixed and cap must be between 0 and %d", money.Limit)
			case s.PercentBP == 0 && s.Fixed == 0:
				return bad(f, "awards nothing: give percent_bp or fixed")
			}
			if !idPattern.MatchString(s.Code) {
				return bad(f+".code", "must be 1–64 lower-case letters, digits, or _ . : / -")
			}
			if codes[s.Code] {
				return bad(f+".code", "%q is used twice", s.Code)
			}
			codes[s.Code] = true
		}
	}
	if t := d.Logistics; t != nil {
		if sp := t.StaleAfter; sp != nil {
			if _, ok := spanDuration(*sp); !ok || sp.N <= 0 {
				return bad("logistics.stale_after", "must be a positive span in m, h or d, such as \"48h\"")
			}
		}
		if t.Exceptions != nil {
			for i, r := range *t.Exceptions {
				if !r.Valid() {
					return bad(fmt.Sprintf("logistics.exceptions[%d]", i), "unknown rule %q: use stale, not_received, wrong_address or lost", r)
				}
			}
		}
	}
	if t := d.Complaints; t != nil {
		seen := map[int]bool{}
		for i, x := range t.Tiers {
			f := fmt.Sprintf("complaints.tiers[%d]", i)
			if x.Tier < 1 || x.Tier > complaint.TopTier || seen[x.Tier] {
				return bad(f+".tier", "must be 1, 2 or 3, each once")
			}
			seen[x.Tier] = true
			for name, sp := range map[string]calendar.Span{"first_response": x.FirstResponse, "resolution": x.Resolution} {
				if sp.IsZero() || sp.N < 0 {
					return bad(f+"."+name, "is required and longer than zero")
				}
			}
		}
	}
	return nil
}
