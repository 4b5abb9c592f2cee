package aftersale

import (
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// Policy is what the life cycle needs from the policy in force for a case. The policy
// package implements it; tests may use a fixed one.
type Policy interface {
	// Deadline returns when a wait of kind k that starts at now ends for case c;
	// ok is false when the policy sets no deadline for it.
	Deadline(c *Case, k DeadlineKind, now time.Time) (due time.Time, ok bool)
	// ReapplyLimit is how many times a rejected customer may apply again.
	ReapplyLimit(c *Case) int
	// MaxFailedRepairs is the number of failed repairs after which the customer may
	// choose exchange or return instead (三包: two).
	MaxFailedRepairs(c *Case) int
	// AutoApproveOnSilence reports whether a merchant's silence approves the case.
	AutoApproveOnSilence(c *Case) bool
	// MaxDeduction is the most an inspection may deduct from the refund of c.
	MaxDeduction(c *Case) money.Amount
	// MaxCompensation is the most a compensation offer on c may be.
	MaxCompensation(c *Case) money.Amount
	// MaxReturnPostage is the most the merchant repays for one return parcel sent with
	// carrier (the carrier's first-weight rate, 首重), when the merchant bears the postage.
	MaxReturnPostage(c *Case, carrier string) money.Amount
	// MaxPostageReduction is the most a merchant may take off a return postage claim of
	// claim (already capped), with a reason.
	MaxPostageReduction(c *Case, claim money.Amount) money.Amount
}

// rule is one row of the life-cycle table: in state from, roles may take action on cases of
// types (all types when empty), leading to one of to.
type rule struct {
	from   State
	action Action
	roles  []Role
	types  []Type
	to     []State
	// guard says whether the action is available at all for this case (listed in the
	// allowed actions); nil means always.
	guard func(c *Case, p Policy) bool
	// check validates the command's own fields; nil means nothing to check.
	check func(c *Case, cmd *Command, p Policy) error
	// apply changes the (copied) case, adds money effects, and returns the next state; nil
	// means "go to to[0]".
	apply func(c *Case, cmd *Command, now time.Time, p Policy, fx *Effects) State
}

func (r *rule) hasRole(role Role) bool {
	for _, x := range r.roles {
		if x == role {
			return true
		}
	}
	return false
}

func (r *rule) hasType(t Type) bool {
	if len(r.types) == 0 {
		return true
	}
	for _, x := range r.types {
		if x == t {
			return true
		}
	}
	return false
}

var (
	customer         = []Role{Customer}
	staff            = []Role{Merchant, Agent, Supervisor} // merchant decisions; platform agents may take them too
	staffOrSystem    = []Role{Merchant, Agent, Supervisor, System}
	system           = []Role{System}
	customerSystem   = []Role{Customer, System}
	ruling           = []Role{Supervisor, System} // platform rulings on disputes (System: by rule, when a side misses its evidence deadline)
	anyoneButStaff   = []Role{Customer, Agent, Supervisor, System}
	platformOrSystem = []Role{Agent, Supervisor, System} // what a carrier reports, or the platform's staff on its word

	refundTypes = []Type{RefundOnly, Compensation}
	returnTypes = []Type{ReturnRefund, Exchange, Repair}
	fulfilTypes = []Type{Exchange, Repair, Reship} // types whose solution is goods, not money
)

// table is the life cycle of all six case types. Rows are grouped by the state they leave.
var table = []rule{
	// requested: the merchant answers; silence approves (or refunds, or escalates).
	{from: Requested, action: Approve, roles: staff, types: refundTypes, to: []State{Refunding}},
	{from: Requested, action: Approve, roles: staff, types: returnTypes, to: []State{Approved}},
	{from: Requested, action: Approve, roles: staff, types: []Type{Reship}, to: []State{Reshipping}},
	{from: Requested, action: Approve, roles: system, types: refundTypes, to: []State{Refunding}, guard: autoApproves},
	{from: Requested, action: Approve, roles: system, types: returnTypes, to: []State{Approved}, guard: autoApproves},
	{from: Requested, action: Approve, roles: system, types: []Type{Reship}, to: []State{Reshipping}, guard: autoApproves},
	{from: Requested, action: Refund, roles: staff, types: []Type{RefundOnly}, to: []State{Resolved}, check: checkRefund, apply: applyRefund},
	{from: Requested, action: Refund, roles: system, types: []Type{RefundOnly}, to: []State{Resolved}, guard: autoRefunds, check: checkRefund, apply: applyRefund},
	{from: Requested, action: Offer, roles: staff, types: []Type{Compensation}, to: []State{Offered}, check: checkOffer, apply: applyOffer},
	{from: Requested, action: Reject, roles: staff, to: []State{Rejected}, check: needNote},
	{from: Requested, action: RequestInfo, roles: staff, to: []State{InfoRequested}, check: needNote},
	{from: Requested, action: Escalate, roles: system, to: []State{Disputed}, guard: noAutoApproval, apply: applyEscalate},
	{from: Requested, action: Cancel, roles: customer, to: []State{Closed}},

	{from: InfoRequested, action: ProvideInfo, roles: customer, to: []State{Requested}, check: needNoteOrEvidence, apply: applyProvideInfo},
	{from: InfoRequested, action: Cancel, roles: customer, to: []State{Closed}},
	{from: InfoRequested, action: Close, roles: system, to: []State{Closed}},

	{from: Rejected, action: Reapply, roles: customer, to: []State{Requested}, guard: canReapply, apply: applyReapply},
	{from: Rejected, action: Escalate, roles: customer, to: []State{Disputed}, check: needNote, apply: applyEscalate},
	{from: Rejected, action: Cancel, roles: customer, to: []State{Closed}},
	{from: Rejected, action: Close, roles: system, to: []State{Closed}},

	// approved: the customer ships the goods back; silence closes the case.
	{from: Approved, action: ShipBack, roles: customer, types: returnTypes, to: []State{Returning}, check: needParcel, apply: applyShipBack},
	{from: Approved, action: Cancel, roles: customer, types: returnTypes, to: []State{Closed}},
	{from: Approved, action: Close, roles: system, types: returnTypes, to: []State{Closed}},

	// returning / return_delivered: the merchant confirms receipt and inspects; silence
	// refunds (return and refund) or passes the goods (exchange, repair).
	{from: Returning, action: Deliver, roles: anyoneButStaff, types: returnTypes, to: []State{ReturnDelivered}, apply: applyDeliver},
	{from: Returning, action: ConfirmReceipt, roles: staff, types: returnTypes, to: []State{Refunding, ExchangePending, Repairing, InspectionFailed}, check: checkInspection, apply: applyInspection},
	{from: Returning, action: ConfirmReceipt, roles: system, types: []Type{Exchange, Repair}, to: []State{ExchangePending, Repairing}, check: systemPasses, apply: applyInspection},
	{from: Returning, action: Refund, roles: system, types: []Type{ReturnRefund}, to: []State{Resolved}, check: checkRefund, apply: applyRefund},
	{from: ReturnDelivered, action: ConfirmReceipt, roles: staff, types: returnTypes, to: []State{Refunding, ExchangePending, Repairing, InspectionFailed}, check: checkInspection, apply: applyInspection},
	{from: ReturnDelivered, action: ConfirmReceipt, roles: system, types: []Type{Exchange, Repair}, to: []State{ExchangePending, Repairing}, check: systemPasses, apply: applyInspection},
	{from: ReturnDelivered, action: Refund, roles: system, types: []Type{ReturnRefund}, to: []State{Resolved}, check: checkRefund, apply: applyRefund},

	{from: InspectionFailed, action: Escalate, roles: customer, types: returnTypes, to: []State{Disputed}, check: needNote, apply: applyEscalate},
	{from: InspectionFailed, action: Cancel, roles: customer, types: returnTypes, to: []State{Closed}},
	{from: InspectionFailed, action: Close, roles: system, types: returnTypes, to: []State{Closed}},

	// refunding: money is due; the merchant's silence makes the platform refund.
	{from: Refunding, action: Refund, roles: staffOrSystem, to: []State{Resolved}, check: checkRefund, apply: applyRefund},

	{from: ExchangePending, action: ShipExchange, roles: staff, types: []Type{Exchange, Repair}, to: []State{Resolved}, check: checkShipExchange, apply: applyShipExchange},
	{from: ExchangePending, action: Escalate, roles: system, types: []Type{Exchange, Repair}, to: []State{Disputed}, apply: applyEscalate},

	{from: Repairing, action: Quote, roles: staff, types: []Type{Repair}, to: []State{Quoted}, guard: needsQuote, check: checkQuote, apply: applyQuote},
	{from: Repairing, action: RepairDone, roles: staff, types: []Type{Repair}, to: []State{Resolved}, guard: repairAuthorised, check: needParcel, apply: applyOutbound},
	{from: Repairing, action: RepairFailed, roles: staff, types: []Type{Repair}, to: []State{Repairing, RepairChoice}, guard: repairAuthorised, check: needNote, apply: applyRepairFailed},
	{from: Repairing, action: Escalate, roles: customer, types: []Type{Repair}, to: []State{Disputed}, check: needNote, apply: applyEscalate},
	{from: Repairing, action: Escalate, roles: system, types: []Type{Repair}, to: []State{Disputed}, apply: applyEscalate},
	{from: Quoted, action: AcceptQuote, roles: customer, types: []Type{Repair}, to: []State{Repairing}, apply: applyAcceptQuote},
	{from: Quoted, action: DeclineQuote, roles: customerSystem, types: []Type{Repair}, to: []State{Closed}},
	{from: RepairChoice, action: ChooseExchange, roles: customer, types: []Type{Repair}, to: []State{ExchangePending}},
	{from: RepairChoice, action: ChooseReturn, roles: customer, types: []Type{Repair}, to: []State{Refunding}, apply: applyChooseReturn},
	{from: RepairChoice, action: Escalate, roles: customer, types: []Type{Repair}, to: []State{Disputed}, check: needNote, apply: applyEscalate},
	{from: RepairChoice, action: Escalate, roles: system, types: []Type{Repair}, to: []State{Disputed}, apply: applyEscalate},

	{from: Reshipping, action: ShipReship, roles: staff, types: []Type{Reship}, to: []State{Resolved}, check: needParcel, apply: applyOutbound},
	{from: Reshipping, action: Escalate, roles: system, types: []Type{Reship}, to: []State{Disputed}, apply: applyEscalate},

	{from: Offered, action: AcceptOffer, roles: customer, types: []Type{Compensation}, to: []State{Refunding}, apply: applyAcceptOffer},
	{from: Offered, action: DeclineOffer, roles: customer, types: []Type{Compensation}, to: []State{Requested}},
	{from: Offered, action: Escalate, roles: customer, types: []Type{Compensation}, to: []State{Disputed}, check: needNote, apply: applyEscalate},
	{from: Offered, action: Cancel, roles: customer, types: []Type{Compensation}, to: []State{Closed}},
	{from: Offered, action: Close, roles: system, types: []Type{Compensation}, to: []State{Closed}},

	// resolved: the solution was delivered; the customer confirms (silence confirms) or, for
	// goods-based solutions, escalates.
	{from: Resolved, action: Confirm, roles: customerSystem, to: []State{Completed}, guard: moneySettled},
	{from: Resolved, action: Escalate, roles: customer, types: fulfilTypes, to: []State{Disputed}, check: needNote, apply: applyEscalate},
	{from: Resolved, action: OutboundDelivered, roles: platformOrSystem, types: fulfilTypes, to: []State{Resolved}, guard: outboundOnItsWay, apply: applyOutboundDelivered},

	// disputed: the dispute process (package dispute) ends in a ruling — the whole solution,
	// or (with an amount) a partial refund — or the customer withdraws; the platform may
	// pay first meanwhile.
	{from: Disputed, action: Approve, roles: ruling, to: []State{Approved, Refunding, ExchangePending, Repairing, Reshipping}, check: checkRuling, apply: applyRuling},
	{from: Disputed, action: Reject, roles: ruling, to: []State{Closed}, check: needNote},
	{from: Disputed, action: AdvancePay, roles: ruling, to: []State{Disputed}, guard: roomToAdvance, check: checkAdvance, apply: applyAdvance},
	{from: Disputed, action: Cancel, roles: customer, to: []State{Closed}, guard: noMoneyMoved},
}

// index of the table by state, built once.
var byState = func() map[State][]*rule {
	m := make(map[State][]*rule)
	for i := range table {
		r := &table[i]
		m[r.from] = append(m[r.from], r)
	}
	return m
}()

// lookup finds the row for action by role on a case of type t in state s.
func lookup(s State, a Action, t Type, role Role) *rule {
	for _, r := range byState[s] {
		if r.action == a && r.hasType(t) && r.hasRole(role) {
			return r
		}
	}
	return nil
}

// ClockAction reports whether the system's action a on a case of type t in state s is the
// clock's own — what the case's deadline does when nobody acted (approve on silence,
// close, escalate, refund on receipt) — rather than an event anyone may report, such as a
// carrier's delivery.
func ClockAction(s State, a Action, t Type) bool {
	r := lookup(s, a, t, System)
	return r != nil && len(r.roles) == 1 && r.roles[0] == System
}

// Actions lists, for a state and case type, the actions each role may take there, ignoring
// the guards that depend on a particular case. It is the static part of the table, for docs.
func Actions(s State, t Type) map[Role][]Action {
	out := make(map[Role][]Action)
	for _, r := range byState[s] {
		if !r.hasType(t) {
			continue
		}
		for _, role := range r.roles {
			if !containsAction(out[role], r.action) {
				out[role] = append(out[role], r.action)
			}
		}
	}
	return out
}

// Edge is one arrow of a type's state diagram.
type Edge struct {
	From   State
	Action Action
	Roles  []Role
	To     State
}

// Edges lists the arrows of the life cycle of type t, in table order. The docs' state
// diagrams are generated from it.
func Edges(t Type) []Edge {
	var es []Edge
	for i := range table {
		r := &table[i]
		if !r.hasType(t) {
			continue
		}
		for _, to := range r.to {
			if reachableTarget(t, r, to) {
				es = append(es, Edge{From: r.from, Action: r.action, Roles: r.roles, To: to})
			}
		}
	}
	return es
}

// reachableTarget filters the candidate targets of a multi-target row to those a case of
// type t can reach.
func reachableTarget(t Type, r *rule, to State) bool {
	switch {
	case r.action == ConfirmReceipt:
		return to == InspectionFailed || to == afterInspection(t)
	case r.from == Disputed && r.action == Approve:
		return to == approvedState(t) || to == afterInspection(t) || to == Refunding
	}
	return true
}

func containsAction(as []Action, a Action) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
