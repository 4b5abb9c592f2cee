package sla

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

const (
	customer   = aftersale.Customer
	merchant   = aftersale.Merchant
	agent      = aftersale.Agent
	supervisor = aftersale.Supervisor
	system     = aftersale.System
)

// S001《电商平台售后服务管理制度》三.1: "平台将在收到售后服务申请后的24小时内给予初步反馈".
// SPEC §6: first response is met by a public reply of the desk; internal notes are not replies.
func TestFirstResponseMetByPublicReplyNotByInternalNote(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0) // Monday
	tg := Target{FirstResponse: mustSpan(t, "24h"), WarningBP: 8000}
	runningAt13 := want{status: StatusOnTrack, elapsed: 3 * time.Hour, remaining: 21 * time.Hour,
		due: at(2025, 3, 11, 10, 0), warn: at(2025, 3, 11, 5, 12)}
	tests := []struct {
		name string
		s    *story
		now  time.Time
		want want
	}{
		{"public reply by the merchant", applied(mon).says(at(2025, 3, 10, 12, 0), merchant, true), at(2025, 3, 10, 13, 0),
			want{status: StatusMet, elapsed: 2 * time.Hour, remaining: 22 * time.Hour, stopped: at(2025, 3, 10, 12, 0)}},
		{"public reply by an agent", applied(mon).says(at(2025, 3, 10, 12, 0), agent, true), at(2025, 3, 10, 13, 0),
			want{status: StatusMet, elapsed: 2 * time.Hour, remaining: 22 * time.Hour, stopped: at(2025, 3, 10, 12, 0)}},
		{"public reply by a supervisor", applied(mon).says(at(2025, 3, 10, 12, 0), supervisor, true), at(2025, 3, 10, 13, 0),
			want{status: StatusMet, elapsed: 2 * time.Hour, remaining: 22 * time.Hour, stopped: at(2025, 3, 10, 12, 0)}},
		{"internal note is not a response", applied(mon).says(at(2025, 3, 10, 12, 0), merchant, false), at(2025, 3, 10, 13, 0), runningAt13},
		{"the customer's own message is not a response", applied(mon).says(at(2025, 3, 10, 12, 0), customer, true), at(2025, 3, 10, 13, 0), runningAt13},
		{"a system message is not a response", applied(mon).says(at(2025, 3, 10, 12, 0), system, true), at(2025, 3, 10, 13, 0), runningAt13},
		{"a reply after now is not seen yet", applied(mon).says(at(2025, 3, 10, 14, 0), merchant, true), at(2025, 3, 10, 13, 0), runningAt13},
		{"an automatic approval answers nobody; the case then waits on the customer",
			applied(mon).do(at(2025, 3, 10, 12, 0), system, aftersale.Approve, aftersale.Approved), at(2025, 3, 10, 13, 0),
			want{status: StatusPaused, elapsed: 2 * time.Hour, remaining: 22 * time.Hour}},
		{"a reply after 24 hours is late", applied(mon).says(at(2025, 3, 11, 11, 0), merchant, true), at(2025, 3, 11, 12, 0),
			want{status: StatusBreached, elapsed: 25 * time.Hour, remaining: -time.Hour, stopped: at(2025, 3, 11, 11, 0)}},
		{"no reply after 24 hours", applied(mon), at(2025, 3, 11, 12, 0),
			want{status: StatusBreached, elapsed: 26 * time.Hour, remaining: -2 * time.Hour, due: at(2025, 3, 11, 10, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.s.eval(tg, tt.now)
			c := mustClock(t, r, FirstResponse)
			if !c.StartedAt.Equal(mon) {
				t.Errorf("started at %v, want the application %v", c.StartedAt, mon)
			}
			checkClock(t, c, tt.want)
			if r.Status != tt.want.status {
				t.Errorf("report status = %s, want %s", r.Status, tt.want.status)
			}
		})
	}
}

// SPEC §6: a decision of the desk tells the customer how the case goes on, so it is a
// response (S001 三.1: "给予初步反馈,并告知消费者后续处理方案").
func TestFirstResponseMetByMerchantDecision(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	decided := at(2025, 3, 10, 11, 30)
	tg := Target{FirstResponse: mustSpan(t, "24h"), WarningBP: 8000}
	for _, d := range []struct {
		action aftersale.Action
		to     aftersale.State
	}{
		{aftersale.Approve, aftersale.Approved},
		{aftersale.Reject, aftersale.Rejected},
		{aftersale.RequestInfo, aftersale.InfoRequested},
		{aftersale.Refund, aftersale.Resolved},
		{aftersale.Offer, aftersale.Offered},
	} {
		t.Run(string(d.action), func(t *testing.T) {
			r := applied(mon).do(decided, merchant, d.action, d.to).eval(tg, at(2025, 3, 12, 10, 0))
			checkClock(t, mustClock(t, r, FirstResponse),
				want{status: StatusMet, elapsed: 90 * time.Minute, remaining: 22*time.Hour + 30*time.Minute, stopped: decided})
		})
	}
}

// An agent who enters a phone application (SPEC §2 channels) opens the case; that is not an
// answer to it.
func TestAgentEnteringTheApplicationIsNotAResponse(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	s := applied(mon)
	s.events[0].Actor.Role = agent
	c := mustClock(t, s.eval(Target{FirstResponse: mustSpan(t, "24h")}, at(2025, 3, 10, 11, 0)), FirstResponse)
	checkClock(t, c, want{status: StatusOnTrack, elapsed: time.Hour, remaining: 23 * time.Hour, due: at(2025, 3, 11, 10, 0)})
}

// SPEC §6: targets in business hours run on the calendar. An application on Friday evening
// waits for Monday's opening; weekends and nights do not count.
func TestFridayEveningApplicationRunsAcrossTheWeekend(t *testing.T) {
	fri := at(2025, 3, 14, 20, 0)
	tg := Target{FirstResponse: mustSpan(t, "8bh"), WarningBP: 8000}
	dueMon, warnMon := at(2025, 3, 17, 17, 0), at(2025, 3, 17, 15, 24)
	tests := []struct {
		name string
		s    *story
		now  time.Time
		want want
	}{
		{"Saturday noon: nothing counted yet", applied(fri), at(2025, 3, 15, 12, 0),
			want{status: StatusOnTrack, remaining: 8 * time.Hour, due: dueMon, warn: warnMon}},
		{"Monday 10:00: one business hour", applied(fri), at(2025, 3, 17, 10, 0),
			want{status: StatusOnTrack, elapsed: time.Hour, remaining: 7 * time.Hour, due: dueMon, warn: warnMon}},
		{"Monday 16:00: at risk", applied(fri), at(2025, 3, 17, 16, 0),
			want{status: StatusAtRisk, elapsed: 7 * time.Hour, remaining: time.Hour, due: dueMon}},
		{"answered Monday 16:00", applied(fri).says(at(2025, 3, 17, 16, 0), merchant, true), at(2025, 3, 17, 16, 30),
			want{status: StatusMet, elapsed: 7 * time.Hour, remaining: time.Hour, stopped: at(2025, 3, 17, 16, 0)}},
		{"answered Tuesday 09:30: late (Monday has 9 business hours)", applied(fri).says(at(2025, 3, 18, 9, 30), merchant, true), at(2025, 3, 18, 12, 0),
			want{status: StatusBreached, elapsed: 9*time.Hour + 30*time.Minute, remaining: -90 * time.Minute, stopped: at(2025, 3, 18, 9, 30)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClock(t, mustClock(t, tt.s.eval(tg, tt.now), FirstResponse), tt.want)
		})
	}
}

// SPEC §6: the calendar has the PRC public holidays and make-up working days (调休). National
// Day 2025 is 10-01…10-08 with Sunday 09-28 worked; Spring Festival 2026 is 02-15…02-23 with
// Saturday 02-14 worked (国办发明电〔2024〕12号, 〔2025〕7号).
func TestBusinessHourTargetsSkipPublicHolidays(t *testing.T) {
	tg := Target{FirstResponse: mustSpan(t, "8bh"), WarningBP: 8000}
	tests := []struct {
		name    string
		applied time.Time
		now     time.Time
		want    want
	}{
		{"applied the day before National Day", at(2025, 9, 30, 17, 0), at(2025, 10, 5, 12, 0),
			want{status: StatusOnTrack, elapsed: time.Hour, remaining: 7 * time.Hour,
				due: at(2025, 10, 9, 16, 0), warn: at(2025, 10, 9, 14, 24)}},
		{"applied on Saturday before the make-up Sunday", at(2025, 9, 27, 10, 0), at(2025, 9, 28, 10, 0),
			want{status: StatusOnTrack, elapsed: time.Hour, remaining: 7 * time.Hour,
				due: at(2025, 9, 28, 17, 0), warn: at(2025, 9, 28, 15, 24)}},
		{"applied Friday before Spring Festival: the make-up Saturday counts", at(2026, 2, 13, 16, 0), at(2026, 2, 13, 17, 0),
			want{status: StatusOnTrack, elapsed: time.Hour, remaining: 7 * time.Hour,
				due: at(2026, 2, 14, 15, 0), warn: at(2026, 2, 14, 13, 24)}},
		{"applied on the make-up Saturday: the festival does not count", at(2026, 2, 14, 17, 0), at(2026, 2, 20, 12, 0),
			want{status: StatusOnTrack, elapsed: time.Hour, remaining: 7 * time.Hour,
				due: at(2026, 2, 24, 16, 0), warn: at(2026, 2, 24, 14, 24)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClock(t, mustClock(t, applied(tt.applied).eval(tg, tt.now), FirstResponse), tt.want)
		})
	}
}

// SPEC §6 with §4: while the merchant waits for the customer's information (info_requested)
// the desk's clocks stand still; provide_info starts them again. The customer's silence does
// not count against the desk.
func TestClocksPauseWhileInformationIsRequested(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	s := applied(mon).
		do(at(2025, 3, 10, 12, 0), merchant, aftersale.RequestInfo, aftersale.InfoRequested).
		do(at(2025, 3, 12, 12, 0), customer, aftersale.ProvideInfo, aftersale.Requested)
	wall := Target{FirstResponse: mustSpan(t, "24h"), NextUpdate: mustSpan(t, "24h"), Resolution: mustSpan(t, "48h"), WarningBP: 8000}

	t.Run("waiting on the customer", func(t *testing.T) {
		r := s.eval(wall, at(2025, 3, 11, 12, 0))
		checkClock(t, mustClock(t, r, Resolution), want{status: StatusPaused, elapsed: 2 * time.Hour, remaining: 46 * time.Hour})
		checkClock(t, mustClock(t, r, FirstResponse),
			want{status: StatusMet, elapsed: 2 * time.Hour, remaining: 22 * time.Hour, stopped: at(2025, 3, 10, 12, 0)})
		checkClock(t, mustClock(t, r, NextUpdate), want{status: StatusNone, remaining: 24 * time.Hour})
		if r.Status != StatusPaused {
			t.Errorf("report status = %s, want paused", r.Status)
		}
		if next, ok := r.Next(); ok {
			t.Errorf("Next() = %v while every clock stands still", next)
		}
	})
	t.Run("resumed by provide_info", func(t *testing.T) {
		r := s.eval(wall, at(2025, 3, 12, 14, 0))
		checkClock(t, mustClock(t, r, Resolution), want{status: StatusOnTrack, elapsed: 4 * time.Hour, remaining: 44 * time.Hour,
			due: at(2025, 3, 14, 10, 0), warn: at(2025, 3, 14, 0, 24)})
		// provide_info is the customer's activity after the desk's last: it asks for an update.
		nu := mustClock(t, r, NextUpdate)
		checkClock(t, nu, want{status: StatusOnTrack, elapsed: 2 * time.Hour, remaining: 22 * time.Hour,
			due: at(2025, 3, 13, 12, 0), warn: at(2025, 3, 13, 7, 12)})
		if !nu.StartedAt.Equal(at(2025, 3, 12, 12, 0)) {
			t.Errorf("next update started at %v, want at provide_info", nu.StartedAt)
		}
	})
	t.Run("business hours", func(t *testing.T) {
		r := s.eval(Target{Resolution: mustSpan(t, "16bh"), WarningBP: 8000}, at(2025, 3, 12, 14, 0))
		checkClock(t, mustClock(t, r, Resolution), want{status: StatusOnTrack, elapsed: 4 * time.Hour, remaining: 12 * time.Hour,
			due: at(2025, 3, 13, 17, 0), warn: at(2025, 3, 13, 13, 48)})
	})
	t.Run("a question asked while paused waits with the case", func(t *testing.T) {
		q := applied(mon).
			do(at(2025, 3, 10, 12, 0), merchant, aftersale.RequestInfo, aftersale.InfoRequested).
			says(at(2025, 3, 11, 10, 0), customer, true).
			do(at(2025, 3, 12, 12, 0), customer, aftersale.ProvideInfo, aftersale.Requested)
		paused := mustClock(t, q.eval(wall, at(2025, 3, 11, 12, 0)), NextUpdate)
		checkClock(t, paused, want{status: StatusPaused, remaining: 24 * time.Hour})
		running := mustClock(t, q.eval(wall, at(2025, 3, 12, 14, 0)), NextUpdate)
		checkClock(t, running, want{status: StatusOnTrack, elapsed: 2 * time.Hour, remaining: 22 * time.Hour,
			due: at(2025, 3, 13, 12, 0), warn: at(2025, 3, 13, 7, 12)})
		if !running.StartedAt.Equal(at(2025, 3, 11, 10, 0)) {
			t.Errorf("next update started at %v, want at the customer's question", running.StartedAt)
		}
	})
}

// SPEC §6: while the goods are with the carrier (returning) the desk cannot act; the clock
// runs again once the parcel is delivered to the merchant.
func TestClocksPauseWhileTheReturnTravels(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	s := applied(mon).
		do(at(2025, 3, 10, 11, 0), merchant, aftersale.Approve, aftersale.Approved).
		do(at(2025, 3, 11, 9, 0), customer, aftersale.ShipBack, aftersale.Returning).
		do(at(2025, 3, 13, 10, 0), system, aftersale.Deliver, aftersale.ReturnDelivered)
	r := s.eval(Target{Resolution: mustSpan(t, "72h"), WarningBP: 8000}, at(2025, 3, 13, 12, 0))
	// Requested 10:00–11:00, then return_delivered 10:00–12:00 on Thursday.
	checkClock(t, mustClock(t, r, Resolution), want{status: StatusOnTrack, elapsed: 3 * time.Hour, remaining: 69 * time.Hour,
		due: at(2025, 3, 16, 9, 0), warn: at(2025, 3, 15, 18, 36)})
}

// SPEC §6 "warnings before breach, escalation on breach": at risk from 80% of the target,
// breached from 100%, and the overrun shows as a negative remainder.
func TestWarningAtEightyPercentThenBreach(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	due, warn := at(2025, 3, 10, 20, 0), at(2025, 3, 10, 18, 0)
	tests := []struct {
		name string
		bp   int64
		now  time.Time
		want want
	}{
		{"70%: on track", 8000, at(2025, 3, 10, 17, 0), want{status: StatusOnTrack, elapsed: 7 * time.Hour, remaining: 3 * time.Hour, due: due, warn: warn}},
		{"80%: at risk", 8000, at(2025, 3, 10, 18, 0), want{status: StatusAtRisk, elapsed: 8 * time.Hour, remaining: 2 * time.Hour, due: due}},
		{"100%: breached", 8000, at(2025, 3, 10, 20, 0), want{status: StatusBreached, elapsed: 10 * time.Hour, due: due}},
		{"110%: breached by an hour", 8000, at(2025, 3, 10, 21, 0), want{status: StatusBreached, elapsed: 11 * time.Hour, remaining: -time.Hour, due: due}},
		{"no warning share: on track until the breach", 0, at(2025, 3, 10, 19, 0), want{status: StatusOnTrack, elapsed: 9 * time.Hour, remaining: time.Hour, due: due}},
		{"a share of 100% warns never", 10000, at(2025, 3, 10, 19, 0), want{status: StatusOnTrack, elapsed: 9 * time.Hour, remaining: time.Hour, due: due}},
		{"50%", 5000, at(2025, 3, 10, 15, 0), want{status: StatusAtRisk, elapsed: 5 * time.Hour, remaining: 5 * time.Hour, due: due}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := applied(mon).eval(Target{FirstResponse: mustSpan(t, "10h"), WarningBP: tt.bp}, tt.now)
			checkClock(t, mustClock(t, r, FirstResponse), tt.want)
			if r.Status != tt.want.status {
				t.Errorf("report status = %s, want %s", r.Status, tt.want.status)
			}
		})
	}
}

// SPEC §6 next update: after the first response, a customer message opens an interval that
// the desk's next public reply closes; further customer messages do not restart it and an
// internal note does not close it.
func TestNextUpdateIntervalsFollowCustomerMessages(t *testing.T) {
	h := func(hh, mm int) time.Time { return at(2025, 3, 10, hh, mm) }
	s := applied(h(10, 0)).
		says(h(10, 30), customer, true). // before the first response: first_response's business
		says(h(11, 0), merchant, true).  // first response
		says(h(12, 0), customer, true).  // opens an interval
		says(h(13, 0), customer, true).  // still the same interval
		says(h(14, 0), agent, false).    // internal note: not an update
		says(h(15, 0), merchant, true).  // closes it after 3 h
		says(h(16, 0), customer, true).  // opens another
		says(h(21, 30), agent, true)     // closes it late
	tg := Target{FirstResponse: mustSpan(t, "24h"), NextUpdate: mustSpan(t, "4h"), WarningBP: 8000}

	if _, ok := s.eval(tg, h(10, 45)).Clock(NextUpdate); ok {
		t.Error("next update has a clock before the first response")
	}
	tests := []struct {
		name    string
		now     time.Time
		started time.Time
		want    want
	}{
		{"no customer message since the first response", h(11, 30), time.Time{}, want{status: StatusNone, remaining: 4 * time.Hour}},
		{"open interval", h(14, 30), h(12, 0),
			want{status: StatusOnTrack, elapsed: 150 * time.Minute, remaining: 90 * time.Minute, due: h(16, 0), warn: h(15, 12)}},
		{"closed in time", h(15, 30), h(12, 0), want{status: StatusMet, elapsed: 3 * time.Hour, remaining: time.Hour, stopped: h(15, 0)}},
		{"second interval overrun", h(21, 0), h(16, 0), want{status: StatusBreached, elapsed: 5 * time.Hour, remaining: -time.Hour, due: h(20, 0)}},
		{"second interval closed late", h(22, 0), h(16, 0),
			want{status: StatusBreached, elapsed: 330 * time.Minute, remaining: -90 * time.Minute, stopped: h(21, 30)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustClock(t, s.eval(tg, tt.now), NextUpdate)
			checkClock(t, c, tt.want)
			if !c.StartedAt.Equal(tt.started) {
				t.Errorf("started at %v, want %v", c.StartedAt, tt.started)
			}
		})
	}
}

// SPEC §6 resolution: from the application to completed or closed; the time the customer
// takes to confirm (resolved) is the customer's.
func TestResolutionStopsAtCompletion(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	s := applied(mon).
		do(at(2025, 3, 10, 11, 0), merchant, aftersale.Approve, aftersale.Refunding).
		do(at(2025, 3, 11, 10, 0), merchant, aftersale.Refund, aftersale.Resolved).
		do(at(2025, 3, 12, 10, 0), customer, aftersale.Confirm, aftersale.Completed).
		says(at(2025, 3, 12, 11, 0), customer, true) // after the end: opens nothing
	tg := Target{FirstResponse: mustSpan(t, "24h"), NextUpdate: mustSpan(t, "4h"), Resolution: mustSpan(t, "72h"), WarningBP: 8000}
	for _, now := range []time.Time{at(2025, 3, 12, 10, 0), at(2025, 3, 20, 10, 0)} {
		r := s.eval(tg, now)
		checkClock(t, mustClock(t, r, Resolution),
			want{status: StatusMet, elapsed: 24 * time.Hour, remaining: 48 * time.Hour, stopped: at(2025, 3, 12, 10, 0)})
		checkClock(t, mustClock(t, r, NextUpdate), want{status: StatusNone, remaining: 4 * time.Hour})
		if r.Status != StatusMet {
			t.Errorf("report status at %v = %s, want met", now, r.Status)
		}
		if next, ok := r.Next(); ok {
			t.Errorf("Next() = %v on a completed case", next)
		}
	}
}

// A case that ends before the desk answers owes no answer any more, unless it was already
// late (SPEC §6: the breach stays on record).
func TestCaseEndingStopsOpenClocks(t *testing.T) {
	mon := at(2025, 3, 10, 10, 0)
	tg := Target{FirstResponse: mustSpan(t, "24h"), NextUpdate: mustSpan(t, "4h"), Resolution: mustSpan(t, "72h"), WarningBP: 8000}
	t.Run("cancelled within the first response target", func(t *testing.T) {
		r := applied(mon).do(at(2025, 3, 10, 11, 0), customer, aftersale.Cancel, aftersale.Closed).eval(tg, at(2025, 3, 13, 0, 0))
		checkClock(t, mustClock(t, r, FirstResponse), want{status: StatusNone, elapsed: time.Hour, remaining: 23 * time.Hour, stopped: at(2025, 3, 10, 11, 0)})
		checkClock(t, mustClock(t, r, Resolution), want{status: StatusMet, elapsed: time.Hour, remaining: 71 * time.Hour, stopped: at(2025, 3, 10, 11, 0)})
		if r.Status != StatusMet {
			t.Errorf("report status = %s, want met", r.Status)
		}
	})
	t.Run("cancelled after the first response target", func(t *testing.T) {
		r := applied(mon).do(at(2025, 3, 12, 10, 0), customer, aftersale.Cancel, aftersale.Closed).eval(tg, at(2025, 3, 13, 0, 0))
		checkClock(t, mustClock(t, r, FirstResponse), want{status: StatusBreached, elapsed: 48 * time.Hour, remaining: -24 * time.Hour, stopped: at(2025, 3, 12, 10, 0)})
		if r.Status != StatusBreached {
			t.Errorf("report status = %s, want breached", r.Status)
		}
	})
	t.Run("cancelled while a question is open", func(t *testing.T) {
		r := applied(mon).
			says(at(2025, 3, 10, 11, 0), merchant, true).
			says(at(2025, 3, 10, 12, 0), customer, true).
			do(at(2025, 3, 10, 13, 0), customer, aftersale.Cancel, aftersale.Closed).
			says(at(2025, 3, 10, 14, 0), merchant, true). // after the end
			eval(tg, at(2025, 3, 11, 0, 0))
		checkClock(t, mustClock(t, r, NextUpdate), want{status: StatusNone, elapsed: time.Hour, remaining: 3 * time.Hour, stopped: at(2025, 3, 10, 13, 0)})
	})
	t.Run("the desk's answer after the end is not a first response", func(t *testing.T) {
		r := applied(mon).
			do(at(2025, 3, 10, 11, 0), customer, aftersale.Cancel, aftersale.Closed).
			says(at(2025, 3, 10, 12, 0), merchant, true).
			eval(tg, at(2025, 3, 11, 0, 0))
		if _, ok := r.Clock(NextUpdate); ok {
			t.Error("next update has a clock though the desk never answered before the end")
		}
		checkClock(t, mustClock(t, r, FirstResponse), want{status: StatusNone, elapsed: time.Hour, remaining: 23 * time.Hour, stopped: at(2025, 3, 10, 11, 0)})
	})
}

// The scheduler sets one timer at Next (SPEC §6: warnings before breach, escalation on
// breach): first the warning, then the breach, then the next clock's moments, then nothing.
func TestNextGivesTheAtRiskMomentThenTheBreach(t *testing.T) {
	mon := at(2025, 3, 10, 9, 0)
	s := applied(mon)
	tg := Target{FirstResponse: mustSpan(t, "8bh"), Resolution: mustSpan(t, "16bh"), WarningBP: 8000}
	steps := []struct {
		now, next time.Time
		status    Status
	}{
		{mon, at(2025, 3, 10, 15, 24), StatusOnTrack},                     // first response: 80% of 8bh
		{at(2025, 3, 10, 15, 24), at(2025, 3, 10, 17, 0), StatusAtRisk},   // first response breach
		{at(2025, 3, 10, 17, 0), at(2025, 3, 11, 12, 48), StatusBreached}, // resolution: 80% of 16bh
		{at(2025, 3, 11, 12, 48), at(2025, 3, 11, 16, 0), StatusBreached}, // resolution breach
		{at(2025, 3, 11, 16, 0), time.Time{}, StatusBreached},
	}
	for _, st := range steps {
		r := s.eval(tg, st.now)
		next, ok := r.Next()
		if ok != !st.next.IsZero() || !next.Equal(st.next) {
			t.Errorf("at %v: Next() = %v, %v; want %v", st.now, next, ok, st.next)
		}
		if r.Status != st.status {
			t.Errorf("at %v: status = %s, want %s", st.now, r.Status, st.status)
		}
	}
}

// DESIGN "Time": durations go down to seconds so drills run in real time. Wall-time
// targets ignore the calendar: nights and weekends count.
func TestWallTimeTargetsForDrills(t *testing.T) {
	sat := time.Date(2025, 3, 15, 23, 0, 0, 0, cal.Location()) // Saturday night
	sec := func(n int) time.Time { return sat.Add(time.Duration(n) * time.Second) }
	tg := Target{FirstResponse: mustSpan(t, "30s"), Resolution: mustSpan(t, "2m"), WarningBP: 8000}
	tests := []struct {
		name string
		s    *story
		now  time.Time
		kind Kind
		want want
	}{
		{"first response on track", applied(sat), sec(10), FirstResponse,
			want{status: StatusOnTrack, elapsed: 10 * time.Second, remaining: 20 * time.Second, due: sec(30), warn: sec(24)}},
		{"answered within 30s", applied(sat).says(sec(20), agent, true), sec(40), FirstResponse,
			want{status: StatusMet, elapsed: 20 * time.Second, remaining: 10 * time.Second, stopped: sec(20)}},
		{"at risk after 24s", applied(sat), sec(25), FirstResponse,
			want{status: StatusAtRisk, elapsed: 25 * time.Second, remaining: 5 * time.Second, due: sec(30)}},
		{"breached after 30s", applied(sat), sec(31), FirstResponse,
			want{status: StatusBreached, elapsed: 31 * time.Second, remaining: -time.Second, due: sec(30)}},
		{"resolution in minutes", applied(sat), sec(90), Resolution,
			want{status: StatusOnTrack, elapsed: 90 * time.Second, remaining: 30 * time.Second, due: sec(120), warn: sec(96)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClock(t, mustClock(t, tt.s.eval(tg, tt.now), tt.kind), tt.want)
		})
	}
}

// An emergency plan's SLA factor (应急预案, sla_factor_bp): wall time to the second, business
// hours rounded up, zero targets stay unset, 10000 and 0 change nothing.
func TestScaledTargets(t *testing.T) {
	sp := func(s string) calendar.Span {
		v, err := calendar.ParseSpan(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := Target{ID: "t", FirstResponse: sp("24h"), NextUpdate: sp("0s"), Resolution: sp("27bh"), WarningBP: 8000}
	for _, c := range []struct {
		bp                      int
		first, next, resolution string
	}{
		{0, "24h", "0s", "27bh"},
		{10000, "24h", "0s", "27bh"},
		{20000, "48h", "0s", "54bh"},
		{15000, "36h", "0s", "41bh"}, // 40.5 business hours, rounded up
		{5000, "12h", "0s", "14bh"},  // 13.5, rounded up
		{2500, "6h", "0s", "7bh"},
	} {
		got := base.Scaled(c.bp)
		if got.FirstResponse.String() != c.first || got.NextUpdate.String() != c.next || got.Resolution.String() != c.resolution ||
			got.ID != "t" || got.WarningBP != 8000 {
			t.Errorf("Scaled(%d) = %v %v %v, want %s %s %s", c.bp, got.FirstResponse, got.NextUpdate, got.Resolution, c.first, c.next, c.resolution)
		}
	}
	if got := (Target{FirstResponse: sp("1bh")}).Scaled(2500); got.FirstResponse.String() != "1bh" {
		t.Errorf("a quarter of one business hour: %v, want 1bh (never zero)", got.FirstResponse)
	}
	if got := (Target{FirstResponse: sp("15m"), Resolution: sp("1m")}).Scaled(15000); got.FirstResponse.String() != "1350s" || got.Resolution.String() != "90s" {
		t.Errorf("1.5 × 15m, 1m = %v, %v, want 1350s, 90s", got.FirstResponse, got.Resolution)
	}
	if got := (Target{FirstResponse: sp("10m")}).Scaled(15000); got.FirstResponse.String() != "15m" {
		t.Errorf("1.5 × 10m = %v, want 15m", got.FirstResponse)
	}
}
