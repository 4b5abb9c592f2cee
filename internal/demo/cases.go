package demo

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/ledger"
)

// caseSim is a case as the demo follows it.
type caseSim struct {
	id         string
	o          *orderSim
	p          *plan
	typ        aftersale.Type
	state      aftersale.State
	version    int64
	shipped    bool // the order had shipped when the case was opened
	halting    bool // a refund before shipment: the goods wait for its outcome
	staffIndex int
	visits     map[aftersale.State]int
}

// schedule makes the customer apply as planned, uploading the photos a few minutes before.
func (s *sim) schedule(o *orderSim, p *plan) {
	if !p.want.Evidence || p.forgot {
		s.at(p.at, func() error { return s.apply(o, p) })
		return
	}
	s.at(p.at.Add(-time.Duration(2+o.r.IntN(8))*time.Minute), func() error {
		ids, err := s.photos(customer(o.cust.ID), o.r, 1+pickWeighted(o.r, []int{60, 30, 10}))
		if err != nil {
			return err
		}
		p.photos = ids
		s.at(p.at, func() error { return s.apply(o, p) })
		return nil
	})
}

// apply is the customer's application. A refusal is counted, and the customer may try
// again: with the photos a quality claim needs, or with another kind of request.
func (s *sim) apply(o *orderSim, p *plan) error {
	w := p.want
	in := app.ApplyInput{
		OrderNo: o.no, Type: w.Type, Reason: w.Reason, Items: p.items, Description: p.desc,
		RefundMethod: aftersale.RefundMethod(p.method), Evidence: p.photos, Amount: p.amount, Channel: p.channel,
	}
	s.sum.Applications++
	reply, err := s.a.Apply(s.ctx, customer(o.cust.ID), in, nil)
	if app.ErrorCode(err) == app.CodeRefused {
		rule := "unknown"
		var e *app.Error
		if errors.As(err, &e) && e.Decision != nil && len(e.Decision.Refusals) > 0 {
			rule = e.Decision.Refusals[0].Rule
		}
		if p.pin != nil {
			return fmt.Errorf("pinned %s case on order %s refused by %s: %w", p.pin.Target, o.no, rule, err)
		}
		s.sum.Refused++
		s.sum.Refusals[rule]++
		s.retry(o, p, rule)
		return nil
	}
	if err != nil {
		return fmt.Errorf("apply for %s (%s) on order %s: %w", w.Type, w.Reason, o.no, err)
	}
	c := &caseSim{
		id: reply.Value.ID, o: o, p: p, typ: w.Type, shipped: o.shipped, staffIndex: o.r.IntN(2),
		visits: map[aftersale.State]int{},
	}
	if w.Type == aftersale.RefundOnly && !o.shipped {
		o.halted, c.halting = true, true
	}
	s.cases = append(s.cases, c)
	return s.after(c, reply.Value)
}

func (s *sim) retry(o *orderSim, p *plan, rule string) {
	r := o.r
	var next *plan
	switch {
	case p.forgot && rule == "evidence_for_quality" && r.IntN(100) < 80:
		q := *p
		q.forgot = false
		next = &q
	case p.want.Then != nil && r.IntN(100) < p.want.ThenPct:
		next = &plan{want: p.want.Then, items: p.items}
		s.fillPlan(o, next, r)
		next.forgot = false
	default:
		return
	}
	next.at = s.t.Add(between(r, 10*time.Minute, 3*time.Hour))
	s.schedule(o, next)
}

// after is called with the case as a transition left it: the party whose turn it is acts
// in time, or stays silent and the deadline acts for them.
func (s *sim) after(c *caseSim, v *app.CaseView) error {
	c.state, c.version = v.State, v.Version
	if v.State.Terminal() {
		if c.halting && v.RefundedAmount == 0 {
			s.resume(c.o)
		}
		return nil
	}
	c.visits[v.State]++
	var due time.Time
	if len(v.Deadlines) > 0 {
		due = v.Deadlines[0].DueAt
	}
	mv, ok, err := s.decide(c, v)
	if err != nil {
		return err
	}
	if ok {
		at := s.t.Add(mv.delay)
		if mv.from < mv.to {
			at = within(c.o.r, at, mv.from, mv.to)
		}
		if due.IsZero() || at.Before(due) {
			s.at(at, func() error { return s.act(c, mv) })
			return nil
		}
	}
	if !due.IsZero() {
		s.at(due.Add(between(c.o.r, 30*time.Second, 5*time.Minute)), func() error { return s.timeout(c) })
	}
	return nil
}

// act takes a party's action.
func (s *sim) act(c *caseSim, mv move) error {
	in := mv.in
	in.Version = c.version
	if mv.photos > 0 {
		ids, err := s.photos(mv.who, c.o.r, mv.photos)
		if err != nil {
			return err
		}
		in.Evidence = ids
	}
	if c.state == aftersale.Disputed && slices.Contains([]aftersale.Action{aftersale.Approve, aftersale.Reject, aftersale.Cancel}, in.Action) {
		v, err := s.settleDispute(c, mv)
		if err != nil {
			return err
		}
		if err := s.pay(c); err != nil {
			return err
		}
		return s.after(c, v)
	}
	if in.Action == aftersale.Deliver && mv.who.ID == s.cast.carrier.ID {
		return s.carrierScans(c, mv)
	}
	if in.Action == aftersale.Confirm {
		if err := s.outboundScans(c, true); err != nil {
			return err
		}
		in.Version = c.version
	}
	reply, err := s.a.Act(s.ctx, mv.who, c.id, in, nil)
	if err != nil {
		return fmt.Errorf("%s %s on %s case %s (order %s, %s): %w", mv.who.Role, in.Action, c.typ, c.id, c.o.no, c.state, err)
	}
	if err := s.pay(c); err != nil {
		return err
	}
	if slices.Contains([]aftersale.Action{aftersale.ShipExchange, aftersale.ShipReship, aftersale.RepairDone}, in.Action) {
		if err := s.outboundScans(c, false); err != nil {
			return err
		}
	}
	if reply.Value.State == aftersale.Rejected {
		if err := s.maybeComplain(c, 15); err != nil {
			return err
		}
	}
	return s.after(c, reply.Value)
}

// timeout is the platform acting when a deadline passed: what aftersale.TimeoutAction
// says, taken by the scheduler's integration as the system.
func (s *sim) timeout(c *caseSim) error {
	v, err := s.a.GetCase(s.ctx, s.cast.scheduler, c.id)
	if err != nil {
		return fmt.Errorf("load case %s for its deadline: %w", c.id, err)
	}
	pol, err := s.a.Engine().ResolveVersion(v.PolicyVersion)
	if err != nil {
		return err
	}
	k := aftersale.Case{ID: v.ID, State: v.State, Type: v.Type, OrderShipped: c.shipped, MerchantID: v.Merchant,
		CustomerID: v.Customer, PolicyVersion: v.PolicyVersion}
	cmd, ok := aftersale.TimeoutAction(&k, pol)
	if !ok {
		return nil
	}
	in := app.ActInput{Action: cmd.Action, Version: v.Version, Note: cmd.Note, Inspection: cmd.Inspection}
	reply, err := s.a.Act(s.ctx, s.cast.scheduler, c.id, in, nil)
	if err != nil {
		return fmt.Errorf("timeout %s on %s case %s (%s): %w", cmd.Action, c.typ, c.id, v.State, err)
	}
	s.sum.Timeouts++
	if err := s.pay(c); err != nil {
		return err
	}
	return s.after(c, reply.Value)
}

// pay is the payment provider of the demo's past: the money a transition moved is paid at
// once, its callback taken as the gateway's (the demo's history has no gateway behind it;
// payments made after the demo starts go through the server's).
func (s *sim) pay(c *caseSim) error {
	l, err := s.a.CaseLedger(s.ctx, s.cast.admin, c.id)
	if err != nil {
		return fmt.Errorf("the money of case %s: %w", c.id, err)
	}
	for _, e := range l.Entries {
		if e.State != ledger.Pending {
			continue
		}
		at := s.clk.Now()
		if err := s.a.PaymentCallback(s.ctx, ledger.Payment{Key: e.IdempotencyKey, Ref: "DEMO-" + e.ID[:8], Amount: e.Amount,
			Currency: e.Currency, Method: e.Method, Status: ledger.Paid, CreatedAt: at, SettledAt: &at}); err != nil {
			return fmt.Errorf("pay %s of case %s: %w", e.Kind, c.id, err)
		}
	}
	return nil
}
