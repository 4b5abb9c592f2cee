package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// Disputes (SPEC §5, package dispute): a case escalated to the platform opens a dispute in
// the escalation's own transaction. The dispute's commands run here: the core decides, and
// what it decides for the case (a ruling, a dismissal, a withdrawal, an advance) is a case
// transition in the same transaction, with its history event, holdings and ledger entries —
// so a dispute and its case never disagree. While a case is disputed, the case's own
// actions that decide it are refused: the dispute decides.

// DisputeView is a dispute as one of its parties, or the platform, sees it.
type DisputeView struct {
	ID             string                `json:"id"`
	Number         string                `json:"number"`
	CaseID         string                `json:"case_id"`
	CaseNumber     string                `json:"case_number"`
	OrderNo        string                `json:"order_no"`
	Merchant       string                `json:"merchant"`
	Customer       string                `json:"customer"`
	Category       dispute.Category      `json:"category"`
	CategoryLabel  Text                  `json:"category_label"`
	State          dispute.State         `json:"state"`
	StateLabel     Text                  `json:"state_label"`
	Version        int64                 `json:"version"`
	CaseType       aftersale.Type        `json:"case_type"`
	Reason         aftersale.Reason      `json:"reason"`
	CaseState      aftersale.State       `json:"case_state" jsonschema:"description=the state the case was escalated from"`
	Statement      string                `json:"statement,omitempty"`
	Currency       money.Currency        `json:"currency"`
	Paid           int64                 `json:"paid" jsonschema:"description=what the customer paid for the case's items, the standards' base"`
	Refundable     int64                 `json:"refundable" jsonschema:"description=the most the case itself may pay back"`
	PaidBack       int64                 `json:"paid_back" jsonschema:"description=what the case had paid back before it was escalated"`
	Advanced       int64                 `json:"advanced" jsonschema:"description=what the platform paid the customer first (先行赔付)"`
	Requests       []DisputeRequestView  `json:"requests"`
	Evidence       []DisputeEvidenceView `json:"evidence"`
	Proposal       *DisputeProposalView  `json:"proposal,omitempty"`
	Ruling         *RulingView           `json:"ruling,omitempty"`
	Dismissal      string                `json:"dismissal,omitempty"`
	Deadlines      []DeadlineView        `json:"deadlines"`
	AllowedActions []dispute.Action      `json:"allowed_actions"`
	Standards      []StandardView        `json:"standards,omitempty" jsonschema:"description=the compensation standard table in force (platform staff)"`
	History        []DisputeEventView    `json:"history"`
	CreatedAt      time.Time             `json:"created_at"`
	UpdatedAt      time.Time             `json:"updated_at"`
	Case           *DisputeCaseView      `json:"case,omitempty"`
}

// DisputeCaseView is what the dispute's page shows of its case.
type DisputeCaseView struct {
	State          aftersale.State `json:"state"`
	StateLabel     Text            `json:"state_label"`
	RefundAmount   int64           `json:"refund_amount"`
	RefundedAmount int64           `json:"refunded_amount"`
	Description    string          `json:"description"`
	Evidence       []string        `json:"evidence"`
}

// DisputeRequestView is evidence asked of a side.
type DisputeRequestView struct {
	Party    dispute.Party `json:"party"`
	Note     string        `json:"note,omitempty"`
	DueAt    time.Time     `json:"due_at"`
	Answered bool          `json:"answered"`
	Lapsed   bool          `json:"lapsed"`
}

// DisputeEvidenceView is one submission.
type DisputeEvidenceView struct {
	Seq          int64         `json:"seq"`
	Party        dispute.Party `json:"party,omitempty" jsonschema:"description=the side that submitted it; empty for the platform's own findings"`
	Actor        ActorView     `json:"actor"`
	At           time.Time     `json:"at"`
	Note         string        `json:"note,omitempty"`
	Attachments  []string      `json:"attachments"`
	PlatformOnly bool          `json:"platform_only"`
}

// DisputeProposalView is a mediation proposal.
type DisputeProposalView struct {
	Outcome  dispute.Outcome `json:"outcome"`
	Amount   int64           `json:"amount"`
	Note     string          `json:"note,omitempty"`
	At       time.Time       `json:"at"`
	Accepted []dispute.Party `json:"accepted"`
	Rejected []dispute.Party `json:"rejected"`
}

// RulingView is how a dispute was decided.
type RulingView struct {
	Outcome        dispute.Outcome   `json:"outcome"`
	OutcomeLabel   Text              `json:"outcome_label"`
	Liability      dispute.Liability `json:"liability"`
	LiabilityLabel Text              `json:"liability_label"`
	Amount         int64             `json:"amount"`
	Standard       string            `json:"standard,omitempty"`
	StandardName   *Text             `json:"standard_name,omitempty"`
	Basis          Text              `json:"basis"`
	ByRule         bool              `json:"by_rule"`
	Actor          ActorView         `json:"actor"`
	At             time.Time         `json:"at"`
}

// StandardView is a row of the compensation standard table and what it awards on this
// dispute.
type StandardView struct {
	Code      string `json:"code"`
	Name      Text   `json:"name"`
	PercentBP int64  `json:"percent_bp,omitempty"`
	Fixed     int64  `json:"fixed,omitempty"`
	Cap       int64  `json:"cap,omitempty"`
	Source    string `json:"source,omitempty"`
	Award     int64  `json:"award" jsonschema:"description=what a ruling under the standard awards on this dispute"`
}

// DisputeEventView is one history entry of a dispute.
type DisputeEventView struct {
	Seq         int64             `json:"seq"`
	Action      dispute.Action    `json:"action"`
	ActionLabel Text              `json:"action_label"`
	Actor       ActorView         `json:"actor"`
	From        dispute.State     `json:"from,omitempty"`
	To          dispute.State     `json:"to"`
	At          time.Time         `json:"at"`
	Note        string            `json:"note,omitempty"`
	Data        map[string]string `json:"data,omitempty"`
}

// DisputeActInput is an action on a dispute (POST /api/v1/disputes/{id}/actions).
type DisputeActInput struct {
	Action       dispute.Action    `json:"action"`
	Version      int64             `json:"version"`
	Note         string            `json:"note,omitempty"`
	Category     dispute.Category  `json:"category,omitempty" jsonschema:"description=admit: the category, when the platform changes it"`
	Party        dispute.Party     `json:"party,omitempty" jsonschema:"description=request_evidence: customer or merchant"`
	DueAt        *time.Time        `json:"due_at,omitempty" jsonschema:"description=request_evidence: the deadline; the policy's default when absent"`
	Evidence     []string          `json:"evidence,omitempty" jsonschema:"description=submit_evidence: uploaded attachment ids"`
	PlatformOnly bool              `json:"platform_only,omitempty" jsonschema:"description=submit_evidence: hidden from the other side"`
	Outcome      dispute.Outcome   `json:"outcome,omitempty" jsonschema:"description=propose, rule: customer, merchant or split"`
	Liability    dispute.Liability `json:"liability,omitempty" jsonschema:"description=rule: merchant, platform, carrier or customer"`
	Amount       *int64            `json:"amount,omitempty" jsonschema:"description=propose, rule, advance: minor units"`
	Standard     string            `json:"standard,omitempty" jsonschema:"description=rule: the code of the compensation standard applied"`
	Basis        Text              `json:"basis,omitzero" jsonschema:"description=rule: the written basis, zh and/or en"`
}

// DisputeListInput filters the disputes list.
type DisputeListInput struct {
	State    string
	Category string
	CaseID   string
	Open     bool
	Cursor   string
	Limit    int
}

// DisputeList is a page of disputes.
type DisputeList struct {
	Disputes   []DisputeView `json:"disputes"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// disputeOwned are the case actions a dispute decides while the case is disputed.
var disputeOwned = []aftersale.Action{aftersale.Approve, aftersale.Reject, aftersale.AdvancePay, aftersale.Cancel}

// disputeActor is who carries out the dispute's decision on its case: a supervisor who
// ruled or advanced acts as themselves; otherwise the platform, in the dispute's name.
func disputeActor(d *dispute.Dispute, a aftersale.Actor, action aftersale.Action) aftersale.Actor {
	switch {
	case action == aftersale.Cancel:
		return a // the customer withdraws
	case a.Role == aftersale.Supervisor:
		return a
	}
	return aftersale.Actor{Role: aftersale.System, ID: d.Number}
}

// openDispute opens the dispute of a case that a transition has just escalated.
func (a *App) openDispute(ctx context.Context, tx *txn, c *aftersale.Case, ev *aftersale.Event) error {
	res := dispute.New(uuid.NewString(), c, ev.From, ev.Actor, ev.Note, tx.Now())
	d := &res.Dispute
	if err := tx.InsertDispute(ctx, d); err != nil {
		return err
	}
	if err := tx.AppendDisputeEvent(ctx, d.ID, res.Event); err != nil {
		return err
	}
	if err := tx.audit(ctx, "dispute.open", "dispute", d.ID, map[string]any{"case": c.Number, "category": d.Category}); err != nil {
		return err
	}
	return tx.Enqueue(ctx, disputeMessages(d, &res)...)
}

// disputeMessages are the dispute's event and notifications, for the outbox.
func disputeMessages(d *dispute.Dispute, res *dispute.Result) []store.OutboxMessage {
	msg := func(topic string, v any) store.OutboxMessage {
		b, _ := json.Marshal(v)
		return store.OutboxMessage{Topic: topic, Key: d.CaseID, Payload: b}
	}
	ev := &res.Event
	out := []store.OutboxMessage{msg("dispute.event", map[string]any{
		"dispute_id": d.ID, "number": d.Number, "case_id": d.CaseID, "merchant": d.Merchant, "customer": d.Customer,
		"seq": ev.Seq, "action": ev.Action, "from": ev.From, "to": ev.To, "at": ev.At,
	})}
	if len(res.Effects.Notify) > 0 {
		out = append(out, msg("notify.dispute."+string(ev.Action), map[string]any{
			"dispute_id": d.ID, "number": d.Number, "case_id": d.CaseID, "merchant": d.Merchant, "customer": d.Customer,
			"to": res.Effects.Notify, "state": d.State, "seq": ev.Seq,
		}))
	}
	return out
}

// BackfillDisputes opens a dispute for every disputed case that has none (cases disputed
// before disputes existed), so that every disputed case can be decided. It runs at start.
func (a *App) BackfillDisputes(ctx context.Context) (int, error) {
	var ids []string
	err := a.store.View(ctx, func(tx store.Tx) error {
		cursor := ""
		for {
			page, next, err := tx.ListCases(ctx, store.CaseQuery{States: []aftersale.State{aftersale.Disputed}, Cursor: cursor, Limit: 500})
			if err != nil {
				return err
			}
			for _, r := range page {
				ds, err := tx.CaseDisputes(ctx, r.Case.ID)
				if err != nil {
					return err
				}
				if len(ds) == 0 || ds[len(ds)-1].State.Terminal() {
					ids = append(ids, r.Case.ID)
				}
			}
			if next == "" {
				return nil
			}
			cursor = next
		}
	})
	if err != nil {
		return 0, err
	}
	sys := Principal{Role: RoleIntegration, ID: "system"}
	for _, id := range ids {
		if _, err := write(ctx, a, sys, nil, auditTarget{"dispute.backfill", "case", id}, func(tx *txn) (*struct{}, int, error) {
			rec, err := tx.Case(ctx, id)
			if err != nil || rec.Case.State != aftersale.Disputed {
				return &struct{}{}, 0, err
			}
			ev := aftersale.Event{From: rec.Case.DisputedFrom, Actor: aftersale.SystemActor,
				Note: "平台介入(在纠纷流程上线前申请) / escalated before disputes existed"}
			return &struct{}{}, 0, a.openDispute(ctx, tx, &rec.Case, &ev)
		}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// loadDispute reads a dispute the principal may see; someone else's is not found.
func (a *App) loadDispute(ctx context.Context, tx store.Tx, p Principal, id string) (dispute.Dispute, error) {
	if _, err := uuid.Parse(id); err != nil {
		return dispute.Dispute{}, errNotFound("dispute")
	}
	d, err := tx.Dispute(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, errNotFound("dispute")
	} else if err != nil {
		return d, err
	}
	if err := authorize(p, opReadDispute, &owner{d.Merchant, d.Customer}, "dispute"); err != nil {
		return d, err
	}
	return d, nil
}

// GetDispute returns a dispute with its history and the principal's allowed actions.
func (a *App) GetDispute(ctx context.Context, p Principal, id string) (*DisputeView, error) {
	var v *DisputeView
	err := a.store.View(ctx, func(tx store.Tx) error {
		d, err := a.loadDispute(ctx, tx, p, id)
		if err != nil {
			return err
		}
		v, err = a.disputeView(ctx, tx, p, &d, true)
		return err
	})
	return v, fromCore(err)
}

// CaseDisputes lists the disputes of a case the principal may see, oldest first.
func (a *App) CaseDisputes(ctx context.Context, p Principal, caseID string) ([]DisputeView, error) {
	var out []DisputeView
	err := a.store.View(ctx, func(tx store.Tx) error {
		if _, err := a.loadCase(ctx, tx, p, opReadCase, caseID); err != nil {
			return err
		}
		if err := authorize(p, opReadDispute, nil, ""); err != nil {
			return err
		}
		ds, err := tx.CaseDisputes(ctx, caseID)
		if err != nil {
			return err
		}
		for i := range ds {
			v, err := a.disputeView(ctx, tx, p, &ds[i], false)
			if err != nil {
				return err
			}
			out = append(out, *v)
		}
		return nil
	})
	return out, fromCore(err)
}

// ListDisputes lists the disputes the principal may see: a customer's own, a merchant's,
// those of the merchants an agent serves, or all.
func (a *App) ListDisputes(ctx context.Context, p Principal, in DisputeListInput) (*DisputeList, error) {
	if err := authorize(p, opReadDispute, nil, ""); err != nil {
		return nil, err
	}
	q := store.DisputeQuery{State: dispute.State(in.State), Category: dispute.Category(in.Category), CaseID: in.CaseID,
		Open: in.Open, Cursor: in.Cursor, Limit: in.Limit}
	if in.State != "" && !q.State.Valid() {
		return nil, errInvalid("state", "未知的纠纷状态", "unknown dispute state")
	}
	if in.Category != "" && !q.Category.Valid() {
		return nil, errInvalid("category", "未知的纠纷类别", "unknown dispute category")
	}
	if in.Limit < 0 || in.Limit > 200 {
		return nil, errInvalid("limit", "每页 1–200 条", "limit must be 1–200")
	}
	switch p.Role {
	case RoleCustomer:
		q.Customer = p.Customer
		if p.Merchant != "" {
			q.Merchant = p.Merchant
		}
	case RoleMerchant:
		q.Merchant = p.Merchant
	case RoleAgent, RoleSupervisor:
		if len(p.Scope) > 0 {
			q.Merchants = p.Scope
		}
	}
	out := &DisputeList{Disputes: []DisputeView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		ds, next, err := tx.ListDisputes(ctx, q)
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		} else if err != nil {
			return err
		}
		out.NextCursor = next
		for i := range ds {
			v, err := a.disputeView(ctx, tx, p, &ds[i], false)
			if err != nil {
				return err
			}
			out.Disputes = append(out.Disputes, *v)
		}
		return nil
	})
	return out, fromCore(err)
}

// DisputeAct takes an action on a dispute: the core decides, and the dispute, its history
// event, what it decides for the case and for the money, its timers and messages are
// written in one transaction. A stale version or an action the state does not offer is a
// conflict listing what the principal may do.
func (a *App) DisputeAct(ctx context.Context, p Principal, id string, in DisputeActInput, idem *Idempotency) (Reply[DisputeView], error) {
	if err := authorize(p, opActDispute, nil, ""); err != nil {
		return Reply[DisputeView]{}, err
	}
	if in.Version <= 0 {
		return Reply[DisputeView]{}, errInvalid("version", "请提供纠纷版本号", "the dispute version is required")
	}
	if !in.Action.Valid() || in.Action == dispute.Lapse {
		return Reply[DisputeView]{}, errInvalid("action", "未知的纠纷操作", "unknown dispute action")
	}
	in.Note = text.Clean(in.Note)
	in.Basis = Text{ZH: text.Clean(in.Basis.ZH), EN: text.Clean(in.Basis.EN)}
	return write(ctx, a, p, idem, auditTarget{"dispute." + string(in.Action), "dispute", id}, func(tx *txn) (*DisputeView, int, error) {
		d, err := a.loadDispute(ctx, tx, p, id)
		if err != nil {
			return nil, 0, err
		}
		actor, _ := p.actor()
		if in.Version != d.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{
				ZH: fmt.Sprintf("纠纷已更新(当前版本 %d),请刷新后重试", d.Version),
				EN: fmt.Sprintf("the dispute has changed (now version %d); reload and try again", d.Version),
			}, Allowed: asActions(dispute.Allowed(&d, actor.Role)), Version: d.Version}
		}
		evidence, err := a.ownEvidence(ctx, tx, p, d.CaseID, in.Evidence)
		if err != nil {
			return nil, 0, err
		}
		cmd := dispute.Command{Action: in.Action, Actor: actor, Note: in.Note, Category: in.Category, Party: in.Party,
			Due: in.DueAt, Evidence: evidence, PlatformOnly: in.PlatformOnly, Outcome: in.Outcome, Liability: in.Liability,
			Standard: strings.TrimSpace(in.Standard), Basis: in.Basis}
		if in.Amount != nil {
			amt := money.New(*in.Amount, d.Paid.Currency)
			cmd.Amount = &amt
		}
		if err := a.decideDispute(ctx, tx, &d, cmd); err != nil {
			return nil, 0, err
		}
		if err := tx.LinkAttachments(ctx, d.CaseID, in.Evidence); err != nil {
			return nil, 0, err
		}
		v, err := a.disputeView(ctx, tx, p, &d, true)
		return v, http.StatusOK, err
	})
}

// decideDispute runs one dispute command and carries out its effects; d becomes the new
// dispute.
func (a *App) decideDispute(ctx context.Context, tx *txn, d *dispute.Dispute, cmd dispute.Command) error {
	rec, err := tx.Case(ctx, d.CaseID)
	if err != nil {
		return err
	}
	if err := moneyFacts(ctx, tx, &rec.Case); err != nil {
		return err
	}
	pol, err := a.engine.ResolveVersion(rec.Case.PolicyVersion)
	if err != nil {
		return err
	}
	res, err := dispute.Transition(*d, cmd, tx.Now(), pol.DisputeTerms())
	if err != nil {
		var na *dispute.NotAllowedError
		if errors.As(err, &na) {
			return &Error{Code: CodeConflict, Message: Text{
				ZH: fmt.Sprintf("纠纷当前状态“%s”下不能执行“%s”:%s", na.State.Label().ZH, na.Action.Label().ZH, na.Why.ZH),
				EN: fmt.Sprintf("%s is not possible on a dispute that is %s: %s", na.Action, na.State, na.Why.EN),
			}, Allowed: asActions(na.Allowed), Version: d.Version, Err: err}
		}
		return fromCore(err)
	}
	nd := &res.Dispute
	fx := &res.Effects
	// The case follows: first the advance (the platform pays now), then the end.
	c := rec.Case
	if fx.Advance.Minor > 0 {
		amt := fx.Advance
		note := cmd.Note
		if note == "" {
			note = "先行赔付 / advance payment"
		}
		if c, err = a.moveCase(ctx, tx, c, aftersale.Command{Action: aftersale.AdvancePay, Actor: disputeActor(nd, cmd.Actor, aftersale.AdvancePay), Amount: &amt, Note: note}); err != nil {
			return err
		}
	}
	var caseSeq int64
	if m := fx.Case; m != nil {
		note := m.Note
		if note == "" {
			note = string(res.Event.Action)
		}
		if c, err = a.moveCase(ctx, tx, c, aftersale.Command{Action: m.Action, Actor: disputeActor(nd, cmd.Actor, m.Action), Amount: m.Amount, Note: note}); err != nil {
			return err
		}
		caseSeq = c.Version
	}
	if fx.Compensation.Minor > 0 {
		if err := a.bookDamages(ctx, tx, &c, nd, fx, caseSeq, res.Event.Actor); err != nil {
			return err
		}
	}
	if err := tx.UpdateDispute(ctx, nd); err != nil {
		return err
	}
	if err := tx.AppendDisputeEvent(ctx, nd.ID, res.Event); err != nil {
		return err
	}
	if len(fx.Cancel) > 0 || len(fx.Set) > 0 {
		if err := tx.schedule(ctx, nd.CaseID, fx.Cancel, fx.Set); err != nil {
			return err
		}
	}
	if err := tx.Enqueue(ctx, disputeMessages(nd, &res)...); err != nil {
		return err
	}
	if err := tx.audit(ctx, "dispute."+string(res.Event.Action), "dispute", nd.ID, map[string]any{
		"number": nd.Number, "seq": res.Event.Seq, "from": res.Event.From, "to": res.Event.To, "actor_role": res.Event.Actor.Role,
	}); err != nil {
		return err
	}
	*d = *nd
	return nil
}

// moveCase takes an action on a case inside the current transaction, as the dispute
// decided it, and returns the case after it.
func (a *App) moveCase(ctx context.Context, tx *txn, c aftersale.Case, cmd aftersale.Command) (aftersale.Case, error) {
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return c, err
	}
	res, err := aftersale.Transition(c, cmd, tx.Now(), pol)
	if err != nil {
		return c, fromCore(err)
	}
	if err := a.persist(ctx, tx, &c, &res, nil); err != nil {
		return c, err
	}
	return res.Case, nil
}

// bookDamages writes what a ruling awards beyond the case's refund (a standard above the
// price): damages paid by the merchant when it is liable, by the platform otherwise.
func (a *App) bookDamages(ctx context.Context, tx *txn, c *aftersale.Case, d *dispute.Dispute, fx *dispute.Effects, seq int64, actor aftersale.Actor) error {
	payer := ledger.Merchant
	if fx.Payer != dispute.LiableMerchant {
		payer = ledger.Platform
	}
	method := ledger.Method(c.RefundMethod)
	if !method.Valid() {
		method = ledger.Original
	}
	e := ledger.Entry{ID: uuid.NewString(), CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID,
		OrderNo: c.OrderNo, Kind: ledger.Damages, Amount: fx.Compensation.Minor, Currency: fx.Compensation.Currency,
		Payer: payer, Payee: ledger.Customer, Method: method, Actor: actor, Seq: seq, State: ledger.Pending,
		IdempotencyKey: fmt.Sprintf("%s:dispute:%s:damages", c.ID, d.ID), CreatedAt: tx.Now()}
	return a.addEntries(ctx, tx, e)
}

// fireDisputeTimer is the clock of a dispute: an evidence deadline that passed (the side
// loses by rule, or the lapse is recorded), or the merchant's silence after admission (the
// platform advances). Called by FireTimer in the timer's transaction; reports whether it
// acted.
func (a *App) fireDisputeTimer(ctx context.Context, tx *txn, t store.Timer, owner string) (bool, error) {
	ds, err := tx.CaseDisputes(ctx, t.CaseID)
	if err != nil {
		return false, err
	}
	var d *dispute.Dispute
	if n := len(ds); n > 0 && !ds[n-1].State.Terminal() {
		d = &ds[n-1]
	}
	var cmd dispute.Command
	ok := false
	if d != nil {
		rec, err := tx.Case(ctx, t.CaseID)
		if err != nil {
			return false, err
		}
		pol, err := a.engine.ResolveVersion(rec.Case.PolicyVersion)
		if err != nil {
			return false, err
		}
		cmd, ok = dispute.TimeoutCommand(d, t.Kind, tx.Now(), pol.DisputeTerms())
	}
	state := store.TimerCancelled
	if ok {
		state = store.TimerFired
	}
	if err := tx.FinishTimer(ctx, t.ID, owner, state); err != nil || !ok {
		return false, err
	}
	return true, a.decideDispute(ctx, tx, d, cmd)
}

// asActions gives a dispute's or complaint's actions the type that conflicts carry.
func asActions[A ~string](as []A) []aftersale.Action {
	out := make([]aftersale.Action, len(as))
	for i, x := range as {
		out[i] = aftersale.Action(x)
	}
	return out
}

// disputeView shows a dispute to p: the other side's platform-only evidence is hidden,
// the standards are shown to the platform's staff.
func (a *App) disputeView(ctx context.Context, tx store.Tx, p Principal, d *dispute.Dispute, full bool) (*DisputeView, error) {
	actor, _ := p.actor()
	side, isSide := dispute.PartyOf(actor.Role)
	cur := d.Paid.Currency
	v := &DisputeView{
		ID: d.ID, Number: d.Number, CaseID: d.CaseID, CaseNumber: d.CaseNumber, OrderNo: d.OrderNo, Merchant: d.Merchant,
		Customer: d.Customer, Category: d.Category, CategoryLabel: d.Category.Label(), State: d.State, StateLabel: d.State.Label(),
		Version: d.Version, CaseType: d.CaseType, Reason: d.Reason, CaseState: d.CaseState, Statement: d.Statement,
		Currency: cur, Paid: d.Paid.Minor, Refundable: d.Refundable.Minor, PaidBack: d.PaidBack.Minor, Advanced: d.Advanced.Minor,
		Requests: []DisputeRequestView{}, Evidence: []DisputeEvidenceView{}, Deadlines: []DeadlineView{},
		Dismissal: d.Dismissal, AllowedActions: dispute.Allowed(d, actor.Role), History: []DisputeEventView{},
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if v.AllowedActions == nil || p.Role == RoleIntegration || p.Role == RoleAdmin {
		v.AllowedActions = []dispute.Action{}
	}
	for _, r := range d.Requests {
		v.Requests = append(v.Requests, DisputeRequestView{Party: r.Party, Note: r.Note, DueAt: r.DueAt, Answered: r.Answered, Lapsed: r.Lapsed})
	}
	for _, s := range d.Evidence {
		if s.PlatformOnly && isSide && s.Party != side {
			continue
		}
		ids := make([]string, len(s.Attachments))
		for i, e := range s.Attachments {
			ids[i] = e.ID
		}
		v.Evidence = append(v.Evidence, DisputeEvidenceView{Seq: s.Seq, Party: s.Party, Actor: ActorView{Role: s.Actor.Role, ID: s.Actor.ID},
			At: s.At, Note: s.Note, Attachments: ids, PlatformOnly: s.PlatformOnly})
	}
	if pr := d.Proposal; pr != nil {
		v.Proposal = &DisputeProposalView{Outcome: pr.Outcome, Amount: pr.Amount.Minor, Note: pr.Note, At: pr.At,
			Accepted: append([]dispute.Party{}, pr.Accepted...), Rejected: append([]dispute.Party{}, pr.Rejected...)}
	}
	rec, err := tx.Case(ctx, d.CaseID)
	if err != nil {
		return nil, err
	}
	pol, err := a.engine.ResolveVersion(rec.Case.PolicyVersion)
	if err != nil {
		return nil, err
	}
	if r := d.Ruling; r != nil {
		rv := &RulingView{Outcome: r.Outcome, OutcomeLabel: r.Outcome.Label(), Liability: r.Liability, LiabilityLabel: r.Liability.Label(),
			Amount: r.Amount.Minor, Standard: r.Standard, Basis: r.Basis, ByRule: r.ByRule, Actor: ActorView{Role: r.Actor.Role, ID: r.Actor.ID}, At: r.At}
		if s, ok := pol.DisputeTerms().Standard(r.Standard); ok {
			rv.StandardName = &s.Name
		}
		v.Ruling = rv
	}
	for _, dl := range d.Deadlines {
		v.Deadlines = append(v.Deadlines, DeadlineView{Kind: dl.Kind, Label: disputeDeadlineLabel(dl.Kind), DueAt: dl.Due})
	}
	if actor.Role == aftersale.Agent || actor.Role == aftersale.Supervisor {
		for _, s := range pol.Standards() {
			v.Standards = append(v.Standards, StandardView{Code: s.Code, Name: s.Name, PercentBP: s.PercentBP, Fixed: s.Fixed,
				Cap: s.Cap, Source: s.Source, Award: s.Award(d.Paid).Minor})
		}
	}
	if !full {
		return v, nil
	}
	events, err := tx.DisputeEvents(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if isSide && e.Action == dispute.SubmitEvidence && e.Data["platform_only"] == "true" && e.Data["party"] != string(side) {
			// The other side's platform-only evidence: that it was submitted, not what it says.
			e.Note = ""
		}
		v.History = append(v.History, DisputeEventView{Seq: e.Seq, Action: e.Action, ActionLabel: e.Action.Label(),
			Actor: ActorView{Role: e.Actor.Role, ID: e.Actor.ID}, From: e.From, To: e.To, At: e.At, Note: e.Note, Data: e.Data})
	}
	c := &rec.Case
	ev := make([]string, len(c.Evidence))
	for i, e := range c.Evidence {
		ev[i] = e.ID
	}
	v.Case = &DisputeCaseView{State: c.State, StateLabel: c.State.Label(), RefundAmount: c.RefundAmount.Minor,
		RefundedAmount: c.RefundedAmount.Minor, Description: c.Description, Evidence: ev}
	return v, nil
}

func disputeDeadlineLabel(k aftersale.DeadlineKind) Text {
	switch k {
	case dispute.CustomerEvidence:
		return Text{ZH: "消费者举证期限", EN: "Customer's evidence due"}
	case dispute.MerchantEvidence:
		return Text{ZH: "商家举证期限", EN: "Merchant's evidence due"}
	case dispute.AdvanceByRule:
		return Text{ZH: "商家答复期限(逾期平台先行赔付)", EN: "Merchant's answer due (then the platform advances)"}
	}
	return Text{ZH: string(k), EN: string(k)}
}

// refuseDisputeOwned refuses, on a disputed case, the case actions its dispute decides.
func refuseDisputeOwned(c *aftersale.Case, action aftersale.Action) error {
	if c.State != aftersale.Disputed || !slices.Contains(disputeOwned, action) {
		return nil
	}
	return &Error{Code: CodeConflict, Message: Text{
		ZH: "该售后单处于平台介入中,请在纠纷中处理(GET /api/v1/disputes?case_id=" + c.ID + ")",
		EN: "the case is in a dispute: act on the dispute (GET /api/v1/disputes?case_id=" + c.ID + ")",
	}, Version: c.Version}
}
