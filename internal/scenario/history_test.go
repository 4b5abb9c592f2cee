package scenario_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

// SPEC §4 (each step has an actor, a time, a note and evidence, recorded in an append-only
// history): every transition produces exactly one history event whose seq is the case's new
// version; the events chain from state to state without a gap, from application to the end.
func TestEveryTransitionProducesExactlyOneHistoryEvent(t *testing.T) {
	e := MustEngine(t)
	failedRepair := aftersale.Command{Action: aftersale.RepairFailed, Actor: shop, Note: "仍有故障"}
	tests := []struct {
		name   string
		typ    aftersale.Type
		reason aftersale.Reason
		opts   []func(*order.Order)
		asked  int64 // compensation asked for
		path   []aftersale.Command
		end    aftersale.State
	}{
		{"return and refund", aftersale.ReturnRefund, aftersale.NoReason, nil, 0,
			[]aftersale.Command{approve(shop), shipBack(800), deliver(), inspect(aftersale.InspectionPass), refund(shop), confirm()}, aftersale.Completed},
		{"refund only before shipment", aftersale.RefundOnly, aftersale.ChangedMind, []func(*order.Order){notShipped}, 0,
			[]aftersale.Command{refund(shop), confirm()}, aftersale.Completed},
		{"exchange", aftersale.Exchange, aftersale.WrongItem, nil, 0,
			[]aftersale.Command{approve(agent), shipBack(0), inspect(aftersale.InspectionPass), shipReplacement(amount(-500)), confirm()}, aftersale.Completed},
		{"repair failing twice, then a return", aftersale.Repair, aftersale.QualityDefect, nil, 0,
			[]aftersale.Command{approve(shop), shipBack(0), inspect(aftersale.InspectionPass), failedRepair, failedRepair,
				{Action: aftersale.ChooseReturn, Actor: buyer}, refund(system), confirm()}, aftersale.Completed},
		{"reship", aftersale.Reship, aftersale.MissingParts, nil, 0,
			[]aftersale.Command{approve(shop), {Action: aftersale.ShipReship, Actor: shop, Carrier: "YTO", TrackingNo: "YT12345678"}, confirm()}, aftersale.Completed},
		{"compensation", aftersale.Compensation, aftersale.NotAsDescribed, nil, 3000,
			[]aftersale.Command{{Action: aftersale.Offer, Actor: shop, Amount: amount(1000)}, {Action: aftersale.DeclineOffer, Actor: buyer},
				{Action: aftersale.Offer, Actor: shop, Amount: amount(2000)}, {Action: aftersale.AcceptOffer, Actor: buyer}, refund(shop), confirm()}, aftersale.Completed},
		{"dispute ruled against", aftersale.ReturnRefund, aftersale.QualityDefect, nil, 0,
			[]aftersale.Command{reject(shop, "人为损坏"), escalate("不是人为损坏"), {Action: aftersale.Reject, Actor: supervisor, Note: "证据显示为人为损坏"}}, aftersale.Closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: SPEC §4; DESIGN principle 3 (history is the truth you can audit)
			o := MustOrder(t, tt.opts...)
			when := at(2025, 3, 12, 10, 0)
			if !o.Shipped() {
				when = at(2025, 3, 7, 12, 0)
			}
			req := Apply(o, tt.typ, tt.reason, when)
			req.RequestedAmount = money.Yuan(tt.asked)
			l, _ := MustOpen(t, e, req)
			now := when
			for _, cmd := range tt.path {
				now = now.Add(2 * time.Hour)
				before := l.Case
				snapshot := cloneCase(before)
				l.Do(now, cmd) // checks seq = new version, from/to and the policy version
				if !reflect.DeepEqual(before, snapshot) {
					t.Fatalf("%s changed the case it was given", cmd.Action)
				}
				if ev := l.Last.Event; !ev.At.Equal(now) || ev.Actor != cmd.Actor || ev.Note != cmd.Note {
					t.Errorf("event %+v does not record who, when and why", ev)
				}
			}
			l.State(tt.end)
			if len(l.History) != len(tt.path)+1 {
				t.Fatalf("%d events for %d transitions and the application", len(l.History), len(tt.path))
			}
			for i, ev := range l.History {
				if ev.Seq != int64(i+1) {
					t.Errorf("event %d has seq %d", i, ev.Seq)
				}
				if i > 0 && ev.From != l.History[i-1].To {
					t.Errorf("event %d goes from %s, but the one before ended in %s", ev.Seq, ev.From, l.History[i-1].To)
				}
			}
			if l.History[0].Action != aftersale.Apply || l.History[len(l.History)-1].To != l.Case.State || l.Case.Version != int64(len(l.History)) {
				t.Errorf("history %s does not end in the case's state %s at version %d", l.path(), l.Case.State, l.Case.Version)
			}
			// A finished case takes nothing more, and says so.
			na := MustNotAllowed(t, l.Try(now.Add(time.Hour), confirm()))
			if na.Why.ZH == "" || na.Why.EN == "" {
				t.Errorf("terminal refusal without a reason: %+v", na)
			}
		})
	}
}

// A refused command changes nothing and adds nothing to the history; the error lists what the
// actor may do instead (SPEC §4: every state offers only its legal actions).
func TestRefusedCommandLeavesNoTrace(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name    string
		cmd     aftersale.Command
		allowed []aftersale.Action
	}{
		{"a customer cannot approve", aftersale.Command{Action: aftersale.Approve, Actor: buyer}, []aftersale.Action{aftersale.Cancel}},
		{"a merchant cannot refund before the goods are back", refund(shop), []aftersale.Action{aftersale.Approve, aftersale.Reject, aftersale.RequestInfo}},
		{"nobody ships back before approval", shipBack(0), []aftersale.Action{aftersale.Cancel}},
		{"an unknown action", aftersale.Command{Action: "teleport", Actor: shop}, []aftersale.Action{aftersale.Approve, aftersale.Reject, aftersale.RequestInfo}},
		{"the system cannot reject", aftersale.Command{Action: aftersale.Reject, Actor: system, Note: "x"}, []aftersale.Action{aftersale.Approve}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: SPEC §4
			l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
			before := cloneCase(l.Case)
			na := MustNotAllowed(t, l.Try(at(2025, 3, 12, 11, 0), tt.cmd))
			if !slices.Equal(na.Allowed, tt.allowed) {
				t.Errorf("allowed %v, want %v", na.Allowed, tt.allowed)
			}
			if !slices.Equal(na.Allowed, aftersale.Allowed(&l.Case, tt.cmd.Actor.Role, l.Policy)) {
				t.Errorf("error lists %v, Allowed says %v", na.Allowed, aftersale.Allowed(&l.Case, tt.cmd.Actor.Role, l.Policy))
			}
			if na.Why.ZH == "" || na.Why.EN == "" || na.Error() == "" {
				t.Errorf("refusal %+v should explain itself in zh and en", na)
			}
			if !reflect.DeepEqual(l.Case, before) || len(l.History) != 1 {
				t.Errorf("a refused command changed the case or its history")
			}
		})
	}
}

// cloneCase copies a case deeply, to tell whether Transition changed the one it was given.
func cloneCase(c aftersale.Case) aftersale.Case {
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
