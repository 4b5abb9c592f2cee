package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/sla"
	"github.com/aftersales/aftersales/internal/store"
)

// moneyWait is how long the clock waits before it looks again at a case it would complete
// while the case's money is still pending.
const moneyWait = time.Minute

// SLACheck is the timer kind of a case's service-desk clocks: it fires when a running clock
// becomes at risk or breached (sla.Report.Next).
const SLACheck aftersale.DeadlineKind = "sla_check"

// FireTimer carries out a due timer that the scheduler leased to owner: a deadline's
// timeout action (SPEC §4) or an SLA check (SPEC §6), through the same path as every other
// actor, and marks the timer fired in the same transaction. When the case has moved on (the
// deadline no longer runs), the timer is cancelled and nothing happens. If another replica
// took the timer over (its lease ran out), the transaction does not commit: a timer's effect
// is applied exactly once.
func (a *App) FireTimer(ctx context.Context, owner string, t store.Timer) (fired bool, err error) {
	sys := Principal{Role: RoleIntegration, ID: "scheduler"}
	_, err = write(ctx, a, sys, nil, auditTarget{"timer.fire", "case", t.CaseID}, func(tx *txn) (*struct{}, int, error) {
		fired = false
		rec, err := tx.CaseForUpdate(ctx, t.CaseID) // as an action does (lockCase)
		if err != nil {
			return nil, 0, err
		}
		c := rec.Case
		if dispute.IsDeadline(t.Kind) {
			fired, err = a.fireDisputeTimer(ctx, tx, t, owner)
			return &struct{}{}, 0, err
		}
		if err := moneyFacts(ctx, tx, &c); err != nil {
			return nil, 0, err
		}
		pol, err := a.engine.ResolveVersion(c.PolicyVersion)
		if err != nil {
			return nil, 0, err
		}
		// Mark the timer first: the work below reschedules the case's timers, and the lease
		// check must fail before any effect if another replica has taken the timer over.
		due := t.Kind == SLACheck || deadlineDue(&c, t.Kind, tx.Now())
		state := store.TimerCancelled
		if due {
			state = store.TimerFired
		}
		if due && t.Kind != SLACheck && c.MoneyPending {
			// The clock would complete a case whose money is not paid yet (SPEC §8): it
			// looks again in a while, and completes the case once the payment settles.
			if err := tx.FinishTimer(ctx, t.ID, owner, store.TimerCancelled); err != nil {
				return nil, 0, err
			}
			return &struct{}{}, 0, tx.schedule(ctx, c.ID, nil, []aftersale.Deadline{{Kind: t.Kind, Due: tx.Now().Add(moneyWait)}})
		}
		if err := tx.FinishTimer(ctx, t.ID, owner, state); err != nil || !due {
			return &struct{}{}, 0, err
		}
		if t.Kind == SLACheck {
			err = a.checkSLA(ctx, tx, &c, pol)
		} else {
			err = a.timeout(ctx, tx, &c, pol)
		}
		fired = err == nil
		return &struct{}{}, 0, err
	})
	return fired, err
}

// deadlineDue reports whether the deadline of kind is the case's current one and is due:
// otherwise the case has moved on and its timer is moot.
func deadlineDue(c *aftersale.Case, kind aftersale.DeadlineKind, now time.Time) bool {
	i := slices.IndexFunc(c.Deadlines, func(d aftersale.Deadline) bool { return d.Kind == kind })
	return i >= 0 && !c.Deadlines[i].Due.After(now)
}

// timeout takes the case's waiting state's timeout action.
func (a *App) timeout(ctx context.Context, tx *txn, c *aftersale.Case, pol *policy.Resolved) error {
	cmd, ok := aftersale.TimeoutAction(c, pol)
	if !ok {
		return nil
	}
	res, err := aftersale.Transition(*c, cmd, tx.Now(), pol)
	if err != nil {
		return fromCore(err)
	}
	return a.persist(ctx, tx, c, &res, nil)
}

// slaTarget is the service target the policy sets for a case, scaled by the case's SLA
// factor (an emergency plan active when it was opened).
func slaTarget(c *aftersale.Case, pol *policy.Resolved) (sla.Target, []string, bool) {
	t, bp, esc, ok := pol.SLA(c)
	if !ok {
		return sla.Target{}, nil, false
	}
	tg := sla.Target{ID: t.ID, FirstResponse: t.FirstResponse, NextUpdate: t.NextUpdate, Resolution: t.Resolution, WarningBP: bp}
	return tg.Scaled(c.SLAFactorBP), esc, true
}

// slaReport computes a case's clocks: from the SLA trail it keeps, or, when it keeps none
// that serves (sla.EvaluateTrail: a case stored before trails, a clock behind the trail's),
// from its history and conversation. events may be given when the caller has them (nil
// loads them). persist and postMessage have folded the case's trail before they ask.
func (a *App) slaReport(ctx context.Context, tx store.Tx, c *aftersale.Case, pol *policy.Resolved, events []aftersale.Event, now time.Time) (sla.Report, []string, bool, error) {
	target, esc, ok := slaTarget(c, pol)
	if !ok {
		return sla.Report{}, nil, false, nil
	}
	if r, ok := sla.EvaluateTrail(c, target, a.engine.Calendar(), now); ok {
		return r, esc, true, nil
	}
	var err error
	if events == nil {
		if events, err = tx.Events(ctx, c.ID); err != nil {
			return sla.Report{}, nil, false, err
		}
	}
	msgs, err := tx.Messages(ctx, c.ID, false)
	if err != nil {
		return sla.Report{}, nil, false, err
	}
	return sla.Evaluate(c, sla.Activities(events, slaMessages(msgs)), target, a.engine.Calendar(), now), esc, true, nil
}

// foldEvent brings case c's SLA trail up to its new event ev, which moved it on from
// before (nil: c is being opened): folded onto the trail before kept, or traced again from
// the whole history and conversation when before kept none of its version (a case stored
// before trails) or ev falls out of the order a fold takes (sla.FoldEvent).
func (a *App) foldEvent(ctx context.Context, tx *txn, before, c *aftersale.Case, ev aftersale.Event) error {
	from := sla.NewTrail(c.CreatedAt)
	if before != nil {
		if before.SLATrail == nil || before.SLATrail.Seq != before.Version {
			return a.traceTrail(ctx, tx, c, &ev)
		}
		from = *before.SLATrail
	}
	t, ok := sla.FoldEvent(from, ev)
	if !ok {
		return a.traceTrail(ctx, tx, c, &ev)
	}
	c.SLATrail = &t
	return nil
}

// foldMessage folds a public message of case c's conversation into its SLA trail (traced
// again when it cannot be folded, see foldEvent) and stores the trail: a write that makes no
// new version, refused when a transition of the case was written meanwhile (the command
// is then tried again).
func (a *App) foldMessage(ctx context.Context, tx *txn, c *aftersale.Case, m *store.CaseMessage) error {
	ok := false
	if c.SLATrail != nil && c.SLATrail.Seq == c.Version {
		var t aftersale.SLATrail
		if t, ok = sla.FoldMessage(*c.SLATrail, sla.Message{At: m.At, Role: aftersale.Role(m.AuthorRole), Public: m.Public}); ok {
			c.SLATrail = &t
		}
	}
	if !ok {
		if err := a.traceTrail(ctx, tx, c, nil); err != nil {
			return err
		}
	}
	return tx.RewriteCase(ctx, c)
}

// traceTrail builds case c's SLA trail from its whole history and conversation as stored
// in this transaction, and ev, an event not appended yet, when given.
func (a *App) traceTrail(ctx context.Context, tx *txn, c *aftersale.Case, ev *aftersale.Event) error {
	events, err := tx.Events(ctx, c.ID)
	if err != nil {
		return err
	}
	if ev != nil {
		events = append(events, *ev)
	}
	msgs, err := tx.Messages(ctx, c.ID, false)
	if err != nil {
		return err
	}
	t := sla.Trace(c, sla.Activities(events, slaMessages(msgs)))
	c.SLATrail = &t
	return nil
}

func slaMessages(ms []store.CaseMessage) []sla.Message {
	out := make([]sla.Message, 0, len(ms))
	for _, m := range ms {
		out = append(out, sla.Message{At: m.At, Role: aftersale.Role(m.AuthorRole), Public: m.Public})
	}
	return out
}

// nextSLACheck returns the timer changes that keep a case's SLA check at the moment its
// clocks next change by themselves — or at now, when a clock already calls for a warning or
// breach that c has not recorded: the check that was due for it had not run when the case
// changed (the scheduler was late, or a transition committed first), and replacing it by
// the next one would drop the record.
func nextSLACheck(c *aftersale.Case, r sla.Report, ok bool, now time.Time) (cancel []aftersale.DeadlineKind, set []aftersale.Deadline) {
	cancel = []aftersale.DeadlineKind{SLACheck}
	if !ok {
		return cancel, nil
	}
	for _, clk := range r.Clocks {
		if _, _, due := dueNotice(c, clk); due {
			return cancel, []aftersale.Deadline{{Kind: SLACheck, Due: now}}
		}
	}
	if at, ok := r.Next(); ok {
		set = []aftersale.Deadline{{Kind: SLACheck, Due: at}}
	}
	return cancel, set
}

// dueNotice is the record a clock calls for that c does not have yet: its breach, or its
// warning while at risk; each is recorded once per clock interval (its key).
func dueNotice(c *aftersale.Case, clk sla.Clock) (action aftersale.Action, key string, ok bool) {
	key = fmt.Sprintf("%s@%d", clk.Kind, clk.StartedAt.Unix())
	switch {
	case clk.Status == sla.StatusBreached && !slices.Contains(c.SLANotices, key+aftersale.SLABreachSuffix):
		return aftersale.SLABreach, key + aftersale.SLABreachSuffix, true
	case clk.Status == sla.StatusAtRisk && !slices.Contains(c.SLANotices, key+aftersale.SLAWarningSuffix):
		return aftersale.SLAWarning, key + aftersale.SLAWarningSuffix, true
	}
	return "", "", false
}

// checkSLA records the warnings and breaches of a case's clocks that have not been recorded
// yet — a breach with the escalation the policy sets (raise the priority, tell the
// supervisor, move to tier 2) — and sets the next check.
func (a *App) checkSLA(ctx context.Context, tx *txn, c *aftersale.Case, pol *policy.Resolved) error {
	now := tx.Now()
	report, esc, ok, err := a.slaReport(ctx, tx, c, pol, nil, now)
	if err != nil {
		return err
	}
	recorded := false
	for _, clk := range report.Clocks {
		action, key, due := dueNotice(c, clk)
		if !due {
			continue
		}
		data := map[string]string{"clock": string(clk.Kind), "target": clk.Target.String(), "remaining": clk.Remaining.Round(time.Second).String()}
		res, err := aftersale.Record(*c, action, aftersale.SystemActor, "", data, now, func(n *aftersale.Case) {
			n.SLANotices = append(n.SLANotices, key)
			if action != aftersale.SLABreach {
				return
			}
			for _, e := range esc {
				switch e {
				case "raise_priority":
					n.Priority = n.Priority.Raised()
				case "reassign":
					n.Tier = 2
				}
			}
		})
		if err != nil {
			return err
		}
		if action == aftersale.SLABreach && slices.Contains(esc, "notify_supervisor") {
			res.Effects.Messages = append(res.Effects.Messages, aftersale.Message{Template: "case.sla_breach", To: []aftersale.Role{aftersale.Supervisor}})
		}
		if err := a.persist(ctx, tx, c, &res, nil); err != nil {
			return err
		}
		tx.sla = append(tx.sla, slaNotice{breach: action == aftersale.SLABreach, kind: string(clk.Kind)})
		*c = res.Case
		recorded = true
	}
	if !recorded {
		// persist sets the next check after each record; with none, set it here.
		cancel, set := nextSLACheck(c, report, ok, now)
		return tx.schedule(ctx, c.ID, cancel, set)
	}
	return nil
}

// schedule changes a case's timers and notes the earliest new one, so the scheduler can be
// woken after commit.
func (tx *txn) schedule(ctx context.Context, caseID string, cancel []aftersale.DeadlineKind, set []aftersale.Deadline) error {
	if len(cancel) == 0 && len(set) == 0 {
		return nil
	}
	for _, d := range set {
		tx.timers = append(tx.timers, d.Due)
	}
	return tx.ScheduleTimers(ctx, caseID, cancel, set)
}
