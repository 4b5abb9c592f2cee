package sla

import (
	"math"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

// timeline is when the desk's clocks run: the stretches between the case's creation and now
// (or its end) in which it was in neither a paused nor a terminal state.
type timeline struct {
	cal     *calendar.Calendar
	now     time.Time
	running []stretch // in order, disjoint; unless paused or ended, the last runs to now
	paused  bool      // the case is paused at now
	end     time.Time // when the case reached a terminal state; zero if it has not by now
}

type stretch struct{ from, to time.Time }

// newTimeline is the timeline at now of a case whose activities up to now are folded into
// tr: its closed running stretches, and unless it is paused or ended, the current one up to
// now.
func newTimeline(tr *aftersale.SLATrail, cal *calendar.Calendar, now time.Time) *timeline {
	tl := &timeline{cal: cal, now: now, end: tr.End}
	tl.running = make([]stretch, 0, len(tr.Runs)+1)
	for _, r := range tr.Runs {
		tl.running = append(tl.running, stretch{r.From, r.To})
	}
	if !tl.ended() {
		tl.paused = Paused(tr.State)
		if !tl.paused {
			tl.running = append(tl.running, stretch{tr.Since, now})
		}
	}
	return tl
}

func runs(s aftersale.State) bool { return !Paused(s) && !s.Terminal() }

func (tl *timeline) ended() bool { return !tl.end.IsZero() }

// clock evaluates the clock of kind k with target s that started at from. stop is when it
// stopped (zero while it runs); answered says whether the desk stopped it, rather than the
// case's end.
func (tl *timeline) clock(k Kind, s calendar.Span, warningBP int64, from, stop time.Time, answered bool) Clock {
	target, business := length(s)
	warn := share(target, warningBP)
	c := Clock{Kind: k, Target: s, StartedAt: from, StoppedAt: stop}
	end := stop
	if end.IsZero() {
		end = tl.now
	}
	c.Elapsed = tl.elapsed(from, end, business)
	c.Remaining = target - c.Elapsed
	running := stop.IsZero()
	switch {
	case c.Elapsed >= target:
		c.Status = StatusBreached
	case !running && answered:
		c.Status = StatusMet
	case !running:
		c.Status = StatusNone
	case tl.paused:
		c.Status = StatusPaused
	case warn > 0 && c.Elapsed >= warn:
		c.Status = StatusAtRisk
	default:
		c.Status = StatusOnTrack
	}
	if running && !tl.paused {
		c.DueAt = tl.reach(from, target, business)
		if c.Status == StatusOnTrack && warn > 0 {
			c.WarnAt = tl.reach(from, warn, business)
		}
	}
	return c
}

// elapsed is the running time between from and to.
func (tl *timeline) elapsed(from, to time.Time, business bool) time.Duration {
	var sum time.Duration
	for _, st := range tl.running {
		a, b := later(st.from, from), earlier(st.to, to)
		if b.After(a) {
			sum = addSat(sum, tl.measure(a, b, business))
		}
	}
	return sum
}

// reach is the earliest instant at which the running time since from reaches d, the last
// stretch going on for ever. It is only asked while the case runs at now (neither paused nor
// ended), so the last stretch is the current one.
func (tl *timeline) reach(from time.Time, d time.Duration, business bool) time.Time {
	last := len(tl.running) - 1
	var sum time.Duration
	for _, st := range tl.running[:last] {
		a := later(st.from, from)
		if !st.to.After(a) {
			continue
		}
		m := tl.measure(a, st.to, business)
		if addSat(sum, m) >= d {
			return tl.advance(a, d-sum, business)
		}
		sum += m
	}
	return tl.advance(later(tl.running[last].from, from), d-sum, business)
}

// advance is the earliest instant by which d of running time has passed since a, within
// one stretch.
func (tl *timeline) advance(a time.Time, d time.Duration, business bool) time.Time {
	if business {
		return tl.cal.AddBusinessHours(a, d)
	}
	return a.Add(d)
}

func (tl *timeline) measure(a, b time.Time, business bool) time.Duration {
	if business {
		return tl.cal.BusinessDuration(a, b)
	}
	return b.Sub(a)
}

func addSat(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
