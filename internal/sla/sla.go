// Package sla computes the service-level clocks of an after-sales case (服务时效, SPEC §6):
// how long the desk took, or has been taking, to give a first response, to answer the
// customer again, and to resolve the case, measured against the targets a policy promises.
// The seed regulations set the first of them: feedback within 24 hours of an application
// (S001《电商平台售后服务管理制度》三.1 "24小时内给予初步反馈").
//
// It is pure: the case, its history and the instant now are passed in; nothing here reads a
// clock, a file or a database. The scheduler calls Evaluate after every change of a case and
// sets one timer at Report.Next.
//
// # The clocks
//
//   - first_response runs from the application (the case's creation) until the desk's first
//     public reply or action: a message marked public, or any decision such as approve,
//     reject or request_info, by a merchant, an agent or a supervisor. Internal notes, the
//     customer and the system (timeouts, carriers) do not answer the customer.
//   - next_update runs once the first response happened: a customer activity (a message or
//     an action such as provide_info or reapply) that comes after the desk's last public
//     activity opens an interval, and the desk's next public activity closes it. The clock
//     shows the open interval, or else the last closed one.
//   - resolution runs from the application until the case is completed or closed.
//
// # Pauses
//
// While the case waits on the customer or on the carrier (see Paused), no clock counts: the
// customer's silence does not count against the desk. The states over time are rebuilt from
// the history's events (To and At). A terminal state stops every clock; a first response or
// next update that the case's end made moot has status none unless it was already late.
//
// # Counting
//
// A target in business hours ("8bh") counts working time on the calendar only (nights,
// weekends, public holidays do not count; make-up working days do). A target in seconds,
// minutes or hours ("30s", "24h") counts wall time. Both leave pauses out. The policy loader
// refuses other units for SLA targets; should one reach Evaluate anyway it counts as wall
// time of its approximate length (d and wd as 24 h, mo as 30 d, y as 365 d). A target of
// length zero means the policy sets none: that clock is left out of the report.
package sla

import (
	"math"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

// Kind names a service-level clock.
type Kind string

// The three clocks of SPEC §6.
const (
	FirstResponse Kind = "first_response" // 首次响应
	NextUpdate    Kind = "next_update"    // 后续回复
	Resolution    Kind = "resolution"     // 解决时效
)

// Status is where a clock stands.
type Status string

// The statuses of a clock, from the worst down (see Report.Status).
const (
	StatusBreached Status = "breached" // the target was, or is being, exceeded
	StatusAtRisk   Status = "at_risk"  // running and past the warning share of the target
	StatusOnTrack  Status = "on_track" // running, below the warning share
	StatusPaused   Status = "paused"   // the case waits on the customer or the carrier now
	StatusMet      Status = "met"      // stopped within the target
	StatusNone     Status = "none"     // nothing is owed: no interval yet, or the case ended first
)

var statusRank = map[Status]int{
	StatusNone: 0, StatusMet: 1, StatusPaused: 2, StatusOnTrack: 3, StatusAtRisk: 4, StatusBreached: 5,
}

// Target is what the policy promises for a case (the policy package fills it). Spans are in
// business hours ("bh") or wall time ("s", "m", "h"); a zero span sets no target.
type Target struct {
	ID            string
	FirstResponse calendar.Span
	NextUpdate    calendar.Span
	Resolution    calendar.Span
	// WarningBP is the share of a target at which a running clock is at risk, in basis
	// points (8000 = 80%). Outside 1…9999 there is no warning.
	WarningBP int64
}

// Scaled returns the target with every span multiplied by bp basis points (an emergency
// plan's looser or tighter SLAs: 20000 doubles, 5000 halves; 10000 or 0 changes nothing).
// Wall-time spans are scaled to the second (and written in the largest unit that divides
// them); business hours and working days, which have no
// smaller unit here, are rounded up, so a set target never becomes zero.
func (t Target) Scaled(bp int) Target {
	if bp <= 0 || bp == 10000 {
		return t
	}
	t.FirstResponse = scaleSpan(t.FirstResponse, bp)
	t.NextUpdate = scaleSpan(t.NextUpdate, bp)
	t.Resolution = scaleSpan(t.Resolution, bp)
	return t
}

func scaleSpan(s calendar.Span, bp int) calendar.Span {
	if s.N == 0 {
		return s
	}
	n := int64(s.N)
	switch s.Unit {
	case calendar.Minute:
		n, s.Unit = n*60, calendar.Second
	case calendar.Hour:
		n, s.Unit = n*3600, calendar.Second
	case calendar.Day:
		n, s.Unit = n*86400, calendar.Second
	}
	n = (n*int64(bp) + 9999) / 10000 // rounded up
	switch {
	case s.Unit == calendar.Second && n%3600 == 0:
		n, s.Unit = n/3600, calendar.Hour
	case s.Unit == calendar.Second && n%60 == 0:
		n, s.Unit = n/60, calendar.Minute
	}
	s.N = int(n)
	return s
}

// Activity is something that happened on a case that the clocks care about: a history
// event or a conversation message. Build the list with Activities.
type Activity struct {
	At     time.Time
	Role   aftersale.Role   // who
	Public bool             // a public reply (messages); history events count as public
	Action aftersale.Action // "" for a message
	// From and To are the states an event moved the case between; "" for a message.
	From, To aftersale.State
}

// Message is a line of a case's conversation: a public reply or an internal note.
type Message struct {
	At     time.Time
	Role   aftersale.Role
	Public bool
}

// Clock is one service-level clock of a case at the instant it was evaluated.
type Clock struct {
	Kind      Kind
	Status    Status
	Target    calendar.Span
	Elapsed   time.Duration // business or wall time counted so far, pauses excluded
	Remaining time.Duration // Target − Elapsed (negative when breached)
	StartedAt time.Time
	StoppedAt time.Time // zero while running
	DueAt     time.Time // when Elapsed reaches Target if nothing changes (past once breached); zero unless running and not paused
	WarnAt    time.Time // when the clock becomes at risk if nothing changes; zero unless running, not paused, on track
}

// Report is the clocks of a case at one instant.
type Report struct {
	Clocks []Clock // first_response, next_update, resolution (next_update only once a first response happened)
	Status Status  // the worst of the clocks: breached > at_risk > on_track > paused > met > none
}

// Clock returns the report's clock of kind k; false when the report has none (no target, or
// next_update before the first response).
func (r Report) Clock(k Kind) (Clock, bool) {
	for _, c := range r.Clocks {
		if c.Kind == k {
			return c, true
		}
	}
	return Clock{}, false
}

// Next returns the earliest moment after the evaluation at which the report changes by
// itself: a running clock becomes at risk or breached. Anything else that changes it is an
// activity, after which the caller evaluates again. ok is false when no clock runs towards
// such a moment (all stopped, paused or already breached).
func (r Report) Next() (time.Time, bool) {
	var next time.Time
	for _, c := range r.Clocks {
		if c.Status != StatusOnTrack && c.Status != StatusAtRisk {
			continue
		}
		at := c.WarnAt
		if at.IsZero() {
			at = c.DueAt
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// Paused reports whether the desk's clocks stand still in state s: the case waits on the
// customer (info_requested, rejected, approved, inspection_failed, quoted, repair_choice,
// offered, resolved) or on the carrier (returning). Terminal states are not paused: they
// stop the clocks.
func Paused(s aftersale.State) bool {
	switch s {
	case aftersale.InfoRequested, aftersale.Rejected, aftersale.Approved, aftersale.InspectionFailed,
		aftersale.Quoted, aftersale.RepairChoice, aftersale.Offered, aftersale.Resolved,
		aftersale.Returning:
		return true
	}
	return false
}

// Activities builds the activity list of a case from its history events (in seq order) and
// its messages (in order), merged by time. Events count as public. At the same instant an
// event comes before a message.
func Activities(events []aftersale.Event, messages []Message) []Activity {
	out := make([]Activity, 0, len(events)+len(messages))
	for _, e := range events {
		out = append(out, eventActivity(e))
	}
	for _, m := range messages {
		out = append(out, Activity{At: m.At, Role: m.Role, Public: m.Public})
	}
	sortByTime(out)
	return out
}

func sortByTime(as []Activity) {
	slices.SortStableFunc(as, func(a, b Activity) int { return a.At.Compare(b.At) })
}

// byDesk reports whether a answers the customer: a public reply or action of the desk. An
// agent entering an application on the customer's behalf does not answer it.
func (a Activity) byDesk() bool {
	switch a.Role {
	case aftersale.Merchant, aftersale.Agent, aftersale.Supervisor:
		return a.Public && a.Action != aftersale.Apply
	}
	return false
}

// Evaluate computes the clocks of case c at now from its history: the activities of
// Activities, or any list of them (it is ordered by time here, stably). Activities before
// the case's creation or after now are ignored, so evaluating at an earlier now shows the
// clocks as they stood then. Business hours are counted on cal.
func Evaluate(c *aftersale.Case, history []Activity, t Target, cal *calendar.Calendar, now time.Time) Report {
	start := createdAt(c, history)
	if now.Before(start) {
		now = start
	}
	acts := make([]Activity, 0, len(history))
	for _, a := range history {
		if !a.At.Before(start) && !a.At.After(now) {
			acts = append(acts, a)
		}
	}
	sortByTime(acts)
	tr := trace(c, acts, start, now)
	return evaluate(&tr, start, t, cal, now)
}

// evaluate computes the clocks at now of a case opened at start whose activities up to now
// are folded into tr.
func evaluate(tr *aftersale.SLATrail, start time.Time, t Target, cal *calendar.Calendar, now time.Time) Report {
	tl := newTimeline(tr, cal, now)
	var r Report
	add := func(k Kind, s calendar.Span, from, stop time.Time, answered bool) {
		if target, _ := length(s); target > 0 {
			r.Clocks = append(r.Clocks, tl.clock(k, s, t.WarningBP, from, stop, answered))
		}
	}
	if tr.First.IsZero() {
		add(FirstResponse, t.FirstResponse, start, tl.end, false)
	} else {
		add(FirstResponse, t.FirstResponse, start, tr.First, true)
		switch {
		case tr.From.IsZero():
			if target, _ := length(t.NextUpdate); target > 0 {
				r.Clocks = append(r.Clocks, Clock{Kind: NextUpdate, Status: StatusNone, Target: t.NextUpdate, Remaining: target})
			}
		case tr.Stop.IsZero():
			add(NextUpdate, t.NextUpdate, tr.From, tl.end, false) // open; stopped only if the case ended
		default:
			add(NextUpdate, t.NextUpdate, tr.From, tr.Stop, true)
		}
	}
	add(Resolution, t.Resolution, start, tl.end, true)

	r.Status = StatusNone
	for _, c := range r.Clocks {
		if statusRank[c.Status] > statusRank[r.Status] {
			r.Status = c.Status
		}
	}
	return r
}

// createdAt is when the case was opened: its CreatedAt, or else its apply event, or else its
// first activity.
func createdAt(c *aftersale.Case, history []Activity) time.Time {
	if !c.CreatedAt.IsZero() {
		return c.CreatedAt
	}
	var first time.Time
	for _, a := range history {
		if a.Action == aftersale.Apply {
			return a.At
		}
		if first.IsZero() || a.At.Before(first) {
			first = a.At
		}
	}
	return first
}

// length is the duration a span promises and whether it counts business time.
func length(s calendar.Span) (time.Duration, bool) {
	if s.N <= 0 {
		return 0, false
	}
	per := 24 * time.Hour // d, wd: refused by the policy loader; approximate
	switch s.Unit {
	case calendar.BusinessHour, calendar.Hour:
		per = time.Hour
	case calendar.Minute:
		per = time.Minute
	case calendar.Second:
		per = time.Second
	case calendar.Month:
		per = 30 * 24 * time.Hour
	case calendar.Year:
		per = 365 * 24 * time.Hour
	}
	d := time.Duration(math.MaxInt64)
	if int64(s.N) <= math.MaxInt64/int64(per) {
		d = time.Duration(s.N) * per
	}
	return d, s.Unit == calendar.BusinessHour
}

// share is bp basis points of d, without overflow; 0 when bp gives no warning.
func share(d time.Duration, bp int64) time.Duration {
	if bp <= 0 || bp >= 10000 {
		return 0
	}
	return d/10000*time.Duration(bp) + d%10000*time.Duration(bp)/10000
}
