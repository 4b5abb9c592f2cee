package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/sla"
	"github.com/aftersales/aftersales/internal/store"
)

// SPEC §6 / docs/POLICY.md: "the clock pauses while the case waits on the customer". The
// merchant asks for more information an hour after the application (a first response);
// while the case is info_requested the resolution clock stands still and shows paused, no
// SLA check is pending, and two days pass without anything firing. The customer's answer
// resumes it where it stopped and opens a next-update interval, whose own warning and
// breach come 3.2 and 4 working hours later.
func TestSLAPausesWhileTheCaseWaitsOnTheCustomer(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			applied := local(2026, 3, 9, 10, 0) // Monday
			d := newDesk(t, b, applied, shopADesk)
			c := d.apply(t)
			wantClock(t, "applied", d.get(t, c.ID), sla.Resolution, sla.StatusOnTrack, 40*time.Hour, local(2026, 3, 13, 14, 0))

			d.env.Clock.Set(local(2026, 3, 9, 11, 0))
			c = d.act(t, d.merchant, c, app.ActInput{Action: aftersale.RequestInfo, Note: "请提供吊牌照片 / a photo of the tag, please"})
			v := d.get(t, c.ID)
			if v.State != aftersale.InfoRequested || v.SLA.Status != sla.StatusPaused {
				t.Fatalf("after request_info: state %s, sla %s; want info_requested, paused", v.State, v.SLA.Status)
			}
			wantClock(t, "info requested", v, sla.FirstResponse, sla.StatusMet, 3*time.Hour, time.Time{})
			wantClock(t, "info requested", v, sla.Resolution, sla.StatusPaused, 39*time.Hour, time.Time{})
			if x := clockOf(t, v, sla.FirstResponse); x.StoppedAt == nil || !x.StoppedAt.Equal(local(2026, 3, 9, 11, 0)) {
				t.Errorf("first response stopped at %v, want at the request for information", x.StoppedAt)
			}
			if due, ok := d.slaCheckDue(t, c.ID); ok {
				t.Errorf("an SLA check is pending at %s while every clock is paused or stopped", due.In(shanghai))
			}

			// Two working days pass while the customer is silent.
			for at := local(2026, 3, 9, 12, 0); !at.After(local(2026, 3, 11, 10, 0)); at = at.Add(time.Hour) {
				d.env.Clock.Set(at)
				if n := d.runOnce(t); n != 0 {
					t.Fatalf("at %s, while paused, the scheduler claimed %d timers", at, n)
				}
			}
			v = d.get(t, c.ID)
			wantClock(t, "two days later", v, sla.Resolution, sla.StatusPaused, 39*time.Hour, time.Time{})
			if v.SLA.Status != sla.StatusPaused || len(notices(v)) != 0 {
				t.Errorf("two days later: sla %s, records %v; want paused and none", v.SLA.Status, notices(v))
			}

			// The customer answers on Wednesday 10:00: the clocks run again.
			resumed := local(2026, 3, 11, 10, 0)
			c = d.act(t, d.customer, v, app.ActInput{Action: aftersale.ProvideInfo, Note: "吊牌在这里 / here it is"})
			v = d.get(t, c.ID)
			if v.State != aftersale.Requested || v.SLA.Status != sla.StatusOnTrack {
				t.Fatalf("after provide_info: state %s, sla %s; want requested, on_track", v.State, v.SLA.Status)
			}
			// 39 working hours from Wednesday 10:00: 8 + 9 + 9 + 9 (Mon) + 4 → Tuesday 13:00.
			wantClock(t, "resumed", v, sla.Resolution, sla.StatusOnTrack, 39*time.Hour, local(2026, 3, 17, 13, 0))
			wantClock(t, "resumed", v, sla.NextUpdate, sla.StatusOnTrack, 4*time.Hour, local(2026, 3, 11, 14, 0))
			if x := clockOf(t, v, sla.NextUpdate); !x.StartedAt.Equal(resumed) {
				t.Errorf("next update started at %s, want at the customer's answer", x.StartedAt.In(shanghai))
			}
			if due, ok := d.slaCheckDue(t, c.ID); !ok || !due.Equal(local(2026, 3, 11, 13, 12)) {
				t.Errorf("SLA check at %v (%v), want at the next update's warning, Wednesday 13:12", due.In(shanghai), ok)
			}

			d.env.Clock.Set(local(2026, 3, 11, 13, 11))
			if n := d.runOnce(t); n != 0 {
				t.Errorf("before the warning the scheduler claimed %d", n)
			}
			d.env.Clock.Set(local(2026, 3, 11, 13, 12))
			d.runOnce(t)
			d.env.Clock.Set(local(2026, 3, 11, 14, 0))
			d.runOnce(t)
			v = d.get(t, c.ID)
			if got := notices(v); !slices.Equal(got, []string{"sla_warning next_update", "sla_breach next_update"}) {
				t.Errorf("records %v, want the next update's warning and breach", got)
			}
			wantClock(t, "next update breached", v, sla.NextUpdate, sla.StatusBreached, 0, local(2026, 3, 11, 14, 0))
			wantClock(t, "next update breached", v, sla.Resolution, sla.StatusOnTrack, 35*time.Hour, local(2026, 3, 17, 13, 0))
			if v.Priority != aftersale.PriorityHigh || v.Tier != 2 {
				t.Errorf("after the breach: priority %s, tier %d; want high, 2", v.Priority, v.Tier)
			}
		})
	}
}

// SPEC §6 "public replies vs internal notes": the first response is the desk's first
// public reply or decision. An internal note by the merchant does not stop the clock and
// does not move its check; a public reply does, and the warning that was due never comes.
// A customer's message after that opens a next-update interval; the merchant's public
// answer closes it in time.
func TestPublicReplyMeetsFirstResponseInternalNoteDoesNot(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			applied := local(2026, 3, 9, 10, 0) // Monday; first response due 14:00, warning 13:12
			d := newDesk(t, b, applied, shopADesk)
			c := d.apply(t)

			d.env.Clock.Set(local(2026, 3, 9, 11, 0))
			d.post(t, d.merchant, c.ID, "客户上次也退过,注意查验 / check the return carefully", true)
			v := d.get(t, c.ID)
			wantClock(t, "after an internal note", v, sla.FirstResponse, sla.StatusOnTrack, 3*time.Hour, local(2026, 3, 9, 14, 0))
			if x := clockOf(t, v, sla.FirstResponse); x.StoppedAt != nil {
				t.Errorf("an internal note stopped the first response at %s", x.StoppedAt)
			}
			if due, ok := d.slaCheckDue(t, c.ID); !ok || !due.Equal(local(2026, 3, 9, 13, 12)) {
				t.Errorf("after an internal note the SLA check is at %v (%v), want still 13:12", due.In(shanghai), ok)
			}

			replied := local(2026, 3, 9, 11, 30)
			d.env.Clock.Set(replied)
			d.post(t, d.merchant, c.ID, "您好,已收到申请,今天内处理 / received, we will answer today", false)
			v = d.get(t, c.ID)
			wantClock(t, "after a public reply", v, sla.FirstResponse, sla.StatusMet, 150*time.Minute, time.Time{})
			if x := clockOf(t, v, sla.FirstResponse); x.StoppedAt == nil || !x.StoppedAt.Equal(replied) {
				t.Errorf("first response stopped at %v, want at the public reply", x.StoppedAt)
			}
			// Resolution's warning, 32 working hours after Monday 10:00: Thursday 15:00.
			if due, ok := d.slaCheckDue(t, c.ID); !ok || !due.Equal(local(2026, 3, 12, 15, 0)) {
				t.Errorf("after the public reply the SLA check is at %v (%v), want at resolution's warning, Thursday 15:00", due.In(shanghai), ok)
			}
			d.env.Clock.Set(local(2026, 3, 9, 14, 30))
			if n := d.runOnce(t); n != 0 {
				t.Errorf("past the first-response target, answered in time, the scheduler claimed %d", n)
			}

			d.post(t, d.customer, c.ID, "什么时候能退? / when is my refund?", false)
			v = d.get(t, c.ID)
			// 4 working hours from Monday 14:30: 3.5 on Monday, half an hour on Tuesday.
			wantClock(t, "after the customer's question", v, sla.NextUpdate, sla.StatusOnTrack, 4*time.Hour, local(2026, 3, 10, 9, 30))
			if due, ok := d.slaCheckDue(t, c.ID); !ok || !due.Equal(local(2026, 3, 9, 17, 42)) {
				t.Errorf("after the customer's question the SLA check is at %v (%v), want at the next update's warning, 17:42", due.In(shanghai), ok)
			}
			d.env.Clock.Set(local(2026, 3, 9, 16, 0))
			d.post(t, d.merchant, c.ID, "已同意,请寄回 / approved, please send it back", false)
			v = d.get(t, c.ID)
			wantClock(t, "after the merchant's answer", v, sla.NextUpdate, sla.StatusMet, 150*time.Minute, time.Time{})
			d.env.Clock.Set(local(2026, 3, 10, 9, 30))
			if n := d.runOnce(t); n != 0 {
				t.Errorf("at the next update's target, answered in time, the scheduler claimed %d", n)
			}
			if got := notices(d.get(t, c.ID)); len(got) != 0 {
				t.Errorf("records %v, want none: every clock was answered in time", got)
			}
		})
	}
}

// SPEC §6 "warnings before breach, escalation on breach": a breach is recorded even when
// no check ran in time — the scheduler was down when the clock ran out, and the merchant
// then answered late. The late answer's transaction moves the case's SLA check; it must not
// drop the breach that check was due to record.
func TestSLABreachIsRecordedWhenTheDeskAnswersAfterIt(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			applied := local(2026, 3, 6, 10, 0) // Friday; seed-platform's 24 h first feedback
			d := newDesk(t, b, applied)
			c := d.apply(t)
			// Saturday 10:30: past the breach (Saturday 10:00); no check has run.
			d.env.Clock.Set(local(2026, 3, 7, 10, 30))
			c = d.act(t, d.merchant, c, app.ActInput{Action: aftersale.Approve})
			v := d.get(t, c.ID)
			wantClock(t, "answered late", v, sla.FirstResponse, sla.StatusBreached, -30*time.Minute, time.Time{})
			d.drain(t)
			d.env.Clock.Set(local(2026, 3, 7, 11, 0))
			d.drain(t)
			v = d.get(t, c.ID)
			if got := notices(v); !slices.Equal(got, []string{"sla_breach first_response"}) {
				t.Errorf("records %v, want the first response's breach, once", got)
			}
			if v.Priority != aftersale.PriorityHigh || v.Tier != 2 || d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'") != 1 {
				t.Errorf("after the late answer: priority %s, tier %d, %d breach notifications; want high, 2, 1",
					v.Priority, v.Tier, d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'"))
			}
		})
	}
}

// shopAFastAnswer makes shop-a's response deadline the same 24 wall-clock hours as
// seed-platform's first-feedback target: the deadline and the breach fall due together.
const shopAFastAnswer = `schema: aftersales.policy/v1
id: shop-a-fast-answer
version: 1
layer: merchant
merchant: shop-a
name: {zh: 甲店24小时答复, en: Shop A answers within 24 hours}
deadlines:
  merchant_response: 24h
`

// A deadline and an SLA breach fall due at the same instant and the scheduler finds both
// late: the merchant's silence approves the case (SPEC §4) and the first response is
// breached (SPEC §6). Whichever firing commits first, the breach is recorded exactly once
// and the approval happens exactly once; the firing that lost its timer to the other
// changes nothing.
func TestSLABreachDueWithATimeoutIsRecordedWhicheverCommitsFirst(t *testing.T) {
	for _, b := range apitest.Backends() {
		for _, timeoutFirst := range []bool{true, false} {
			name := b.Name + "/check_first"
			if timeoutFirst {
				name = b.Name + "/timeout_first"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				applied := local(2026, 3, 4, 10, 0) // Wednesday
				d := newDesk(t, b, applied, shopAFastAnswer)
				c := d.apply(t)
				due := applied.Add(24 * time.Hour)
				if got := deadlineDue(t, c, aftersale.MerchantResponse); !got.Equal(due) {
					t.Fatalf("merchant_response due %s, want %s", got.In(shanghai), due)
				}
				d.env.Clock.Set(due)
				var claimed []store.Timer
				if err := d.env.Store.Update(ctx, func(tx store.Tx) (err error) {
					claimed, err = tx.ClaimTimers(ctx, "replica-a", time.Minute, 10)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if len(claimed) != 2 {
					t.Fatalf("claimed %+v, want the SLA check and the deadline", claimed)
				}
				slices.SortFunc(claimed, func(x, y store.Timer) int {
					if (x.Kind == aftersale.MerchantResponse) == timeoutFirst {
						return -1
					}
					return 1
				})
				for _, tm := range claimed {
					fired, err := d.env.App.FireTimer(ctx, "replica-a", tm)
					t.Logf("%s: fired %v, err %v", tm.Kind, fired, err)
				}
				d.drain(t)
				v := d.get(t, c.ID)
				if got := notices(v); !slices.Equal(got, []string{"sla_breach first_response"}) {
					t.Errorf("records %v, want the first response's breach, once", got)
				}
				approvals := 0
				for _, e := range v.History {
					if e.Action == aftersale.Approve {
						approvals++
						if e.Actor.Role != aftersale.System || !e.At.Equal(due) {
							t.Errorf("approval by %s at %s, want by system at the deadline", e.Actor.Role, e.At.In(shanghai))
						}
					}
				}
				if approvals != 1 || v.State != aftersale.Approved {
					t.Errorf("%d approvals, state %s; want 1, approved", approvals, v.State)
				}
				if v.Priority != aftersale.PriorityHigh || v.Tier != 2 || d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'") != 1 {
					t.Errorf("priority %s, tier %d; want the breach's escalation once", v.Priority, v.Tier)
				}
			})
		}
	}
}

func deadlineDue(t *testing.T, c app.CaseView, k aftersale.DeadlineKind) time.Time {
	t.Helper()
	for _, d := range c.Deadlines {
		if d.Kind == k {
			return d.DueAt
		}
	}
	t.Fatalf("no %s deadline on the case: %+v", k, c.Deadlines)
	return time.Time{}
}

// Seed-platform's standard resolution target is 72 business hours, counted while the case
// runs: not while it waits on the customer, not at night or at the weekend. A rejected
// customer takes the case to the platform (disputed, where no deadline runs): the next
// update (24 wall-clock hours from the customer's escalation) and then the resolution are
// warned and breached in turn, each breach raising the priority — normal → high → urgent —
// and the urgent case is then held to seed-platform's urgent targets (4bh, 27bh).
func TestSeedResolutionTargetAndEscalationToUrgent(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			d := newDesk(t, b, local(2026, 3, 9, 10, 0)) // Monday
			c := d.apply(t)
			d.env.Clock.Set(local(2026, 3, 9, 10, 30))
			c = d.act(t, d.merchant, c, app.ActInput{Action: aftersale.Reject, Note: "吊牌已剪 / the tag was cut off"})
			d.env.Clock.Set(local(2026, 3, 9, 11, 0))
			c = d.act(t, d.customer, c, app.ActInput{Action: aftersale.Escalate, Note: "吊牌是完好的 / the tag is intact"})
			if c.State != aftersale.Disputed || len(c.Deadlines) != 0 {
				t.Fatalf("after the escalation: %s with deadlines %+v; want disputed, none", c.State, c.Deadlines)
			}
			v := d.get(t, c.ID)
			// Half an hour ran while requested, none while rejected: 71.5 business hours left.
			wantClock(t, "disputed", v, sla.Resolution, sla.StatusOnTrack, 71*time.Hour+30*time.Minute, local(2026, 3, 19, 10, 30))
			wantClock(t, "disputed", v, sla.NextUpdate, sla.StatusOnTrack, 24*time.Hour, local(2026, 3, 10, 11, 0))

			steps := []struct {
				at       time.Time
				record   string
				priority aftersale.Priority
			}{
				{local(2026, 3, 10, 6, 12), "sla_warning next_update", aftersale.PriorityNormal}, // 80% of 24 h
				{local(2026, 3, 10, 11, 0), "sla_breach next_update", aftersale.PriorityHigh},
				// 80% of 72bh = 57.6bh: 0.5 + 7 (Mon) + 36 (Tue–Fri) + 9 (Mon) + 5.1 (Tue).
				{local(2026, 3, 17, 14, 6), "sla_warning resolution", aftersale.PriorityHigh},
				// 72bh: 0.5 + 7 + 36 + 18 (Mon, Tue) + 9 (Wed) + 1.5 (Thu).
				{local(2026, 3, 19, 10, 30), "sla_breach resolution", aftersale.PriorityUrgent},
			}
			var want []string
			for _, s := range steps {
				d.env.Clock.Set(s.at.Add(-time.Second))
				if n := d.runOnce(t); n != 0 {
					t.Fatalf("a second before %s the scheduler claimed %d timers", s.record, n)
				}
				d.env.Clock.Set(s.at)
				d.drain(t)
				want = append(want, s.record)
				v = d.get(t, c.ID)
				if got := notices(v); !slices.Equal(got, want) {
					t.Fatalf("at %s: records %v, want %v", s.at, got, want)
				}
				if v.Priority != s.priority {
					t.Errorf("after %s: priority %s, want %s", s.record, v.Priority, s.priority)
				}
			}
			if v.SLA.Target != "urgent" || v.Tier != 2 || v.State != aftersale.Disputed {
				t.Errorf("at the end: target %s, tier %d, state %s; want urgent, 2, disputed", v.SLA.Target, v.Tier, v.State)
			}
			for k, target := range map[sla.Kind]string{sla.FirstResponse: "4bh", sla.NextUpdate: "4bh", sla.Resolution: "27bh"} {
				if x := clockOf(t, v, k); x.Target != target {
					t.Errorf("urgent case: %s target %s, want %s", k, x.Target, target)
				}
			}
			if n := d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'"); n != 2 {
				t.Errorf("%d breach notifications, want 2", n)
			}
			d.env.Clock.Set(local(2026, 3, 26, 10, 0))
			d.drain(t)
			if got := notices(d.get(t, c.ID)); !slices.Equal(got, want) {
				t.Errorf("a week later: records %v, want no more than %v", got, want)
			}
		})
	}
}
