package sla

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// The policy loader refuses d, wd, mo and y for SLA targets; should one reach Evaluate it
// counts as wall time of its approximate length. A zero span sets no target.
func TestOtherUnitsCountAsApproximateWallTime(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	tests := []struct {
		span string
		want time.Duration
	}{
		{"2d", 48 * time.Hour},
		{"1wd", 24 * time.Hour},
		{"1mo", 30 * 24 * time.Hour},
		{"1y", 365 * 24 * time.Hour},
		{"90m", 90 * time.Minute},
		{"9223372036854775807bh", time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		t.Run(tt.span, func(t *testing.T) {
			r := applied(mon).eval(Target{Resolution: mustSpan(t, tt.span)}, mon.Add(time.Hour))
			c := mustClock(t, r, Resolution)
			if c.Remaining+c.Elapsed != tt.want {
				t.Errorf("target counted as %v, want %v", c.Remaining+c.Elapsed, tt.want)
			}
		})
	}
	r := applied(mon).eval(Target{FirstResponse: mustSpan(t, "0h"), Resolution: mustSpan(t, "24h")}, mon)
	if _, ok := r.Clock(FirstResponse); ok {
		t.Error("a zero target has a clock")
	}
	if r := applied(mon).eval(Target{}, mon); len(r.Clocks) != 0 || r.Status != StatusNone {
		t.Errorf("no targets: report %+v, want no clocks and status none", r)
	}
}

// SPEC §4/§6: the desk waits on the customer or the carrier in these states; terminal
// states stop the clocks rather than pause them.
func TestPausedStates(t *testing.T) {
	paused := map[aftersale.State]bool{
		aftersale.InfoRequested: true, aftersale.Rejected: true, aftersale.Approved: true,
		aftersale.InspectionFailed: true, aftersale.Quoted: true, aftersale.RepairChoice: true,
		aftersale.Offered: true, aftersale.Resolved: true, aftersale.Returning: true,
	}
	for _, s := range aftersale.States {
		if got := Paused(s); got != paused[s] {
			t.Errorf("Paused(%s) = %v, want %v", s, got, paused[s])
		}
	}
}

func TestActivitiesMergesEventsAndMessagesByTime(t *testing.T) {
	t0 := at(2025, 3, 10, 10, 0)
	events := []aftersale.Event{
		{Seq: 1, Action: aftersale.Apply, Actor: aftersale.Actor{Role: customer}, To: aftersale.Requested, At: t0},
		{Seq: 2, Action: aftersale.RequestInfo, Actor: aftersale.Actor{Role: merchant}, From: aftersale.Requested, To: aftersale.InfoRequested, At: t0.Add(2 * time.Hour)},
	}
	messages := []Message{
		{At: t0, Role: customer, Public: true},
		{At: t0.Add(time.Hour), Role: agent, Public: false},
	}
	got := Activities(events, messages)
	want := []Activity{
		{At: t0, Role: customer, Public: true, Action: aftersale.Apply, To: aftersale.Requested},
		{At: t0, Role: customer, Public: true},
		{At: t0.Add(time.Hour), Role: agent},
		{At: t0.Add(2 * time.Hour), Role: merchant, Public: true, Action: aftersale.RequestInfo, From: aftersale.Requested, To: aftersale.InfoRequested},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d activities, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("activity %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Evaluate does not need the list in order, nor a complete history: the case's creation
// comes from its apply event when CreatedAt is unset, and a case whose stored state is ahead
// of the history is taken to have moved at its UpdatedAt.
func TestEvaluateCopesWithPartialInput(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	tg := Target{FirstResponse: mustSpan(t, "24h"), Resolution: mustSpan(t, "72h")}
	t.Run("unordered activities, no CreatedAt", func(t *testing.T) {
		c := aftersale.Case{State: aftersale.Requested}
		acts := []Activity{
			{At: mon.Add(2 * time.Hour), Role: merchant, Public: true},
			{At: mon, Role: customer, Public: true, Action: aftersale.Apply, To: aftersale.Requested},
		}
		r := Evaluate(&c, acts, tg, cal, mon.Add(3*time.Hour))
		checkClock(t, mustClock(t, r, FirstResponse), want{status: StatusMet, elapsed: 2 * time.Hour, remaining: 22 * time.Hour, stopped: mon.Add(2 * time.Hour)})
	})
	t.Run("no apply event, no CreatedAt: the first activity", func(t *testing.T) {
		c := aftersale.Case{}
		acts := []Activity{{At: mon.Add(time.Hour), Role: customer, Public: true}, {At: mon, Role: customer, Public: true}}
		r := Evaluate(&c, acts, tg, cal, mon.Add(3*time.Hour))
		if got := mustClock(t, r, FirstResponse); !got.StartedAt.Equal(mon) || got.Elapsed != 3*time.Hour {
			t.Errorf("first response %+v, want started at %v with 3h elapsed", got, mon)
		}
	})
	t.Run("history cut short: the case closed at UpdatedAt", func(t *testing.T) {
		c := aftersale.Case{State: aftersale.Closed, CreatedAt: mon, UpdatedAt: mon.Add(5 * time.Hour)}
		r := Evaluate(&c, nil, tg, cal, mon.Add(10*time.Hour))
		checkClock(t, mustClock(t, r, Resolution), want{status: StatusMet, elapsed: 5 * time.Hour, remaining: 67 * time.Hour, stopped: mon.Add(5 * time.Hour)})
	})
	t.Run("history begins later: the first change's From", func(t *testing.T) {
		c := aftersale.Case{State: aftersale.Requested, CreatedAt: mon, UpdatedAt: mon.Add(5 * time.Hour)}
		acts := []Activity{{At: mon.Add(5 * time.Hour), Role: customer, Public: true, Action: aftersale.ProvideInfo,
			From: aftersale.InfoRequested, To: aftersale.Requested}}
		r := Evaluate(&c, acts, tg, cal, mon.Add(6*time.Hour))
		checkClock(t, mustClock(t, r, Resolution), want{status: StatusOnTrack, elapsed: time.Hour, remaining: 71 * time.Hour, due: mon.Add(77 * time.Hour)})
	})
	t.Run("now before the application", func(t *testing.T) {
		r := applied(mon).eval(tg, mon.Add(-time.Hour))
		checkClock(t, mustClock(t, r, FirstResponse), want{status: StatusOnTrack, remaining: 24 * time.Hour, due: mon.Add(24 * time.Hour)})
	})
}

// The platform records its own warnings and breaches in the history (sla_warning,
// sla_breach: system events that leave the state as it is); they answer nobody and move no
// clock.
func TestRecordedNoticesLeaveTheClocksAlone(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	tg := Target{FirstResponse: mustSpan(t, "10h"), Resolution: mustSpan(t, "24h"), WarningBP: 8000}
	plain := applied(mon).eval(tg, at(2025, 3, 10, 21, 0))
	noted := applied(mon).
		do(at(2025, 3, 10, 18, 0), system, aftersale.SLAWarning, aftersale.Requested).
		do(at(2025, 3, 10, 20, 0), system, aftersale.SLABreach, aftersale.Requested).
		eval(tg, at(2025, 3, 10, 21, 0))
	for _, k := range []Kind{FirstResponse, Resolution} {
		if p, n := mustClock(t, plain, k), mustClock(t, noted, k); p != n {
			t.Errorf("%s with notices %+v, without %+v", k, n, p)
		}
	}
	if noted.Status != StatusBreached {
		t.Errorf("status %s, want breached", noted.Status)
	}
}
