package demo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/sqlite"
)

var shanghai = calendar.Default().Location()

// now is "today" of the test runs: a weekday after 双11, so the run has a 大促 spike.
var now = time.Date(2026, 11, 20, 15, 30, 0, 0, shanghai)

// MustOpenApp returns an App on a fresh SQLite store in t.TempDir(), wired as the binary
// wires it, with the clock the store and the app read.
func MustOpenApp(tb testing.TB) (*app.App, *clock.Clock) {
	tb.Helper()
	return mustOpenAppIn(tb, tb.TempDir())
}

// mustOpenAppIn opens an App on the SQLite store in dir (made when missing), with its own
// connections and clock.
func mustOpenAppIn(tb testing.TB, dir string) (*app.App, *clock.Clock) {
	tb.Helper()
	ctx := context.Background()
	clk := &clock.Clock{}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "demo.db"), store.Options{Now: clk.Now})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	engine, err := policy.New(calendar.Default())
	if err != nil {
		tb.Fatalf("policy engine: %v", err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		tb.Fatalf("blobs: %v", err)
	}
	a := app.New(app.Config{Store: db, Engine: engine, Blobs: blobs, Now: clk.Now})
	if err := a.LoadPolicies(ctx); err != nil {
		tb.Fatalf("load policies: %v", err)
	}
	return a, clk
}

// MustSeed seeds a fresh store and returns the app and the summary.
func MustSeed(tb testing.TB, opts demo.Options) (*app.App, *clock.Clock, demo.Summary) {
	tb.Helper()
	a, clk := MustOpenApp(tb)
	sum, err := demo.Seed(context.Background(), a, clk, opts)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return a, clk, sum
}

var supervisor = app.Principal{Role: app.RoleSupervisor, ID: "test-supervisor"}

// allCases lists every case in the store, as a supervisor sees them.
func allCases(t *testing.T, a *app.App) []app.CaseSummary {
	t.Helper()
	var out []app.CaseSummary
	in := app.ListInput{Limit: 500}
	for {
		page, err := a.ListCases(context.Background(), supervisor, in)
		if err != nil {
			t.Fatalf("list cases: %v", err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		in.Cursor = page.NextCursor
	}
}

// fingerprint is what two runs with the same seed must agree on, case by case.
func fingerprint(cases []app.CaseSummary) []string {
	var out []string
	for _, c := range cases {
		out = append(out, fmt.Sprintf("%s %s %s %s %s v%d %d/%d %s", c.Number, c.OrderNo, c.Customer, c.Type, c.State,
			c.Version, c.RefundedAmount, c.RefundAmount, c.CreatedAt.Format(time.RFC3339)))
	}
	slices.Sort(out)
	return out
}

func TestSeedPlaysOutHonestHistoryWithEveryState(t *testing.T) {
	ctx := context.Background()
	// Two runs with the same seed, side by side: the second only to compare with the first.
	opts := demo.Options{Orders: 400, Seed: 42, Now: now}
	a, clk := MustOpenApp(t)
	a2, clk2 := MustOpenApp(t)
	var sum, sum2 demo.Summary
	var err, err2 error
	var wg sync.WaitGroup
	wg.Go(func() { sum2, err2 = demo.Seed(ctx, a2, clk2, opts) })
	sum, err = demo.Seed(ctx, a, clk, opts)
	wg.Wait()
	if err != nil || err2 != nil {
		t.Fatalf("seed: %v; second run: %v", err, err2)
	}

	if d := time.Since(clk.Now()); d < -time.Minute || d > time.Minute {
		t.Errorf("the clock was left at %s, not reset to the real time", clk.Now())
	}
	if sum.Orders != 400 || sum.Customers != 300 || sum.Merchants < 4 {
		t.Errorf("summary: %d orders, %d customers, %d merchants; want 400, 300, ≥ 4", sum.Orders, sum.Customers, sum.Merchants)
	}
	// Every state of the life cycle is present at the end.
	for _, s := range aftersale.States {
		if sum.ByState[s] == 0 {
			t.Errorf("no case in state %s", s)
		}
	}
	if sum.Refused == 0 {
		t.Errorf("no application was refused; the mix has custom-made and fresh no-reason returns")
	}
	if rate := float64(sum.Applications) / float64(sum.Orders); rate < 0.12 || rate > 0.30 {
		t.Errorf("%d applications on %d orders (%.0f%%); want about 15–25%%", sum.Applications, sum.Orders, 100*rate)
	}
	t.Logf("%+v", sum)

	// The store agrees with the summary.
	cases := allCases(t, a)
	if len(cases) != sum.Cases {
		t.Fatalf("the store has %d cases, the summary says %d", len(cases), sum.Cases)
	}
	byState := map[aftersale.State]int{}
	byType := map[aftersale.Type]int{}
	for _, c := range cases {
		byState[c.State]++
		byType[c.Type]++
	}
	if !reflect.DeepEqual(byState, sum.ByState) {
		t.Errorf("states in the store %v, in the summary %v", byState, sum.ByState)
	}
	if !reflect.DeepEqual(byType, sum.ByType) {
		t.Errorf("types in the store %v, in the summary %v", byType, sum.ByType)
	}

	checkHistories(t, a, cases)

	// The same seed gives the same data.
	if !reflect.DeepEqual(sum, sum2) {
		t.Errorf("same seed, different summaries:\n%+v\n%+v", sum, sum2)
	}
	if f1, f2 := fingerprint(cases), fingerprint(allCases(t, a2)); !slices.Equal(f1, f2) {
		for i := range min(len(f1), len(f2)) {
			if f1[i] != f2[i] {
				t.Errorf("same seed, different cases: first difference\n%s\n%s", f1[i], f2[i])
				break
			}
		}
		if len(f1) != len(f2) {
			t.Errorf("same seed: %d and %d cases", len(f1), len(f2))
		}
	}
}

// checkHistories checks that every case's history is complete, in order and before
// "now", that the timeouts fired for everything due, and that no order line holds more
// than was bought and paid.
func checkHistories(t *testing.T, a *app.App, cases []app.CaseSummary) {
	t.Helper()
	ctx := context.Background()
	// Every history is complete and in order, and happened before "now".
	orders := map[string]bool{}
	for _, cs := range cases {
		orders[cs.OrderNo] = true
		c, err := a.GetCase(ctx, supervisor, cs.ID)
		if err != nil {
			t.Fatalf("get case %s: %v", cs.Number, err)
		}
		if int64(len(c.History)) != c.Version {
			t.Errorf("case %s: %d events for version %d", c.Number, len(c.History), c.Version)
			continue
		}
		for i, e := range c.History {
			switch {
			case e.Seq != int64(i+1):
				t.Errorf("case %s: event %d has seq %d", c.Number, i+1, e.Seq)
			case i == 0 && (e.Action != aftersale.Apply || e.To != aftersale.Requested):
				t.Errorf("case %s: first event %s → %s, want apply → requested", c.Number, e.Action, e.To)
			case i > 0 && e.From != c.History[i-1].To:
				t.Errorf("case %s: event %d leaves %s, but the case was %s", c.Number, e.Seq, e.From, c.History[i-1].To)
			case i > 0 && e.At.Before(c.History[i-1].At):
				t.Errorf("case %s: event %d at %s is before the one before it", c.Number, e.Seq, e.At)
			case e.At.After(now):
				t.Errorf("case %s: event %d at %s is after the end of the run", c.Number, e.Seq, e.At)
			}
		}
		if last := c.History[len(c.History)-1]; last.To != c.State {
			t.Errorf("case %s: history ends in %s, the case is %s", c.Number, last.To, c.State)
		}
		// A waiting case's deadline is still ahead: timeouts fired for everything due.
		for _, d := range c.Deadlines {
			if !d.DueAt.After(now) {
				t.Errorf("case %s in %s: deadline %s was due at %s but did not fire", c.Number, c.State, d.Kind, d.DueAt)
			}
		}
	}

	// No order line holds more than was bought and paid.
	for no := range orders {
		o, err := a.GetOrder(ctx, supervisor, no)
		if err != nil {
			t.Fatalf("get order %s: %v", no, err)
		}
		for _, it := range o.Items {
			if it.Claimed < 0 || it.Claimed > it.Quantity {
				t.Errorf("order %s line %s: %d units claimed of %d", no, it.SKU, it.Claimed, it.Quantity)
			}
			if it.Refunded < 0 || it.Reserved < 0 || it.Refunded+it.Reserved > it.PaidAmount {
				t.Errorf("order %s line %s: refunded %d + reserved %d > paid %d", no, it.SKU, it.Refunded, it.Reserved, it.PaidAmount)
			}
		}
	}
}

// Several workers play the orders out at once, each on its own connection and clock, and
// make the same orders and cases as one does: orders never meet. Only the sequence in the
// RMA numbers, given out as cases are opened, may interleave differently.
func TestSeedParallelMakesTheSameCases(t *testing.T) {
	opts := demo.Options{Orders: 300, Seed: 7, Now: now}
	a, _, one := MustSeed(t, opts)
	dir := t.TempDir()
	var workers []demo.Worker
	for range 3 {
		wa, clk := mustOpenAppIn(t, dir)
		workers = append(workers, demo.Worker{App: wa, Clock: clk})
	}
	three, err := demo.SeedParallel(context.Background(), workers, opts)
	if err != nil {
		t.Fatalf("seed with 3 workers: %v", err)
	}
	if !reflect.DeepEqual(one, three) {
		t.Errorf("one worker and three, different summaries:\n%+v\n%+v", one, three)
	}
	f1, f3 := fingerprintByDay(allCases(t, a)), fingerprintByDay(allCases(t, workers[0].App))
	if len(f1) == 0 || !slices.Equal(f1, f3) {
		t.Errorf("one worker and three: %d and %d cases, or different ones", len(f1), len(f3))
	}
	for _, w := range workers {
		if d := time.Since(w.Clock.Now()); d < -time.Minute || d > time.Minute {
			t.Errorf("a worker's clock was left at %s, not reset to the real time", w.Clock.Now())
		}
	}
}

// fingerprintByDay is fingerprint with the RMA number's day (AS + yymmdd) in place of the
// number.
func fingerprintByDay(cases []app.CaseSummary) []string {
	day := make([]app.CaseSummary, len(cases))
	for i, c := range cases {
		c.Number = c.Number[:min(len(c.Number), 8)]
		day[i] = c
	}
	return fingerprint(day)
}

func TestSeedRefusesAStoreThatHasTheDaysData(t *testing.T) {
	a, clk, _ := MustSeed(t, demo.Options{Orders: 30, Customers: 20, Days: 10, Seed: 1, Now: now})
	if _, err := demo.Seed(context.Background(), a, clk, demo.Options{Orders: 30, Customers: 20, Days: 10, Seed: 1, Now: now}); err == nil {
		t.Fatal("seeding the same day twice succeeded; want an error")
	}
	if clk.Now().Sub(time.Now()).Abs() > time.Minute {
		t.Error("the clock was not reset after the error")
	}
}

// Customer profiles are shared by all merchants: a merchant's token may not set them.
func TestCustomerProfileIsThePlatforms(t *testing.T) {
	a, _ := MustOpenApp(t)
	ctx := context.Background()
	in := app.CustomerProfile{ID: "C1", Name: "王芳", Phone: "13800001234", Address: "浙江省杭州市西湖区文三路1号"}
	if err := a.UpdateCustomerProfile(ctx, app.Principal{Role: app.RoleMerchant, Merchant: "m", ID: "t"}, in); app.ErrorCode(err) != app.CodeForbidden {
		t.Errorf("merchant staff set a customer profile: %v; want forbidden", err)
	}
	if err := a.UpdateCustomerProfile(ctx, app.Principal{Role: app.RoleIntegration, Merchant: "m", ID: "t"}, in); app.ErrorCode(err) != app.CodeForbidden {
		t.Errorf("a merchant's integration set a customer profile: %v; want forbidden", err)
	}
	if err := a.UpdateCustomerProfile(ctx, app.Principal{Role: app.RoleIntegration, ID: "shop"}, in); err != nil {
		t.Errorf("the shop system could not set a customer profile: %v", err)
	}
	if err := a.UpdateMerchantProfile(ctx, app.Principal{Role: app.RoleIntegration, Merchant: "m", ID: "t"}, app.MerchantProfile{Code: "m", Name: "某店"}); err != nil {
		t.Errorf("a merchant's integration could not name its merchant: %v", err)
	}
	if err := a.UpdateMerchantProfile(ctx, app.Principal{Role: app.RoleIntegration, Merchant: "m", ID: "t"}, app.MerchantProfile{Code: "other", Name: "别店"}); app.ErrorCode(err) != app.CodeForbidden {
		t.Errorf("a merchant's integration named another merchant: %v; want forbidden", err)
	}
}

// BenchmarkSeedDefault seeds the default demo (5,000 orders, 300 customers, 90 days) into
// SQLite: go test -run '^$' -bench SeedDefault -benchtime 1x ./internal/demo/
func BenchmarkSeedDefault(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		a, clk := MustOpenApp(b)
		b.StartTimer()
		sum, err := demo.Seed(context.Background(), a, clk, demo.Options{Seed: 1, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Cases), "cases")
		b.Logf("%+v", sum)
	}
}

// Issue 16 in the demo (risk.go): a customer of many "not received" claims scores high and
// is on the watch list, a second account shares their address, a power bank whose returns
// tripled has one open alert, the plans are written, the newest case is urgent (smoke) and
// its customer has talked with the assistant — and every case of the story has an honest
// history like the rest.
func TestSeedShowsRiskAlertsPlansAndTheAssistant(t *testing.T) {
	ctx := context.Background()
	a, _, sum := MustSeed(t, demo.Options{Orders: 1500, Seed: 16, Now: now})
	r := sum.Risk
	t.Logf("%+v", sum)
	if sum.Orders != 1500 {
		t.Errorf("%d orders, want 1500: the story's orders are part of the run's", sum.Orders)
	}
	if r.HighRisk == "" || r.SecondAccount == "" || r.AlertSKU == "" || r.Urgent == "" || r.Session == "" {
		t.Fatalf("the run has no story: %+v", r)
	}
	cases := allCases(t, a)
	checkHistories(t, a, cases)

	// Risk: the claimer's score comes from the claims; the second account's from the address.
	high, err := a.CustomerRisk(ctx, supervisor, r.HighRisk)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("high risk %s: %d %+v", r.HighRisk, high.Score, high.Reasons)
	points := map[string]int{}
	for _, why := range high.Reasons {
		points[why.Code] = why.Points
	}
	if high.Score < 70 || high.Level != "high" || points["not_received"] < 30 || !high.WatchListed {
		t.Errorf("the claimer %s: score %d (%s), reasons %v, watch-listed %v; want ≥ 70, not_received ≥ 30, on the watch list",
			r.HighRisk, high.Score, high.Level, points, high.WatchListed)
	}
	claimsAlone := 0
	for code, n := range points {
		if code != "watch_listed" && code != "shared_address" {
			claimsAlone += n
		}
	}
	if claimsAlone < 70 {
		t.Errorf("the claimer scores %d without the watch list and the address; the claims alone should make them high-risk", claimsAlone)
	}
	second, err := a.CustomerRisk(ctx, supervisor, r.SecondAccount)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(second.Reasons, func(why app.RiskReason) bool { return why.Code == "shared_address" }) {
		t.Errorf("the second account %s: reasons %+v, want shared_address", r.SecondAccount, second.Reasons)
	}
	watch, err := a.ListWatch(ctx, supervisor)
	if err != nil {
		t.Fatal(err)
	}
	if len(watch.Entries) != 1 || watch.Entries[0].Customer != r.HighRisk || watch.Entries[0].Reason == "" {
		t.Errorf("watch list %+v, want the claimer with a reason", watch.Entries)
	}
	admin := app.Principal{Role: app.RoleAdmin, ID: "test-admin"}
	audit, err := a.Audit(ctx, admin, app.AuditInput{Action: "risk.watch", Limit: 10})
	if err != nil || len(audit.Items) != 1 || audit.Items[0].ResourceID != r.HighRisk {
		t.Errorf("audit of the watch list: %+v, %v", audit, err)
	}
	claims, refusedForEvidence := 0, sum.Refusals["evidence_for_not_received"]
	for _, c := range cases {
		if c.Customer == r.HighRisk && c.Type == aftersale.RefundOnly && c.Reason == aftersale.NotReceived {
			claims++
		}
	}
	if claims < 3 || refusedForEvidence == 0 {
		t.Errorf("the claimer's not-received cases: %d, refused for evidence: %d; want ≥ 3 and ≥ 1", claims, refusedForEvidence)
	}

	// Early warning: one open alert for the power bank, not one per case or per day.
	alerts, err := a.Alerts(ctx, supervisor, app.AlertFilter{State: "all"})
	if err != nil {
		t.Fatal(err)
	}
	var sku []app.AlertView
	for _, al := range alerts.Alerts {
		t.Logf("alert %s %s/%s %s: %.1f%% on %.1f%%, %d of %d, %+v", al.State, al.Kind, al.Key, al.Merchant,
			100*al.Rate, 100*al.Baseline, al.Events, al.Volume, al.TopReasons)
		if al.Kind == "sku" && al.Key == r.AlertSKU {
			sku = append(sku, al)
		}
	}
	if len(sku) != 1 || sku[0].State != "open" || sku[0].Rate < 3*sku[0].Baseline*0.9 {
		t.Errorf("alerts for %s: %+v; want exactly one, open, the rate about triple the baseline", r.AlertSKU, sku)
	}

	// Plans: a 双11 surge plan on intake per hour (two working days, a banner), a manual one,
	// none active.
	plans, err := a.Plans(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	var surge, manual bool
	for _, p := range plans {
		if p.State == "active" {
			t.Errorf("plan %q is active; the demo leaves its plans as drafts", p.Name.EN)
		}
		for _, tr := range p.Triggers {
			switch tr.Kind {
			case "intake_per_hour":
				surge = surge || p.Effects.ExtendDeadlinesWD == 2 && p.Effects.Banner != nil && p.Effects.Banner.ZH != "" && p.Effects.Banner.EN != "" &&
					p.Effects.AutoApprove != nil && p.Effects.SLAFactorBP == 15000 && p.Effects.Overflow != nil
			case "manual":
				manual = true
			}
		}
	}
	if len(plans) != r.Plans || !surge || !manual {
		t.Errorf("plans %+v: want the surge plan and a manual one", plans)
	}

	// Triage and the assistant: the newest case is urgent, and its customer's conversation
	// is kept.
	newest := cases[0]
	for _, c := range cases {
		if c.CreatedAt.After(newest.CreatedAt) {
			newest = c
		}
	}
	if newest.Customer != r.Urgent || newest.Priority != aftersale.PriorityUrgent {
		t.Errorf("the newest case %s of %s has priority %s; want the urgent one of %s", newest.Number, newest.Customer, newest.Priority, r.Urgent)
	}
	msgs, err := a.AssistantMessages(ctx, app.Principal{Role: app.RoleCustomer, Customer: r.Urgent, ID: r.Urgent}, r.Session)
	if err != nil || len(msgs) < 4 {
		t.Fatalf("the conversation: %+v, %v", msgs, err)
	}
	for _, m := range msgs {
		t.Logf("%s (%s): %s", m.Role, m.Intent, m.Text)
		if m.Intent == "unknown" {
			t.Errorf("the assistant did not understand: %+v", msgs)
		}
	}
}
