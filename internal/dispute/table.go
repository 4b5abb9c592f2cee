package dispute

import (
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// rule is one row of the dispute table: in state from, roles may take action, leading to
// one of to.
type rule struct {
	from   State
	action Action
	roles  []aftersale.Role
	to     []State
	guard  func(d *Dispute, role aftersale.Role) bool // listed in the allowed actions at all
	check  func(d *Dispute, cmd *Command, t Terms, now time.Time) error
	apply  func(d *Dispute, cmd *Command, t Terms, now time.Time, fx *Effects) State // nil: to[0]
}

var (
	platform   = []aftersale.Role{aftersale.Agent, aftersale.Supervisor}
	supervisor = []aftersale.Role{aftersale.Supervisor}
	ruler      = []aftersale.Role{aftersale.Supervisor, aftersale.System}
	sides      = []aftersale.Role{aftersale.Customer, aftersale.Merchant}
	anyone     = []aftersale.Role{aftersale.Customer, aftersale.Merchant, aftersale.Agent, aftersale.Supervisor}
	customer   = []aftersale.Role{aftersale.Customer}
	system     = []aftersale.Role{aftersale.System}
)

// table is the dispute life cycle, grouped by the state it leaves. Evidence may be added,
// an advance paid and the dispute withdrawn in every state before the end.
var table = func() []rule {
	t := []rule{
		{from: Open, action: Admit, roles: platform, to: []State{Admitted}, check: checkAdmit, apply: applyAdmit},
		{from: Open, action: Dismiss, roles: platform, to: []State{Dismissed}, check: checkDismiss, apply: applyDismiss},

		{from: Admitted, action: RequestEvidence, roles: platform, to: []State{Evidence}, check: checkRequest, apply: applyRequest},
		{from: Admitted, action: Propose, roles: platform, to: []State{Mediation}, check: checkProposal, apply: applyPropose},
		{from: Admitted, action: Rule, roles: supervisor, to: []State{Ruled}, check: checkRuling, apply: applyRule},

		{from: Evidence, action: RequestEvidence, roles: platform, to: []State{Evidence}, check: checkRequest, apply: applyRequest},
		{from: Evidence, action: Propose, roles: platform, to: []State{Mediation}, check: checkProposal, apply: applyPropose},
		{from: Evidence, action: Rule, roles: ruler, to: []State{Ruled}, check: checkRuling, apply: applyRule},
		{from: Evidence, action: Lapse, roles: system, to: []State{Evidence}, check: checkLapse, apply: applyLapse},

		{from: Mediation, action: Propose, roles: platform, to: []State{Mediation}, check: checkProposal, apply: applyPropose},
		{from: Mediation, action: AcceptProposal, roles: sides, to: []State{Mediation, Agreed}, guard: mayAnswer, apply: applyAccept},
		{from: Mediation, action: RejectProposal, roles: sides, to: []State{Mediation}, guard: mayAnswer, apply: applyReject},
		{from: Mediation, action: RequestEvidence, roles: platform, to: []State{Evidence}, check: checkRequest, apply: applyRequest},
		{from: Mediation, action: Rule, roles: supervisor, to: []State{Ruled}, check: checkRuling, apply: applyRule},
		{from: Mediation, action: Lapse, roles: system, to: []State{Mediation}, check: checkLapse, apply: applyLapse},
	}
	for _, s := range []State{Open, Admitted, Evidence, Mediation} {
		t = append(t,
			rule{from: s, action: SubmitEvidence, roles: anyone, to: []State{s}, check: checkSubmission, apply: applySubmission},
			rule{from: s, action: Advance, roles: ruler, to: []State{s}, guard: roomToAdvance, check: checkAdvance, apply: applyAdvance},
			rule{from: s, action: Withdraw, roles: customer, to: []State{Withdrawn}, guard: nothingAdvanced, apply: applyWithdraw},
		)
	}
	return t
}()

func (r *rule) hasRole(role aftersale.Role) bool { return slices.Contains(r.roles, role) }

func lookup(s State, a Action, role aftersale.Role) *rule {
	for i := range table {
		r := &table[i]
		if r.from == s && r.action == a && r.hasRole(role) {
			return r
		}
	}
	return nil
}

// Allowed lists the actions role may take on d now, in table order.
func Allowed(d *Dispute, role aftersale.Role) []Action {
	var out []Action
	for i := range table {
		r := &table[i]
		if r.from != d.State || !r.hasRole(role) || r.action == Lapse || slices.Contains(out, r.action) {
			continue
		}
		if r.guard != nil && !r.guard(d, role) {
			continue
		}
		out = append(out, r.action)
	}
	return out
}

// Edge is one arrow of the dispute diagram.
type Edge struct {
	From   State
	Action Action
	Roles  []aftersale.Role
	To     State
}

// Edges lists the arrows of the dispute life cycle, in table order; docs/DISPUTES.md's
// diagram is generated from it.
func Edges() []Edge {
	var es []Edge
	for i := range table {
		r := &table[i]
		for _, to := range r.to {
			es = append(es, Edge{From: r.from, Action: r.action, Roles: r.roles, To: to})
		}
	}
	return es
}

// Transition decides one command on a dispute. It returns the new dispute (d is not
// changed), its history event and what the application must do.
func Transition(d Dispute, cmd Command, now time.Time, t Terms) (Result, error) {
	if d.State.Terminal() {
		return Result{}, &NotAllowedError{Action: cmd.Action, State: d.State, Role: cmd.Actor.Role,
			Why: Text{ZH: "纠纷已结束(" + d.State.Label().ZH + ")", EN: "the dispute has ended (" + d.State.Label().EN + ")"}}
	}
	r := lookup(d.State, cmd.Action, cmd.Actor.Role)
	if r == nil || r.guard != nil && !r.guard(&d, cmd.Actor.Role) {
		return Result{}, &NotAllowedError{Action: cmd.Action, State: d.State, Role: cmd.Actor.Role, Allowed: Allowed(&d, cmd.Actor.Role),
			Why: Text{ZH: "当前状态(" + d.State.Label().ZH + ")不能执行此操作", EN: "not possible while the dispute is " + d.State.Label().EN}}
	}
	cmd.Note = strings.TrimSpace(cmd.Note)
	if r.check != nil {
		if err := r.check(&d, &cmd, t, now); err != nil {
			return Result{}, err
		}
	}
	next := d
	next.Requests = slices.Clone(d.Requests)
	next.Evidence = slices.Clone(d.Evidence)
	next.Deadlines = slices.Clone(d.Deadlines)
	if d.Proposal != nil {
		p := *d.Proposal
		p.Accepted, p.Rejected = slices.Clone(p.Accepted), slices.Clone(p.Rejected)
		next.Proposal = &p
	}
	var fx Effects
	to := r.to[0]
	if r.apply != nil {
		to = r.apply(&next, &cmd, t, now, &fx)
	}
	next.Version++
	next.State = to
	next.UpdatedAt = now
	if to.Terminal() {
		// Every clock of the dispute stops with it.
		for _, dl := range next.Deadlines {
			fx.Cancel = append(fx.Cancel, dl.Kind)
		}
		next.Deadlines = nil
	}
	fx.Cancel = slices.Compact(sortedKinds(fx.Cancel))
	ev := Event{Seq: next.Version, Action: cmd.Action, Actor: cmd.Actor, From: d.State, To: to, At: now, Note: cmd.Note, Data: eventData(&next, &cmd, &fx)}
	return Result{Dispute: next, Event: ev, Effects: fx}, nil
}

func sortedKinds(ks []DeadlineKind) []DeadlineKind {
	ks = slices.Clone(ks)
	slices.Sort(ks)
	return ks
}

// eventData keeps the command's fields in the history event.
func eventData(d *Dispute, cmd *Command, fx *Effects) map[string]string {
	m := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	switch cmd.Action {
	case Admit, Dismiss:
		put("category", string(d.Category))
	case RequestEvidence, Lapse:
		put("party", string(cmd.Party))
		if n := len(d.Requests); n > 0 && cmd.Action == RequestEvidence {
			put("due_at", d.Requests[n-1].DueAt.UTC().Format(time.RFC3339))
		}
	case SubmitEvidence:
		if n := len(d.Evidence); n > 0 {
			put("party", string(d.Evidence[n-1].Party))
			if d.Evidence[n-1].PlatformOnly {
				put("platform_only", "true")
			}
		}
	case Propose:
		put("outcome", string(d.Proposal.Outcome))
		put("amount", d.Proposal.Amount.String())
	case AcceptProposal, RejectProposal:
		if p, ok := PartyOf(cmd.Actor.Role); ok {
			put("party", string(p))
		}
	case Rule:
		r := d.Ruling
		put("outcome", string(r.Outcome))
		put("liability", string(r.Liability))
		put("amount", r.Amount.String())
		put("standard", r.Standard)
		if r.ByRule {
			put("by_rule", "true")
		}
	case Advance:
		put("amount", fx.Advance.String())
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// Guards.

func mayAnswer(d *Dispute, role aftersale.Role) bool {
	p, ok := PartyOf(role)
	if !ok || d.Proposal == nil {
		return false
	}
	return !slices.Contains(d.Proposal.Accepted, p) && !slices.Contains(d.Proposal.Rejected, p)
}

func roomToAdvance(d *Dispute, _ aftersale.Role) bool { return d.room().Minor > 0 }

// room is what the platform may still advance: what the case may pay back, less what it
// paid before the dispute and what was advanced.
func (d *Dispute) room() money.Amount { return d.Refundable.MustSub(d.PaidBack).MustSub(d.Advanced) }

// floor is the least an award for the customer may be: what the customer already has.
func (d *Dispute) floor() money.Amount { return d.PaidBack.MustAdd(d.Advanced) }

func nothingAdvanced(d *Dispute, _ aftersale.Role) bool { return d.Advanced.IsZero() }

// Checks.

func needNote(_ *Dispute, cmd *Command, _ Terms, _ time.Time) error {
	if strings.TrimSpace(cmd.Note) == "" {
		return invalid("note", "请说明理由", "a note explaining the reason is required")
	}
	return nil
}

func checkAdmit(_ *Dispute, cmd *Command, _ Terms, _ time.Time) error {
	if cmd.Category != "" && !cmd.Category.Valid() {
		return invalid("category", "纠纷类别应为 quality、logistics、service、customer_error 或 order_error",
			"the category must be quality, logistics, service, customer_error or order_error")
	}
	return nil
}

func checkDismiss(d *Dispute, cmd *Command, t Terms, now time.Time) error {
	if err := needNote(d, cmd, t, now); err != nil {
		return err
	}
	return checkAdmit(d, cmd, t, now)
}

func checkRequest(_ *Dispute, cmd *Command, _ Terms, now time.Time) error {
	if !cmd.Party.Valid() {
		return invalid("party", "请选择举证方:customer 或 merchant", "the party must be customer or merchant")
	}
	if cmd.Due != nil && !cmd.Due.After(now) {
		return invalid("due_at", "举证期限应晚于现在", "the evidence deadline must be in the future")
	}
	return nil
}

func checkSubmission(_ *Dispute, cmd *Command, _ Terms, _ time.Time) error {
	if cmd.Note == "" && len(cmd.Evidence) == 0 {
		return invalid("evidence", "请上传凭证或填写说明", "add evidence or a statement")
	}
	return nil
}

func checkLapse(d *Dispute, cmd *Command, _ Terms, now time.Time) error {
	if i := openRequest(d, cmd.Party); i < 0 || d.Requests[i].DueAt.After(now) {
		return invalid("party", "该方没有到期未答复的举证要求", "no evidence request of that side is overdue")
	}
	return nil
}

// amount is the command's amount, or zero in the dispute's currency.
func amount(d *Dispute, cmd *Command) money.Amount {
	if cmd.Amount == nil {
		return money.New(0, d.Paid.Currency)
	}
	return *cmd.Amount
}

// award decides what an outcome gives the customer: the amount asked for (for a
// standard, what it awards), checked against the outcome and what was advanced.
func award(d *Dispute, cmd *Command, t Terms) (money.Amount, error) {
	if !cmd.Outcome.Valid() {
		return money.Amount{}, invalid("outcome", "结果应为 customer、merchant 或 split", "the outcome must be customer, merchant or split")
	}
	amt := amount(d, cmd)
	if cmd.Amount != nil && (amt.IsNegative() || !amt.IsZero() && amt.Currency != d.Paid.Currency) {
		return money.Amount{}, invalid("amount", "金额应为非负数,币种与订单一致", "the amount must not be negative and must be in the order's currency")
	}
	if cmd.Standard != "" {
		s, ok := t.Standard(cmd.Standard)
		if !ok {
			return money.Amount{}, invalid("standard", "赔付标准表中没有此标准", "no such standard in the compensation table")
		}
		if cmd.Outcome == ForMerchant {
			return money.Amount{}, invalid("standard", "支持商家的裁决不适用赔付标准", "a ruling for the merchant applies no compensation standard")
		}
		w := s.Award(d.Paid)
		if cmd.Amount != nil && amt.Cmp(w) != 0 {
			return money.Amount{}, invalid("amount", "按标准「"+s.Name.ZH+"」应赔付 "+w.Format("zh"), "the standard “"+s.Name.EN+"” awards "+w.Format("en"))
		}
		amt = w
	}
	switch cmd.Outcome {
	case ForMerchant:
		if !amt.IsZero() {
			return money.Amount{}, invalid("amount", "支持商家时金额应为 0", "a ruling for the merchant awards nothing")
		}
		if !d.Advanced.IsZero() {
			return money.Amount{}, invalid("outcome", "平台已先行赔付 "+d.Advanced.Format("zh")+",只能支持消费者或分担",
				"the platform advanced "+d.Advanced.Format("en")+" to the customer: rule for the customer or split")
		}
	case Split:
		if amt.Minor <= 0 || amt.Cmp(d.Refundable) >= 0 {
			return money.Amount{}, invalid("amount", "分担金额应大于 0 且小于可退金额 "+d.Refundable.Format("zh"),
				"a split is more than nothing and less than the refundable "+d.Refundable.Format("en"))
		}
	case ForCustomer:
		if cmd.Amount == nil && cmd.Standard == "" {
			amt = d.Refundable
		}
		if amt.Minor <= 0 {
			return money.Amount{}, invalid("amount", "支持消费者时金额应大于 0", "a ruling for the customer awards more than nothing")
		}
	}
	if cmd.Outcome != ForMerchant && amt.Cmp(d.floor()) < 0 {
		return money.Amount{}, invalid("amount", "金额不能少于消费者已获得的 "+d.floor().Format("zh"),
			"the amount cannot be less than the "+d.floor().Format("en")+" the customer already has")
	}
	return amt, nil
}

func checkProposal(d *Dispute, cmd *Command, t Terms, _ time.Time) error {
	if cmd.Standard != "" {
		return invalid("standard", "调解方案不适用赔付标准,裁决时适用", "a proposal applies no standard; a ruling does")
	}
	_, err := award(d, cmd, t)
	return err
}

func checkRuling(d *Dispute, cmd *Command, t Terms, _ time.Time) error {
	if !cmd.Liability.Valid() {
		return invalid("liability", "责任方应为 merchant、platform、carrier 或 customer", "the liability must be merchant, platform, carrier or customer")
	}
	cmd.Basis.ZH, cmd.Basis.EN = strings.TrimSpace(cmd.Basis.ZH), strings.TrimSpace(cmd.Basis.EN)
	if cmd.Basis.ZH == "" && cmd.Basis.EN == "" {
		return invalid("basis", "裁决须写明依据", "a ruling must state its basis")
	}
	_, err := award(d, cmd, t)
	return err
}

func checkAdvance(d *Dispute, cmd *Command, _ Terms, _ time.Time) error {
	room := d.room()
	if cmd.Amount == nil {
		return invalid("amount", "请填写先行赔付金额", "the amount to advance is required")
	}
	if a := *cmd.Amount; a.Minor <= 0 || a.Currency != d.Paid.Currency || a.Cmp(room) > 0 {
		return invalid("amount", "先行赔付金额应大于 0 且不超过 "+room.Format("zh"), "the advance must be above zero and at most "+room.Format("en"))
	}
	if cmd.Actor.Role != aftersale.System {
		return needNote(d, cmd, nil, time.Time{})
	}
	return nil
}

// Effects.

func applyAdmit(d *Dispute, cmd *Command, t Terms, now time.Time, fx *Effects) State {
	if cmd.Category != "" {
		d.Category = cmd.Category
	}
	if due, ok := t.AdvanceDue(now); ok {
		d.setDeadline(AdvanceByRule, due, fx)
	}
	fx.Notify = []Party{CustomerSide, MerchantSide}
	return Admitted
}

func applyDismiss(d *Dispute, cmd *Command, _ Terms, _ time.Time, fx *Effects) State {
	if cmd.Category != "" {
		d.Category = cmd.Category
	}
	d.Dismissal = cmd.Note
	fx.Case = &CaseMove{Action: aftersale.Reject, Note: cmd.Note}
	fx.Notify = []Party{CustomerSide, MerchantSide}
	return Dismissed
}

func applyRequest(d *Dispute, cmd *Command, t Terms, now time.Time, fx *Effects) State {
	due := t.EvidenceDue(now)
	if cmd.Due != nil {
		due = *cmd.Due
	}
	// A new request of a side replaces its open one.
	if i := openRequest(d, cmd.Party); i >= 0 {
		d.Requests = slices.Delete(d.Requests, i, i+1)
	}
	d.Requests = append(d.Requests, Request{Party: cmd.Party, Note: cmd.Note, DueAt: due})
	d.setDeadline(EvidenceKind(cmd.Party), due, fx)
	fx.Notify = []Party{cmd.Party}
	return Evidence
}

func applySubmission(d *Dispute, cmd *Command, _ Terms, now time.Time, fx *Effects) State {
	p, side := PartyOf(cmd.Actor.Role)
	d.Evidence = append(d.Evidence, Submission{Seq: d.Version + 1, Party: p, Actor: cmd.Actor, At: now, Note: cmd.Note,
		Attachments: cmd.Evidence, PlatformOnly: cmd.PlatformOnly})
	if !side {
		return d.State // the platform's own finding
	}
	if i := openRequest(d, p); i >= 0 {
		d.Requests[i].Answered = true
		d.dropDeadline(EvidenceKind(p), fx)
	}
	if p == MerchantSide {
		// The merchant answered: the platform does not advance by rule.
		d.dropDeadline(AdvanceByRule, fx)
	}
	if !cmd.PlatformOnly {
		fx.Notify = []Party{p.Other()}
	}
	return d.State
}

func applyLapse(d *Dispute, cmd *Command, _ Terms, _ time.Time, fx *Effects) State {
	i := openRequest(d, cmd.Party)
	d.Requests[i].Lapsed = true
	d.dropDeadline(EvidenceKind(cmd.Party), fx)
	return d.State
}

func applyPropose(d *Dispute, cmd *Command, t Terms, now time.Time, fx *Effects) State {
	amt, _ := award(d, cmd, t)
	d.Proposal = &Proposal{Outcome: cmd.Outcome, Amount: amt, Note: cmd.Note, Actor: cmd.Actor, At: now}
	fx.Notify = []Party{CustomerSide, MerchantSide}
	return Mediation
}

func applyAccept(d *Dispute, cmd *Command, _ Terms, _ time.Time, fx *Effects) State {
	p, _ := PartyOf(cmd.Actor.Role)
	d.Proposal.Accepted = append(d.Proposal.Accepted, p)
	fx.Notify = []Party{p.Other()}
	if len(d.Proposal.Accepted) < 2 {
		return Mediation
	}
	note := "调解达成 / settled by mediation"
	if d.Proposal.Note != "" {
		note += ": " + d.Proposal.Note
	}
	d.decide(d.Proposal.Outcome, d.Proposal.Amount, LiableMerchant, note, fx)
	fx.Notify = []Party{CustomerSide, MerchantSide}
	return Agreed
}

func applyReject(d *Dispute, cmd *Command, _ Terms, _ time.Time, fx *Effects) State {
	p, _ := PartyOf(cmd.Actor.Role)
	d.Proposal.Rejected = append(d.Proposal.Rejected, p)
	fx.Notify = []Party{p.Other()}
	return Mediation
}

func applyRule(d *Dispute, cmd *Command, t Terms, now time.Time, fx *Effects) State {
	amt, _ := award(d, cmd, t)
	d.Ruling = &Ruling{Outcome: cmd.Outcome, Liability: cmd.Liability, Amount: amt, Standard: cmd.Standard, Basis: cmd.Basis,
		ByRule: cmd.Actor.Role == aftersale.System, Actor: cmd.Actor, At: now}
	note := cmd.Basis.ZH
	if cmd.Basis.EN != "" {
		note = strings.TrimSpace(note + " / " + cmd.Basis.EN)
	}
	d.decide(cmd.Outcome, amt, cmd.Liability, note, fx)
	fx.Notify = []Party{CustomerSide, MerchantSide}
	return Ruled
}

func applyAdvance(d *Dispute, cmd *Command, _ Terms, _ time.Time, fx *Effects) State {
	fx.Advance = *cmd.Amount
	d.Advanced = d.Advanced.MustAdd(*cmd.Amount)
	d.dropDeadline(AdvanceByRule, fx)
	fx.Notify = []Party{CustomerSide, MerchantSide}
	return d.State
}

func applyWithdraw(_ *Dispute, cmd *Command, _ Terms, _ time.Time, fx *Effects) State {
	note := cmd.Note
	if note == "" {
		note = "消费者撤回平台介入申请 / the customer withdrew the dispute"
	}
	fx.Case = &CaseMove{Action: aftersale.Cancel, Note: note}
	fx.Notify = []Party{MerchantSide}
	return Withdrawn
}

// decide turns an outcome into what the case does: the whole refund (and any award above
// it as compensation), part of it, or nothing.
func (d *Dispute) decide(o Outcome, amt money.Amount, l Liability, note string, fx *Effects) {
	switch {
	case o == ForMerchant:
		fx.Case = &CaseMove{Action: aftersale.Reject, Note: note}
	case amt.Cmp(d.Refundable) >= 0:
		fx.Case = &CaseMove{Action: aftersale.Approve, Note: note}
		if extra := amt.MustSub(d.Refundable); extra.Minor > 0 {
			fx.Compensation, fx.Payer = extra, l
		}
	default:
		a := amt
		fx.Case = &CaseMove{Action: aftersale.Approve, Amount: &a, Note: note}
	}
}

func openRequest(d *Dispute, p Party) int {
	return slices.IndexFunc(d.Requests, func(r Request) bool { return r.Party == p && !r.Answered && !r.Lapsed })
}

func (d *Dispute) setDeadline(k DeadlineKind, due time.Time, fx *Effects) {
	d.Deadlines = slices.DeleteFunc(d.Deadlines, func(x Deadline) bool { return x.Kind == k })
	d.Deadlines = append(d.Deadlines, Deadline{Kind: k, Due: due})
	fx.Set = append(fx.Set, Deadline{Kind: k, Due: due})
}

func (d *Dispute) dropDeadline(k DeadlineKind, fx *Effects) {
	if slices.ContainsFunc(d.Deadlines, func(x Deadline) bool { return x.Kind == k }) {
		d.Deadlines = slices.DeleteFunc(d.Deadlines, func(x Deadline) bool { return x.Kind == k })
		fx.Cancel = append(fx.Cancel, k)
	}
}

// TimeoutCommand is what the clock does when the dispute's deadline of kind k is due at
// now: a side that missed its evidence deadline loses by rule where the category says so
// (otherwise the lapse is recorded and the platform decides); a merchant that has not
// answered an admitted dispute has the platform advance the refund. ok is false when the
// deadline is no longer the dispute's (it moved on).
func TimeoutCommand(d *Dispute, k DeadlineKind, now time.Time, t Terms) (Command, bool) {
	i := slices.IndexFunc(d.Deadlines, func(x Deadline) bool { return x.Kind == k })
	if d.State.Terminal() || i < 0 || d.Deadlines[i].Due.After(now) {
		return Command{}, false
	}
	sys := aftersale.SystemActor
	switch k {
	case AdvanceByRule:
		room := d.room()
		if room.Minor <= 0 {
			return Command{}, false
		}
		return Command{Action: Advance, Actor: sys, Amount: &room,
			Note: "商家未在期限内答复,平台先行赔付 / the merchant did not answer in time: the platform advances the refund"}, true
	case CustomerEvidence, MerchantEvidence:
		p := CustomerSide
		if k == MerchantEvidence {
			p = MerchantSide
		}
		if d.State != Evidence || !t.LosesByDefault(d.Category) {
			return Command{Action: Lapse, Actor: sys, Party: p}, true
		}
		cmd := Command{Action: Rule, Actor: sys, Party: p,
			Basis: Text{
				ZH: p.Label().ZH + "未在举证期限内提交凭证,按平台规则判定其承担不利后果(" + d.Category.Label().ZH + "类纠纷)",
				EN: "the " + strings.ToLower(p.Label().EN) + " did not submit evidence by the deadline; under the platform's rules for " + strings.ToLower(d.Category.Label().EN) + " disputes that side loses",
			}}
		if p == CustomerSide {
			cmd.Outcome, cmd.Liability = ForMerchant, LiableCustomer
			if !d.Advanced.IsZero() {
				// What the platform advanced stays with the customer: the ruling keeps it.
				a := d.floor()
				cmd.Outcome, cmd.Amount = Split, &a
				if a.Cmp(d.Refundable) >= 0 {
					cmd.Outcome = ForCustomer
				}
			}
		} else {
			cmd.Outcome, cmd.Liability = ForCustomer, LiableMerchant
		}
		return cmd, true
	}
	return Command{}, false
}
