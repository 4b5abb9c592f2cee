package scheduler_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

// The people of the timeout tests. Principals are passed to the app directly: these tests
// are about what the scheduler does, not about tokens.
var (
	shopSystem = app.Principal{Role: app.RoleIntegration, ID: "shop-system"}
	buyer      = app.Principal{Role: app.RoleCustomer, Customer: "cust-1", ID: "token-cust-1"}
	shopStaff  = app.Principal{Role: app.RoleMerchant, Merchant: "shop-a", ID: "token-shop-a"}
	supervisor = app.Principal{Role: app.RoleSupervisor, ID: "token-supervisor"}
	deskAgent  = app.Principal{Role: app.RoleAgent, ID: "token-agent"}
	admin      = app.Principal{Role: app.RoleAdmin, ID: "token-admin"}
)

// shanghai is the platform calendar's zone; the tests' instants are local times there.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// timeoutStart is when every timeout test begins: a Friday morning of an ordinary week
// (2026-03-06), so that a working-day deadline (Monday) never coincides with a 24-hour
// wall-time one (Saturday).
var timeoutStart = time.Date(2026, 3, 6, 10, 0, 0, 0, shanghai)

// orderKind is the state of the order a test applies on.
type orderKind int

const (
	delivered     orderKind = iota // paid six days ago, signed for two days ago
	inTransit                      // paid six days ago, shipped, not signed for
	unshipped                      // paid yesterday, still with the merchant
	outOfWarranty                  // paid and signed for more than two years ago
)

// firingLog records what the scheduler reports, as its metrics would.
type firingLog struct {
	mu      sync.Mutex
	firings []string // kind:result
}

func (l *firingLog) TimerFired(kind, result string, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.firings = append(l.firings, kind+":"+result)
}

func (l *firingLog) Delivered(string, string) {}

// take returns what was recorded since the last take.
func (l *firingLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.firings
	l.firings = nil
	return out
}

// timeWorld is one test's stack with a scheduler on its settable clock.
type timeWorld struct {
	env    *apitest.Env
	sched  *scheduler.Scheduler
	log    *firingLog
	orders int
}

func newTimeWorld(t *testing.T, b apitest.Backend, start time.Time, layers ...string) *timeWorld {
	t.Helper()
	env := apitest.New(t, b)
	env.Clock.Set(start)
	w := &timeWorld{env: env, log: &firingLog{}}
	w.sched = scheduler.New(scheduler.Config{Store: env.Store, Firer: env.App, Owner: "replica-test",
		Now: env.Clock.Now, Observer: w.log, Logger: slog.New(slog.DiscardHandler)})
	for _, l := range layers {
		if _, err := env.App.InstallPolicy(context.Background(), admin, []byte(l)); err != nil {
			t.Fatalf("install policy layer: %v", err)
		}
	}
	return w
}

// runOnce claims and fires one batch of due timers.
func (w *timeWorld) runOnce(t *testing.T) int {
	t.Helper()
	n, err := w.sched.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

// drain fires everything due now, batch after batch.
func (w *timeWorld) drain(t *testing.T) int {
	t.Helper()
	total := 0
	for range 20 {
		n := w.runOnce(t)
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatalf("the scheduler still finds due timers after 20 batches at %s (fired %v)", w.env.Clock.Now(), w.log.take())
	return total
}

// mustOrder pushes an order of one ¥299 jacket (above seed-platform's ¥100 one-click
// approval, so the merchant decides) as the shop system.
func (w *timeWorld) mustOrder(t *testing.T, kind orderKind) string {
	t.Helper()
	w.orders++
	now := w.env.Clock.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(-d).UTC(); return &x }
	day := 24 * time.Hour
	in := app.OrderInput{OrderNo: fmt.Sprintf("ORD-T-%d", w.orders), Merchant: "shop-a", Customer: "cust-1",
		PaymentMethod: "online", ShippingFee: 1000,
		Items: []app.OrderItemInput{{SKU: "JACKET", Title: "羽绒服 / down jacket", Category: "apparel", Quantity: 1, UnitPrice: 29900, PaidAmount: 29900}}}
	switch kind {
	case delivered:
		in.PaidAt, in.ShippedAt, in.DeliveredAt = *at(6 * day), at(5*day), at(2*day)
	case inTransit:
		in.PaidAt, in.ShippedAt = *at(6 * day), at(5*day)
	case unshipped:
		in.PaidAt = *at(day)
	case outOfWarranty:
		in.PaidAt, in.ShippedAt, in.DeliveredAt = *at(800 * day), at(799*day), at(797*day)
	}
	if _, err := w.env.App.UpsertOrder(context.Background(), shopSystem, in, nil); err != nil {
		t.Fatalf("push order: %v", err)
	}
	return in.OrderNo
}

// pngBytes is enough of a PNG for the upload's content sniffing.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), bytes.Repeat([]byte{0}, 64)...)

// mustApply opens a case of type typ for reason on an order of kind, as the customer.
// Quality claims carry a photo (seed-platform's evidence_for_quality); a compensation
// asks for ¥30.
func (w *timeWorld) mustApply(t *testing.T, typ aftersale.Type, reason aftersale.Reason, kind orderKind) app.CaseView {
	t.Helper()
	ctx := context.Background()
	in := app.ApplyInput{OrderNo: w.mustOrder(t, kind), Type: typ, Reason: reason,
		Items: []policy.RequestItem{{SKU: "JACKET", Quantity: 1}}, Description: "test application"}
	if reason == aftersale.QualityDefect {
		up, err := w.env.App.Upload(ctx, buyer, "defect.png", "image/png", bytes.NewReader(pngBytes))
		if err != nil {
			t.Fatalf("upload evidence: %v", err)
		}
		in.Evidence = []string{up.Value.ID}
	}
	if typ == aftersale.Compensation {
		in.Amount = 3000
	}
	rep, err := w.env.App.Apply(ctx, buyer, in, nil)
	if err != nil {
		t.Fatalf("apply %s/%s: %v", typ, reason, err)
	}
	return *rep.Value
}

// step is one action of a person on the way to a waiting state.
type step struct {
	who    app.Principal
	action aftersale.Action
	fail   bool // confirm_receipt: the inspection fails
}

// The steps of the paths. Every field an action needs is filled in by input.
var (
	approve       = step{who: shopStaff, action: aftersale.Approve}
	reject        = step{who: shopStaff, action: aftersale.Reject}
	requestInfo   = step{who: shopStaff, action: aftersale.RequestInfo}
	inspectPass   = step{who: shopStaff, action: aftersale.ConfirmReceipt}
	inspectFail   = step{who: shopStaff, action: aftersale.ConfirmReceipt, fail: true}
	refund        = step{who: shopStaff, action: aftersale.Refund}
	shipExchange  = step{who: shopStaff, action: aftersale.ShipExchange}
	shipReship    = step{who: shopStaff, action: aftersale.ShipReship}
	repairDone    = step{who: shopStaff, action: aftersale.RepairDone}
	repairFailed  = step{who: shopStaff, action: aftersale.RepairFailed}
	quote         = step{who: shopStaff, action: aftersale.Quote}
	offer         = step{who: shopStaff, action: aftersale.Offer}
	shipBack      = step{who: buyer, action: aftersale.ShipBack}
	deliver       = step{who: buyer, action: aftersale.Deliver}
	escalate      = step{who: buyer, action: aftersale.Escalate}
	chooseReturn  = step{who: buyer, action: aftersale.ChooseReturn}
	chooseExchang = step{who: buyer, action: aftersale.ChooseExchange}
	ruleForBuyer  = step{who: supervisor, action: aftersale.Approve}
)

func (s step) input(version int64) app.ActInput {
	in := app.ActInput{Action: s.action, Version: version, Note: "test: " + string(s.action)}
	switch s.action {
	case aftersale.ShipBack, aftersale.ShipExchange, aftersale.ShipReship, aftersale.RepairDone:
		in.Carrier, in.TrackingNo = "SF Express", "SF1234567890"
	case aftersale.ConfirmReceipt:
		in.Inspection = aftersale.InspectionPass
		if s.fail {
			in.Inspection = aftersale.InspectionFail
		}
	case aftersale.Offer:
		amount := int64(2000)
		in.Amount = &amount
	case aftersale.Quote:
		amount := int64(5000)
		in.Amount = &amount
	}
	return in
}

// mustAct takes a step one minute after the last. A ruling on a disputed case goes through
// its dispute: the supervisor admits it and rules for the customer.
func (w *timeWorld) mustAct(t *testing.T, c app.CaseView, s step) app.CaseView {
	t.Helper()
	w.env.Clock.Advance(time.Minute)
	if c.State == aftersale.Disputed && s.action == aftersale.Approve && s.who.Role == app.RoleSupervisor {
		ds, err := w.env.App.CaseDisputes(context.Background(), supervisor, c.ID)
		if err != nil || len(ds) == 0 {
			t.Fatalf("the disputes of %s: %v %v", c.ID, ds, err)
		}
		d := ds[len(ds)-1]
		for _, in := range []app.DisputeActInput{{Action: dispute.Admit},
			{Action: dispute.Rule, Outcome: dispute.ForCustomer, Liability: dispute.LiableMerchant, Basis: app.Text{ZH: "test: ruling", EN: "test: ruling"}}} {
			in.Version = d.Version
			rep, err := w.env.App.DisputeAct(context.Background(), supervisor, d.ID, in, nil)
			if err != nil {
				t.Fatalf("%s on the dispute of %s: %v", in.Action, c.ID, err)
			}
			d = *rep.Value
		}
		return w.get(t, c.ID)
	}
	rep, err := w.env.App.Act(context.Background(), s.who, c.ID, s.input(c.Version), nil)
	if err != nil {
		t.Fatalf("%s by %s in %s: %v", s.action, s.who.Role, c.State, err)
	}
	return *rep.Value
}

// get reads a case as a platform agent (who sees every case).
func (w *timeWorld) get(t *testing.T, id string) app.CaseView {
	t.Helper()
	v, err := w.env.App.GetCase(context.Background(), deskAgent, id)
	if err != nil {
		t.Fatalf("get case: %v", err)
	}
	return *v
}

// core returns the stored case and the policy it was decided under, as the core sees them.
func (w *timeWorld) core(t *testing.T, id string) (aftersale.Case, *policy.Resolved) {
	t.Helper()
	var rec store.CaseRecord
	if err := w.env.Store.View(context.Background(), func(tx store.Tx) (err error) {
		rec, err = tx.Case(context.Background(), id)
		return err
	}); err != nil {
		t.Fatalf("load case: %v", err)
	}
	pol, err := w.env.App.Engine().ResolveVersion(rec.Case.PolicyVersion)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Case, pol
}

// pending lists a case's pending timers.
func (w *timeWorld) pending(t *testing.T, id string) []store.Timer {
	t.Helper()
	var ts []store.Timer
	if err := w.env.Store.View(context.Background(), func(tx store.Tx) (err error) {
		ts, err = tx.PendingTimers(context.Background(), id)
		return err
	}); err != nil {
		t.Fatalf("pending timers: %v", err)
	}
	return ts
}

// timerOf finds the pending timer of kind.
func timerOf(ts []store.Timer, kind aftersale.DeadlineKind) (store.Timer, bool) {
	i := slices.IndexFunc(ts, func(x store.Timer) bool { return x.Kind == kind })
	if i < 0 {
		return store.Timer{}, false
	}
	return ts[i], true
}

// timerState reads a timer's state from its row (pending, fired or cancelled). Env.Rows
// counts "SELECT count(*) FROM <table>", so a WHERE clause narrows it to the one row.
func (w *timeWorld) timerState(t *testing.T, id string) store.TimerState {
	t.Helper()
	for _, s := range []store.TimerState{store.TimerPending, store.TimerFired, store.TimerCancelled} {
		if w.env.Rows(t, fmt.Sprintf("timers WHERE id = '%s' AND state = '%s'", id, s)) == 1 {
			return s
		}
	}
	t.Fatalf("timer %s: no row in a known state", id)
	return ""
}

// deadlineOf is the due time of the case's deadline of kind.
func deadlineOf(t *testing.T, c app.CaseView, kind aftersale.DeadlineKind) time.Time {
	t.Helper()
	for _, d := range c.Deadlines {
		if d.Kind == kind {
			return d.DueAt
		}
	}
	t.Fatalf("case in %s has deadlines %+v, none of kind %s", c.State, c.Deadlines, kind)
	return time.Time{}
}

// isRecord reports whether an event is an SLA record (no life-cycle step).
func isRecord(e app.EventView) bool {
	return e.Action == aftersale.SLAWarning || e.Action == aftersale.SLABreach
}

// lifecycle is the history without SLA records.
func lifecycle(h []app.EventView) []app.EventView {
	return slices.DeleteFunc(slices.Clone(h), isRecord)
}

func describe(h []app.EventView) string {
	var b strings.Builder
	for _, e := range h {
		fmt.Fprintf(&b, "\n  #%d %s by %s: %s → %s at %s", e.Seq, e.Action, e.Actor.Role, e.From, e.To, e.At.In(shanghai).Format(time.DateTime))
	}
	return b.String()
}
