package sla

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

// # The trail
//
// The clocks read a case's whole history and conversation, and a case changes often: the
// application keeps what they read of it on the case instead (aftersale.SLATrail), folding
// each event and public message in as it is written, and evaluates the trail
// (EvaluateTrail). Evaluate builds the same trail from the whole list of activities, so
// both give the same report by construction; what needs care is the order in which the
// activities come. Evaluate orders them by time, an event before a message at the same
// instant, and knows when the case ends before it looks at any; a fold sees them one by
// one. A fold therefore refuses (ok false) an activity that Evaluate would have put before
// one already folded, and a case's end at the instant a customer's activity opened a
// next-update interval (at its end, a customer's activity opens none, which only hindsight
// knows). The caller then builds the trail again from the whole history (Trace), which is
// always right.
//
// The trail holds:
//   - Runs, State, Since, End: the case's states over time (the timeline): the stretches in
//     which the clocks ran, closed by a change of state; the state the history ends in and
//     since when; when it reached a terminal state.
//   - First: the desk's first public activity up to the end (first_response stops there).
//   - From, Stop: the last next-update interval after the first response: a customer's
//     activity while none is open opens one (From, Stop zero), the desk's next public
//     activity closes it (Stop).
//   - Last, LastMsg: the latest activity folded, and whether it was a message (the order a
//     fold checks). Internal notes change no clock and are not folded.
//   - Seq: the version of the case whose event was folded last; a trail is the case's when
//     Seq is its Version.

// NewTrail is the trail of a case opened at start, before its first event.
func NewTrail(start time.Time) aftersale.SLATrail {
	return aftersale.SLATrail{State: aftersale.Requested, Since: start, Last: start}
}

// FoldEvent returns t with the case's next event folded in; ok is false when the event is
// out of the order the trail can take (see The trail): build the trail again with Trace.
func FoldEvent(t aftersale.SLATrail, e aftersale.Event) (aftersale.SLATrail, bool) {
	a := eventActivity(e)
	if a.At.Before(t.Last) || a.At.Equal(t.Last) && t.LastMsg {
		return t, false
	}
	if a.To.Terminal() && t.End.IsZero() && a.At.Equal(t.From) {
		return t, false
	}
	step(&t, a, time.Time{})
	t.Seq = e.Seq
	return t, true
}

// FoldMessage returns t with a message of the case's conversation folded in; ok is false
// when it is out of order (see FoldEvent).
func FoldMessage(t aftersale.SLATrail, m Message) (aftersale.SLATrail, bool) {
	if m.At.Before(t.Last) {
		return t, false
	}
	step(&t, Activity{At: m.At, Role: m.Role, Public: m.Public}, time.Time{})
	return t, true
}

// Trace builds the trail of case c from its whole history and conversation (Activities):
// what the folds of all of them, one by one, would have made, activities before the case's
// creation left out. Seq is c's version.
func Trace(c *aftersale.Case, history []Activity) aftersale.SLATrail {
	start := createdAt(c, history)
	acts := make([]Activity, 0, len(history))
	now := start
	for _, a := range history {
		if !a.At.Before(start) {
			acts = append(acts, a)
			now = later(now, a.At)
		}
	}
	sortByTime(acts)
	t := trace(c, acts, start, now)
	t.Seq = c.Version
	return t
}

// EvaluateTrail computes the clocks of case c at now from the trail it keeps (Evaluate
// without reading the history): the same report as Evaluate over the activities folded
// into it. ok is false when c has no trail, or one of an earlier version of c, or now is
// before the trail's latest activity (a clock behind another replica's): evaluate the
// history then.
func EvaluateTrail(c *aftersale.Case, t Target, cal *calendar.Calendar, now time.Time) (Report, bool) {
	tr := c.SLATrail
	if tr == nil || tr.Seq != c.Version || tr.State != c.State || c.CreatedAt.IsZero() || now.Before(tr.Last) {
		return Report{}, false
	}
	return evaluate(tr, c.CreatedAt, t, cal, now), true
}

// trace folds acts (ordered by time, all within [start, now]) into the trail of case c,
// knowing beforehand when the case ends. The case starts as requested, or in the From of
// its first recorded change when the history begins later. When the case itself is in
// another state than the history ends in (a history cut short), it is taken to have moved
// there at its UpdatedAt.
func trace(c *aftersale.Case, acts []Activity, start, now time.Time) aftersale.SLATrail {
	t := aftersale.SLATrail{State: aftersale.Requested, Since: start, Last: start}
	for _, a := range acts {
		if a.To != "" {
			if a.From != "" {
				t.State = a.From
			}
			break
		}
	}
	catchUp := func(t *aftersale.SLATrail) bool {
		return c.State != "" && c.State != t.State && !c.UpdatedAt.After(now)
	}
	// The end: the timeline's moves alone, the catching up included.
	tl := aftersale.SLATrail{State: t.State, Since: t.Since}
	for _, a := range acts {
		if a.To != "" {
			move(&tl, a.At, a.To)
		}
	}
	if catchUp(&tl) {
		move(&tl, later(tl.Since, c.UpdatedAt), c.State)
	}
	for _, a := range acts {
		step(&t, a, tl.End)
	}
	if catchUp(&t) {
		move(&t, later(t.Since, c.UpdatedAt), c.State)
	}
	return t
}

// step folds a, which comes after everything folded into t. end is when the case ends if
// known beforehand (trace); zero leaves it to the terminal event (a fold).
func step(t *aftersale.SLATrail, a Activity, end time.Time) {
	if a.Action == "" && !a.Public {
		return // an internal note: it changes no clock
	}
	if a.To != "" {
		move(t, a.At, a.To)
	}
	if end.IsZero() {
		end = t.End
	}
	t.Last, t.LastMsg = a.At, a.Action == ""
	if !end.IsZero() && a.At.After(end) {
		return // after the end: it answers and opens nothing
	}
	switch {
	case t.First.IsZero():
		if a.byDesk() {
			t.First = a.At
		}
	case a.byDesk() && !t.From.IsZero() && t.Stop.IsZero():
		t.Stop = a.At
	case a.Role == aftersale.Customer && (t.From.IsZero() || !t.Stop.IsZero()) && !a.At.Equal(end):
		t.From, t.Stop = a.At, time.Time{}
	}
}

// move is the case's change to state to at at: the stretch since the last change closes
// (it counts when the clocks ran in it); nothing moves after the end.
func move(t *aftersale.SLATrail, at time.Time, to aftersale.State) {
	if !t.End.IsZero() {
		return
	}
	if runs(t.State) && at.After(t.Since) {
		t.Runs = append(slices.Clip(t.Runs), aftersale.TimeSpan{From: t.Since, To: at})
	}
	t.State, t.Since = to, at
	if to.Terminal() {
		t.End = at
	}
}

func eventActivity(e aftersale.Event) Activity {
	return Activity{At: e.At, Role: e.Actor.Role, Public: true, Action: e.Action, From: e.From, To: e.To}
}
