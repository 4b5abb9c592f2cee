package aftersale

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// Case is one customer request on one order (售后单). It is a value: Transition returns a
// new Case and never changes the one it was given.
type Case struct {
	ID         string `json:"id"`
	Number     string `json:"number"` // RMA number, assigned by the application
	OrderNo    string `json:"order_no"`
	MerchantID string `json:"merchant"`
	CustomerID string `json:"customer"`

	Type         Type         `json:"type"`
	Reason       Reason       `json:"reason"`
	State        State        `json:"state"`
	Version      int64        `json:"version"` // 1 when opened, +1 per transition
	Items        []Item       `json:"items"`
	Description  string       `json:"description,omitempty"`
	Evidence     []Evidence   `json:"evidence,omitempty"`
	RefundMethod RefundMethod `json:"refund_method"`
	Channel      string       `json:"channel,omitempty"`
	Priority     Priority     `json:"priority"`
	// Tier is the service-desk tier handling the case: 1, or 2 once escalated (an SLA
	// breach or a supervisor's decision).
	Tier int `json:"tier"`
	// Assignee is the staff username who owns the case (专人负责), Group the desk group whose
	// queue it sits in; both "" while nobody does (package desk decides the handovers).
	Assignee string `json:"assignee,omitempty"`
	Group    string `json:"group,omitempty"`
	// SLANotices are the SLA warnings and breaches already recorded, so each is recorded once.
	SLANotices []string `json:"sla_notices,omitempty"`
	// SLATrail is what the service clocks need of the case's history and conversation, kept
	// up to date at every event and public message (package sla), so that the clocks are
	// worked out without reading either back. Nil on cases stored before it existed.
	SLATrail *SLATrail `json:"sla_trail,omitempty"`
	// Rev counts the writes of the stored case: its transitions (Version) and the writes
	// that change no version (a public message moves the SLA trail). A write is refused
	// unless the stored case is still the revision it was made from.
	Rev int64 `json:"rev,omitempty"`

	// Facts of the order at application that the life cycle needs.
	PaymentMethod string `json:"payment_method"` // online | cod
	OrderShipped  bool   `json:"order_shipped"`
	// MerchantTier is the merchant's scorecard tier when the case was opened (policies may
	// give low tiers shorter deadlines; the case keeps it so its deadlines stay the same).
	MerchantTier string `json:"merchant_tier,omitempty"`
	// SLAFactorBP scales the policy's SLA targets for this case, in basis points: an
	// emergency plan active when it was opened (20000 doubles them, 5000 halves them); 0
	// leaves them as they are. The case keeps it, so its clocks stay the same after the plan.
	SLAFactorBP int `json:"sla_factor_bp,omitempty"`

	// Terms decided by the policy at application (and revised by later actions).
	PolicyVersion       string       `json:"policy_version"`
	ItemsPaid           money.Amount `json:"items_paid"`      // what was paid for the items and quantities of this case
	RefundAmount        money.Amount `json:"refund_amount"`   // what is due to the customer
	ShippingRefund      money.Amount `json:"shipping_refund"` // the order's shipping fee, part of RefundAmount
	RefundedAmount      money.Amount `json:"refunded_amount"`
	ChargedAmount       money.Amount `json:"charged_amount,omitempty"` // repair quotes, price differences paid by the customer
	ReturnShippingPayer Payer        `json:"return_shipping_payer"`
	ShippingReimbursed  bool         `json:"shipping_reimbursed,omitempty"`
	// PostageReduction is what the merchant took off the customer's return postage claim
	// at receipt, for PostageReductionReason (within what the policy allows).
	PostageReduction       money.Amount `json:"postage_reduction,omitzero"`
	PostageReductionReason string       `json:"postage_reduction_reason,omitempty"`
	InWarranty             bool         `json:"in_warranty,omitempty"`
	// RefundsUnits is true when the case pays back the units themselves (refund only,
	// return and refund, or a repair or exchange turned into a refund): a completed case
	// keeps the units it claimed.
	RefundsUnits bool `json:"refunds_units,omitempty"`
	Applications int  `json:"applications"` // 1 + re-applications

	FailedRepairs    int          `json:"failed_repairs,omitempty"`
	Quote            money.Amount `json:"quote,omitempty"`
	QuoteAccepted    bool         `json:"quote_accepted,omitempty"`
	Offer            money.Amount `json:"offer,omitempty"`
	RequestedAmount  money.Amount `json:"requested_amount,omitempty"` // compensation asked for
	ReturnShipment   *Shipment    `json:"return_shipment,omitempty"`
	ReceivedAt       time.Time    `json:"received_at,omitzero"` // the returned goods reached the merchant
	OutboundShipment *Shipment    `json:"outbound_shipment,omitempty"`
	DisputedFrom     State        `json:"disputed_from,omitempty"`

	Deadlines []Deadline `json:"deadlines"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`

	// MoneyPending is a fact of the ledger, not of the case, given by the application
	// when it loads the case: some money the case moved is not yet paid. A case cannot
	// complete while it is (SPEC §8: the case follows the money).
	MoneyPending bool `json:"-"`
}

// Priority is how urgent a case is for the service desk.
type Priority string

// Priorities, lowest first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists the priorities, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Raised is the next higher priority (urgent stays urgent).
func (p Priority) Raised() Priority {
	i := slices.Index(Priorities, p)
	if i < 0 || i == len(Priorities)-1 {
		return PriorityUrgent
	}
	return Priorities[i+1]
}

// Item is a line of the order and the quantity the case is about.
type Item struct {
	SKU        string       `json:"sku"`
	Quantity   int          `json:"quantity"`
	PaidAmount money.Amount `json:"paid_amount"` // paid for this quantity, discounts prorated
	// Refundable is the most this case may ever pay back for this line: what was paid for
	// the quantity, less what other cases had already taken from the line when it opened.
	Refundable money.Amount `json:"refundable"`
}

// Refundable is the most the case may pay back for its items, all lines together.
func (c *Case) Refundable() money.Amount {
	sum := money.New(0, c.ItemsPaid.Currency)
	for _, it := range c.Items {
		sum = sum.MustAdd(it.Refundable)
	}
	return sum
}

// Evidence is a reference to an uploaded photo, video or document.
type Evidence struct {
	ID   string `json:"id"`
	Kind string `json:"kind,omitempty"` // photo | video | document
}

// Shipment is a parcel with a carrier and tracking number.
type Shipment struct {
	Carrier    string       `json:"carrier"`
	TrackingNo string       `json:"tracking_no"`
	Cost       money.Amount `json:"cost,omitempty"` // postage the sender paid, when known
	At         time.Time    `json:"at"`
	// DeliveredAt is when the carrier reported the parcel delivered (an outbound parcel;
	// a return parcel's arrival is the case's ReceivedAt).
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Deadline is a clock running on the case.
type Deadline struct {
	Kind DeadlineKind `json:"kind"`
	Due  time.Time    `json:"due_at"`
}

// Actor is who acts.
type Actor struct {
	Role Role   `json:"role"`
	ID   string `json:"id,omitempty"`
}

// SystemActor is the platform acting on its own (timeouts, carrier events).
var SystemActor = Actor{Role: System, ID: "system"}

// Command is an actor's request to take an action on a case, with the action's own fields.
type Command struct {
	Action   Action
	Actor    Actor
	Note     string
	Evidence []Evidence

	Carrier    string       // ship_back, ship_exchange, repair_done, reship
	TrackingNo string       // idem
	Cost       money.Amount // ship_back: postage the customer paid

	Inspection Inspection   // confirm_receipt
	Finding    Finding      // confirm_receipt, a failed inspection: what it found (optional)
	Deduction  money.Amount // confirm_receipt: deduction allowed by policy (missing gifts …)
	// PostageReduction (confirm_receipt) is taken off the customer's return postage claim;
	// Note says why.
	PostageReduction money.Amount

	Amount *money.Amount // refund (must equal the amount due), quote, offer, ship_exchange price difference
}

// Event is one entry of a case's append-only history: exactly one per transition.
type Event struct {
	Seq           int64             `json:"seq"` // the case version this event produced
	Action        Action            `json:"action"`
	Actor         Actor             `json:"actor"`
	From          State             `json:"from,omitempty"`
	To            State             `json:"to"`
	At            time.Time         `json:"at"`
	Note          string            `json:"note,omitempty"`
	Evidence      []Evidence        `json:"evidence,omitempty"`
	Data          map[string]string `json:"data,omitempty"` // the action's fields: carrier, tracking_no, amount …
	PolicyVersion string            `json:"policy_version"`
}

// MovementKind says why money moves.
type MovementKind string

// Money movements a transition can cause (SPEC §8).
const (
	MoveRefund                MovementKind = "refund"
	MoveCompensation          MovementKind = "compensation"
	MovePriceDifference       MovementKind = "price_difference"       // exchange: merchant pays back the difference
	MoveShippingReimbursement MovementKind = "shipping_reimbursement" // merchant repays the customer's return postage
	MoveCharge                MovementKind = "charge"                 // customer pays (repair quote, exchange difference)
	MoveAdvance               MovementKind = "advance"                // the platform pays the customer first (先行赔付)
	MoveRecovery              MovementKind = "recovery"               // the merchant pays the platform back
)

// Movement is money to move as a consequence of a transition. Positive amounts go to the
// customer; MoveCharge amounts come from the customer.
type Movement struct {
	Kind   MovementKind `json:"kind"`
	Amount money.Amount `json:"amount"`
	Method RefundMethod `json:"method,omitempty"`
}

// Message is a notification to send: a template key and who receives it.
type Message struct {
	Template string `json:"template"` // "case.<action>"
	To       []Role `json:"to"`
}

// Effects are what the outside world must do because of a transition. The application
// writes them in the same transaction as the new case and its event.
type Effects struct {
	CancelDeadlines []DeadlineKind `json:"cancel_deadlines,omitempty"`
	SetDeadlines    []Deadline     `json:"set_deadlines,omitempty"`
	Money           []Movement     `json:"money,omitempty"`
	Messages        []Message      `json:"messages,omitempty"`
}

// Result is the outcome of a successful transition.
type Result struct {
	Case    Case
	Event   Event
	Effects Effects
}
