package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

var caseTests = []test{
	{name: "RoundTripsTheWholeCaseAndDecision", run: testCaseRoundTrip},
	{name: "KeepsTimesInUTCMicroseconds", run: testCaseTimes},
	{name: "MissingCaseNotFound", run: testCaseNotFound},
	{name: "InsertDuplicateIDOrNumberConflicts", run: testInsertCaseDuplicate},
	{name: "InsertOnUnknownOrderNotFound", run: testInsertCaseUnknownOrder},
	{name: "UpdateMovesVersionByOne", run: testUpdateCase},
	{name: "UpdateKeepsEveryFilteredColumnCurrent", run: testUpdateCaseFilters},
	{name: "UpdateWithStaleVersionConflicts", run: testUpdateCaseStale},
	{name: "UpdateOfUnknownCaseNotFound", run: testUpdateCaseUnknown},
	{name: "ConcurrentUpdatesOfOneVersionOneWins", run: testUpdateCaseConcurrent},
	{name: "RewriteKeepsTheVersionAndMovesTheRevision", run: testRewriteCase},
	{name: "UpdateFromARevisionRewrittenSinceConflicts", run: testUpdateAfterRewrite},
	{name: "CaseForUpdateWaitsForTheWriterBefore", run: testCaseForUpdate},
}

// loadCase returns the stored case record.
func loadCase(t *testing.T, s store.Store, id string) store.CaseRecord {
	t.Helper()
	var r store.CaseRecord
	mustView(t, s, func(tx store.Tx) error {
		var err error
		r, err = tx.Case(t.Context(), id)
		return err
	})
	return r
}

func updateCase(t *testing.T, s store.Store, c *aftersale.Case) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateCase(t.Context(), c) })
}

func testCaseRoundTrip(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	r := loadCase(t, s, "case-1")
	wantEqual(t, "stored case", r.Case, *c)
	wantSameJSON(t, "stored decision", r.Decision, sampleDecision)

	// A case with only the required fields comes back as it went in too.
	o := sampleOrder("O-case-1", "M-1", "C-1")
	minimal := &aftersale.Case{ID: "case-2", Number: "RMA-2", OrderNo: o.No, MerchantID: o.Merchant,
		CustomerID: o.Customer, Type: aftersale.RefundOnly, Reason: aftersale.NotReceived,
		State: aftersale.Requested, Version: 1, Items: []aftersale.Item{{SKU: "SKU-A", Quantity: 1,
			PaidAmount: money.Yuan(5000)}}, CreatedAt: base, UpdatedAt: base}
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.InsertCase(t.Context(), minimal, []byte(`{}`))
	})
	r = loadCase(t, s, "case-2")
	wantEqual(t, "stored minimal case", r.Case, *minimal)
	wantSameJSON(t, "stored empty decision", r.Decision, []byte(`{}`))
}

func testCaseTimes(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	shanghai := time.FixedZone("CST", 8*3600)
	at := time.Date(2025, 3, 10, 17, 30, 0, 123456789, shanghai) // 09:30:00.123456789 UTC
	c := sampleCase("case-1", o, at)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(t.Context(), c, sampleDecision) })

	want := sampleCase("case-1", o, at.UTC().Truncate(time.Microsecond))
	got := loadCase(t, s, "case-1").Case
	wantEqual(t, "case times in UTC to the microsecond", got, *want)
	if got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt is in %v, want UTC", got.CreatedAt.Location())
	}
}

func testCaseNotFound(t *testing.T, s store.Store) {
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.Case(t.Context(), "case-none")
		wantErr(t, "Case of an unknown id", err, store.ErrNotFound)
		return nil
	})
}

func testInsertCaseDuplicate(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	o := sampleOrder(c.OrderNo, c.MerchantID, c.CustomerID)

	sameID := sampleCase("case-1", o, base)
	sameID.Number = "RMA-other"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertCase(t.Context(), sameID, sampleDecision) })
	wantErr(t, "InsertCase with a taken id", err, store.ErrConflict)

	sameNumber := sampleCase("case-2", o, base)
	sameNumber.Number = c.Number
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertCase(t.Context(), sameNumber, sampleDecision) })
	wantErr(t, "InsertCase with a taken number", err, store.ErrConflict)

	wantEqual(t, "case after refused inserts", loadCase(t, s, "case-1").Case, *c)
}

func testInsertCaseUnknownOrder(t *testing.T, s store.Store) {
	o := sampleOrder("O-none", "M-1", "C-1")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertCase(t.Context(), sampleCase("case-1", o, base), sampleDecision)
	})
	wantErr(t, "InsertCase on an unknown order", err, store.ErrNotFound)
}

// transitioned returns a copy of c one version on, as Transition would.
func transitioned(c *aftersale.Case, state aftersale.State, at time.Time) *aftersale.Case {
	n := *c
	n.Version++
	n.State = state
	n.UpdatedAt = at
	n.Items = []aftersale.Item{{SKU: "SKU-A", Quantity: 1, PaidAmount: money.Yuan(5000)}}
	n.Deadlines = []aftersale.Deadline{{Kind: aftersale.MerchantReceipt, Due: at.Add(10 * 24 * time.Hour)}}
	n.ReturnShipment = &aftersale.Shipment{Carrier: "YTO", TrackingNo: "YT1", At: at}
	return &n
}

func testUpdateCase(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	c2 := transitioned(c, aftersale.Returning, base.Add(time.Hour))
	if err := updateCase(t, s, c2); err != nil {
		t.Fatalf("UpdateCase to version 2: %v", err)
	}
	c3 := transitioned(c2, aftersale.ReturnDelivered, base.Add(2*time.Hour))
	if err := updateCase(t, s, c3); err != nil {
		t.Fatalf("UpdateCase to version 3: %v", err)
	}
	r := loadCase(t, s, "case-1")
	wantEqual(t, "case after two updates", r.Case, *c3)
	wantSameJSON(t, "decision after updates", r.Decision, sampleDecision)
}

// testUpdateCaseFilters changes, one update at a time, each column the queue filters and
// sorts on (state, deadline, SLA flag, assignee, desk group), then changes it back, and
// finds the case by its new value and not by its old one each time: a store that writes
// only the columns that changed must not miss one.
func testUpdateCaseFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "case-1")
	c.Deadlines = nil
	c.SLANotices = nil
	c.Assignee, c.Group = "", ""
	c.Version++
	c.UpdatedAt = base.Add(time.Minute)
	if err := updateCase(t, s, c); err != nil {
		t.Fatalf("UpdateCase: %v", err)
	}
	found := func(what string, q store.CaseQuery, want bool) {
		t.Helper()
		var got []store.CaseRecord
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, _, err = tx.ListCases(ctx, q)
			return err
		})
		if has := len(got) == 1 && got[0].Case.ID == c.ID; has != want {
			t.Errorf("version %d, %s: found %v, want %v (%d cases)", c.Version, what, has, want, len(got))
		}
	}
	due := base.Add(48 * time.Hour)
	check := func(state aftersale.State, deadline bool, flag aftersale.SLAFlag, assignee, group string) {
		t.Helper()
		for _, st := range []aftersale.State{aftersale.Approved, aftersale.Returning} {
			found("state "+string(st), store.CaseQuery{States: []aftersale.State{st}}, st == state)
			found("state "+string(st)+" by deadline", store.CaseQuery{States: []aftersale.State{st}, Sort: store.SortDeadline}, st == state)
		}
		found("overdue", store.CaseQuery{OverdueAt: due.Add(time.Second), Sort: store.SortDeadline}, deadline)
		found("breached", store.CaseQuery{SLA: aftersale.SLAFlagBreached}, flag == aftersale.SLAFlagBreached)
		found("on track", store.CaseQuery{OnTrack: true}, flag == aftersale.SLAFlagNone)
		found("assignee alice", store.CaseQuery{Assignee: "alice"}, assignee == "alice")
		found("assignee alice by deadline", store.CaseQuery{Assignee: "alice", Sort: store.SortDeadline}, assignee == "alice")
		found("unassigned", store.CaseQuery{Unassigned: true}, assignee == "")
		found("group returns", store.CaseQuery{Group: "returns"}, group == "returns")
	}
	step := func(change func()) {
		t.Helper()
		change()
		c.Version++
		c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
		if err := updateCase(t, s, c); err != nil {
			t.Fatalf("UpdateCase to version %d: %v", c.Version, err)
		}
		deadline := len(c.Deadlines) > 0
		check(c.State, deadline, c.SLAFlag(), c.Assignee, c.Group)
		wantEqual(t, "stored case", loadCase(t, s, c.ID).Case, *c)
	}
	check(aftersale.Approved, false, aftersale.SLAFlagNone, "", "")
	step(func() { c.State = aftersale.Returning })
	step(func() { c.Deadlines = []aftersale.Deadline{{Kind: aftersale.MerchantReceipt, Due: due}} })
	step(func() { c.SLANotices = []string{"merchant_receipt" + aftersale.SLABreachSuffix} })
	step(func() { c.Assignee = "alice" })
	step(func() { c.Group = "returns" })
	step(func() { c.Description += " (nothing indexed changes)" })
	step(func() { c.State = aftersale.Approved })
	step(func() { c.Deadlines = nil })
	step(func() { c.SLANotices = nil })
	step(func() { c.Assignee = "" })
	step(func() { c.Group = "" })
}

func testUpdateCaseStale(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	c2 := transitioned(c, aftersale.Returning, base.Add(time.Hour))
	if err := updateCase(t, s, c2); err != nil {
		t.Fatalf("UpdateCase to version 2: %v", err)
	}
	for _, stale := range []struct {
		name    string
		version int64
	}{{"SameVersionAgain", 2}, {"StoredVersion", 1}, {"SkipsAVersion", 4}} {
		u := transitioned(c, aftersale.Closed, base.Add(3*time.Hour))
		u.Version = stale.version
		wantErr(t, "UpdateCase "+stale.name, updateCase(t, s, u), store.ErrConflict)
	}
	wantEqual(t, "case after refused updates", loadCase(t, s, "case-1").Case, *c2)
}

func testUpdateCaseUnknown(t *testing.T, s store.Store) {
	seedCase(t, s, "case-1")
	o := sampleOrder("O-case-1", "M-1", "C-1")
	u := sampleCase("case-none", o, base)
	u.Version = 2
	wantErr(t, "UpdateCase of an unknown case", updateCase(t, s, u), store.ErrNotFound)
}

func testUpdateCaseConcurrent(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	const workers = 8
	var (
		mu         sync.Mutex
		winners    []*aftersale.Case
		conflicts  int
		unexpected []error
		wg         sync.WaitGroup
		start      = make(chan struct{})
	)
	for i := range workers {
		wg.Go(func() {
			u := transitioned(c, aftersale.Returning, base.Add(time.Duration(i+1)*time.Minute))
			<-start
			err := updateCase(t, s, u)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, u)
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(unexpected...); err != nil {
		t.Fatalf("concurrent UpdateCase: %v", err)
	}
	if len(winners) != 1 || conflicts != workers-1 {
		t.Fatalf("%d updates of version 1 → 2 succeeded and %d conflicted; want 1 and %d",
			len(winners), conflicts, workers-1)
	}
	wantEqual(t, "case after the race", loadCase(t, s, "case-1").Case, *winners[0])
}

func rewriteCase(t *testing.T, s store.Store, c *aftersale.Case) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.RewriteCase(t.Context(), c) })
}

// A rewrite (a message moving the SLA trail) stores the case's document at the same
// version, the revision one further, and tells the caller the revision; one from another
// version or revision is refused and changes nothing.
func testRewriteCase(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	w := *c
	w.SLATrail = &aftersale.SLATrail{Seq: 1, State: c.State, Since: base, Last: base.Add(time.Hour), First: base.Add(time.Hour)}
	if err := rewriteCase(t, s, &w); err != nil {
		t.Fatalf("RewriteCase: %v", err)
	}
	if w.Rev != c.Rev+1 || w.Version != c.Version {
		t.Fatalf("after a rewrite: version %d, revision %d; want %d, %d", w.Version, w.Rev, c.Version, c.Rev+1)
	}
	wantEqual(t, "rewritten case", loadCase(t, s, "case-1").Case, w)

	stale := *c // the revision before the rewrite
	stale.Description = "stale"
	wantErr(t, "RewriteCase from the revision before", rewriteCase(t, s, &stale), store.ErrConflict)
	other := w
	other.Version = 2
	wantErr(t, "RewriteCase at another version", rewriteCase(t, s, &other), store.ErrConflict)
	if other.Rev != w.Rev {
		t.Fatalf("a refused rewrite moved the caller's revision to %d", other.Rev)
	}
	none := w
	none.ID = "case-none"
	wantErr(t, "RewriteCase of an unknown case", rewriteCase(t, s, &none), store.ErrNotFound)
	wantEqual(t, "case after refused rewrites", loadCase(t, s, "case-1").Case, w)

	// The next transition goes on from the rewritten revision.
	next := transitioned(&w, aftersale.Returning, base.Add(2*time.Hour))
	if err := updateCase(t, s, next); err != nil {
		t.Fatalf("UpdateCase after a rewrite: %v", err)
	}
	if next.Rev != w.Rev+1 {
		t.Fatalf("after the update: revision %d, want %d", next.Rev, w.Rev+1)
	}
	wantEqual(t, "case updated after a rewrite", loadCase(t, s, "case-1").Case, *next)
}

// A transition made from the case as it was before a rewrite would lose the rewrite (a
// message's trail): it is refused, though its version is the next one.
func testUpdateAfterRewrite(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	read := *c // what the transition read
	w := *c
	w.SLATrail = &aftersale.SLATrail{Seq: 1, State: c.State, Since: base, Last: base.Add(time.Hour), First: base.Add(time.Hour)}
	if err := rewriteCase(t, s, &w); err != nil {
		t.Fatalf("RewriteCase: %v", err)
	}
	wantErr(t, "UpdateCase from the revision before a rewrite",
		updateCase(t, s, transitioned(&read, aftersale.Returning, base.Add(2*time.Hour))), store.ErrConflict)
	wantEqual(t, "case after the refused update", loadCase(t, s, "case-1").Case, w)
}

// Two writers that read a case for update one after the other: the second waits until the
// first has committed and reads what it wrote, so its rewrite goes through.
func testCaseForUpdate(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	ctx := t.Context()
	locked := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Update(ctx, func(tx store.Tx) error {
			r, err := tx.CaseForUpdate(ctx, c.ID)
			if err != nil {
				return err
			}
			select {
			case locked <- struct{}{}:
			default: // a retried attempt
			}
			time.Sleep(200 * time.Millisecond) // the second writer reads meanwhile
			r.Case.Description = "first"
			return tx.RewriteCase(ctx, &r.Case)
		})
	}()
	<-locked
	var seen aftersale.Case
	err := s.Update(ctx, func(tx store.Tx) error {
		r, err := tx.CaseForUpdate(ctx, c.ID)
		if err != nil {
			return err
		}
		seen = r.Case
		r.Case.Description += ", then second"
		return tx.RewriteCase(ctx, &r.Case)
	})
	if err != nil {
		t.Fatalf("the second writer: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first writer: %v", err)
	}
	if seen.Description != "first" || seen.Rev != c.Rev+1 {
		t.Fatalf("the second writer read %q at revision %d; want the first's write, revision %d", seen.Description, seen.Rev, c.Rev+1)
	}
	if got := loadCase(t, s, c.ID).Case; got.Description != "first, then second" || got.Rev != c.Rev+2 {
		t.Fatalf("stored %q at revision %d", got.Description, got.Rev)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.CaseForUpdate(ctx, "case-none")
		return err
	})
	wantErr(t, "CaseForUpdate of an unknown case", err, store.ErrNotFound)
}
