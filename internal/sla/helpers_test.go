package sla

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

var cal = calendar.Default()

// at is a wall-clock time in Beijing, where the default calendar counts.
func at(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, cal.Location())
}

func mustSpan(t testing.TB, s string) calendar.Span {
	t.Helper()
	sp, err := calendar.ParseSpan(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// story is a case's history written as it happens: events that move the case between
// states, and conversation messages.
type story struct {
	c        aftersale.Case
	events   []aftersale.Event
	messages []Message
}

// applied opens a case by the customer at when, in state requested.
func applied(when time.Time) *story {
	s := &story{c: aftersale.Case{ID: "c1", Type: aftersale.ReturnRefund, State: aftersale.Requested,
		Version: 1, CreatedAt: when, UpdatedAt: when}}
	s.events = append(s.events, aftersale.Event{Seq: 1, Action: aftersale.Apply,
		Actor: aftersale.Actor{Role: aftersale.Customer}, To: aftersale.Requested, At: when})
	return s
}

// do records an action by role at when that moves the case to state to.
func (s *story) do(when time.Time, role aftersale.Role, a aftersale.Action, to aftersale.State) *story {
	s.c.Version++
	s.events = append(s.events, aftersale.Event{Seq: s.c.Version, Action: a, Actor: aftersale.Actor{Role: role},
		From: s.c.State, To: to, At: when})
	s.c.State, s.c.UpdatedAt = to, when
	return s
}

// says records a message by role at when; public false is an internal note.
func (s *story) says(when time.Time, role aftersale.Role, public bool) *story {
	s.messages = append(s.messages, Message{At: when, Role: role, Public: public})
	return s
}

func (s *story) eval(tg Target, now time.Time) Report {
	return Evaluate(&s.c, Activities(s.events, s.messages), tg, cal, now)
}

func mustClock(t testing.TB, r Report, k Kind) Clock {
	t.Helper()
	c, ok := r.Clock(k)
	if !ok {
		t.Fatalf("no %s clock in %+v", k, r)
	}
	return c
}

// want is what a test checks of a clock; zero times are checked as zero.
type want struct {
	status    Status
	elapsed   time.Duration
	remaining time.Duration
	stopped   time.Time
	due       time.Time
	warn      time.Time
}

func checkClock(t testing.TB, c Clock, w want) {
	t.Helper()
	if c.Status != w.status {
		t.Errorf("%s status = %s, want %s", c.Kind, c.Status, w.status)
	}
	if c.Elapsed != w.elapsed {
		t.Errorf("%s elapsed = %v, want %v", c.Kind, c.Elapsed, w.elapsed)
	}
	if c.Remaining != w.remaining {
		t.Errorf("%s remaining = %v, want %v", c.Kind, c.Remaining, w.remaining)
	}
	if !c.StoppedAt.Equal(w.stopped) {
		t.Errorf("%s stopped at %v, want %v", c.Kind, c.StoppedAt, w.stopped)
	}
	if !c.DueAt.Equal(w.due) {
		t.Errorf("%s due at %v, want %v", c.Kind, c.DueAt, w.due)
	}
	if !c.WarnAt.Equal(w.warn) {
		t.Errorf("%s warn at %v, want %v", c.Kind, c.WarnAt, w.warn)
	}
}
