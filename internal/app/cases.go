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
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
)

// ApplyInput is an application for after-sales (POST /api/v1/cases).
type ApplyInput struct {
	OrderNo      string                 `json:"order_no"`
	Type         aftersale.Type         `json:"type" jsonschema:"enum=refund_only,enum=return_refund,enum=exchange,enum=repair,enum=reship,enum=compensation"`
	Reason       aftersale.Reason       `json:"reason"`
	Items        []policy.RequestItem   `json:"items"`
	Description  string                 `json:"description,omitempty"`
	RefundMethod aftersale.RefundMethod `json:"refund_method,omitempty" jsonschema:"enum=original,enum=balance,enum=bank_card"`
	Evidence     []string               `json:"evidence,omitempty" jsonschema:"description=ids of uploaded attachments"`
	Amount       int64                  `json:"amount,omitempty" jsonschema:"description=compensation asked for\\, in minor units"`
	Channel      string                 `json:"channel,omitempty" jsonschema:"enum=web,enum=api,enum=email,enum=chat,enum=phone"`
	// Device identifies the customer's device (the shop's device id), for the risk score's
	// accounts sharing a device.
	Device string `json:"device,omitempty" jsonschema:"description=the customer's device id as the shop knows it"`
	// by, when set, opens the case as this actor instead of the principal's: the platform
	// on the customer's behalf (a recall plan, plans_recall.go). Never read from a request.
	by *aftersale.Actor
	// ahead is what Apply read before its write transaction (readAhead).
	ahead *readAhead
}

// EvaluateInput is a dry run of an application at a time (POST /api/v1/policy/evaluate).
type EvaluateInput struct {
	ApplyInput
	At *time.Time `json:"at,omitempty" jsonschema:"description=when the application would be made; now when empty"`
}

// ActInput is an action on a case (POST /api/v1/cases/{id}/actions) with the action's
// own fields.
type ActInput struct {
	Action     aftersale.Action     `json:"action"`
	Version    int64                `json:"version" jsonschema:"description=the case version the action was decided on"`
	Note       string               `json:"note,omitempty"`
	Evidence   []string             `json:"evidence,omitempty"`
	Carrier    string               `json:"carrier,omitempty"`
	TrackingNo string               `json:"tracking_no,omitempty"`
	Cost       int64                `json:"cost,omitempty" jsonschema:"description=postage paid by the sender\\, minor units"`
	Inspection aftersale.Inspection `json:"inspection,omitempty" jsonschema:"enum=pass,enum=fail"`
	// Finding is what a failed inspection found (the risk score counts empty boxes and
	// swapped items).
	Finding   aftersale.Finding `json:"finding,omitempty" jsonschema:"enum=empty_box,enum=swapped_item,enum=damaged,enum=used,enum=missing_parts,enum=other,description=confirm_receipt with inspection fail: what the inspection found"`
	Deduction int64             `json:"deduction,omitempty"`
	// PostageReduction disputes the customer's return postage claim at confirm_receipt.
	PostageReduction int64  `json:"postage_reduction,omitempty" jsonschema:"description=confirm_receipt: minor units taken off the customer's return postage claim (at most return_postage.max_reduction); note says why"`
	Amount           *int64 `json:"amount,omitempty" jsonschema:"description=refund (must equal the amount due)\\, quote\\, offer or exchange price difference (negative: refunded to the customer)"`
	// Assignee and Group are the new owner of assign and transfer (the service desk).
	Assignee string `json:"assignee,omitempty" jsonschema:"description=assign\\, transfer: the staff username who will own the case (me: oneself)"`
	Group    string `json:"group,omitempty" jsonschema:"description=assign\\, transfer: the desk group whose queue the case goes to"`
}

var channels = []string{"web", "api", "email", "chat", "phone"}

func (in *ApplyInput) check() error {
	switch {
	case strings.TrimSpace(in.OrderNo) == "":
		return errInvalid("order_no", "请填写订单号", "the order number is required")
	case in.Channel != "" && !slices.Contains(channels, in.Channel):
		return errInvalid("channel", "渠道应为 web、api、email、chat 或 phone", "the channel must be web, api, email, chat or phone")
	case in.Amount < 0:
		return errInvalid("amount", "金额不能为负数", "the amount cannot be negative")
	case in.Amount > money.Limit:
		return errInvalid("amount", "金额超出允许范围", "the amount is out of range")
	case len(in.Evidence) > 20:
		return errInvalid("evidence", "凭证最多 20 个", "at most 20 pieces of evidence")
	case len(in.Device) > 200:
		return errInvalid("device", "设备标识最多 200 个字符", "the device id is at most 200 characters")
	}
	return nil
}

func (a *App) request(o *order.Order, in *ApplyInput, at time.Time, hasEvidence bool) policy.Request {
	method := in.RefundMethod
	if method == "" {
		// Money paid in cash at the door has no way back: it goes to the balance.
		method = aftersale.RefundOriginal
		if o.PaymentMethod == order.CashOnDelivery {
			method = aftersale.RefundBalance
		}
	}
	var asked money.Amount
	if in.Amount > 0 {
		asked = money.New(in.Amount, o.Currency)
	}
	return policy.Request{
		Order: *o, Customer: policy.CustomerVars{ID: o.Customer},
		Type: in.Type, Reason: in.Reason, Items: in.Items, Description: in.Description, HasEvidence: hasEvidence,
		RefundMethod: method, Channel: in.channel(), RequestedAmount: asked, At: at,
	}
}

func (in *ApplyInput) channel() string {
	if in.Channel == "" {
		return "api"
	}
	return in.Channel
}

// Apply opens a case: the policy in force decides eligibility and terms, the case gets its
// RMA number, the order lines' units and money are held, and the merchant's clock starts —
// one transaction. An application the policy approves at once (一键退换货) is approved by
// the system in the same transaction.
func (a *App) Apply(ctx context.Context, p Principal, in ApplyInput, idem *Idempotency) (Reply[CaseView], error) {
	if err := authorize(p, opApply, nil, ""); err != nil {
		return Reply[CaseView]{}, err
	}
	in.clean()
	if err := in.check(); err != nil {
		return Reply[CaseView]{}, err
	}
	in.ahead = &readAhead{sug: suggest(in.Description)}
	return write(ctx, a, p, idem, auditTarget{"case.apply", "order", in.OrderNo}, func(tx *txn) (*CaseView, int, error) {
		v, err := a.apply(ctx, tx, p, &in)
		return v, http.StatusCreated, err
	})
}

func (a *App) apply(ctx context.Context, tx *txn, p Principal, in *ApplyInput) (*CaseView, error) {
	o, err := tx.Order(ctx, in.OrderNo, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound("order")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(p, opApply, &owner{o.Merchant, o.Customer}, "order"); err != nil {
		return nil, err
	}
	evidence, err := a.ownEvidence(ctx, tx, p, "", in.Evidence)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	if in.Device != "" {
		if err := tx.RecordDevice(ctx, o.Customer, in.Device); err != nil {
			return nil, err
		}
	}
	dc, err := a.decide(ctx, tx, &o, in, now, len(evidence) > 0)
	if err != nil {
		return nil, err
	}
	d, tier, score, plans := dc.Decision, dc.tier, dc.score, dc.plans
	if !d.Eligible {
		return nil, &Error{Code: CodeRefused, Message: d.Explanation, Decision: &d}
	}
	pol, err := a.engine.ResolveVersion(d.PolicyVersion)
	if err != nil {
		return nil, err
	}
	seq, err := tx.NextCaseNumber(ctx)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	actor, _ := p.actor()
	if in.by != nil {
		actor = *in.by
	}
	op := aftersale.Opening{
		ID: id.String(), Number: caseNumber(now.In(a.engine.Calendar().Location()), seq), OrderNo: o.No, MerchantID: o.Merchant, CustomerID: o.Customer,
		Actor: actor, Type: in.Type, Reason: in.Reason, Description: in.Description, Evidence: evidence,
		RefundMethod: a.request(&o, in, now, false).RefundMethod, Channel: in.channel(),
		PaymentMethod: string(o.PaymentMethod), OrderShipped: o.Shipped(), MerchantTier: tier,
	}
	d.Terms(&op)
	if in.Amount > 0 {
		op.RequestedAmount = money.New(in.Amount, o.Currency)
	}
	sug := in.suggestion()
	op.Priority = triagePriority(sug, op.Priority)
	res, err := aftersale.Open(op, now, pol)
	if err != nil {
		return nil, fromCore(err)
	}
	a.applyPlans(plans, &res)
	decision, err := json.Marshal(&d)
	if err != nil {
		return nil, err
	}
	if err := a.persist(ctx, tx, nil, &res, decision); err != nil {
		return nil, err
	}
	if err := tx.LinkAttachments(ctx, res.Case.ID, in.Evidence); err != nil {
		return nil, err
	}
	if err := keepCaseRisk(ctx, tx, res.Case.ID, score); err != nil {
		return nil, err
	}
	// The platform's own text (a recall plan's) alerts no supervisor: hundreds of them would.
	if err := a.triageSubject(ctx, tx, &res.Case, "case", res.Case.ID, sug, in.by == nil); err != nil {
		return nil, err
	}
	events := []aftersale.Event{res.Event}
	c := res.Case
	if d.AutoApprove {
		next, err := aftersale.Transition(c, aftersale.Command{Action: aftersale.Approve, Actor: aftersale.SystemActor,
			Note: "instant approval / 极速审核"}, now, pol)
		if err != nil {
			return nil, fromCore(err)
		}
		if err := a.persist(ctx, tx, &c, &next, nil); err != nil {
			return nil, err
		}
		events, c = append(events, next.Event), next.Case
	}
	if !c.State.Terminal() {
		var categories []string
		for _, it := range o.Items {
			if slices.ContainsFunc(c.Items, func(ci aftersale.Item) bool { return ci.SKU == it.SKU }) && !slices.Contains(categories, it.Category) {
				categories = append(categories, it.Category)
			}
		}
		next, ok, err := a.autoAssign(ctx, tx, &c, categories)
		if err != nil {
			return nil, err
		}
		if ok {
			if events, err = tx.Events(ctx, c.ID); err != nil {
				return nil, err
			}
			c = *next
		}
	}
	return a.caseView(p, &store.CaseRecord{Case: c, Decision: decision}, events)
}

// decided is the policy's decision on an application with what the platform adds to it.
type decided struct {
	policy.Decision
	tier    string     // the merchant's scorecard tier (order.merchant_tier)
	score   risk.Score // the customer's abuse risk score
	watched bool       // the customer is on the watch list
	plans   []PlanView // the emergency plans active now
}

// decide judges an application at a time as apply does, and Evaluate shows: the policy
// with the merchant's tier and the customer's risk, reason recall only for what an active
// plan recalls (recallAllowed), then the active plans' instant approval (planApprove) and
// the hold of a risky customer's application (riskHold).
func (a *App) decide(ctx context.Context, tx store.Tx, o *order.Order, in *ApplyInput, at time.Time, evidence bool) (decided, error) {
	var dc decided
	var err error
	if dc.tier, dc.score, dc.watched, err = a.applicant(ctx, tx, o, at); err != nil {
		return dc, err
	}
	req := a.request(o, in, at, evidence)
	req.MerchantTier = dc.tier
	setRisk(&req.Customer, dc.score, dc.watched)
	if dc.Decision, err = a.engine.Evaluate(req); err != nil {
		return dc, fromCore(err)
	}
	if dc.plans, err = a.recentActivePlans(ctx, tx); err != nil {
		return dc, err
	}
	if dc.Eligible {
		if err := recallAllowed(dc.plans, in); err != nil {
			return dc, err
		}
	}
	planApprove(&dc.Decision, dc.plans, dc.score, dc.watched)
	riskHold(&dc.Decision, dc.score, dc.watched)
	return dc, nil
}

// readAhead is what an application works out before its write transaction, so that the
// transaction holds its locks (on SQLite: the one writer) only while it reads and writes:
// the description's triage, which is CPU only. (Reading the applicant's history ahead too,
// in a read transaction, measured slower on two cores: scripts/ab.sh, docs/PERFORMANCE.md.)
type readAhead struct {
	sug *suggestion
}

// suggestion is the triage of the application's description, worked out ahead or now.
func (in *ApplyInput) suggestion() *suggestion {
	if in.ahead != nil {
		return in.ahead.sug
	}
	return suggest(in.Description)
}

// applicant is what the policy reads of an application besides the order and the request:
// the merchant's scorecard tier and the customer's risk score and watch listing at a time.
func (a *App) applicant(ctx context.Context, tx store.Tx, o *order.Order, at time.Time) (tier string, score risk.Score, watched bool, err error) {
	if tier, err = a.merchantTier(ctx, tx, o.Merchant, at); err != nil {
		return "", risk.Score{}, false, err
	}
	score, watched, err = scoreCustomer(ctx, tx, o.Customer, at)
	return tier, score, watched, err
}

// caseNumber is the RMA number: AS, the local date, and the store's sequence.
func caseNumber(now time.Time, seq int64) string {
	return fmt.Sprintf("AS%s%06d", now.Format("060102"), seq)
}

// persist writes a transition's whole effect in the transaction: the order lines'
// holdings, the case (inserted when before is nil), its history event, its timers and its
// outbox messages.
func (a *App) persist(ctx context.Context, tx *txn, before *aftersale.Case, res *aftersale.Result, decision json.RawMessage) error {
	c := &res.Case
	newH, newShip := aftersale.Holdings(c)
	deltas := newH
	oldShip := false
	if before != nil {
		var oldH []aftersale.Holding
		oldH, oldShip = aftersale.Holdings(before)
		deltas = make([]aftersale.Holding, len(newH))
		for i := range newH {
			deltas[i] = aftersale.Holding{
				SKU:      newH[i].SKU,
				Units:    newH[i].Units - oldH[i].Units,
				Refunded: newH[i].Refunded.MustSub(oldH[i].Refunded),
				Reserved: newH[i].Reserved.MustSub(oldH[i].Reserved),
			}
		}
	}
	var ship *bool
	if newShip != oldShip {
		ship = &newShip
	}
	if changed(deltas) || ship != nil {
		if err := tx.AdjustHoldings(ctx, c.OrderNo, deltas, ship); err != nil {
			return err
		}
	}
	if err := a.foldEvent(ctx, tx, before, c, res.Event); err != nil {
		return err
	}
	if before == nil {
		if err := tx.InsertCase(ctx, c, decision); err != nil {
			return err
		}
	} else if err := tx.UpdateCase(ctx, c); err != nil {
		return err
	}
	if err := tx.AppendEvent(ctx, c.ID, res.Event); err != nil {
		return err
	}
	if err := tx.audit(ctx, "case."+string(res.Event.Action), "case", c.ID, map[string]any{
		"number": c.Number, "seq": res.Event.Seq, "from": res.Event.From, "to": res.Event.To, "actor_role": res.Event.Actor.Role,
	}); err != nil {
		return err
	}
	// The service clocks change with every event: keep the case's SLA check at the moment
	// they next change by themselves.
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return err
	}
	report, _, ok, err := a.slaReport(ctx, tx, c, pol, nil, tx.Now())
	if err != nil {
		return err
	}
	slaCancel, slaSet := nextSLACheck(c, report, ok, tx.Now())
	var cancel []aftersale.DeadlineKind
	if before != nil { // a case being opened has no timers to cancel
		cancel = append(slices.Clone(res.Effects.CancelDeadlines), slaCancel...)
	}
	set := append(slices.Clone(res.Effects.SetDeadlines), slaSet...)
	if err := tx.schedule(ctx, c.ID, cancel, set); err != nil {
		return err
	}
	if err := tx.Enqueue(ctx, outboxMessages(c, res)...); err != nil {
		return err
	}
	if dir, parcel := parcelOf(c, &res.Event); parcel != nil {
		if err := a.trackParcel(ctx, tx, c, dir, parcel); err != nil {
			return err
		}
	}
	if err := a.planMoney(ctx, tx, c, res, deltas); err != nil {
		return err
	}
	if res.Event.To == aftersale.Disputed && res.Event.From != aftersale.Disputed {
		if err := a.openDispute(ctx, tx, c, &res.Event); err != nil {
			return err
		}
	}
	tx.transitions = append(tx.transitions, transition{c.Type, res.Event.Action})
	return nil
}

func changed(hs []aftersale.Holding) bool {
	for _, h := range hs {
		if h.Units != 0 || !h.Refunded.IsZero() || !h.Reserved.IsZero() {
			return true
		}
	}
	return false
}

// outboxMessages turns a transition's effects into messages that leave the system after
// commit: the event itself (webhooks, event stream) and notifications. Money movements
// become ledger entries with messages of their own (planMoney).
func outboxMessages(c *aftersale.Case, res *aftersale.Result) []store.OutboxMessage {
	ev := &res.Event
	msg := func(topic string, v any) store.OutboxMessage {
		b, _ := json.Marshal(v)
		return store.OutboxMessage{Topic: topic, Key: c.ID, Payload: b}
	}
	out := []store.OutboxMessage{msg("case.event", map[string]any{
		"case_id": c.ID, "number": c.Number, "merchant": c.MerchantID, "customer": c.CustomerID,
		"seq": ev.Seq, "action": ev.Action, "from": ev.From, "to": ev.To, "at": ev.At,
	})}
	for _, m := range res.Effects.Messages {
		out = append(out, notification(c, m, ev.Seq))
	}
	if ev.To == aftersale.Completed && ev.From != aftersale.Completed {
		// The satisfaction survey (满意度): the customer is asked when the case completes.
		out = append(out, notification(c, aftersale.Message{Template: "case.survey", To: []aftersale.Role{aftersale.Customer}}, ev.Seq))
	}
	return out
}

// notification is an outbox message telling people about a case.
func notification(c *aftersale.Case, m aftersale.Message, seq int64) store.OutboxMessage {
	b, _ := json.Marshal(map[string]any{
		"case_id": c.ID, "number": c.Number, "merchant": c.MerchantID, "customer": c.CustomerID,
		"to": m.To, "state": c.State, "seq": seq, "type": c.Type,
	})
	return store.OutboxMessage{Topic: "notify." + m.Template, Key: c.ID, Payload: b}
}

// Act takes an action on a case: the core decides, and the new state, its history event,
// the holdings, timers and outbox messages are written in one transaction. A stale version
// or an action the state does not offer is a conflict listing what the principal may do.
func (a *App) Act(ctx context.Context, p Principal, id string, in ActInput, idem *Idempotency) (Reply[CaseView], error) {
	if err := authorize(p, opAct, nil, ""); err != nil {
		return Reply[CaseView]{}, err
	}
	if in.Version <= 0 {
		return Reply[CaseView]{}, errInvalid("version", "请提供售后单版本号", "the case version is required")
	}
	in.clean()
	return write(ctx, a, p, idem, auditTarget{"case." + string(in.Action), "case", id}, func(tx *txn) (*CaseView, int, error) {
		v, err := a.act(ctx, tx, p, id, &in)
		return v, http.StatusOK, err
	})
}

func (a *App) act(ctx context.Context, tx *txn, p Principal, id string, in *ActInput) (*CaseView, error) {
	// Locked, as a message locks it: an action waits for the messages being written on the
	// case rather than losing to each in turn (a message rewrites the case's SLA trail).
	rec, err := a.lockCase(ctx, tx, p, opAct, id)
	if err != nil {
		return nil, err
	}
	c := rec.Case
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return nil, err
	}
	actor, _ := p.actor()
	if in.Version != c.Version {
		return nil, &Error{Code: CodeConflict, Message: Text{
			ZH: fmt.Sprintf("售后单已更新(当前版本 %d),请刷新后重试", c.Version),
			EN: fmt.Sprintf("the case has changed (now version %d); reload and try again", c.Version),
		}, Allowed: allowedActions(p, &c, pol, tx.Now()), Version: c.Version}
	}
	if slices.Contains(aftersale.OwnerActions, in.Action) {
		next, err := a.actOwner(ctx, tx, p, &c, in)
		if err != nil {
			return nil, err
		}
		events, err := tx.Events(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		rec.Case = *next
		return a.caseView(p, &rec, events)
	}
	if err := refuseDisputeOwned(&c, in.Action); err != nil {
		return nil, err
	}
	if p.Role == RoleIntegration && beforeItsTime(&c, in.Action, tx.Now()) {
		return nil, errForbidden("时限未到:此操作由平台在时限届满时执行", "not before the deadline: the platform takes this action when it passes")
	}
	evidence, err := a.ownEvidence(ctx, tx, p, c.ID, in.Evidence)
	if err != nil {
		return nil, err
	}
	cur := c.ItemsPaid.Currency
	cmd := aftersale.Command{
		Action: in.Action, Actor: actor, Note: in.Note, Evidence: evidence,
		Carrier: in.Carrier, TrackingNo: in.TrackingNo, Cost: money.New(in.Cost, cur),
		Inspection: in.Inspection, Finding: in.Finding, Deduction: money.New(in.Deduction, cur),
		PostageReduction: money.New(in.PostageReduction, cur),
	}
	if in.Amount != nil {
		amt := money.New(*in.Amount, cur)
		cmd.Amount = &amt
	}
	res, err := aftersale.Transition(c, cmd, tx.Now(), pol)
	if err != nil {
		var na *aftersale.NotAllowedError
		if errors.As(err, &na) {
			e := fromCore(err).(*Error)
			e.Version = c.Version
			return nil, e
		}
		return nil, fromCore(err)
	}
	if err := a.persist(ctx, tx, &c, &res, nil); err != nil {
		return nil, err
	}
	if err := tx.LinkAttachments(ctx, c.ID, in.Evidence); err != nil {
		return nil, err
	}
	events, err := tx.Events(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	rec.Case = res.Case
	return a.caseView(p, &rec, events)
}

// loadCase reads a case the principal may see for op; someone else's case is not found.
func (a *App) loadCase(ctx context.Context, tx store.Tx, p Principal, op operation, id string) (store.CaseRecord, error) {
	return a.readCase(ctx, p, op, id, tx, tx.Case)
}

// lockCase is loadCase for a command that writes the case (an action, a message, which
// rewrites its SLA trail without a new version): the case stays locked until the
// transaction ends, so that such writes on one case wait for each other instead of
// conflicting.
func (a *App) lockCase(ctx context.Context, tx store.Tx, p Principal, op operation, id string) (store.CaseRecord, error) {
	return a.readCase(ctx, p, op, id, tx, tx.CaseForUpdate)
}

func (a *App) readCase(ctx context.Context, p Principal, op operation, id string, tx store.Tx, read func(context.Context, string) (store.CaseRecord, error)) (store.CaseRecord, error) {
	if _, err := uuid.Parse(id); err != nil {
		return store.CaseRecord{}, errNotFound("case")
	}
	rec, err := read(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, errNotFound("case")
	} else if err != nil {
		return rec, err
	}
	if err := authorize(p, op, &owner{rec.Case.MerchantID, rec.Case.CustomerID}, "case"); err != nil {
		return rec, err
	}
	return rec, moneyFacts(ctx, tx, &rec.Case)
}

// GetCase returns a case with its history, the principal's allowed actions and deadlines.
func (a *App) GetCase(ctx context.Context, p Principal, id string) (*CaseView, error) {
	var v *CaseView
	err := a.store.View(ctx, func(tx store.Tx) error {
		rec, err := a.loadCase(ctx, tx, p, opReadCase, id)
		if err != nil {
			return err
		}
		events, err := tx.Events(ctx, id)
		if err != nil {
			return err
		}
		if v, err = a.caseView(p, &rec, events); err != nil {
			return err
		}
		if cu, err := tx.Customer(ctx, rec.Case.CustomerID); err == nil {
			v.Contact = contactView(p, &rec.Case, cu)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return a.addSLA(ctx, tx, v, &rec.Case, events)
	})
	return v, fromCore(err)
}

// addSLA shows the service-desk clocks on a case view.
func (a *App) addSLA(ctx context.Context, tx store.Tx, v *CaseView, c *aftersale.Case, events []aftersale.Event) error {
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return err
	}
	report, _, ok, err := a.slaReport(ctx, tx, c, pol, events, a.now())
	if err != nil || !ok {
		return err
	}
	t, _, _ := slaTarget(c, pol)
	v.SLA = slaView(report, t.ID)
	return nil
}

// Evaluate is the policy dry run: what would be decided for this application at a time.
// Nothing is stored.
func (a *App) Evaluate(ctx context.Context, p Principal, in EvaluateInput) (*DecisionView, error) {
	if err := authorize(p, opEvaluate, nil, ""); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	at := a.now()
	if in.At != nil {
		at = *in.At
	}
	var v *DecisionView
	err := a.store.View(ctx, func(tx store.Tx) error {
		o, err := tx.Order(ctx, in.OrderNo, false)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("order")
		} else if err != nil {
			return err
		}
		if err := authorize(p, opEvaluate, &owner{o.Merchant, o.Customer}, "order"); err != nil {
			return err
		}
		// Evidence counts only when it would count in a real application: the caller's own
		// uploads, not yet linked to a case.
		evidence, err := a.ownEvidence(ctx, tx, p, "", in.Evidence)
		if err != nil {
			return err
		}
		dc, err := a.decide(ctx, tx, &o, &in.ApplyInput, at, len(evidence) > 0)
		if err != nil {
			return err
		}
		d := dc.Decision
		dv := decisionView(&d)
		v = &dv
		return nil
	})
	return v, fromCore(err)
}
