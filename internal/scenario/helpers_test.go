// Package scenario_test holds scenario tests that read like the regulations: each case names
// the law article or seed-document section it comes from, and drives the real policy engine
// and the real case life cycle from application to the end.
package scenario_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// shanghai is where every date of these scenarios is read.
var shanghai = calendar.Default().Location()

// at is a wall-clock instant in Asia/Shanghai.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// The people acting on cases.
var (
	buyer      = aftersale.Actor{Role: aftersale.Customer, ID: "cust-1"}
	shop       = aftersale.Actor{Role: aftersale.Merchant, ID: "staff-1"}
	agent      = aftersale.Actor{Role: aftersale.Agent, ID: "agent-1"}
	supervisor = aftersale.Actor{Role: aftersale.Supervisor, ID: "sup-1"}
	system     = aftersale.SystemActor
)

// presetDoc parses a shipped preset.
func presetDoc(name string) *policy.Document {
	b, err := policy.Preset(name)
	if err != nil {
		panic(err)
	}
	d, err := policy.Parse(b)
	if err != nil {
		panic(err)
	}
	return d
}

// platform is the policy version of the statutory floor under the seed-platform preset, as
// cases store it: "statutory@1+seed-platform@4".
var platform = sync.OnceValue(func() string {
	return presetDoc("statutory").Key() + "+" + presetDoc("seed-platform").Key()
})

// MustEngine returns an engine on the PRC calendar with the statutory floor, the seed-platform
// preset and then each extra layer loaded.
func MustEngine(t *testing.T, layers ...string) *policy.Engine {
	t.Helper()
	e := MustBareEngine(t)
	seed, err := policy.Preset("seed-platform")
	if err != nil {
		t.Fatalf("preset seed-platform: %v", err)
	}
	MustLoad(t, e, string(seed))
	for _, l := range layers {
		MustLoad(t, e, l)
	}
	return e
}

// MustBareEngine returns an engine with only the statutory floor.
func MustBareEngine(t *testing.T) *policy.Engine {
	t.Helper()
	e, err := policy.New(calendar.Default())
	if err != nil {
		t.Fatalf("policy.New: %v", err)
	}
	return e
}

// MustLoad loads a policy layer written in YAML.
func MustLoad(t *testing.T, e *policy.Engine, doc string) *policy.Document {
	t.Helper()
	d, err := e.Load([]byte(doc))
	if err != nil {
		t.Fatalf("load layer: %v\n%s", err, doc)
	}
	return d
}

// MustFloorError loads a layer that must be refused for breaking the statutory floor.
func MustFloorError(t *testing.T, e *policy.Engine, doc string) *policy.FloorError {
	t.Helper()
	_, err := e.Load([]byte(doc))
	var fe *policy.FloorError
	if !errors.As(err, &fe) {
		t.Fatalf("load: got %v (%T), want a *policy.FloorError", err, err)
	}
	return fe
}

// MustOrder returns a valid order of shop-a: one jacket (apparel, ¥199.00), paid on Friday
// 2025-03-07, shipped on the 8th, signed for on Monday 2025-03-10 at 15:00, changed by opts.
func MustOrder(t *testing.T, opts ...func(*order.Order)) order.Order {
	t.Helper()
	o := order.Order{
		No: "O-20250307-0001", Merchant: "shop-a", Customer: "cust-1",
		Currency: money.CNY, PaymentMethod: order.Online,
		ShippingFee: money.Yuan(1000),
		PaidAt:      at(2025, 3, 7, 10, 0),
		ShippedAt:   at(2025, 3, 8, 9, 0),
		DeliveredAt: at(2025, 3, 10, 15, 0),
		Items: []order.Item{{
			SKU: "JACKET-M", Title: "羽绒服 M 码", Category: "apparel", Quantity: 1,
			UnitPrice: money.Yuan(19900), PaidAmount: money.Yuan(19900),
		}},
	}
	for _, f := range opts {
		f(&o)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("order: %v", err)
	}
	return o
}

// signedAt moves the signed receipt (签收) to ts.
func signedAt(ts time.Time) func(*order.Order) {
	return func(o *order.Order) { o.DeliveredAt = ts }
}

// notShipped makes the order one the merchant has not shipped yet.
func notShipped(o *order.Order) { o.ShippedAt, o.DeliveredAt = time.Time{}, time.Time{} }

// cashOnDelivery makes the order paid on delivery (货到付款).
func cashOnDelivery(o *order.Order) { o.PaymentMethod = order.CashOnDelivery }

// insured gives the order freight insurance (运费险).
func insured(o *order.Order) { o.FreightInsurance = true }

// tagged adds tags to the first item.
func tagged(tags ...string) func(*order.Order) {
	return func(o *order.Order) { o.Items[0].Tags = append(o.Items[0].Tags, tags...) }
}

// category sets the first item's category.
func category(c string) func(*order.Order) {
	return func(o *order.Order) { o.Items[0].Category = c }
}

// Apply is an application for every unit of the order's first item, with evidence attached
// (the seed platform asks for photos on quality claims).
func Apply(o order.Order, typ aftersale.Type, reason aftersale.Reason, when time.Time) policy.Request {
	return policy.Request{
		Order: o, Type: typ, Reason: reason, At: when,
		Items:        []policy.RequestItem{{SKU: o.Items[0].SKU, Quantity: o.Items[0].Quantity}},
		HasEvidence:  true,
		RefundMethod: aftersale.RefundOriginal,
		Channel:      "web",
		Description:  "申请售后",
	}
}

// MustEvaluate evaluates an application and fails the test on an input error.
func MustEvaluate(t *testing.T, e *policy.Engine, req policy.Request) policy.Decision {
	t.Helper()
	d, err := e.Evaluate(req)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	return d
}

// MustEligible evaluates an application that the policy must accept.
func MustEligible(t *testing.T, e *policy.Engine, req policy.Request) policy.Decision {
	t.Helper()
	d := MustEvaluate(t, e, req)
	if !d.Eligible {
		t.Fatalf("application refused, want eligible: %+v\n%s", d.Refusals, d.Explanation.EN)
	}
	return d
}

// MustRefused evaluates an application that the policy must refuse by the rule id.
func MustRefused(t *testing.T, e *policy.Engine, req policy.Request, rule string) policy.Decision {
	t.Helper()
	d := MustEvaluate(t, e, req)
	if d.Eligible {
		t.Fatalf("application accepted, want refused by %s: %s", rule, d.Explanation.EN)
	}
	for _, r := range d.Refusals {
		if r.Rule == rule {
			return d
		}
	}
	t.Fatalf("refused by %+v, want %s", d.Refusals, rule)
	return d
}

// Life is one case driven through its life cycle under the policy version it was opened
// under, with its history.
type Life struct {
	t       *testing.T
	Case    aftersale.Case
	Policy  *policy.Resolved
	History []aftersale.Event
	Last    aftersale.Result
	// Money is every movement the life cycle asked for, in order.
	Money []aftersale.Movement
}

// MustOpen evaluates the application, requires it to be eligible and opens a case under the
// policy version the decision names.
func MustOpen(t *testing.T, e *policy.Engine, req policy.Request) (*Life, policy.Decision) {
	t.Helper()
	d := MustEligible(t, e, req)
	return MustOpenDecided(t, e, req, d), d
}

// MustOpenDecided opens a case from an application and its decision, as the application
// layer does.
func MustOpenDecided(t *testing.T, e *policy.Engine, req policy.Request, d policy.Decision) *Life {
	t.Helper()
	p, err := e.ResolveVersion(d.PolicyVersion)
	if err != nil {
		t.Fatalf("resolve %s: %v", d.PolicyVersion, err)
	}
	res, err := aftersale.Open(openingOf(req, d), req.At, p)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if res.Event.Seq != 1 || res.Case.Version != 1 || res.Case.State != aftersale.Requested {
		t.Fatalf("opened case: seq %d version %d state %s, want 1, 1, requested", res.Event.Seq, res.Case.Version, res.Case.State)
	}
	return &Life{t: t, Case: res.Case, Policy: p, History: []aftersale.Event{res.Event}, Last: res}
}

// openingOf is the application as the application layer hands it to aftersale.Open: the
// request's facts and the decision's terms.
func openingOf(req policy.Request, d policy.Decision) aftersale.Opening {
	items := make([]aftersale.Item, len(d.Items))
	for i, it := range d.Items {
		items[i] = aftersale.Item{SKU: it.SKU, Quantity: it.Quantity, PaidAmount: it.PaidAmount}
	}
	var evidence []aftersale.Evidence
	if req.HasEvidence {
		evidence = []aftersale.Evidence{{ID: "photo-1", Kind: "photo"}}
	}
	return aftersale.Opening{
		ID: "case-1", Number: "RMA2025000001", OrderNo: req.Order.No,
		MerchantID: req.Order.Merchant, CustomerID: req.Order.Customer, Actor: buyer,
		Type: req.Type, Reason: req.Reason, Items: items, Description: req.Description,
		Evidence: evidence, RefundMethod: req.RefundMethod, Channel: req.Channel,
		PaymentMethod: string(req.Order.PaymentMethod), OrderShipped: req.Order.Shipped(),
		PolicyVersion: d.PolicyVersion, ItemsPaid: d.ItemsPaid, RefundAmount: d.RefundAmount,
		RequestedAmount: req.RequestedAmount, ReturnShippingPayer: d.ReturnShippingPayer,
		InWarranty: d.InWarranty,
	}
}

// Do applies a command that must succeed, and checks the history invariant: exactly one
// event, whose seq is the new version, from the old state to the new.
func (l *Life) Do(now time.Time, cmd aftersale.Command) aftersale.Result {
	l.t.Helper()
	res, err := aftersale.Transition(l.Case, cmd, now, l.Policy)
	if err != nil {
		l.t.Fatalf("%s by %s in %s: %v", cmd.Action, cmd.Actor.Role, l.Case.State, err)
	}
	if res.Case.Version != l.Case.Version+1 || res.Event.Seq != res.Case.Version {
		l.t.Fatalf("%s: version %d → %d, event seq %d: want +1 and seq = new version", cmd.Action, l.Case.Version, res.Case.Version, res.Event.Seq)
	}
	if res.Event.From != l.Case.State || res.Event.To != res.Case.State || res.Event.Action != cmd.Action {
		l.t.Fatalf("event %s %s→%s, want %s %s→%s", res.Event.Action, res.Event.From, res.Event.To, cmd.Action, l.Case.State, res.Case.State)
	}
	if res.Event.PolicyVersion != l.Case.PolicyVersion {
		l.t.Fatalf("event policy version %q, want the case's %q", res.Event.PolicyVersion, l.Case.PolicyVersion)
	}
	if !onDiagram(l.Case.Type, l.Case.State, cmd.Action, cmd.Actor.Role, res.Case.State) {
		l.t.Fatalf("%s by %s took a %s case from %s to %s, an arrow the life-cycle diagram (aftersale.Edges) does not have",
			cmd.Action, cmd.Actor.Role, l.Case.Type, l.Case.State, res.Case.State)
	}
	l.Case, l.Last = res.Case, res
	l.History = append(l.History, res.Event)
	l.Money = append(l.Money, res.Effects.Money...)
	return res
}

// onDiagram reports whether the life-cycle table documents the arrow: docs/LIFECYCLE.md is
// generated from aftersale.Edges, so every transition a case takes must be one of them.
func onDiagram(typ aftersale.Type, from aftersale.State, a aftersale.Action, role aftersale.Role, to aftersale.State) bool {
	for _, e := range aftersale.Edges(typ) {
		if e.From == from && e.Action == a && e.To == to && slices.Contains(e.Roles, role) {
			return true
		}
	}
	return false
}

// Try applies a command that may fail; on failure the case is unchanged.
func (l *Life) Try(now time.Time, cmd aftersale.Command) error {
	l.t.Helper()
	before := l.Case.Version
	res, err := aftersale.Transition(l.Case, cmd, now, l.Policy)
	if err != nil {
		return err
	}
	if res.Case.Version != before+1 {
		l.t.Fatalf("version %d → %d", before, res.Case.Version)
	}
	l.Case, l.Last = res.Case, res
	l.History = append(l.History, res.Event)
	l.Money = append(l.Money, res.Effects.Money...)
	return nil
}

// Deadline returns the one clock running on the case, which must be of kind k.
func (l *Life) Deadline(k aftersale.DeadlineKind) time.Time {
	l.t.Helper()
	if len(l.Case.Deadlines) != 1 || l.Case.Deadlines[0].Kind != k {
		l.t.Fatalf("deadlines %+v in %s, want one %s", l.Case.Deadlines, l.Case.State, k)
	}
	return l.Case.Deadlines[0].Due
}

// Timeout lets the current state's deadline pass: at its due time the platform takes the
// state's timeout action.
func (l *Life) Timeout() aftersale.Result {
	l.t.Helper()
	k, ok := aftersale.DeadlineKindOf(l.Case.State)
	if !ok {
		l.t.Fatalf("state %s has no deadline", l.Case.State)
	}
	due := l.Deadline(k)
	cmd, ok := aftersale.TimeoutAction(&l.Case, l.Policy)
	if !ok {
		l.t.Fatalf("state %s has no timeout action", l.Case.State)
	}
	return l.Do(due, cmd)
}

// State requires the case to be in state s.
func (l *Life) State(s aftersale.State) {
	l.t.Helper()
	if l.Case.State != s {
		l.t.Fatalf("state %s, want %s (history: %s)", l.Case.State, s, l.path())
	}
}

func (l *Life) path() string {
	var b strings.Builder
	for i, ev := range l.History {
		if i > 0 {
			b.WriteString(" → ")
		}
		b.WriteString(string(ev.Action) + ":" + string(ev.To))
	}
	return b.String()
}

// Commands, named as the people would say them.

func approve(by aftersale.Actor) aftersale.Command {
	return aftersale.Command{Action: aftersale.Approve, Actor: by, Note: "同意"}
}

func reject(by aftersale.Actor, why string) aftersale.Command {
	return aftersale.Command{Action: aftersale.Reject, Actor: by, Note: why}
}

func shipBack(postageFen int64) aftersale.Command {
	c := aftersale.Command{Action: aftersale.ShipBack, Actor: buyer, Carrier: "SF", TrackingNo: "SF1234567890"}
	if postageFen > 0 {
		c.Cost = money.Yuan(postageFen)
	}
	return c
}

func deliver() aftersale.Command {
	return aftersale.Command{Action: aftersale.Deliver, Actor: system, Note: "carrier: signed by merchant"}
}

func inspect(result aftersale.Inspection) aftersale.Command {
	return aftersale.Command{Action: aftersale.ConfirmReceipt, Actor: shop, Inspection: result, Note: "验货"}
}

func refund(by aftersale.Actor) aftersale.Command {
	return aftersale.Command{Action: aftersale.Refund, Actor: by}
}

func confirm() aftersale.Command {
	return aftersale.Command{Action: aftersale.Confirm, Actor: buyer}
}

func cancel() aftersale.Command {
	return aftersale.Command{Action: aftersale.Cancel, Actor: buyer, Note: "不需要了"}
}

func escalate(why string) aftersale.Command {
	return aftersale.Command{Action: aftersale.Escalate, Actor: buyer, Note: why}
}

func shipReplacement(diff *money.Amount) aftersale.Command {
	return aftersale.Command{Action: aftersale.ShipExchange, Actor: shop, Carrier: "SF", TrackingNo: "SF0987654321", Amount: diff}
}

func amount(fen int64) *money.Amount {
	a := money.Yuan(fen)
	return &a
}

// MustNotAllowed requires err to be a *aftersale.NotAllowedError.
func MustNotAllowed(t *testing.T, err error) *aftersale.NotAllowedError {
	t.Helper()
	var na *aftersale.NotAllowedError
	if !errors.As(err, &na) {
		t.Fatalf("got %v (%T), want *aftersale.NotAllowedError", err, err)
	}
	return na
}

// MustInvalid requires err to be a *aftersale.InvalidError on field.
func MustInvalid(t *testing.T, err error, field string) *aftersale.InvalidError {
	t.Helper()
	var ie *aftersale.InvalidError
	if !errors.As(err, &ie) || ie.Field != field {
		t.Fatalf("got %v (%T), want *aftersale.InvalidError on %s", err, err, field)
	}
	return ie
}

// movements sums the movements of kind k.
func movements(ms []aftersale.Movement, k aftersale.MovementKind) money.Amount {
	sum := money.Yuan(0)
	for _, m := range ms {
		if m.Kind == k {
			sum = sum.MustAdd(m.Amount)
		}
	}
	return sum
}

// hasHan reports whether s contains Chinese characters.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// hit reports whether the decision used rule id with the given outcome.
func hit(d policy.Decision, id, outcome string) bool {
	for _, h := range d.Rules {
		if h.ID == id && h.Outcome == outcome {
			return true
		}
	}
	return false
}
