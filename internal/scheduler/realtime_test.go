package scheduler_test

// Real-time integration tests of the timers on SQLite and PostgreSQL: the whole stack (store,
// policy engine, app, scheduler; HTTP for one application), a policy whose deadlines are
// seconds, and nothing but the wall clock. The helpers at the end are shared with the
// multi-replica, crash and benchmark tests of this package (files *_e2e names: e2e…).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/postgres"
	"github.com/aftersales/aftersales/internal/store/sqlite"
)

// e2eFastPolicy is a merchant layer whose deadlines are seconds: a merchant who does not
// answer within 2 s has approved (or, for a refund before shipment, refunded), and a customer
// who does not ship back within 2 s has given up.
const e2eFastPolicy = `
schema: aftersales.policy/v1
id: fast-shop
version: 1
layer: merchant
merchant: fast
name: {zh: 秒级时限(测试), en: Deadlines of seconds (tests)}
deadlines:
  merchant_response: 2s
  customer_ship_back: 2s
`

// e2eSlowPolicy gives the merchant "slow" half a minute to answer.
const e2eSlowPolicy = `
schema: aftersales.policy/v1
id: slow-shop
version: 1
layer: merchant
merchant: slow
name: {zh: 半分钟时限(测试), en: Half a minute to answer (tests)}
deadlines:
  merchant_response: 30s
`

var (
	e2eShop  = app.Principal{Role: app.RoleIntegration, ID: "shop"}
	e2eAgent = app.Principal{Role: app.RoleAgent, ID: "agent-1"}
	e2eAdmin = app.Principal{Role: app.RoleAdmin, ID: "admin"}
)

// lateBound is how late (after its due time) a timer may fire in the real-time tests. The
// scheduler is woken by the commit that sets a timer and sleeps exactly until it is due, so
// the lag is a few milliseconds; the bound leaves room for a loaded CI machine and -race.
const lateBound = time.Second

// TestRealTimeTimeouts: a merchant who stays silent sees the return approved by system once
// merchant_response (2 s) has passed, with the history event; the customer who then does not
// ship back sees the case closed by system after customer_ship_back (2 s); and a refund
// before shipment that the merchant ignores is refunded by system.
func TestRealTimeTimeouts(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st, _ := b.open(t, nil)
			env := e2eStart(t, st, scheduler.Config{Owner: "rt-" + b.name, MaxIdle: 200 * time.Millisecond})
			ctx := context.Background()

			e2eOrder(t, env.app, "RT-RETURN", "fast", true)
			e2eOrder(t, env.app, "RT-REFUND", "fast", false)
			ret := e2eApply(t, env.app, "RT-RETURN", aftersale.ReturnRefund)
			ref := e2eApply(t, env.app, "RT-REFUND", aftersale.RefundOnly)

			// The merchant is silent: system approves the return.
			due := e2eDue(t, ret, aftersale.DeadlineKind("merchant_response"))
			if d := due.Sub(ret.CreatedAt); d != 2*time.Second {
				t.Fatalf("merchant_response due %v after the application, want 2s", d)
			}
			v := e2eWaitState(t, env.app, ret.ID, aftersale.Approved, due.Add(lateBound))
			ev := e2eCheckSystemEvent(t, v, aftersale.Approve, due)

			// The customer does not ship back: system closes the case.
			due = e2eDue(t, v, aftersale.DeadlineKind("customer_ship_back"))
			if d := due.Sub(ev.At); d != 2*time.Second {
				t.Fatalf("customer_ship_back due %v after the approval, want 2s", d)
			}
			v = e2eWaitState(t, env.app, ret.ID, aftersale.Closed, due.Add(lateBound))
			e2eCheckSystemEvent(t, v, aftersale.Close, due)
			if len(v.History) != 3 || v.Version != 3 {
				t.Errorf("return: %d events, version %d; want apply, approve, close (3)", len(v.History), v.Version)
			}

			// The refund before shipment that the merchant ignored was refunded by system.
			due = e2eDue(t, ref, aftersale.DeadlineKind("merchant_response"))
			v = e2eWaitEvent(t, env.app, ref.ID, aftersale.Refund, due.Add(lateBound))
			e2eCheckSystemEvent(t, v, aftersale.Refund, due)

			// Every timer that fell due has fired, none is pending past its time.
			var overdue []store.Timer
			if err := st.View(ctx, func(tx store.Tx) (err error) {
				overdue, err = tx.OverdueTimers(ctx, time.Now().Add(-lateBound), 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(overdue) > 0 {
				t.Errorf("timers still pending past their due time: %+v", overdue)
			}
		})
	}
}

// TestRealTimeWakeUp: the scheduler sleeps until the next due time (here the 30-second
// answer deadline of another merchant; MaxIdle is an hour, so it would not look again by
// itself); an application made over HTTP sets a timer due in 2 s, and the commit wakes the
// scheduler (App.Config.OnTimer → Scheduler.Wake), which then fires it on time.
func TestRealTimeWakeUp(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st, _ := b.open(t, nil)
			env := e2eStart(t, st, scheduler.Config{Owner: "wake-" + b.name, MaxIdle: time.Hour})

			e2eOrder(t, env.app, "WK-SLOW", "slow", true)
			e2eOrder(t, env.app, "WK-FAST", "fast", true)
			slow := e2eApply(t, env.app, "WK-SLOW", aftersale.ReturnRefund)
			// Let the scheduler settle into its sleep until the slow deadline.
			time.Sleep(300 * time.Millisecond)

			srv := httptest.NewServer(httpapi.New(env.app, httpapi.Options{Logger: env.logger}).Handler())
			t.Cleanup(srv.Close)
			secret, _, err := env.app.CreateToken(context.Background(), app.TokenSpec{Role: app.RoleAgent, Name: "agent"})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(e2eApplyInput("WK-FAST", aftersale.ReturnRefund))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/cases", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("POST /api/v1/cases: %d %s", res.StatusCode, data)
			}
			var fast app.CaseView
			if err := json.Unmarshal(data, &fast); err != nil {
				t.Fatal(err)
			}
			due := e2eDue(t, &fast, aftersale.DeadlineKind("merchant_response"))
			if slowDue := e2eDue(t, slow, aftersale.DeadlineKind("merchant_response")); !due.Before(slowDue) {
				t.Fatalf("the fast deadline %v is not before the slow one %v", due, slowDue)
			}
			v := e2eWaitState(t, env.app, fast.ID, aftersale.Approved, due.Add(lateBound))
			e2eCheckSystemEvent(t, v, aftersale.Approve, due)

			// The slow case is untouched: its deadline has not come.
			sv, err := env.app.GetCase(context.Background(), e2eAgent, slow.ID)
			if err != nil {
				t.Fatal(err)
			}
			if sv.State != aftersale.Requested || sv.Version != 1 {
				t.Errorf("slow case: %s version %d, want requested version 1", sv.State, sv.Version)
			}
		})
	}
}

// e2eBackend opens a fresh, migrated store for one test; with a clock when now is not nil.
type e2eBackend struct {
	name string
	open func(t testing.TB, now func() time.Time) (store.Store, string)
}

// e2eBackends are SQLite (always) and PostgreSQL (skipped without
// AFTERSALES_TEST_DATABASE_URL). open returns the store and where it is: the SQLite file,
// or the PostgreSQL URL of a fresh schema (search_path set), dropped at the end of the test.
func e2eBackends() []e2eBackend {
	return []e2eBackend{
		{name: "sqlite", open: func(t testing.TB, now func() time.Time) (store.Store, string) {
			path := filepath.Join(t.TempDir(), "aftersales.db")
			return e2eOpenSQLite(t, path, now), path
		}},
		{name: "postgres", open: func(t testing.TB, now func() time.Time) (store.Store, string) {
			u := e2ePGSchema(t)
			return e2eOpenPG(t, u, now), u
		}},
	}
}

func e2eOpenSQLite(t testing.TB, path string, now func() time.Time) store.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, store.Options{Now: now})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func e2eOpenPG(t testing.TB, url string, now func() time.Time) store.Store {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, store.Options{Now: now})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// e2ePGURL is the test server's URL, or a skip.
func e2ePGURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("AFTERSALES_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("PostgreSQL tests skipped: set AFTERSALES_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them")
	}
	return u
}

// e2ePGSchema creates a fresh schema on the test server, dropped at the end of the test,
// and returns a URL whose connections use it.
func e2ePGSchema(t testing.TB) string {
	t.Helper()
	base := e2ePGURL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to AFTERSALES_TEST_DATABASE_URL: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "schedtest_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close(ctx)
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " search_path=" + schema
}

// e2eEnv is a running stack: the app, and its scheduler firing timers in the background.
type e2eEnv struct {
	app    *app.App
	sched  *scheduler.Scheduler
	logger *slog.Logger
	logs   *e2eLog
}

// e2eNewApp wires an app on st with the fast and slow merchant layers installed; onTimer
// is the scheduler's wake-up.
func e2eNewApp(t testing.TB, st store.Store, now func() time.Time, logger *slog.Logger, onTimer func(time.Time)) *app.App {
	t.Helper()
	ctx := context.Background()
	engine, err := policy.New(calendar.Default())
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{Store: st, Engine: engine, Blobs: blobs, Now: now, Logger: logger, OnTimer: onTimer})
	if err := a.LoadPolicies(ctx); err != nil {
		t.Fatalf("load policies: %v", err)
	}
	for _, doc := range []string{e2eFastPolicy, e2eSlowPolicy} {
		// Installing the same document again (another replica's app) is a no-op.
		if _, err := a.InstallPolicy(ctx, e2eAdmin, []byte(doc)); err != nil {
			t.Fatalf("install policy: %v", err)
		}
	}
	return a
}

// e2eStart wires the app and a scheduler on st (cfg's Store and Firer are filled in) and
// runs the scheduler until the end of the test.
func e2eStart(t testing.TB, st store.Store, cfg scheduler.Config) *e2eEnv {
	t.Helper()
	logs := &e2eLog{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	env := &e2eEnv{logger: logger, logs: logs}
	var sched *scheduler.Scheduler
	var ready sync.WaitGroup
	ready.Add(1)
	env.app = e2eNewApp(t, st, cfg.Now, logger, func(due time.Time) { ready.Wait(); sched.Wake(due) })
	cfg.Store, cfg.Firer, cfg.Logger = st, env.app, logger
	sched = scheduler.New(cfg)
	env.sched = sched
	ready.Done()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sched.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	return env
}

// e2eOrder stores an order of merchant: two headphones, paid four days ago; shipped and
// delivered when shipped is true.
func e2eOrder(t testing.TB, a *app.App, no, merchant string, shipped bool) {
	t.Helper()
	now := time.Now().UTC()
	in := e2eOrderInput(no, merchant, shipped, now)
	if _, err := a.UpsertOrder(context.Background(), e2eShop, in, nil); err != nil {
		t.Fatalf("order %s: %v", no, err)
	}
}

func e2eOrderInput(no, merchant string, shipped bool, now time.Time) app.OrderInput {
	in := app.OrderInput{OrderNo: no, Merchant: merchant, Customer: "c-" + no, PaymentMethod: "online",
		PaidAt: now.Add(-96 * time.Hour),
		Items:  []app.OrderItemInput{{SKU: "S", Title: "耳机", Category: "electronics", Quantity: 2, UnitPrice: 19900, PaidAmount: 35800}}}
	if shipped {
		s, d := now.Add(-72*time.Hour), now.Add(-48*time.Hour)
		in.ShippedAt, in.DeliveredAt = &s, &d
	}
	return in
}

// e2eApplyInput is a no-reason return (refund_only: a refund before shipment) of one
// headphone; at 179 CNY it is above the seed's one-click approval limit, so the merchant
// must answer.
func e2eApplyInput(orderNo string, typ aftersale.Type) app.ApplyInput {
	reason := aftersale.Reason("no_reason")
	return app.ApplyInput{OrderNo: orderNo, Type: typ, Reason: reason, Items: []policy.RequestItem{{SKU: "S", Quantity: 1}}}
}

func e2eApply(t testing.TB, a *app.App, orderNo string, typ aftersale.Type) *app.CaseView {
	t.Helper()
	r, err := a.Apply(context.Background(), e2eAgent, e2eApplyInput(orderNo, typ), nil)
	if err != nil {
		t.Fatalf("apply on %s: %v", orderNo, err)
	}
	if r.Value.State != aftersale.Requested {
		t.Fatalf("apply on %s: %s, want requested (the merchant must answer)", orderNo, r.Value.State)
	}
	return r.Value
}

// e2eDue is the due time of a case's deadline of kind.
func e2eDue(t testing.TB, v *app.CaseView, kind aftersale.DeadlineKind) time.Time {
	t.Helper()
	for _, d := range v.Deadlines {
		if d.Kind == kind {
			return d.DueAt
		}
	}
	t.Fatalf("case %s (%s) has no %s deadline: %+v", v.Number, v.State, kind, v.Deadlines)
	return time.Time{}
}

// e2eWaitState polls the case until it is in state, failing at the wall-clock deadline.
func e2eWaitState(t testing.TB, a *app.App, id string, state aftersale.State, deadline time.Time) *app.CaseView {
	t.Helper()
	return e2eWait(t, a, id, deadline, string(state), func(v *app.CaseView) bool { return v.State == state })
}

// e2eWaitEvent polls the case until its last event is action.
func e2eWaitEvent(t testing.TB, a *app.App, id string, action aftersale.Action, deadline time.Time) *app.CaseView {
	t.Helper()
	return e2eWait(t, a, id, deadline, "an event "+string(action), func(v *app.CaseView) bool {
		return len(v.History) > 0 && v.History[len(v.History)-1].Action == action
	})
}

func e2eWait(t testing.TB, a *app.App, id string, deadline time.Time, what string, ok func(*app.CaseView) bool) *app.CaseView {
	t.Helper()
	for {
		v, err := a.GetCase(context.Background(), e2eAgent, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("case %s is %s (version %d) at %v, not %s by %v", v.Number, v.State, v.Version,
				time.Now().UTC().Format(time.StampMilli), what, deadline.UTC().Format(time.StampMilli))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// e2eCheckSystemEvent checks that the case's last event is action by system, made after
// the deadline was due and no more than lateBound after it.
func e2eCheckSystemEvent(t testing.TB, v *app.CaseView, action aftersale.Action, due time.Time) app.EventView {
	t.Helper()
	ev := v.History[len(v.History)-1]
	if ev.Action != action || ev.Actor.Role != aftersale.System || ev.Actor.ID != "system" {
		t.Errorf("case %s: last event %s by %s/%s, want %s by system", v.Number, ev.Action, ev.Actor.Role, ev.Actor.ID, action)
	}
	if ev.Seq != v.Version {
		t.Errorf("case %s: last event seq %d, version %d", v.Number, ev.Seq, v.Version)
	}
	lag := ev.At.Sub(due)
	if lag < 0 || lag > lateBound {
		t.Errorf("case %s: %s at %v, %v after its due time %v (want 0–%v)", v.Number, action, ev.At, lag, due, lateBound)
	}
	t.Logf("case %s: %s by system %v after the due time", v.Number, action, lag.Round(time.Millisecond))
	return ev
}

// e2eLog is a log buffer safe for concurrent writers.
type e2eLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *e2eLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *e2eLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
