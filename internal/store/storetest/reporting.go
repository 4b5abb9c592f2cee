package storetest

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Scheduled reports and the merchants' monthly scorecards (store.Reporting).
var reportingTests = []test{
	{name: "ScheduleEveryFieldReadsBack", run: testScheduleRoundTrip},
	{name: "ScheduleUpdateAndDelete", run: testScheduleUpdate},
	{name: "ScheduleListByMerchant", run: testScheduleList},
	{name: "DueSchedulesSoonestFirst", run: testDueSchedules},
	{name: "ScorecardPutReplaces", run: testScorecardPut},
	{name: "ScorecardsBestFirst", run: testScorecards},
	{name: "LatestScorecard", run: testLatestScorecard},
	{name: "ScorecardRulesAreVersioned", run: func(t *testing.T, s store.Store) {
		testRulesDoc(t, s, "ScorecardRules", store.Tx.ScorecardRules, store.Tx.SaveScorecardRules)
	}},
}

// newSchedule is a daily email report of merchant, next due at next.
func newSchedule(id, merchant string, next time.Time) store.ReportSchedule {
	return store.ReportSchedule{ID: id, Merchant: merchant, Owner: "alice", Report: "return_rate",
		Params: []byte(`{"group_by":"category","compare":true}`), Frequency: "daily", Channel: "email",
		Target: "ops@example.com", Format: "xlsx", Lang: "zh", NextAt: next, CreatedAt: base}
}

// insertSchedules runs InsertSchedule for each of ss in one transaction.
func insertSchedules(t *testing.T, s store.Store, ss ...store.ReportSchedule) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for _, sc := range ss {
			if err := tx.InsertSchedule(t.Context(), sc); err != nil {
				return err
			}
		}
		return nil
	})
}

// readSchedule returns a schedule by id.
func readSchedule(t *testing.T, s store.Store, id string) (store.ReportSchedule, error) {
	t.Helper()
	var sc store.ReportSchedule
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		sc, err = tx.Schedule(t.Context(), id)
		return err
	})
	return sc, err
}

// listSchedules returns ListSchedules.
func listSchedules(t *testing.T, s store.Store, merchant string) []store.ReportSchedule {
	t.Helper()
	var ss []store.ReportSchedule
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ss, err = tx.ListSchedules(t.Context(), merchant)
		return err
	})
	return ss
}

// scheduleIDs are the ids of ss, in order.
func scheduleIDs(ss []store.ReportSchedule) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func testScheduleRoundTrip(t *testing.T, s store.Store) {
	full := newSchedule("s-1", "M-1", base.Add(24*time.Hour))
	full.LastAt, full.LastError = base, "smtp: 451 try again"
	bare := store.ReportSchedule{ID: "s-2", Report: "reasons", Frequency: "weekly", Channel: "webhook",
		Target: "https://example.com/hook", Secret: "whsec_0123456789", Lang: "en", NextAt: base}
	if err := insertSchedules(t, s, full, bare); err != nil {
		t.Fatal(err)
	}
	got, err := readSchedule(t, s, "s-1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Schedule s-1", got, full)
	got, err = readSchedule(t, s, "s-2")
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt.IsZero() {
		t.Fatal("a schedule made without a time: CreatedAt is zero, want the transaction's time")
	}
	bare.CreatedAt = got.CreatedAt
	wantEqual(t, "Schedule s-2 (no params, never sent)", got, bare)

	wantErr(t, "InsertSchedule of a taken id", insertSchedules(t, s, newSchedule("s-1", "M-2", base)), store.ErrConflict)
	// The refusal leaves the transaction usable.
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "InsertSchedule of a taken id", tx.InsertSchedule(t.Context(), newSchedule("s-2", "", base)), store.ErrConflict)
		return tx.InsertSchedule(t.Context(), newSchedule("s-3", "", base))
	})
	_, err = readSchedule(t, s, "s-9")
	wantErr(t, "Schedule of an unknown id", err, store.ErrNotFound)
	bad := newSchedule("s-4", "", base)
	bad.Params = []byte(`{"group_by":`)
	if err := insertSchedules(t, s, bad); err == nil {
		t.Fatal("InsertSchedule with malformed params: no error")
	}
}

func testScheduleUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	sc := newSchedule("s-1", "M-1", base)
	if err := insertSchedules(t, s, sc); err != nil {
		t.Fatal(err)
	}
	update := func(sc store.ReportSchedule) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.UpdateSchedule(ctx, sc) })
	}
	sent := sc
	sent.NextAt, sent.LastAt, sent.LastError = base.Add(24*time.Hour), base.Add(time.Minute), ""
	sent.Params, sent.Format, sent.Target = []byte(`{"sku":"SKU-A"}`), "csv", "boss@example.com"
	sent.Channel, sent.Secret = "webhook", "whsec_new"
	if err := update(sent); err != nil {
		t.Fatalf("UpdateSchedule: %v", err)
	}
	got, err := readSchedule(t, s, "s-1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Schedule after UpdateSchedule", got, sent)
	wantErr(t, "UpdateSchedule of an unknown id", update(newSchedule("s-9", "M-1", base)), store.ErrNotFound)

	del := func(id string) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteSchedule(ctx, id) })
	}
	if err := del("s-1"); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	_, err = readSchedule(t, s, "s-1")
	wantErr(t, "Schedule after DeleteSchedule", err, store.ErrNotFound)
	wantErr(t, "DeleteSchedule again", del("s-1"), store.ErrNotFound)
}

func testScheduleList(t *testing.T, s store.Store) {
	if err := insertSchedules(t, s, newSchedule("s-3", "M-2", base), newSchedule("s-1", "M-1", base),
		newSchedule("s-4", "", base), newSchedule("s-2", "M-2", base)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "ListSchedules of all", scheduleIDs(listSchedules(t, s, "")), []string{"s-1", "s-2", "s-3", "s-4"})
	wantEqual(t, "ListSchedules of M-2", scheduleIDs(listSchedules(t, s, "M-2")), []string{"s-2", "s-3"})
	wantEqual(t, "ListSchedules of M-9", scheduleIDs(listSchedules(t, s, "M-9")), []string{})
	wantEqual(t, "ListSchedules of M-1 (every field)", listSchedules(t, s, "M-1"), []store.ReportSchedule{newSchedule("s-1", "M-1", base)})
}

func testDueSchedules(t *testing.T, s store.Store) {
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	if err := insertSchedules(t, s, newSchedule("s-5", "", h(3)), newSchedule("s-4", "M-1", h(1)),
		newSchedule("s-3", "M-2", h(2)), newSchedule("s-2", "", h(1)), newSchedule("s-1", "M-1", h(5))); err != nil {
		t.Fatal(err)
	}
	due := func(now time.Time, limit int) []string {
		t.Helper()
		var ss []store.ReportSchedule
		mustUpdate(t, s, func(tx store.Tx) error {
			var err error
			ss, err = tx.DueSchedules(t.Context(), now, limit)
			return err
		})
		return scheduleIDs(ss)
	}
	wantEqual(t, "due before any", due(h(0), 10), []string{})
	wantEqual(t, "due at 1h", due(h(1), 10), []string{"s-2", "s-4"})
	wantEqual(t, "due at 3h", due(h(3), 10), []string{"s-2", "s-4", "s-3", "s-5"})
	wantEqual(t, "due at 3h, limit 3", due(h(3), 3), []string{"s-2", "s-4", "s-3"})
	wantEqual(t, "due at 9h", due(h(9), 10), []string{"s-2", "s-4", "s-3", "s-5", "s-1"})
	wantEqual(t, "limit 0", due(h(9), 0), []string{})
	var viewed []store.ReportSchedule
	mustView(t, s, func(tx store.Tx) error {
		var err error
		viewed, err = tx.DueSchedules(t.Context(), h(2), 10)
		return err
	})
	wantEqual(t, "DueSchedules in a View", scheduleIDs(viewed), []string{"s-2", "s-4", "s-3"})
}

// newScorecard is merchant's scorecard of month, computed at base.
func newScorecard(merchant, month string, score float64) store.Scorecard {
	return store.Scorecard{Merchant: merchant, Month: month, Score: score, Tier: "good",
		Figures: []byte(`{"return_rate":{"value":0.031,"points":25}}`), ComputedAt: base}
}

// putScorecards runs PutScorecard for each of ss in one transaction.
func putScorecards(t *testing.T, s store.Store, ss ...store.Scorecard) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, sc := range ss {
			if err := tx.PutScorecard(t.Context(), sc); err != nil {
				return err
			}
		}
		return nil
	})
}

// scorecards returns Scorecards.
func scorecards(t *testing.T, s store.Store, month, merchant string) []store.Scorecard {
	t.Helper()
	var ss []store.Scorecard
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ss, err = tx.Scorecards(t.Context(), month, merchant)
		return err
	})
	return ss
}

// latestScorecard returns LatestScorecard.
func latestScorecard(t *testing.T, s store.Store, merchant, before string) (store.Scorecard, error) {
	t.Helper()
	var sc store.Scorecard
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		sc, err = tx.LatestScorecard(t.Context(), merchant, before)
		return err
	})
	return sc, err
}

func testScorecardPut(t *testing.T, s store.Store) {
	first := newScorecard("M-1", "2025-02", 71.5)
	putScorecards(t, s, first)
	wantEqual(t, "Scorecards after Put", scorecards(t, s, "2025-02", ""), []store.Scorecard{first})
	again := first
	again.Score, again.Tier, again.Figures, again.ComputedAt = 88.25, "excellent", []byte(`{}`), base.Add(time.Hour)
	putScorecards(t, s, again)
	wantEqual(t, "Scorecards after Put again", scorecards(t, s, "2025-02", ""), []store.Scorecard{again})
	for _, bad := range []store.Scorecard{
		{Merchant: "M-1", Month: "2025-2", Figures: []byte(`{}`)},
		{Month: "2025-02", Figures: []byte(`{}`)},
		{Merchant: "M-1", Month: "2025-02", Figures: []byte(`{`)},
	} {
		if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutScorecard(t.Context(), bad) }); err == nil {
			t.Errorf("PutScorecard of %s: no error", show(bad))
		}
	}
}

func testScorecards(t *testing.T, s store.Store) {
	putScorecards(t, s,
		newScorecard("M-3", "2025-02", 80),
		newScorecard("M-1", "2025-02", 92.5),
		newScorecard("M-2", "2025-02", 80),
		newScorecard("M-4", "2025-02", 40),
		newScorecard("M-1", "2025-01", 99),
	)
	merchants := func(ss []store.Scorecard) []string {
		out := []string{}
		for _, s := range ss {
			out = append(out, s.Merchant)
		}
		return out
	}
	wantEqual(t, "Scorecards of 2025-02", merchants(scorecards(t, s, "2025-02", "")), []string{"M-1", "M-2", "M-3", "M-4"})
	wantEqual(t, "Scorecards of 2025-02 of M-3", scorecards(t, s, "2025-02", "M-3"), []store.Scorecard{newScorecard("M-3", "2025-02", 80)})
	wantEqual(t, "Scorecards of 2025-01", merchants(scorecards(t, s, "2025-01", "")), []string{"M-1"})
	wantEqual(t, "Scorecards of 2025-03", merchants(scorecards(t, s, "2025-03", "")), []string{})
}

func testLatestScorecard(t *testing.T, s store.Store) {
	putScorecards(t, s,
		newScorecard("M-1", "2024-12", 60),
		newScorecard("M-1", "2025-02", 70),
		newScorecard("M-1", "2025-01", 65),
		newScorecard("M-2", "2025-03", 90),
	)
	for _, c := range []struct {
		merchant, before, want string
	}{
		{"M-1", "", "2025-02"},
		{"M-1", "2025-03", "2025-02"},
		{"M-1", "2025-02", "2025-01"},
		{"M-1", "2025-01", "2024-12"},
		{"M-2", "", "2025-03"},
	} {
		got, err := latestScorecard(t, s, c.merchant, c.before)
		if err != nil {
			t.Fatalf("LatestScorecard of %s before %q: %v", c.merchant, c.before, err)
		}
		wantEqual(t, "LatestScorecard of "+c.merchant+" before "+c.before, got.Month, c.want)
	}
	got, _ := latestScorecard(t, s, "M-1", "")
	wantEqual(t, "LatestScorecard (every field)", got, newScorecard("M-1", "2025-02", 70))
	_, err := latestScorecard(t, s, "M-1", "2024-12")
	wantErr(t, "LatestScorecard before the first month", err, store.ErrNotFound)
	_, err = latestScorecard(t, s, "M-9", "")
	wantErr(t, "LatestScorecard of a merchant without any", err, store.ErrNotFound)
}
