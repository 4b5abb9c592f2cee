package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

func (w *world) overdue(t *testing.T, token, query string) *apitest.Response {
	t.Helper()
	return w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/overdue" + query, Token: token})
}

func (w *world) mustOverdue(t *testing.T, query string) app.OverdueView {
	t.Helper()
	res := w.overdue(t, w.admin, query)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/admin/overdue%s: %d %s", query, res.Status, res.Body)
	}
	var v app.OverdueView
	res.JSON(t, &v)
	return v
}

func timerKinds(ts []app.TimerView) []string {
	var out []string
	for _, x := range ts {
		out = append(out, string(x.Kind))
	}
	slices.Sort(out)
	return out
}

// metricValue reads one sample of /metrics; -1 when absent.
func metricValue(metrics, series string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(metrics)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}

// SPEC §14 operations and the "visibility": timers past due and dead letters are
// listed for admins only (GET /api/v1/admin/overdue, others 403); /metrics shows timers
// pending and due, firings by kind and result, the firing lag histogram, SLA notices and
// outbox deliveries by result, and the backlog, after the scheduler and the relay did some
// work on an injected clock.
func TestOverdueWorkForAdminsAndTimerMetrics(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		w := newWorld(t, env)
		supervisor := env.Token(t, app.RoleSupervisor, "")
		sched := scheduler.New(scheduler.Config{Store: env.Store, Firer: env.App, Owner: "replica-1", Now: env.Clock.Now,
			Logger: slog.New(slog.DiscardHandler), Observer: env.Metrics})
		undeliverable := errors.New("SMS provider refused the number")
		relay := scheduler.NewRelay(scheduler.RelayConfig{Store: env.Store, Owner: "replica-1", Now: env.Clock.Now,
			Logger: slog.New(slog.DiscardHandler), Observer: env.Metrics, MaxAttempts: 5,
			Handlers: map[string]scheduler.Handler{
				"notify.":    func(context.Context, store.OutboxRecord) error { return scheduler.Permanent{Err: undeliverable} },
				"case.event": func(context.Context, store.OutboxRecord) error { return nil },
			}})

		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))

		// Admins only.
		for name, token := range map[string]string{"merchant": w.merchantA, "customer": w.customer1, "agent": w.agent,
			"supervisor": supervisor, "shop system": w.shop} {
			t.Run("forbidden to "+name, func(t *testing.T) {
				wantProblem(t, w.overdue(t, token, ""), http.StatusForbidden, app.CodeForbidden)
			})
		}
		wantProblem(t, w.overdue(t, "", ""), http.StatusUnauthorized, app.CodeUnauthorized)
		wantProblem(t, w.overdue(t, w.admin, "?grace=soon"), http.StatusUnprocessableEntity, app.CodeInvalid, "grace")
		wantProblem(t, w.overdue(t, w.admin, "?limit=0"), http.StatusUnprocessableEntity, app.CodeInvalid, "limit")

		v := w.mustOverdue(t, "")
		if v.PendingTimers != 2 || v.DueTimers != 0 || len(v.Overdue) != 0 || len(v.DeadLetters) != 0 || v.Backlog == 0 {
			t.Errorf("after an application: %+v; want 2 pending timers (the merchant's deadline, the SLA check), none due, a backlog", v)
		}

		// Ten days later, with no scheduler running: both timers are overdue.
		env.Clock.Set(start.Add(10 * 24 * time.Hour))
		v = w.mustOverdue(t, "")
		if v.DueTimers != 2 || !slices.Equal(timerKinds(v.Overdue), []string{string(aftersale.MerchantResponse), string(app.SLACheck)}) {
			t.Errorf("ten days later: due %d, overdue %v; want the SLA check and merchant_response", v.DueTimers, timerKinds(v.Overdue))
		}
		for _, x := range v.Overdue {
			if x.CaseID != c.ID || x.ID == "" || !x.DueAt.Before(env.Clock.Now()) {
				t.Errorf("overdue timer %+v", x)
			}
		}
		if v := w.mustOverdue(t, "?limit=1"); len(v.Overdue) != 1 || v.Overdue[0].Kind != app.SLACheck {
			t.Errorf("limit=1: %v, want the soonest (the SLA check)", timerKinds(v.Overdue))
		}
		if v := w.mustOverdue(t, "?grace=720h"); len(v.Overdue) != 0 || v.DueTimers != 2 {
			t.Errorf("grace=720h: %v overdue, %d due; want none overdue by a month, both due", timerKinds(v.Overdue), v.DueTimers)
		}
		metrics := string(env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/metrics"}).Body)
		if metricValue(metrics, "aftersales_timers_pending") != 2 || metricValue(metrics, "aftersales_timers_due") != 2 {
			t.Errorf("/metrics: pending %v, due %v; want 2 and 2", metricValue(metrics, "aftersales_timers_pending"), metricValue(metrics, "aftersales_timers_due"))
		}

		// The scheduler catches up; the relay delivers, and notifications cannot be sent.
		for range 5 {
			if _, err := sched.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for range 5 {
			if _, err := relay.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		after := w.getCase(t, w.agent, c.ID)
		if after.State != aftersale.Approved {
			t.Fatalf("after catching up the case is %s, want approved by system", after.State)
		}
		v = w.mustOverdue(t, "")
		if len(v.Overdue) != 0 || v.DueTimers != 0 || v.PendingTimers != 1 || v.Backlog != 0 {
			t.Errorf("after catching up: %+v; want nothing overdue, the ship-back deadline pending, an empty backlog", v)
		}
		if len(v.DeadLetters) == 0 {
			t.Fatal("no dead letters after every notification failed for good")
		}
		for _, m := range v.DeadLetters {
			if !strings.HasPrefix(m.Topic, "notify.") || m.Attempts != 1 || !strings.Contains(m.LastError, undeliverable.Error()) || m.Key != c.ID || len(m.Payload) == 0 {
				t.Errorf("dead letter %+v, want a notification of the case after one attempt, with its error", m)
			}
		}
		deadTopics := map[string]bool{}
		for _, m := range v.DeadLetters {
			deadTopics[m.Topic] = true
		}
		for _, want := range []string{"notify.case.apply", "notify.case.approve", "notify.case.sla_breach"} {
			if !deadTopics[want] {
				t.Errorf("dead letters %v lack %s", deadTopics, want)
			}
		}

		metrics = string(env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/metrics"}).Body)
		for series, want := range map[string]float64{
			"aftersales_timers_pending": 1,
			"aftersales_timers_due":     0,
			"aftersales_outbox_backlog": 0,
			`aftersales_timer_firings_total{kind="merchant_response",result="fired"}`: 1,
			`aftersales_sla_notices_total{clock="first_response",level="breach"}`:     1,
			`aftersales_transitions_total{action="approve",type="return_refund"}`:     1,
		} {
			if got := metricValue(metrics, series); got != want {
				t.Errorf("/metrics %s = %v, want %v", series, got, want)
			}
		}
		for series, atLeast := range map[string]float64{
			`aftersales_timer_firings_total{kind="sla_check",result="fired"}`:       1,
			`aftersales_timer_firing_lag_seconds_count`:                             2,
			`aftersales_outbox_deliveries_total{result="dead",topic="notify.case"}`: 3,
			`aftersales_outbox_deliveries_total{result="sent",topic="case.event"}`:  3,
		} {
			if got := metricValue(metrics, series); got < atLeast {
				t.Errorf("/metrics %s = %v, want at least %v", series, got, atLeast)
			}
		}
		// The lag is from due time to firing: days here, as the scheduler was not running.
		if sum := metricValue(metrics, "aftersales_timer_firing_lag_seconds_sum"); sum < 24*3600 {
			t.Errorf("firing lag sum %vs, want the days the timers waited", sum)
		}
		if strings.Contains(metrics, c.ID) {
			t.Error("a case id became a metric label")
		}
	})
}
