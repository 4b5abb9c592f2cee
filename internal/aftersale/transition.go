package aftersale

import (
	"fmt"

	"github.com/aftersales/aftersales/internal/money"
	"slices"
	"strings"
	"time"
)

// NotAllowedError says that an action cannot be taken on a case now: the state does not
// offer it, the role may not take it, or a condition of the case forbids it. Allowed lists
// what the role may do instead.
type NotAllowedError struct {
	Action  Action
	State   State
	Role    Role
	Type    Type
	Allowed []Action
	Why     Text
}

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("%s may not %s a %s case in state %s: %s (allowed: %s)",
		e.Role, e.Action, e.Type, e.State, e.Why.EN, joinActions(e.Allowed))
}

// InvalidError says that a field of a command or application is missing or wrong.
type InvalidError struct {
	Field   string
	Message Text
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message.EN }

func invalid(field, zh, en string) error {
	return &InvalidError{Field: field, Message: Text{zh, en}}
}

func joinActions(as []Action) string {
	if len(as) == 0 {
		return "none"
	}
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// Allowed lists the actions role may take on c now, in table order.
func Allowed(c *Case, role Role, p Policy) []Action {
	var out []Action
	for _, r := range byState[c.State] {
		if r.hasType(c.Type) && r.hasRole(role) && (r.guard == nil || r.guard(c, p)) && !slices.Contains(out, r.action) {
			out = append(out, r.action)
		}
	}
	return out
}

// Transition decides what happens when cmd is applied to c at now under policy p. On
// success it returns the new case (version + 1), exactly one history event, and the effects
// the application must carry out in the same transaction. On failure it returns a
// *NotAllowedError or an *InvalidError and c is unchanged.
func Transition(c Case, cmd Command, now time.Time, p Policy) (Result, error) {
	role := cmd.Actor.Role
	if c.State.Terminal() {
		return Result{}, &NotAllowedError{Action: cmd.Action, State: c.State, Role: role, Type: c.Type,
			Why: Text{"售后单已结束", "the case has ended"}}
	}
	r := lookup(c.State, cmd.Action, c.Type, role)
	if r == nil || (r.guard != nil && !r.guard(&c, p)) {
		return Result{}, notAllowed(&c, cmd.Action, role, p, r != nil)
	}
	if err := cmd.inRange(); err != nil {
		return Result{}, err
	}
	if cmd.Finding != "" && (cmd.Action != ConfirmReceipt || cmd.Inspection != InspectionFail) {
		return Result{}, invalid("finding", "只有验货不通过时才填写验货发现", "a finding is only given when the goods fail inspection (confirm_receipt, inspection fail)")
	}
	if cmd.Finding != "" && !cmd.Finding.Valid() {
		return Result{}, invalid("finding", "验货发现应为 empty_box、swapped_item、damaged、used、missing_parts 或 other",
			"the finding must be empty_box, swapped_item, damaged, used, missing_parts or other")
	}
	if r.check != nil {
		if err := r.check(&c, &cmd, p); err != nil {
			return Result{}, err
		}
	}

	next := c.clone()
	var fx Effects
	to := r.to[0]
	if r.apply != nil {
		to = r.apply(&next, &cmd, now, p, &fx)
	}
	from := c.State
	next.State = to
	next.Version = c.Version + 1
	next.UpdatedAt = now
	if len(cmd.Evidence) > 0 {
		next.Evidence = append(next.Evidence, cmd.Evidence...)
	}

	// Leaving a waiting state stops its clock; entering one starts it.
	next.Deadlines = nil
	for _, d := range c.Deadlines {
		fx.CancelDeadlines = append(fx.CancelDeadlines, d.Kind)
	}
	if k, ok := DeadlineKindOf(to); ok {
		if due, ok := p.Deadline(&next, k, now); ok {
			d := Deadline{Kind: k, Due: due}
			next.Deadlines = []Deadline{d}
			fx.SetDeadlines = append(fx.SetDeadlines, d)
		}
	}
	fx.Messages = append(fx.Messages, Message{Template: "case." + string(cmd.Action), To: recipients(role)})

	ev := Event{
		Seq:           next.Version,
		Action:        cmd.Action,
		Actor:         cmd.Actor,
		From:          from,
		To:            to,
		At:            now,
		Note:          cmd.Note,
		Evidence:      cmd.Evidence,
		Data:          eventData(&cmd),
		PolicyVersion: c.PolicyVersion,
	}
	return Result{Case: next, Event: ev, Effects: fx}, nil
}

func notAllowed(c *Case, a Action, role Role, p Policy, guarded bool) error {
	e := &NotAllowedError{Action: a, State: c.State, Role: role, Type: c.Type, Allowed: Allowed(c, role, p)}
	switch {
	case !a.Valid():
		e.Why = Text{"未知的操作", "unknown action"}
	case guarded:
		e.Why = guardReason(c, a, p)
	case anyRoleMay(c, a):
		e.Why = Text{"你的角色不能执行此操作", "your role may not take this action"}
	default:
		e.Why = Text{"当前状态不允许此操作", "the current state does not offer this action"}
	}
	return e
}

func anyRoleMay(c *Case, a Action) bool {
	for _, r := range byState[c.State] {
		if r.action == a && r.hasType(c.Type) {
			return true
		}
	}
	return false
}

func guardReason(c *Case, a Action, p Policy) Text {
	switch a {
	case Reapply:
		return Text{
			fmt.Sprintf("已达到再次申请次数上限(%d 次)", p.ReapplyLimit(c)),
			fmt.Sprintf("the re-application limit (%d) has been reached", p.ReapplyLimit(c)),
		}
	case Refund:
		return Text{"订单已发货或政策不允许超时自动退款", "the order has shipped, or the policy does not refund on silence"}
	case Quote:
		return Text{"保修期内维修免费,或报价已被接受", "in-warranty repairs are free, or a quote was already accepted"}
	case RepairDone, RepairFailed:
		return Text{"保修期外维修须先经买家接受报价", "an out-of-warranty repair needs an accepted quote first"}
	case Approve:
		return Text{"政策不允许超时自动同意", "the policy does not auto-approve on silence"}
	case Cancel:
		return Text{"款项已发生变动,不能撤销", "money has already moved on this case, so it cannot be cancelled"}
	case Escalate:
		return Text{"政策规定超时自动同意", "the policy auto-approves on silence"}
	case Confirm:
		return Text{"退款尚未到账,到账后才能确认完成", "the money of this case is not paid yet; it can complete once it is"}
	}
	return Text{"条件不满足", "a condition of the case is not met"}
}

func recipients(actor Role) []Role {
	switch actor {
	case Customer:
		return []Role{Merchant}
	case System:
		return []Role{Customer, Merchant}
	}
	return []Role{Customer}
}

func eventData(cmd *Command) map[string]string {
	d := map[string]string{}
	if cmd.Carrier != "" {
		d["carrier"] = cmd.Carrier
	}
	if cmd.TrackingNo != "" {
		d["tracking_no"] = cmd.TrackingNo
	}
	if cmd.Inspection != "" {
		d["inspection"] = string(cmd.Inspection)
	}
	if cmd.Finding != "" {
		d["finding"] = string(cmd.Finding)
	}
	if !cmd.Deduction.IsZero() {
		d["deduction"] = cmd.Deduction.String()
	}
	if cmd.Amount != nil {
		d["amount"] = cmd.Amount.String()
	}
	if !cmd.Cost.IsZero() {
		d["cost"] = cmd.Cost.String()
	}
	if !cmd.PostageReduction.IsZero() {
		d["postage_reduction"] = cmd.PostageReduction.String()
	}
	if len(d) == 0 {
		return nil
	}
	return d
}

// inRange refuses a command whose amounts are beyond money.Limit, before any rule adds them
// up: no amount a person enters can make a sum overflow.
func (cmd *Command) inRange() error {
	fields := []struct {
		name string
		a    money.Amount
	}{{"cost", cmd.Cost}, {"deduction", cmd.Deduction}, {"postage_reduction", cmd.PostageReduction}}
	if cmd.Amount != nil {
		fields = append(fields, struct {
			name string
			a    money.Amount
		}{"amount", *cmd.Amount})
	}
	for _, f := range fields {
		if !f.a.InRange() {
			return invalid(f.name, "金额超出允许范围", "the amount is out of range (at most "+money.New(money.Limit, f.a.Currency).String()+")")
		}
	}
	return nil
}

// clone copies c deeply enough that changing the copy never changes c.
func (c Case) clone() Case {
	n := c
	n.Items = slices.Clone(c.Items)
	n.Evidence = slices.Clone(c.Evidence)
	n.Deadlines = slices.Clone(c.Deadlines)
	if c.ReturnShipment != nil {
		s := *c.ReturnShipment
		n.ReturnShipment = &s
	}
	if c.OutboundShipment != nil {
		s := *c.OutboundShipment
		n.OutboundShipment = &s
	}
	return n
}

// TimeoutAction is what System does when the deadline of c's current state passes
// (SPEC §4): merchant silence approves (refund-only before shipment: refunds at once),
// customer silence closes, a merchant who does not confirm receipt in time has the refund
// or exchange go ahead, a merchant who does not deliver a solution has the platform step in.
// ok is false when the state has no timeout.
func TimeoutAction(c *Case, p Policy) (Command, bool) {
	cmd := Command{Actor: SystemActor, Note: "timeout"}
	switch c.State {
	case Requested:
		switch {
		case !p.AutoApproveOnSilence(c):
			cmd.Action = Escalate
		case c.Type == RefundOnly && !c.OrderShipped:
			cmd.Action = Refund
		default:
			cmd.Action = Approve
		}
	case InfoRequested, Rejected, Approved, InspectionFailed, Offered:
		cmd.Action = Close
	case Returning, ReturnDelivered:
		if c.Type == ReturnRefund {
			cmd.Action = Refund
		} else {
			cmd.Action = ConfirmReceipt
			cmd.Inspection = InspectionPass
		}
	case Refunding:
		cmd.Action = Refund
	case ExchangePending, Repairing, Reshipping, RepairChoice:
		cmd.Action = Escalate
	case Quoted:
		cmd.Action = DeclineQuote
	case Resolved:
		cmd.Action = Confirm
	default:
		return Command{}, false
	}
	return cmd, true
}
