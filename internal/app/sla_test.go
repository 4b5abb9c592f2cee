package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/sla"
	"github.com/aftersales/aftersales/internal/store"
)

// shopADesk gives shop-a service-desk targets in business hours (9:00–18:00 on the PRC
// calendar): a first response and each next update within 4 working hours, resolution
// within 40. Warning share and escalation come from seed-platform (80%; raise the
// priority, notify the supervisor, move to tier 2).
const shopADesk = `schema: aftersales.policy/v1
id: shop-a-desk
version: 1
layer: merchant
merchant: shop-a
name: {zh: 甲店客服时效, en: Shop A service desk}
sla:
  targets:
    - id: shop_a_desk
      first_response: 4bh
      next_update: 4bh
      resolution: 40bh
`

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func local(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// desk is one SLA test's stack: tokens, and a scheduler on the settable clock.
type desk struct {
	env                              *apitest.Env
	sched                            *scheduler.Scheduler
	customer, merchant, agent, admin string
	orders                           int
}

func newDesk(t *testing.T, b apitest.Backend, start time.Time, layers ...string) *desk {
	t.Helper()
	return newDeskWith(t, b, start, nil, layers...)
}

// newDeskWith is newDesk with the application's configuration changed by configureApp.
func newDeskWith(t *testing.T, b apitest.Backend, start time.Time, configureApp func(*app.Config), layers ...string) *desk {
	t.Helper()
	env := apitest.NewWithApp(t, b, configureApp, nil)
	env.Clock.Set(start)
	d := &desk{env: env,
		sched: scheduler.New(scheduler.Config{Store: env.Store, Firer: env.App, Owner: "replica-sla",
			Now: env.Clock.Now, Logger: slog.New(slog.DiscardHandler), Observer: env.Metrics}),
		customer: env.Token(t, app.RoleCustomer, "cust-1"),
		merchant: env.Token(t, app.RoleMerchant, "shop-a"),
		agent:    env.Token(t, app.RoleAgent, ""),
		admin:    env.Token(t, app.RoleAdmin, ""),
	}
	for _, l := range layers {
		if _, err := env.App.InstallPolicy(context.Background(), app.Principal{Role: app.RoleAdmin, ID: "admin"}, []byte(l)); err != nil {
			t.Fatalf("install policy layer: %v", err)
		}
	}
	return d
}

// apply pushes an order of a ¥299 jacket signed for two days ago and applies for a
// no-reason return of it (above the one-click limit: the merchant must answer).
func (d *desk) apply(t *testing.T) app.CaseView {
	t.Helper()
	d.orders++
	now := d.env.Clock.Now().UTC()
	paid, shipped, signed := now.Add(-6*24*time.Hour), now.Add(-5*24*time.Hour), now.Add(-2*24*time.Hour)
	in := app.OrderInput{OrderNo: fmt.Sprintf("ORD-SLA-%d", d.orders), Merchant: "shop-a", Customer: "cust-1",
		PaymentMethod: "online", PaidAt: paid, ShippedAt: &shipped, DeliveredAt: &signed,
		Items: []app.OrderItemInput{{SKU: "JACKET", Title: "羽绒服", Category: "apparel", Quantity: 1, UnitPrice: 29900, PaidAmount: 29900}}}
	if _, err := d.env.App.UpsertOrder(context.Background(), app.Principal{Role: app.RoleIntegration, ID: "shop"}, in, nil); err != nil {
		t.Fatal(err)
	}
	res := d.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: d.customer, JSON: app.ApplyInput{
		OrderNo: in.OrderNo, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason,
		Items: []policy.RequestItem{{SKU: "JACKET", Quantity: 1}}, Description: "不想要了"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("apply: %d %s", res.Status, res.Body)
	}
	var c app.CaseView
	res.JSON(t, &c)
	return c
}

// get reads a case over HTTP as the agent (the response is checked against the OpenAPI
// document, sla included).
func (d *desk) get(t *testing.T, id string) app.CaseView {
	t.Helper()
	res := d.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id, Token: d.agent})
	if res.Status != http.StatusOK {
		t.Fatalf("GET case: %d %s", res.Status, res.Body)
	}
	var c app.CaseView
	res.JSON(t, &c)
	if c.SLA == nil {
		t.Fatalf("GET case shows no sla: %s", res.Body)
	}
	return c
}

// act takes an action over HTTP.
func (d *desk) act(t *testing.T, token string, c app.CaseView, in app.ActInput) app.CaseView {
	t.Helper()
	in.Version = c.Version
	res := d.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/actions", Token: token, JSON: in})
	if res.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", in.Action, res.Status, res.Body)
	}
	var v app.CaseView
	res.JSON(t, &v)
	return v
}

// post writes on the case's conversation over HTTP.
func (d *desk) post(t *testing.T, token, caseID, body string, internal bool) {
	t.Helper()
	res := d.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + caseID + "/messages", Token: token,
		JSON: app.MessageInput{Body: body, Internal: internal}})
	if res.Status != http.StatusCreated {
		t.Fatalf("post message: %d %s", res.Status, res.Body)
	}
}

// runOnce fires what is due now; it returns how many timers it claimed.
func (d *desk) runOnce(t *testing.T) int {
	t.Helper()
	n, err := d.sched.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

// drain fires everything due now, batch after batch.
func (d *desk) drain(t *testing.T) {
	t.Helper()
	for range 20 {
		if d.runOnce(t) == 0 {
			return
		}
	}
	t.Fatalf("the scheduler still finds due timers after 20 batches at %s", d.env.Clock.Now())
}

// checkAgain makes the case's SLA check run once more at the current time, as a second
// replica or a retried firing would.
func (d *desk) checkAgain(t *testing.T, caseID string) {
	t.Helper()
	ctx := context.Background()
	if err := d.env.Store.Update(ctx, func(tx store.Tx) error {
		return tx.ScheduleTimers(ctx, caseID, nil, []aftersale.Deadline{{Kind: app.SLACheck, Due: d.env.Clock.Now()}})
	}); err != nil {
		t.Fatal(err)
	}
	if n := d.runOnce(t); n < 1 {
		t.Fatalf("the extra SLA check was not claimed")
	}
}

// slaCheckDue is when the case's pending SLA check is due; false when none is pending.
func (d *desk) slaCheckDue(t *testing.T, caseID string) (time.Time, bool) {
	t.Helper()
	var ts []store.Timer
	if err := d.env.Store.View(context.Background(), func(tx store.Tx) (err error) {
		ts, err = tx.PendingTimers(context.Background(), caseID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var due []time.Time
	for _, tm := range ts {
		if tm.Kind == app.SLACheck {
			due = append(due, tm.DueAt)
		}
	}
	switch len(due) {
	case 0:
		return time.Time{}, false
	case 1:
		return due[0], true
	}
	t.Fatalf("%d SLA checks pending, want at most one: %v", len(due), due)
	return time.Time{}, false
}

// notices lists the case's SLA records as "action clock".
func notices(c app.CaseView) []string {
	var out []string
	for _, e := range c.History {
		if e.Action == aftersale.SLAWarning || e.Action == aftersale.SLABreach {
			out = append(out, string(e.Action)+" "+e.Data["clock"])
		}
	}
	return out
}

func clockOf(t *testing.T, c app.CaseView, k sla.Kind) app.SLAClockView {
	t.Helper()
	for _, x := range c.SLA.Clocks {
		if x.Kind == k {
			return x
		}
	}
	t.Fatalf("the case's sla shows no %s clock: %+v", k, c.SLA.Clocks)
	return app.SLAClockView{}
}

// wantClock checks a clock's status, time left and due time (zero: none shown).
func wantClock(t *testing.T, when string, c app.CaseView, k sla.Kind, status sla.Status, remaining time.Duration, due time.Time) {
	t.Helper()
	x := clockOf(t, c, k)
	if x.Status != status || x.RemainingSeconds != int64(remaining/time.Second) {
		t.Errorf("%s: %s is %s with %ds left, want %s with %ds", when, k, x.Status, x.RemainingSeconds, status, int64(remaining/time.Second))
	}
	switch {
	case due.IsZero() && x.DueAt != nil:
		t.Errorf("%s: %s shows due_at %s, want none", when, k, x.DueAt.In(shanghai))
	case !due.IsZero() && (x.DueAt == nil || !x.DueAt.Equal(due)):
		t.Errorf("%s: %s due_at %v, want %s", when, k, x.DueAt, due)
	}
}

// lastEvent is the case's newest history event.
func lastEvent(c app.CaseView) app.EventView { return c.History[len(c.History)-1] }

// SPEC §6: warnings before breach, escalation on breach, in business hours of a calendar
// with PRC public holidays and make-up working days (调休). A case is applied for at the
// end of the last working day before a weekend or a holiday; the clock is walked forward
// an hour at a time with the scheduler running at each step. Nothing fires while the desk
// is closed. At 80% of the first-response target the warning is recorded, at 100% the
// breach, each once — also when the check runs again; the breach raises the priority,
// moves the case to tier 2 and tells the supervisor through the outbox. Seed-platform's
// own 24-hour first response is wall time, for contrast: the weekend counts.
func TestSLAWarningAndBreachAcrossWeekendsAndHolidays(t *testing.T) {
	rows := []struct {
		name             string
		layers           []string
		applied          time.Time
		target           string
		warnAt, breachAt time.Time
	}{
		{"seed-platform: 24 h first feedback is wall time, Friday 17:00 → Saturday",
			nil, local(2026, 3, 6, 17, 0), "24h", local(2026, 3, 7, 12, 12), local(2026, 3, 7, 17, 0)},
		{"4 business hours, Friday 17:00: the weekend does not count",
			[]string{shopADesk}, local(2026, 3, 6, 17, 0), "4bh", local(2026, 3, 9, 11, 12), local(2026, 3, 9, 12, 0)},
		{"Spring Festival 2026: applied on the make-up Saturday 2/14, the holiday 2/15–2/23 does not count",
			[]string{shopADesk}, local(2026, 2, 14, 17, 0), "4bh", local(2026, 2, 24, 11, 12), local(2026, 2, 24, 12, 0)},
		{"Spring Festival 2026: Friday 2/13 17:00, the make-up Saturday 2/14 is a working day",
			[]string{shopADesk}, local(2026, 2, 13, 17, 0), "4bh", local(2026, 2, 14, 11, 12), local(2026, 2, 14, 12, 0)},
		{"National Day 2025: Tuesday 9/30 17:00, the holiday 10/1–10/8 does not count",
			[]string{shopADesk}, local(2025, 9, 30, 17, 0), "4bh", local(2025, 10, 9, 11, 12), local(2025, 10, 9, 12, 0)},
		{"National Day 2025: Friday 9/26 17:00, the make-up Sunday 9/28 is a working day",
			[]string{shopADesk}, local(2025, 9, 26, 17, 0), "4bh", local(2025, 9, 28, 11, 12), local(2025, 9, 28, 12, 0)},
	}
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) {
					d := newDesk(t, b, row.applied, row.layers...)
					target := row.breachAt.Sub(row.applied) // what the view shows as the whole target
					if row.target == "4bh" {
						target = 4 * time.Hour
					}
					c := d.apply(t)
					v := d.get(t, c.ID)
					if v.SLA.Status != sla.StatusOnTrack || clockOf(t, v, sla.FirstResponse).Target != row.target {
						t.Fatalf("new case: sla %s, first response target %s; want on_track, %s", v.SLA.Status, clockOf(t, v, sla.FirstResponse).Target, row.target)
					}
					wantClock(t, "applied", v, sla.FirstResponse, sla.StatusOnTrack, target, row.breachAt)
					if due, ok := d.slaCheckDue(t, c.ID); !ok || !due.Equal(row.warnAt) {
						t.Fatalf("SLA check at %v (pending %v), want at the warning, %s", due.In(shanghai), ok, row.warnAt)
					}
					for _, dl := range v.Deadlines {
						if !dl.DueAt.After(row.breachAt) {
							t.Fatalf("precondition: the %s deadline (%s) comes before the breach", dl.Kind, dl.DueAt.In(shanghai))
						}
					}

					// Nights, weekends and holidays: nothing is due.
					for at := row.applied.Add(time.Hour); at.Before(row.warnAt); at = at.Add(time.Hour) {
						d.env.Clock.Set(at)
						if n := d.runOnce(t); n != 0 {
							t.Fatalf("at %s the scheduler claimed %d timers", at, n)
						}
					}
					d.env.Clock.Set(row.warnAt.Add(-time.Second))
					if n := d.runOnce(t); n != 0 {
						t.Fatalf("a second before the warning the scheduler claimed %d timers", n)
					}
					if got := notices(d.get(t, c.ID)); len(got) != 0 {
						t.Fatalf("before 80%%: %v recorded", got)
					}

					// 80%: the warning.
					d.env.Clock.Set(row.warnAt)
					if n := d.runOnce(t); n != 1 {
						t.Fatalf("at the warning the scheduler claimed %d timers, want the SLA check", n)
					}
					v = d.get(t, c.ID)
					ev := lastEvent(v)
					if ev.Action != aftersale.SLAWarning || ev.Actor.Role != aftersale.System || ev.Data["clock"] != string(sla.FirstResponse) ||
						ev.From != aftersale.Requested || ev.To != aftersale.Requested || !ev.At.Equal(row.warnAt) {
						t.Errorf("at 80%%: last event %+v, want sla_warning of first_response by system, requested → requested, at %s", ev, row.warnAt)
					}
					wantClock(t, "at 80%", v, sla.FirstResponse, sla.StatusAtRisk, target/5, row.breachAt)
					if v.SLA.Status != sla.StatusAtRisk || v.Priority != aftersale.PriorityNormal || v.Tier != 1 {
						t.Errorf("at 80%%: sla %s, priority %s, tier %d; want at_risk, normal, 1", v.SLA.Status, v.Priority, v.Tier)
					}
					d.checkAgain(t, c.ID)
					if got := notices(d.get(t, c.ID)); !slices.Equal(got, []string{"sla_warning first_response"}) {
						t.Errorf("after the check ran again: %v, want the one warning", got)
					}
					if due, ok := d.slaCheckDue(t, c.ID); !ok || !due.Equal(row.breachAt) {
						t.Errorf("next SLA check at %v (%v), want at the breach, %s", due.In(shanghai), ok, row.breachAt)
					}

					// 100%: the breach and its escalation.
					d.env.Clock.Set(row.breachAt.Add(-time.Second))
					if n := d.runOnce(t); n != 0 {
						t.Fatalf("a second before the breach the scheduler claimed %d timers", n)
					}
					if d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'") != 0 {
						t.Fatal("the supervisor was told of a breach before it happened")
					}
					d.env.Clock.Set(row.breachAt)
					if n := d.runOnce(t); n != 1 {
						t.Fatalf("at the breach the scheduler claimed %d timers, want the SLA check", n)
					}
					v = d.get(t, c.ID)
					ev = lastEvent(v)
					if ev.Action != aftersale.SLABreach || ev.Actor.Role != aftersale.System || ev.Data["clock"] != string(sla.FirstResponse) || !ev.At.Equal(row.breachAt) {
						t.Errorf("at 100%%: last event %+v, want sla_breach of first_response by system at %s", ev, row.breachAt)
					}
					wantClock(t, "at 100%", v, sla.FirstResponse, sla.StatusBreached, 0, row.breachAt)
					if v.SLA.Status != sla.StatusBreached || v.Priority != aftersale.PriorityHigh || v.Tier != 2 || v.State != aftersale.Requested {
						t.Errorf("after the breach: sla %s, priority %s, tier %d, state %s; want breached, high, 2, requested", v.SLA.Status, v.Priority, v.Tier, v.State)
					}
					if n := d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'"); n != 1 {
						t.Errorf("%d notify.case.sla_breach messages in the outbox, want 1", n)
					}
					d.checkAgain(t, c.ID)
					d.env.Clock.Set(row.breachAt.Add(30 * time.Minute))
					d.checkAgain(t, c.ID)
					v = d.get(t, c.ID)
					if got := notices(v); !slices.Equal(got, []string{"sla_warning first_response", "sla_breach first_response"}) {
						t.Errorf("after the check ran again: %v, want one warning and one breach", got)
					}
					if n := d.env.Rows(t, "outbox WHERE topic = 'notify.case.sla_breach'"); n != 1 || v.Priority != aftersale.PriorityHigh {
						t.Errorf("after the check ran again: %d breach notifications, priority %s; want 1, high", n, v.Priority)
					}
					if x := clockOf(t, v, sla.FirstResponse); x.RemainingSeconds >= 0 {
						t.Errorf("half an hour after the breach: %ds left, want a negative number", x.RemainingSeconds)
					}
					metrics := string(d.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/metrics"}).Body)
					for _, want := range []string{
						`aftersales_sla_notices_total{clock="first_response",level="warning"} 1`,
						`aftersales_sla_notices_total{clock="first_response",level="breach"} 1`,
					} {
						if !strings.Contains(metrics, want) {
							t.Errorf("/metrics lacks %s", want)
						}
					}
				})
			}
		})
	}
}
