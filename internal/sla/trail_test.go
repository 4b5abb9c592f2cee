package sla

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"pgregory.net/rapid"
)

// arrival is one activity of a story as the application writes it: an event or a message.
type arrival struct {
	event *aftersale.Event
	msg   *Message
}

// genArrivals draws the order in which a story's activities are written: events in seq
// order, messages in theirs, merged by time with ties in any order, and now and then a
// message written late (a replica whose clock is behind).
func genArrivals(t *rapid.T, s *story) []arrival {
	var out []arrival
	i, j := 0, 0
	for i < len(s.events) || j < len(s.messages) {
		takeEvent := j == len(s.messages) || i < len(s.events) && (s.events[i].At.Before(s.messages[j].At) ||
			s.events[i].At.Equal(s.messages[j].At) && rapid.Bool().Draw(t, "event_first"))
		if takeEvent {
			out = append(out, arrival{event: &s.events[i]})
			i++
		} else {
			out = append(out, arrival{msg: &s.messages[j]})
			j++
		}
	}
	if len(out) > 2 && rapid.IntRange(0, 3).Draw(t, "late") == 0 {
		from := rapid.IntRange(1, len(out)-1).Draw(t, "late_from")
		if out[from].msg != nil {
			to := rapid.IntRange(from, len(out)-1).Draw(t, "late_to")
			late := out[from]
			out = slices.Insert(slices.Delete(out, from, from+1), to, late)
		}
	}
	return out
}

// A trail folded as the activities come — where a fold refuses one, traced again from
// everything written so far, as the application does — is the trail of the whole history,
// and evaluates to the same report as the history at any later now.
func TestPropertyAFoldedTrailIsTheHistorysTrail(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genStory(t)
		c := aftersale.Case{ID: s.c.ID, Type: s.c.Type, State: aftersale.Requested, CreatedAt: s.c.CreatedAt, UpdatedAt: s.c.CreatedAt}
		tr := NewTrail(c.CreatedAt)
		var events []aftersale.Event
		var msgs []Message
		last := c.CreatedAt
		for _, a := range genArrivals(t, s) {
			var ok bool
			if e := a.event; e != nil {
				events = append(events, *e)
				c.Version, c.State, c.UpdatedAt = e.Seq, e.To, e.At
				last = later(last, e.At)
				tr, ok = FoldEvent(tr, *e)
			} else {
				msgs = append(msgs, *a.msg)
				last = later(last, a.msg.At)
				if !a.msg.Public {
					continue // the application folds public messages only
				}
				tr, ok = FoldMessage(tr, *a.msg)
			}
			if !ok {
				tr = Trace(&c, Activities(events, msgs))
			}
		}
		if whole := Trace(&c, Activities(events, msgs)); !reflect.DeepEqual(tr, whole) {
			t.Fatalf("folded trail\n%+v\nthe history's\n%+v", tr, whole)
		}
		c.SLATrail = &tr
		tg := Target{FirstResponse: genSpan(t, "first"), NextUpdate: genSpan(t, "next"), Resolution: genSpan(t, "resolution"),
			WarningBP: int64(rapid.IntRange(0, 10000).Draw(t, "warning_bp"))}
		now := last.Add(time.Duration(rapid.IntRange(0, 5*24*60).Draw(t, "after")) * time.Minute)
		got, ok := EvaluateTrail(&c, tg, cal, now)
		if !ok {
			if tr.State == c.State {
				t.Fatalf("the case's own trail was refused at %v (last %v)", now, tr.Last)
			}
			return // events after the case's end moved it on: the history is evaluated then
		}
		if want := Evaluate(&c, Activities(events, msgs), tg, cal, now); !reflect.DeepEqual(got, want) {
			t.Fatalf("at %v the trail gives\n%+v\nthe history\n%+v", now, got, want)
		}
		if tr.Last.After(c.CreatedAt) {
			if _, ok := EvaluateTrail(&c, tg, cal, tr.Last.Add(-time.Second)); ok {
				t.Fatalf("evaluated before the trail's latest activity")
			}
		}
	})
}
