package sla

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"pgregory.net/rapid"
)

// genStory draws a random history on minute boundaries in 2025–2026 (the years the calendar
// has data for): events by any role to any state, messages public or internal, sometimes
// several at the same minute, sometimes even events after the case ended.
func genStory(t *rapid.T) *story {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, cal.Location()).
		Add(time.Duration(rapid.IntRange(0, 600*24*60).Draw(t, "start")) * time.Minute)
	s := applied(start)
	when := start
	for range rapid.IntRange(0, 16).Draw(t, "steps") {
		when = when.Add(time.Duration(rapid.IntRange(0, 3*24*60).Draw(t, "gap")) * time.Minute)
		role := rapid.SampledFrom(aftersale.Roles).Draw(t, "role")
		if rapid.Bool().Draw(t, "event") {
			a := rapid.SampledFrom([]aftersale.Action{aftersale.Approve, aftersale.Reject, aftersale.RequestInfo,
				aftersale.ProvideInfo, aftersale.ShipBack, aftersale.Refund, aftersale.Confirm, aftersale.Cancel}).Draw(t, "action")
			s.do(when, role, a, rapid.SampledFrom(aftersale.States).Draw(t, "to"))
		} else {
			s.says(when, role, rapid.Bool().Draw(t, "public"))
		}
	}
	return s
}

func genSpan(t *rapid.T, label string) calendar.Span {
	return calendar.Span{
		N:    rapid.IntRange(0, 48).Draw(t, label+"_n"),
		Unit: rapid.SampledFrom([]calendar.Unit{calendar.BusinessHour, calendar.Hour, calendar.Minute, calendar.Second}).Draw(t, label+"_unit"),
	}
}

// oracleElapsed counts, minute by minute, the running time of a clock over [from, to): the
// minutes in which the case (replayed from its events up to known) is neither paused nor
// ended, and for business hours only those within 09:00–18:00 on working days.
func oracleElapsed(s *story, from, to, known time.Time, business bool) time.Duration {
	var n time.Duration
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		state := aftersale.Requested
		for _, e := range s.events {
			if e.At.After(m) || e.At.After(known) {
				break
			}
			state = e.To
			if state.Terminal() {
				break
			}
		}
		if Paused(state) || state.Terminal() {
			continue
		}
		if business {
			h := m.In(cal.Location()).Hour()
			if !cal.IsWorkingDay(m) || h < 9 || h >= 18 {
				continue
			}
		}
		n += time.Minute
	}
	return n
}

// SPEC §6 clocks, for any history: Elapsed never decreases as now advances (per clock and
// interval), never exceeds the wall time since the clock started, and equals an independent
// minute-by-minute count; statuses, projections and Next agree with it.
func TestPropertyElapsedGrowsAndStaysWithinWallTime(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genStory(t)
		tg := Target{FirstResponse: genSpan(t, "first"), NextUpdate: genSpan(t, "next"), Resolution: genSpan(t, "resolution"),
			WarningBP: rapid.Int64Range(0, 10000).Draw(t, "warning_bp")}
		start := s.c.CreatedAt
		last := start
		if len(s.events) > 0 {
			last = later(last, s.events[len(s.events)-1].At)
		}
		if len(s.messages) > 0 {
			last = later(last, s.messages[len(s.messages)-1].At)
		}
		span := int(last.Sub(start)/time.Minute) + 3*24*60
		offsets := rapid.SliceOfN(rapid.IntRange(0, span), 1, 4).Draw(t, "nows")
		slices.Sort(offsets)

		type interval struct {
			kind    Kind
			started time.Time
		}
		seen := map[interval]time.Duration{}
		for _, off := range offsets {
			now := start.Add(time.Duration(off) * time.Minute)
			r := s.eval(tg, now)
			worst := StatusNone
			for _, c := range r.Clocks {
				checkClockProperties(t, s, tg, c, now)
				if statusRank[c.Status] > statusRank[worst] {
					worst = c.Status
				}
				if c.StartedAt.IsZero() {
					continue
				}
				k := interval{c.Kind, c.StartedAt}
				if prev, ok := seen[k]; ok && c.Elapsed < prev {
					t.Fatalf("%s elapsed went down from %v to %v at %v", c.Kind, prev, c.Elapsed, now)
				}
				seen[k] = c.Elapsed
			}
			if r.Status != worst {
				t.Fatalf("report status %s, worst clock %s", r.Status, worst)
			}
			if next, ok := r.Next(); ok && !next.After(now) {
				t.Fatalf("Next() = %v, not after now %v", next, now)
			}
		}
	})
}

func checkClockProperties(t *rapid.T, s *story, tg Target, c Clock, now time.Time) {
	span := map[Kind]calendar.Span{FirstResponse: tg.FirstResponse, NextUpdate: tg.NextUpdate, Resolution: tg.Resolution}[c.Kind]
	target, business := length(span)
	if c.Target != span || target <= 0 {
		t.Fatalf("%s clock with target %v; the policy says %v", c.Kind, c.Target, span)
	}
	if c.Remaining != target-c.Elapsed {
		t.Fatalf("%s remaining %v ≠ %v − %v", c.Kind, c.Remaining, target, c.Elapsed)
	}
	if c.StartedAt.IsZero() {
		if c.Kind != NextUpdate || c.Status != StatusNone || c.Elapsed != 0 {
			t.Fatalf("clock without a start: %+v", c)
		}
		return
	}
	if c.Kind != NextUpdate && !c.StartedAt.Equal(s.c.CreatedAt) {
		t.Fatalf("%s started at %v, not at the application %v", c.Kind, c.StartedAt, s.c.CreatedAt)
	}
	end := now
	if !c.StoppedAt.IsZero() {
		end = c.StoppedAt
		if end.After(now) || end.Before(c.StartedAt) {
			t.Fatalf("%s stopped at %v, outside [%v, %v]", c.Kind, end, c.StartedAt, now)
		}
	}
	if c.Elapsed < 0 || c.Elapsed > now.Sub(c.StartedAt) {
		t.Fatalf("%s elapsed %v, wall time since start %v", c.Kind, c.Elapsed, now.Sub(c.StartedAt))
	}
	if want := oracleElapsed(s, c.StartedAt, end, now, business); c.Elapsed != want {
		t.Fatalf("%s elapsed %v, counted minute by minute %v (business %v)", c.Kind, c.Elapsed, want, business)
	}

	if (c.Status == StatusBreached) != (c.Elapsed >= target) {
		t.Fatalf("%s status %s with elapsed %v of %v", c.Kind, c.Status, c.Elapsed, target)
	}
	switch c.Status {
	case StatusOnTrack, StatusAtRisk:
		warn := share(target, tg.WarningBP)
		if atRisk := warn > 0 && c.Elapsed >= warn; atRisk != (c.Status == StatusAtRisk) {
			t.Fatalf("%s status %s with elapsed %v, warning at %v", c.Kind, c.Status, c.Elapsed, warn)
		}
		if !c.StoppedAt.IsZero() || !c.DueAt.After(now) {
			t.Fatalf("running %s clock stopped at %v, due at %v (now %v)", c.Kind, c.StoppedAt, c.DueAt, now)
		}
		if (c.Status == StatusOnTrack && warn > 0) != !c.WarnAt.IsZero() {
			t.Fatalf("%s status %s, warning share %v, warn at %v", c.Kind, c.Status, warn, c.WarnAt)
		}
		if !c.WarnAt.IsZero() && (!c.WarnAt.After(now) || c.WarnAt.After(c.DueAt)) {
			t.Fatalf("%s warn at %v, want in (now %v, due %v]", c.Kind, c.WarnAt, now, c.DueAt)
		}
		// Projections are exact: if nothing happened after now, the clock would reach its
		// target at DueAt (checked where the minute count can tell).
		if target%time.Minute == 0 && c.DueAt.Sub(now) < 30*24*time.Hour {
			if got := c.Elapsed + oracleElapsed(s, now, c.DueAt, now, business); got != target {
				t.Fatalf("%s due at %v: elapsed then %v, target %v", c.Kind, c.DueAt, got, target)
			}
		}
	case StatusPaused:
		if !c.StoppedAt.IsZero() || !c.DueAt.IsZero() || !c.WarnAt.IsZero() {
			t.Fatalf("paused %s clock with stop %v, due %v, warn %v", c.Kind, c.StoppedAt, c.DueAt, c.WarnAt)
		}
	case StatusMet, StatusNone:
		if c.StoppedAt.IsZero() || !c.DueAt.IsZero() || !c.WarnAt.IsZero() {
			t.Fatalf("%s %s clock with stop %v, due %v, warn %v", c.Status, c.Kind, c.StoppedAt, c.DueAt, c.WarnAt)
		}
	case StatusBreached:
		if !c.WarnAt.IsZero() || (!c.StoppedAt.IsZero() && !c.DueAt.IsZero()) {
			t.Fatalf("breached %s clock with stop %v, due %v, warn %v", c.Kind, c.StoppedAt, c.DueAt, c.WarnAt)
		}
	}
}

// Absurd histories (centuries long) saturate instead of wrapping around.
func TestElapsedSaturates(t *testing.T) {
	from := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	s := applied(from).
		do(from.AddDate(500, 0, 0), merchant, aftersale.RequestInfo, aftersale.InfoRequested).
		do(from.AddDate(600, 0, 0), customer, aftersale.ProvideInfo, aftersale.Requested)
	r := s.eval(Target{Resolution: mustSpan(t, "24h")}, from.AddDate(1200, 0, 0))
	if c := mustClock(t, r, Resolution); c.Elapsed != math.MaxInt64 || c.Status != StatusBreached {
		t.Errorf("elapsed %v, status %s; want the largest duration, breached", c.Elapsed, c.Status)
	}
}
