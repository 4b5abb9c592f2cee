// Package dispute is the platform's intervention in a case (平台介入, SPEC §5): a dispute
// opens when a case is escalated, is reviewed for admissibility, collects evidence from
// both sides against deadlines, may be mediated, and ends in an agreement or a ruling with
// a liability, an amount and a written basis — or dismissed, or withdrawn by the customer.
// The platform may pay the customer first (先行赔付) and recover the money from the
// merchant.
//
// Like package aftersale it is pure (no I/O, time passed in) and table-driven: one table of
// state × action → roles → next states drives Transition, Allowed, the timers' actions and
// the diagram in docs/DISPUTES.md. What a dispute decides for its case (approve, reject,
// cancel) and for the money (advance, recovery, compensation) are Effects the application
// carries out in the same transaction.
package dispute

import (
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// Text is a user-facing string in both product languages.
type Text = aftersale.Text

// Category is what the dispute is about (SPEC §5).
type Category string

// Categories.
const (
	Quality       Category = "quality"
	Logistics     Category = "logistics"
	Service       Category = "service"
	CustomerError Category = "customer_error" // the customer's mis-operation
	OrderError    Category = "order_error"    // wrong order information
)

// Categories lists every category in a stable order.
var Categories = []Category{Quality, Logistics, Service, CustomerError, OrderError}

var categoryLabels = map[Category]Text{
	Quality:       {ZH: "商品质量", EN: "Quality"},
	Logistics:     {ZH: "物流问题", EN: "Logistics"},
	Service:       {ZH: "服务问题", EN: "Service"},
	CustomerError: {ZH: "消费者误操作", EN: "Customer error"},
	OrderError:    {ZH: "订单信息错误", EN: "Order information error"},
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { _, ok := categoryLabels[c]; return ok }

// Label is the category's name for people.
func (c Category) Label() Text { return categoryLabels[c] }

// Suggest is the category a case's reason suggests; the platform may change it at
// admission.
func Suggest(r aftersale.Reason) Category {
	switch r {
	case aftersale.NotReceived, aftersale.LostParcel, aftersale.DamagedInTransit, aftersale.AbnormalSignoff:
		return Logistics
	case aftersale.WrongItem, aftersale.MissingParts, aftersale.OutOfStock:
		return OrderError
	case aftersale.NoReason, aftersale.ChangedMind, aftersale.SizeFit, aftersale.PriceProtection, aftersale.OtherReason:
		return Service
	}
	return Quality
}

// State is where a dispute stands.
type State string

// States.
const (
	Open      State = "open"      // escalated, waiting for the admissibility review
	Admitted  State = "admitted"  // the platform took it up
	Dismissed State = "dismissed" // not admitted: the case stands as it was decided
	Evidence  State = "evidence"  // one side or both asked for evidence, with a deadline
	Mediation State = "mediation" // a proposal is on the table
	Agreed    State = "agreed"    // both sides accepted a proposal
	Ruled     State = "ruled"     // a supervisor (or a rule) decided
	Withdrawn State = "withdrawn" // the customer withdrew before a ruling
)

// States lists every state in a stable order.
var States = []State{Open, Admitted, Evidence, Mediation, Agreed, Ruled, Dismissed, Withdrawn}

var stateLabels = map[State]Text{
	Open:      {ZH: "待受理", EN: "Open"},
	Admitted:  {ZH: "已受理", EN: "Admitted"},
	Dismissed: {ZH: "不予受理", EN: "Dismissed"},
	Evidence:  {ZH: "举证中", EN: "Evidence"},
	Mediation: {ZH: "调解中", EN: "Mediation"},
	Agreed:    {ZH: "调解达成", EN: "Agreed"},
	Ruled:     {ZH: "已裁决", EN: "Ruled"},
	Withdrawn: {ZH: "已撤回", EN: "Withdrawn"},
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { _, ok := stateLabels[s]; return ok }

// Label is the state's name for people.
func (s State) Label() Text { return stateLabels[s] }

// Terminal reports whether the dispute has ended.
func (s State) Terminal() bool {
	return s == Dismissed || s == Agreed || s == Ruled || s == Withdrawn
}

// Action is something someone does to a dispute.
type Action string

// Actions, as the API names them.
const (
	Admit           Action = "admit"
	Dismiss         Action = "dismiss"
	RequestEvidence Action = "request_evidence"
	SubmitEvidence  Action = "submit_evidence"
	Propose         Action = "propose"
	AcceptProposal  Action = "accept_proposal"
	RejectProposal  Action = "reject_proposal"
	Rule            Action = "rule"
	Advance         Action = "advance"
	Withdraw        Action = "withdraw"
	// Lapse is the clock's: an evidence deadline passed in a category where missing it does
	// not lose the dispute by itself; the platform decides on what it has.
	Lapse Action = "lapse"
	// Open is the dispute's first event (the case's escalation).
	OpenAction Action = "open"
)

// Actions lists every action in a stable order.
var Actions = []Action{Admit, Dismiss, RequestEvidence, SubmitEvidence, Propose, AcceptProposal, RejectProposal, Rule, Advance, Withdraw, Lapse}

var actionLabels = map[Action]Text{
	OpenAction:      {ZH: "申请平台介入", EN: "Escalated to the platform"},
	Admit:           {ZH: "受理", EN: "Admit"},
	Dismiss:         {ZH: "不予受理", EN: "Dismiss"},
	RequestEvidence: {ZH: "要求举证", EN: "Request evidence"},
	SubmitEvidence:  {ZH: "提交凭证", EN: "Submit evidence"},
	Propose:         {ZH: "提出调解方案", EN: "Propose a settlement"},
	AcceptProposal:  {ZH: "接受调解方案", EN: "Accept the proposal"},
	RejectProposal:  {ZH: "拒绝调解方案", EN: "Reject the proposal"},
	Rule:            {ZH: "裁决", EN: "Rule"},
	Advance:         {ZH: "先行赔付", EN: "Advance payment"},
	Withdraw:        {ZH: "撤回", EN: "Withdraw"},
	Lapse:           {ZH: "举证期限届满", EN: "Evidence deadline passed"},
}

// Valid reports whether a is an action someone may ask for.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// Label is the action's name for people.
func (a Action) Label() Text { return actionLabels[a] }

// Party is a side of the dispute.
type Party string

// Parties.
const (
	CustomerSide Party = "customer"
	MerchantSide Party = "merchant"
)

// Other is the other side.
func (p Party) Other() Party {
	if p == CustomerSide {
		return MerchantSide
	}
	return CustomerSide
}

// Valid reports whether p is a side.
func (p Party) Valid() bool { return p == CustomerSide || p == MerchantSide }

// Label is the side's name for people.
func (p Party) Label() Text {
	if p == CustomerSide {
		return Text{ZH: "消费者", EN: "Customer"}
	}
	return Text{ZH: "商家", EN: "Merchant"}
}

// PartyOf is the side a role acts for (false for the platform's roles).
func PartyOf(r aftersale.Role) (Party, bool) {
	switch r {
	case aftersale.Customer:
		return CustomerSide, true
	case aftersale.Merchant:
		return MerchantSide, true
	}
	return "", false
}

// Outcome is who a ruling or an agreement favours.
type Outcome string

// Outcomes.
const (
	ForCustomer Outcome = "customer" // the customer gets what the case asked (or the amount awarded)
	ForMerchant Outcome = "merchant" // the merchant's decision stands: the case closes
	Split       Outcome = "split"    // the customer gets part: a partial refund, the goods stay
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{ForCustomer, ForMerchant, Split}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Label is the outcome's name for people.
func (o Outcome) Label() Text {
	switch o {
	case ForCustomer:
		return Text{ZH: "支持消费者", EN: "For the customer"}
	case ForMerchant:
		return Text{ZH: "支持商家", EN: "For the merchant"}
	}
	return Text{ZH: "双方分担", EN: "Split"}
}

// Liability is who is responsible for what went wrong.
type Liability string

// Liabilities.
const (
	LiableMerchant Liability = "merchant"
	LiablePlatform Liability = "platform"
	LiableCarrier  Liability = "carrier"
	LiableCustomer Liability = "customer"
)

// Liabilities lists every liability.
var Liabilities = []Liability{LiableMerchant, LiablePlatform, LiableCarrier, LiableCustomer}

// Valid reports whether l is a known liability.
func (l Liability) Valid() bool { return slices.Contains(Liabilities, l) }

// Label is the liability's name for people.
func (l Liability) Label() Text {
	switch l {
	case LiableMerchant:
		return Text{ZH: "商家责任", EN: "Merchant"}
	case LiablePlatform:
		return Text{ZH: "平台责任", EN: "Platform"}
	case LiableCarrier:
		return Text{ZH: "承运商责任", EN: "Carrier"}
	}
	return Text{ZH: "消费者责任", EN: "Customer"}
}

// Standard is one row of the policy's compensation standard table (赔付标准): what a
// ruling under it awards — a share of what was paid and/or a fixed amount, up to a cap.
type Standard struct {
	Code string `json:"code" yaml:"code"`
	Name Text   `json:"name" yaml:"name"`
	// PercentBP of what the customer paid for the case's items (10000 = 100%; a refund
	// plus three times the price is 40000).
	PercentBP int64  `json:"percent_bp,omitempty" yaml:"percent_bp,omitempty"`
	Fixed     int64  `json:"fixed,omitempty" yaml:"fixed,omitempty"` // minor units
	Cap       int64  `json:"cap,omitempty" yaml:"cap,omitempty"`     // minor units; 0: none
	Source    string `json:"source,omitempty" yaml:"source,omitempty"`
}

// Award is what the standard awards on paid.
func (s Standard) Award(paid money.Amount) money.Amount {
	amt := paid.Percent(s.PercentBP).MustAdd(money.New(s.Fixed, paid.Currency))
	if s.Cap > 0 {
		amt = money.Min(amt, money.New(s.Cap, paid.Currency))
	}
	return amt
}

// Terms is what the dispute process needs from the policy in force for its case.
type Terms interface {
	// EvidenceDue is when evidence asked for at now is due, by default.
	EvidenceDue(now time.Time) time.Time
	// LosesByDefault reports whether a side that misses its evidence deadline in a
	// dispute of category c loses it by rule.
	LosesByDefault(c Category) bool
	// AdvanceDue is when the platform advances the refund to the customer by itself if
	// the merchant has not answered a dispute admitted at now (false: never by rule).
	AdvanceDue(now time.Time) (time.Time, bool)
	// Standard finds a row of the compensation standard table.
	Standard(code string) (Standard, bool)
}

// Dispute is one platform intervention in one case.
type Dispute struct {
	ID         string   `json:"id"`
	Number     string   `json:"number"` // DP + the case's number
	CaseID     string   `json:"case_id"`
	CaseNumber string   `json:"case_number"`
	OrderNo    string   `json:"order_no"`
	Merchant   string   `json:"merchant"`
	Customer   string   `json:"customer"`
	Category   Category `json:"category"`
	State      State    `json:"state"`
	Version    int64    `json:"version"`
	// What the case was when it was escalated.
	CaseType  aftersale.Type   `json:"case_type"`
	Reason    aftersale.Reason `json:"reason"`
	CaseState aftersale.State  `json:"case_state"` // the state the case was escalated from
	Statement string           `json:"statement,omitempty"`
	// Paid is what the customer paid for the case's items (the standards' base);
	// Refundable is the most the case itself may pay back (items and shipping fee), of
	// which PaidBack was already paid when it was escalated (an exchange's price
	// difference).
	Paid       money.Amount `json:"paid"`
	Refundable money.Amount `json:"refundable"`
	PaidBack   money.Amount `json:"paid_back"`

	Requests  []Request    `json:"requests,omitempty"`
	Evidence  []Submission `json:"evidence,omitempty"`
	Proposal  *Proposal    `json:"proposal,omitempty"`
	Ruling    *Ruling      `json:"ruling,omitempty"`
	Advanced  money.Amount `json:"advanced"`
	Dismissal string       `json:"dismissal,omitempty"` // why it was not admitted
	Deadlines []Deadline   `json:"deadlines,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// Request is evidence asked of a side, due by a time.
type Request struct {
	Party    Party     `json:"party"`
	Note     string    `json:"note,omitempty"`
	DueAt    time.Time `json:"due_at"`
	Answered bool      `json:"answered,omitempty"`
	Lapsed   bool      `json:"lapsed,omitempty"`
}

// Submission is evidence one side (or the platform) submitted.
type Submission struct {
	Seq          int64                `json:"seq"` // the event that added it
	Party        Party                `json:"party,omitempty"`
	Actor        aftersale.Actor      `json:"actor"`
	At           time.Time            `json:"at"`
	Note         string               `json:"note,omitempty"`
	Attachments  []aftersale.Evidence `json:"attachments,omitempty"`
	PlatformOnly bool                 `json:"platform_only,omitempty"`
}

// Proposal is a mediation proposal.
type Proposal struct {
	Outcome  Outcome         `json:"outcome"`
	Amount   money.Amount    `json:"amount"`
	Note     string          `json:"note,omitempty"`
	Actor    aftersale.Actor `json:"actor"`
	At       time.Time       `json:"at"`
	Accepted []Party         `json:"accepted,omitempty"`
	Rejected []Party         `json:"rejected,omitempty"`
}

// Ruling is how a dispute was decided (by a supervisor, or by rule when a side missed its
// evidence deadline).
type Ruling struct {
	Outcome   Outcome         `json:"outcome"`
	Liability Liability       `json:"liability"`
	Amount    money.Amount    `json:"amount"`
	Standard  string          `json:"standard,omitempty"`
	Basis     Text            `json:"basis"`
	ByRule    bool            `json:"by_rule,omitempty"`
	Actor     aftersale.Actor `json:"actor"`
	At        time.Time       `json:"at"`
}

// DeadlineKind is a clock running on a dispute. The application keeps each as a durable
// timer of the dispute's case.
type DeadlineKind = aftersale.DeadlineKind

// Deadline kinds of disputes; all begin with "dispute_".
const (
	CustomerEvidence DeadlineKind = "dispute_evidence_customer"
	MerchantEvidence DeadlineKind = "dispute_evidence_merchant"
	AdvanceByRule    DeadlineKind = "dispute_advance"
)

// Deadline is a clock running on the dispute.
type Deadline = aftersale.Deadline

// IsDeadline reports whether a timer kind is a dispute's.
func IsDeadline(k DeadlineKind) bool {
	return k == CustomerEvidence || k == MerchantEvidence || k == AdvanceByRule
}

// EvidenceKind is the deadline kind of a side's evidence.
func EvidenceKind(p Party) DeadlineKind {
	if p == CustomerSide {
		return CustomerEvidence
	}
	return MerchantEvidence
}

// Event is one entry of a dispute's append-only history: exactly one per transition.
type Event struct {
	Seq    int64             `json:"seq"`
	Action Action            `json:"action"`
	Actor  aftersale.Actor   `json:"actor"`
	From   State             `json:"from,omitempty"`
	To     State             `json:"to"`
	At     time.Time         `json:"at"`
	Note   string            `json:"note,omitempty"`
	Data   map[string]string `json:"data,omitempty"`
}

// Command is what someone asks of a dispute.
type Command struct {
	Action       Action
	Actor        aftersale.Actor
	Note         string
	Category     Category             // admit: the platform's category, if it changes it
	Party        Party                // request_evidence
	Due          *time.Time           // request_evidence; nil: the policy's default
	Evidence     []aftersale.Evidence // submit_evidence
	PlatformOnly bool                 // submit_evidence
	Outcome      Outcome              // propose, rule
	Liability    Liability            // rule
	Amount       *money.Amount        // propose, rule, advance
	Standard     string               // rule
	Basis        Text                 // rule: the written basis, zh and/or en
}

// CaseMove is what the dispute's end asks of its case: an action on the case by the
// dispute's actor, with a note, and — for an award below the full refund — the amount the
// case then refunds.
type CaseMove struct {
	Action aftersale.Action
	Amount *money.Amount
	Note   string
}

// Effects are what the application must do because of a dispute transition, in the same
// transaction.
type Effects struct {
	Case *CaseMove // the case follows the dispute's end
	// Advance is paid to the customer by the platform now, and recovered from the merchant.
	Advance money.Amount
	// Compensation is awarded beyond what the case itself refunds (a standard above the
	// price), paid by Payer.
	Compensation money.Amount
	Payer        Liability
	Cancel       []DeadlineKind
	Set          []Deadline
	Notify       []Party
}

// Result is a transition's outcome.
type Result struct {
	Dispute Dispute
	Event   Event
	Effects Effects
}

// New opens the dispute of a case that was just escalated from state from by actor.
func New(id string, c *aftersale.Case, from aftersale.State, actor aftersale.Actor, statement string, now time.Time) Result {
	refundable := c.Refundable().MustAdd(c.ShippingRefund)
	d := Dispute{
		ID: id, Number: "DP" + c.Number, CaseID: c.ID, CaseNumber: c.Number, OrderNo: c.OrderNo,
		Merchant: c.MerchantID, Customer: c.CustomerID, Category: Suggest(c.Reason), State: Open, Version: 1,
		CaseType: c.Type, Reason: c.Reason, CaseState: from, Statement: statement,
		Paid: c.ItemsPaid, Refundable: refundable, PaidBack: c.RefundedAmount, Advanced: money.New(0, c.ItemsPaid.Currency),
		CreatedAt: now, UpdatedAt: now,
	}
	ev := Event{Seq: 1, Action: OpenAction, Actor: actor, To: Open, At: now, Note: statement,
		Data: map[string]string{"category": string(d.Category), "case_state": string(from)}}
	return Result{Dispute: d, Event: ev, Effects: Effects{Notify: []Party{MerchantSide}}}
}

// NotAllowedError is an action the dispute's state does not offer to the actor.
type NotAllowedError struct {
	Action  Action
	State   State
	Role    aftersale.Role
	Allowed []Action
	Why     Text
}

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("dispute: %s may not %s a dispute in state %s (allowed: %v)", e.Role, e.Action, e.State, e.Allowed)
}

// InvalidError is a command field that is wrong.
type InvalidError = aftersale.InvalidError

func invalid(field, zh, en string) error {
	return &InvalidError{Field: field, Message: Text{ZH: zh, EN: en}}
}
