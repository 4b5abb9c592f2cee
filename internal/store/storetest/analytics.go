package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/store"
)

// The reports' aggregates (store.Analytics): the stores mark the records a write changes,
// in the write's transaction; a folder claims the marks, clears those not marked again
// since, and adds to the cells, which QueryCells sums by day, merchant and key. What each
// record last added is kept as its contribution; a rebuild resets all of it and marks
// every record SourceKeys lists. Scheduled reports and scorecards are in reporting.go.
var analyticsTests = []test{
	{name: "WritesMarkTheirRecords", run: testWritesMark},
	{name: "RefusedWritesMarkNothing", run: testRefusedWritesMarkNothing},
	{name: "MarkAgainBumpsSeq", run: testMarkAgain},
	{name: "ClearKeepsRecordsMarkedSinceClaimed", run: testClearDirty},
	{name: "MarksOldestFirst", clocked: testDirtyOrder},
	{name: "ClaimDirtyTakesOnlyMarksStillAsRead", clocked: testClaimDirty},
	{name: "FoldedMarkWaitsAgainFromItsNewMark", clocked: testMarkAfterFold},
	{name: "MarkDirtyRefusesUnknownKinds", run: testMarkDirtyUnknown},
	{name: "CellsAdd", run: testAddCells},
	{name: "AllCellsSkipsZeroInKeyOrder", run: testAllCells},
	{name: "QueryCellsFiltersAndGroups", run: testQueryCells},
	{name: "QueryCellsMerchantScope", run: testQueryCellsMerchants},
	{name: "QueryCellsRefusesUnknownGroups", run: testQueryCellsBadGroup},
	{name: "Contributions", run: testContributions},
	{name: "ContributionsOfManyAsEachOne", run: testContributionsOfMany},
	{name: "CaseSourcesAsEachPartRead", clocked: testCaseSources},
	{name: "ResetReports", run: testResetReports},
	{name: "SourceKeysPage", run: testSourceKeys},
}

// markKeys are the records marked dirty, as "kind:id" in order (a View reads them).
func markKeys(t *testing.T, s store.Store) []string {
	t.Helper()
	var keys []string
	mustView(t, s, func(tx store.Tx) error {
		ms, err := tx.DirtyMarks(t.Context(), 1000)
		for _, m := range ms {
			keys = append(keys, m.Kind+":"+m.ID)
		}
		return err
	})
	slices.Sort(keys)
	return keys
}

// claimMarks runs DirtyMarks in a transaction of its own.
func claimMarks(t *testing.T, s store.Store, limit int) []store.DirtyMark {
	t.Helper()
	var ms []store.DirtyMark
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		ms, err = tx.DirtyMarks(t.Context(), limit)
		return err
	})
	return ms
}

// markRecord marks one record dirty in a transaction of its own.
func markRecord(t *testing.T, s store.Store, kind, id string) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.MarkDirty(t.Context(), store.DirtyMark{Kind: kind, ID: id}) })
}

// resetReports runs ResetReports in a transaction of its own.
func resetReports(t *testing.T, s store.Store) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.ResetReports(t.Context()) })
}

// wantMarked checks which records are marked, then clears every mark for the next step.
func wantMarked(t *testing.T, s store.Store, what string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	got := markKeys(t, s)
	if got == nil {
		got = []string{}
	}
	wantEqual(t, "marks after "+what, got, want)
	resetReports(t, s)
}

func testWritesMark(t *testing.T, s store.Store) {
	ctx := t.Context()
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	wantMarked(t, s, "UpsertOrder (new)", "order:O-1")
	o.ShippingFee.Minor++
	if _, err := upsert(t, s, o); err != nil {
		t.Fatal(err)
	}
	wantMarked(t, s, "UpsertOrder (changed)", "order:O-1")

	c := sampleCase("c-1", o, base)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(ctx, c, sampleDecision) })
	wantMarked(t, s, "InsertCase", "case:c-1")
	c = transitioned(c, aftersale.Completed, base.Add(time.Hour))
	if err := updateCase(t, s, c); err != nil {
		t.Fatal(err)
	}
	wantMarked(t, s, "UpdateCase", "case:c-1")
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendEvent(ctx, c.ID, sampleEvents()[0]) })
	wantMarked(t, s, "AppendEvent", "case:c-1")
	addMessage(t, s, sampleMessages(c.ID)[0])
	wantMarked(t, s, "AddMessage", "case:c-1")
	if err := insertSurveys(t, s, newSurvey(c, "alice", [3]int{5, 4, 3}, base)); err != nil {
		t.Fatal(err)
	}
	wantMarked(t, s, "InsertSurvey", "case:c-1")

	d := newDispute("d-1", c, dispute.Open, base)
	mustInsertDisputes(t, s, d)
	wantMarked(t, s, "InsertDispute", "case:c-1")
	if err := updateDispute(t, s, moved(d, dispute.Admitted, base.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	wantMarked(t, s, "UpdateDispute", "case:c-1")

	e := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 2000)
	mustInsertEntries(t, s, e, ledgerEntry(c, "e-2", ledger.Compensation, "", 100))
	wantMarked(t, s, "InsertEntries", "case:c-1")
	settle(t, s, e, ledger.Succeeded)
	wantMarked(t, s, "UpdateEntry", "case:c-1")

	k := newComplaint("k-1", byCustomer("C-1"), complaint.AboutMerchant, "M-1", base)
	mustInsertComplaints(t, s, k)
	wantMarked(t, s, "InsertComplaint", "complaint:k-1")
	k.Version, k.UpdatedAt = 2, base.Add(time.Minute)
	if err := updateComplaint(t, s, k, time.Time{}); err != nil {
		t.Fatal(err)
	}
	wantMarked(t, s, "UpdateComplaint", "complaint:k-1")

	r := newReview("r-1", c, "alice", base)
	if err := insertReviews(t, s, r); err != nil {
		t.Fatal(err)
	}
	wantMarked(t, s, "InsertReview", "review:r-1")
	r.Version, r.State, r.DoneAt = 2, "done", base.Add(time.Hour)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateReview(ctx, &r) })
	wantMarked(t, s, "UpdateReview", "review:r-1")

	// Several records in one transaction: each marked.
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.AppendEvent(ctx, c.ID, sampleEvents()[1]); err != nil {
			return err
		}
		k.Version = 3
		if err := tx.UpdateComplaint(ctx, &k, time.Time{}); err != nil {
			return err
		}
		_, err := tx.UpsertOrder(ctx, o)
		return err
	})
	wantMarked(t, s, "three writes", "case:c-1", "complaint:k-1", "order:O-1")

	// A failed transaction leaves no mark.
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.AppendEvent(ctx, c.ID, sampleEvents()[2]); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "a failing transaction", err, errBoom)
	wantMarked(t, s, "a failed transaction")
}

func testRefusedWritesMarkNothing(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "c-1")
	d := newDispute("d-1", c, dispute.Open, base)
	mustInsertDisputes(t, s, d)
	k := newComplaint("k-1", byCustomer("C-1"), complaint.AboutMerchant, "M-1", base)
	mustInsertComplaints(t, s, k)
	resetReports(t, s)

	// Refusals that leave the transaction usable: the transaction commits, unmarked.
	mustUpdate(t, s, func(tx store.Tx) error {
		again := d
		wantErr(t, "InsertDispute of a taken id", tx.InsertDispute(ctx, &again), store.ErrConflict)
		stale := d
		wantErr(t, "UpdateDispute of a stale version", tx.UpdateDispute(ctx, &stale), store.ErrConflict)
		kk := k
		wantErr(t, "UpdateComplaint of a stale version", tx.UpdateComplaint(ctx, &kk, time.Time{}), store.ErrConflict)
		unknown := newSurvey(&aftersale.Case{ID: "c-99"}, "bob", [3]int{1, 1, 1}, base)
		wantErr(t, "InsertSurvey of an unknown case", tx.InsertSurvey(ctx, unknown), store.ErrNotFound)
		return nil
	})
	wantMarked(t, s, "refused writes")
	wantErr(t, "UpdateCase of a stale version", updateCase(t, s, c), store.ErrConflict)
	wantMarked(t, s, "a refused UpdateCase")
}

func testMarkAgain(t *testing.T, s store.Store) {
	ctx := t.Context()
	mark := func(ms ...store.DirtyMark) {
		t.Helper()
		mustUpdate(t, s, func(tx store.Tx) error { return tx.MarkDirty(ctx, ms...) })
	}
	mark(store.DirtyMark{Kind: "case", ID: "c-1"})
	mark(store.DirtyMark{Kind: "case", ID: "c-1"}, store.DirtyMark{Kind: "order", ID: "O-1"})
	mark(store.DirtyMark{Kind: "case", ID: "c-1"})
	got := claimMarks(t, s, 10)
	wantEqual(t, "DirtyMarks", got, []store.DirtyMark{{Kind: "case", ID: "c-1", Seq: 3}, {Kind: "order", ID: "O-1", Seq: 1}})
	var n int
	mustView(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.CountDirty(ctx)
		return err
	})
	wantEqual(t, "CountDirty", n, 2)
	mark() // nothing to mark
}

func testClearDirty(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "c-1") // marks order O-c-1 and case c-1
	claimed := claimMarks(t, s, 10)
	wantEqual(t, "claimed", len(claimed), 2)

	// Marked again after the claim: stays marked, at the new seq.
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendEvent(ctx, c.ID, sampleEvents()[0]) })
	mustUpdate(t, s, func(tx store.Tx) error { return tx.ClearDirty(ctx, claimed...) })
	wantEqual(t, "marks after clearing", claimMarks(t, s, 10), []store.DirtyMark{{Kind: "case", ID: "c-1", Seq: 2}})

	// A stale seq clears nothing; the current one clears.
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.ClearDirty(ctx, store.DirtyMark{Kind: "case", ID: "c-1", Seq: 1})
	})
	wantEqual(t, "marks after a stale clear", markKeys(t, s), []string{"case:c-1"})
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.ClearDirty(ctx, store.DirtyMark{Kind: "case", ID: "c-1", Seq: 2})
	})
	wantEqual(t, "marks after clearing the current seq", len(markKeys(t, s)), 0)

	// In one transaction, as a folder whose record is marked again by its own write.
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.MarkDirty(ctx, store.DirtyMark{Kind: "case", ID: "c-1"}); err != nil {
			return err
		}
		ms, err := tx.DirtyMarks(ctx, 10)
		if err != nil {
			return err
		}
		// The seq goes on from the folded mark's (2), never over again.
		wantEqual(t, "claimed in the transaction", ms, []store.DirtyMark{{Kind: "case", ID: "c-1", Seq: 3}})
		if err := tx.MarkDirty(ctx, store.DirtyMark{Kind: "case", ID: "c-1"}); err != nil {
			return err
		}
		return tx.ClearDirty(ctx, ms...)
	})
	wantEqual(t, "marks after a mark in the folding transaction", claimMarks(t, s, 10),
		[]store.DirtyMark{{Kind: "case", ID: "c-1", Seq: 4}})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.ClearDirty(ctx) }) // nothing to clear
}

func testDirtyOrder(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	markRecord(t, s, "review", "r-1")
	markRecord(t, s, "case", "c-2")
	markRecord(t, s, "case", "c-1")
	clk.Advance(time.Minute)
	markRecord(t, s, "complaint", "k-1")
	clk.Advance(time.Minute)
	markRecord(t, s, "order", "O-1")
	markRecord(t, s, "review", "r-1") // marked again: keeps its place
	keys := func(ms []store.DirtyMark) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Kind+":"+m.ID)
		}
		return out
	}
	wantEqual(t, "DirtyMarks oldest first", keys(claimMarks(t, s, 10)),
		[]string{"case:c-1", "case:c-2", "review:r-1", "complaint:k-1", "order:O-1"})
	wantEqual(t, "DirtyMarks limit 2", keys(claimMarks(t, s, 2)), []string{"case:c-1", "case:c-2"})
	wantEqual(t, "DirtyMarks limit 0", len(claimMarks(t, s, 0)), 0)
}

// testClaimDirty: marks read in one transaction are claimed in another only as they were
// read — not when marked again since, nor when folded (cleared), even if marked anew.
func testClaimDirty(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	clear := func(kind, id string, seq int64) {
		t.Helper()
		mustUpdate(t, s, func(tx store.Tx) error { return tx.ClearDirty(ctx, store.DirtyMark{Kind: kind, ID: id, Seq: seq}) })
	}
	claim := func(ms []store.DirtyMark) []store.DirtyMark {
		t.Helper()
		var got []store.DirtyMark
		mustUpdate(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ClaimDirty(ctx, ms...)
			return err
		})
		return got
	}
	clk.Set(base)
	for _, k := range []string{"order:O-1", "case:c-2", "case:c-1", "review:r-1", "complaint:k-1"} {
		kind, id, _ := strings.Cut(k, ":")
		markRecord(t, s, kind, id)
	}
	var read []store.DirtyMark
	mustView(t, s, func(tx store.Tx) error {
		var err error
		read, err = tx.DirtyMarks(ctx, 10)
		return err
	})
	if len(read) != 5 {
		t.Fatalf("DirtyMarks = %s, want 5 marks", show(read))
	}
	clk.Advance(time.Second)
	markRecord(t, s, "case", "c-2")   // marked again: seq 2
	clear("review", "r-1", 1)         // folded by another folder…
	markRecord(t, s, "review", "r-1") // …and marked anew: seq 2, not the seq 1 read
	clear("complaint", "k-1", 1)      // folded
	wantEqual(t, "claimed", claim(read), []store.DirtyMark{{Kind: "case", ID: "c-1", Seq: 1}, {Kind: "order", ID: "O-1", Seq: 1}})
	wantEqual(t, "claimed of none", len(claim(nil)), 0)
	// A claim only takes: the marks wait until cleared.
	wantEqual(t, "marks after the claims", markKeys(t, s), []string{"case:c-1", "case:c-2", "order:O-1", "review:r-1"})
}

// testMarkAfterFold: a folded record is no longer listed nor counted; marked again it
// waits from the new mark's time, at the next seq.
func testMarkAfterFold(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	clk.Set(base)
	markRecord(t, s, "case", "c-1")
	markRecord(t, s, "case", "c-2")
	mustUpdate(t, s, func(tx store.Tx) error { return tx.ClearDirty(ctx, store.DirtyMark{Kind: "case", ID: "c-1", Seq: 1}) })
	wantEqual(t, "marks after folding c-1", claimMarks(t, s, 10), []store.DirtyMark{{Kind: "case", ID: "c-2", Seq: 1}})
	var n int
	mustView(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.CountDirty(ctx)
		return err
	})
	wantEqual(t, "CountDirty after folding c-1", n, 1)
	clk.Advance(time.Minute)
	markRecord(t, s, "case", "c-1")
	markRecord(t, s, "order", "O-1")
	wantEqual(t, "marks after marking c-1 again", claimMarks(t, s, 10),
		[]store.DirtyMark{{Kind: "case", ID: "c-2", Seq: 1}, {Kind: "case", ID: "c-1", Seq: 2}, {Kind: "order", ID: "O-1", Seq: 1}})
}

func testMarkDirtyUnknown(t *testing.T, s store.Store) {
	for _, m := range []store.DirtyMark{{Kind: "shipment", ID: "x"}, {Kind: "case"}, {ID: "c-1"}} {
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.MarkDirty(t.Context(), m) })
		if err == nil {
			t.Errorf("MarkDirty of %s: no error", show(m))
		}
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.SourceKeys(t.Context(), "shipment", "", 10)
		return err
	})
	if err == nil {
		t.Error("SourceKeys of an unknown kind: no error")
	}
}

// addCells runs AddCells in a transaction of its own.
func addCells(t *testing.T, s store.Store, cells ...store.Cell) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AddCells(t.Context(), cells) })
}

// allCells returns AllCells.
func allCells(t *testing.T, s store.Store) []store.Cell {
	t.Helper()
	var cs []store.Cell
	mustView(t, s, func(tx store.Tx) error {
		var err error
		cs, err = tx.AllCells(t.Context())
		return err
	})
	return cs
}

// cell is a cell of dimension category (k1 the category).
func cell(merchant, category, day, metric string, n, sum int64) store.Cell {
	return store.Cell{Merchant: merchant, Dim: "category", K1: category, Day: day, Metric: metric, N: n, Sum: sum}
}

func testAddCells(t *testing.T, s store.Store) {
	addCells(t, s,
		cell("M-1", "apparel", "2025-03-01", "refund", 1, 9000),
		cell("M-1", "apparel", "2025-03-01", "cases", 1, 0),
		cell("M-1", "apparel", "2025-03-01", "refund", 2, 500), // the same key again
	)
	wantEqual(t, "cells after the first add", allCells(t, s), []store.Cell{
		cell("M-1", "apparel", "2025-03-01", "cases", 1, 0),
		cell("M-1", "apparel", "2025-03-01", "refund", 3, 9500),
	})
	addCells(t, s,
		cell("M-1", "apparel", "2025-03-01", "refund", -1, -9000), // a record's facts taken back
		cell("M-1", "apparel", "2025-03-01", "refund", 1, 7000),
		cell("M-2", "home", "2025-03-02", "refund", 1, 100),
	)
	wantEqual(t, "cells after the second add", allCells(t, s), []store.Cell{
		cell("M-1", "apparel", "2025-03-01", "cases", 1, 0),
		cell("M-1", "apparel", "2025-03-01", "refund", 3, 7500),
		cell("M-2", "home", "2025-03-02", "refund", 1, 100),
	})
	addCells(t, s) // nothing to add
	for _, bad := range []store.Cell{
		cell("M-1", "apparel", "2025-3-1", "refund", 1, 1),
		cell("M-1", "apparel", "2025-03-01", "", 1, 1),
		{Merchant: "M-1", Day: "2025-03-01", Metric: "refund", N: 1},
	} {
		if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AddCells(t.Context(), []store.Cell{bad}) }); err == nil {
			t.Errorf("AddCells of %s: no error", show(bad))
		}
	}
}

func testAllCells(t *testing.T, s store.Store) {
	all := store.Cell{Merchant: "M-1", Dim: "all", Day: "2025-03-02", Metric: "cases", N: 2}
	pair := store.Cell{Merchant: "M-1", Dim: "category/reason", K1: "apparel", K2: "quality_defect", Day: "2025-03-01",
		Metric: "cases", N: 1}
	addCells(t, s,
		cell("M-2", "apparel", "2025-03-01", "cases", 1, 0),
		pair,
		cell("M-1", "home", "2025-03-01", "cases", 1, 0),
		all,
		cell("M-1", "apparel", "2025-03-02", "cases", 1, 0),
		cell("M-1", "apparel", "2025-03-01", "refund", 1, 50),
		cell("M-1", "apparel", "2025-03-01", "cases", 1, 0),
		cell("M-1", "beauty", "2025-03-01", "cases", 1, 0),
		cell("M-1", "beauty", "2025-03-01", "refund", 0, 10), // sum alone is not 0
	)
	// Taken back to 0: no longer listed.
	addCells(t, s, cell("M-1", "beauty", "2025-03-01", "cases", -1, 0), cell("M-1", "apparel", "2025-03-01", "refund", -1, -50))
	wantEqual(t, "AllCells", allCells(t, s), []store.Cell{
		all,
		cell("M-1", "apparel", "2025-03-01", "cases", 1, 0),
		cell("M-1", "apparel", "2025-03-02", "cases", 1, 0),
		cell("M-1", "beauty", "2025-03-01", "refund", 0, 10),
		cell("M-1", "home", "2025-03-01", "cases", 1, 0),
		pair,
		cell("M-2", "apparel", "2025-03-01", "cases", 1, 0),
	})
}

// queryCells runs QueryCells.
func queryCells(t *testing.T, s store.Store, q store.CellQuery) []store.CellSum {
	t.Helper()
	var out []store.CellSum
	mustView(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.QueryCells(t.Context(), q)
		return err
	})
	return out
}

// cellWorld stores the cells of three merchants over five days in the dimensions all,
// category and category/reason, for the metrics cases and refund, and returns them. Some
// cells are taken back to 0.
func cellWorld(t *testing.T, s store.Store) []store.Cell {
	t.Helper()
	var cs []store.Cell
	merchants := []string{"M-1", "M-2", "M-3"}
	categories := []string{"apparel", "beauty", "home"}
	reasons := []string{"no_reason", "quality_defect"}
	for d := range 5 {
		day := fmt.Sprintf("2025-03-%02d", d+1)
		for mi, m := range merchants {
			for ci, c := range categories {
				for ri, r := range reasons {
					if (d+mi+ci+ri)%4 == 3 {
						continue // not every key every day
					}
					n := int64(1 + (d*7+mi*3+ci+ri)%4)
					refund := n * int64(1000+100*ci+10*mi+d)
					for _, x := range []store.Cell{
						{Merchant: m, Dim: "all", Day: day, Metric: "cases", N: n},
						{Merchant: m, Dim: "all", Day: day, Metric: "refund", N: n, Sum: refund},
						{Merchant: m, Dim: "category", K1: c, Day: day, Metric: "cases", N: n},
						{Merchant: m, Dim: "category", K1: c, Day: day, Metric: "refund", N: n, Sum: refund},
						{Merchant: m, Dim: "category/reason", K1: c, K2: r, Day: day, Metric: "cases", N: n},
						{Merchant: m, Dim: "category/reason", K1: c, K2: r, Day: day, Metric: "refund", N: n, Sum: refund},
					} {
						cs = append(cs, x)
					}
				}
			}
		}
	}
	addCells(t, s, cs...)
	// Facts added and taken back leave cells of 0, which no sum shows.
	gone := []store.Cell{
		{Merchant: "M-9", Dim: "category", K1: "toys", Day: "2025-03-02", Metric: "refund", N: 1, Sum: 500},
		{Merchant: "M-9", Dim: "category/reason", K1: "toys", K2: "no_reason", Day: "2025-03-02", Metric: "refund", N: 1, Sum: 500},
	}
	addCells(t, s, gone...)
	for i := range gone {
		gone[i].N, gone[i].Sum = -gone[i].N, -gone[i].Sum
	}
	addCells(t, s, gone...)
	return cs
}

// sumCells is what QueryCells must answer for q over cells.
func sumCells(cells []store.Cell, q store.CellQuery) []store.CellSum {
	if q.Merchants != nil && len(q.Merchants) == 0 {
		return nil
	}
	var by []string
	for _, col := range q.By {
		if !slices.Contains(by, col) {
			by = append(by, col)
		}
	}
	sums := map[store.CellSum]*store.CellSum{}
	var out []*store.CellSum
	for _, c := range cells {
		switch {
		case c.Dim != q.Dim, !slices.Contains(q.Metrics, c.Metric),
			q.From != "" && c.Day < q.From, q.To != "" && c.Day > q.To,
			q.Merchant != "" && c.Merchant != q.Merchant,
			q.Merchants != nil && !slices.Contains(q.Merchants, c.Merchant),
			q.K1 != "" && c.K1 != q.K1, q.K2 != "" && c.K2 != q.K2:
			continue
		}
		k := store.CellSum{Metric: c.Metric}
		for _, col := range by {
			switch col {
			case "day":
				k.Day = c.Day
			case "merchant":
				k.Merchant = c.Merchant
			case "k1":
				k.K1 = c.K1
			case "k2":
				k.K2 = c.K2
			}
		}
		s := sums[k]
		if s == nil {
			s = &store.CellSum{Day: k.Day, Merchant: k.Merchant, K1: k.K1, K2: k.K2, Metric: k.Metric}
			sums[k] = s
			out = append(out, s)
		}
		s.N += c.N
		s.Sum += c.Sum
	}
	field := func(s *store.CellSum, col string) string {
		switch col {
		case "day":
			return s.Day
		case "merchant":
			return s.Merchant
		case "k1":
			return s.K1
		}
		return s.K2
	}
	slices.SortFunc(out, func(a, b *store.CellSum) int {
		for _, col := range by {
			if c := strings.Compare(field(a, col), field(b, col)); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Metric, b.Metric)
	})
	var res []store.CellSum
	for _, s := range out {
		if s.N != 0 || s.Sum != 0 {
			res = append(res, *s)
		}
	}
	return res
}

func testQueryCells(t *testing.T, s store.Store) {
	cells := cellWorld(t, s)
	both := []string{"refund", "cases"}

	// One answer worked out by hand: M-1's refunds of all on 2025-03-01 and 02.
	var n, sum int64
	for _, c := range cells {
		if c.Merchant == "M-1" && c.Dim == "all" && c.Metric == "refund" && c.Day <= "2025-03-02" {
			n, sum = n+c.N, sum+c.Sum
		}
	}
	wantEqual(t, "M-1's refunds of two days", queryCells(t, s, store.CellQuery{Dim: "all", Merchant: "M-1",
		From: "2025-03-01", To: "2025-03-02", Metrics: []string{"refund"}}),
		[]store.CellSum{{Metric: "refund", N: n, Sum: sum}})

	var bys [][]string
	for mask := range 16 {
		var by []string
		for i, col := range []string{"day", "merchant", "k1", "k2"} {
			if mask&(1<<i) != 0 {
				by = append(by, col)
			}
		}
		bys = append(bys, by)
	}
	bys = append(bys, []string{"k1", "day"}, []string{"merchant", "k2", "merchant"})
	queries := []store.CellQuery{
		{Dim: "category", From: "2025-03-02", To: "2025-03-04", Metrics: both},
		{Dim: "category", From: "2025-03-02", To: "2025-03-02", Metrics: []string{"cases"}},
		{Dim: "category", Merchant: "M-2", From: "2025-03-01", To: "2025-03-05", Metrics: both},
		{Dim: "category", K1: "beauty", From: "2025-03-01", To: "2025-03-03", Metrics: both},
		{Dim: "category/reason", K1: "home", K2: "quality_defect", From: "2025-03-03", To: "2025-03-05", Metrics: both},
		{Dim: "category/reason", K2: "no_reason", Merchant: "M-3", From: "2025-03-01", To: "2025-03-05", Metrics: []string{"refund"}},
		{Dim: "category/reason", Merchants: []string{"M-1", "M-3", "M-7"}, From: "2025-03-01", To: "2025-03-02", Metrics: both},
		{Dim: "all", From: "2025-03-01", To: "2025-03-05", Metrics: []string{"cases", "refund", "unknown"}},
		{Dim: "category", From: "2025-03-06", To: "2025-03-09", Metrics: both},             // no cells
		{Dim: "category", From: "2025-03-01", To: "2025-03-05", Metrics: []string{"none"}}, // no such metric
		{Dim: "brand", From: "2025-03-01", To: "2025-03-05", Metrics: both},                // no such dimension
		{Dim: "category", K1: "toys", From: "2025-03-01", To: "2025-03-05", Metrics: both}, // only cells of 0
	}
	for qi, q := range queries {
		for _, by := range bys {
			q.By = by
			want := sumCells(cells, q)
			if qi < 8 && len(want) == 0 {
				t.Fatalf("query %d selects nothing: %s", qi, show(q))
			}
			got := queryCells(t, s, q)
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			wantEqual(t, fmt.Sprintf("QueryCells %s", show(q)), got, want)
		}
	}
	wantEqual(t, "QueryCells of no metrics", len(queryCells(t, s, store.CellQuery{Dim: "all", From: "2025-03-01",
		To: "2025-03-05"})), 0)
}

func testQueryCellsMerchants(t *testing.T, s store.Store) {
	cells := cellWorld(t, s)
	q := store.CellQuery{Dim: "category", From: "2025-03-01", To: "2025-03-05", Metrics: []string{"cases"},
		By: []string{"merchant"}}
	merchants := func(sums []store.CellSum) []string {
		var out []string
		for _, s := range sums {
			out = append(out, s.Merchant)
		}
		return out
	}
	wantEqual(t, "Merchants nil: every merchant", merchants(queryCells(t, s, q)), []string{"M-1", "M-2", "M-3"})
	q.Merchants = []string{}
	wantEqual(t, "Merchants empty: none", len(queryCells(t, s, q)), 0)
	q.Merchants = []string{"M-3", "M-1"}
	wantEqual(t, "Merchants M-3, M-1", merchants(queryCells(t, s, q)), []string{"M-1", "M-3"})
	wantEqual(t, "Merchants M-3, M-1 (sums)", queryCells(t, s, q), sumCells(cells, q))
	q.Merchant = "M-3"
	wantEqual(t, "Merchant M-3 within M-3, M-1", merchants(queryCells(t, s, q)), []string{"M-3"})
	q.Merchant = "M-2"
	wantEqual(t, "Merchant M-2 outside M-3, M-1", len(queryCells(t, s, q)), 0)
}

func testQueryCellsBadGroup(t *testing.T, s store.Store) {
	cellWorld(t, s)
	for _, by := range [][]string{{"metric"}, {"day", "n"}, {"merchant; DROP TABLE report_cells"}} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, err := tx.QueryCells(t.Context(), store.CellQuery{Dim: "all", From: "2025-03-01", To: "2025-03-05",
				Metrics: []string{"cases"}, By: by})
			return err
		})
		if err == nil {
			t.Errorf("QueryCells by %q: no error", by)
		}
	}
	if len(allCells(t, s)) == 0 {
		t.Fatal("the cells are gone")
	}
}

// contribution reads what one record last added to the cells (Contributions);
// store.ErrNotFound when it added nothing.
func contribution(t *testing.T, s store.Store, kind, id string) ([]byte, error) {
	var facts map[string][]byte
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		facts, err = tx.Contributions(t.Context(), kind, []string{id})
		return err
	})
	if err != nil {
		return nil, err
	}
	f, ok := facts[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return f, nil
}

func testContributions(t *testing.T, s store.Store) {
	ctx := t.Context()
	read := func(kind, id string) ([]byte, error) { return contribution(t, s, kind, id) }
	put := func(kind, id string, facts []byte) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.PutContribution(ctx, kind, id, facts) })
	}
	_, err := read("case", "c-1")
	wantErr(t, "Contribution of a record that added nothing", err, store.ErrNotFound)
	v1 := []byte(`{"merchant": "M-1", "day": "2025-03-01", "facts": [{"metric": "refund", "value": 9000}]}`)
	if err := put("case", "c-1", v1); err != nil {
		t.Fatal(err)
	}
	if err := put("order", "c-1", []byte(`{"order": true}`)); err != nil {
		t.Fatal(err)
	}
	got, err := read("case", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Contribution byte for byte", string(got), string(v1))
	v2 := []byte(`{"facts":[]}`)
	if err := put("case", "c-1", v2); err != nil {
		t.Fatal(err)
	}
	got, _ = read("case", "c-1")
	wantEqual(t, "Contribution replaced", string(got), string(v2))
	if err := put("case", "c-1", nil); err != nil {
		t.Fatal(err)
	}
	_, err = read("case", "c-1")
	wantErr(t, "Contribution put nil", err, store.ErrNotFound)
	if err := put("order", "c-1", []byte{}); err != nil {
		t.Fatal(err)
	}
	_, err = read("order", "c-1")
	wantErr(t, "Contribution put empty", err, store.ErrNotFound)
	if err := put("case", "c-2", nil); err != nil {
		t.Fatalf("PutContribution nil of a record without one: %v", err)
	}
	if err := put("case", "c-3", []byte(`{not json`)); err == nil {
		t.Fatal("PutContribution of malformed JSON: no error")
	}
}

func testContributionsOfMany(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, p := range [][3]string{{"case", "c-1", `{"a":1}`}, {"case", "c-2", `{"b": [2]}`}, {"order", "c-3", `{}`}} {
			if err := tx.PutContribution(ctx, p[0], p[1], []byte(p[2])); err != nil {
				return err
			}
		}
		return nil
	})
	var got map[string][]byte
	read := func(kind string, ids ...string) map[string]string {
		t.Helper()
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.Contributions(ctx, kind, ids)
			return err
		})
		m := map[string]string{}
		for id, f := range got {
			m[id] = string(f)
		}
		return m
	}
	wantEqual(t, "Contributions of cases, one added nothing", read("case", "c-1", "c-3", "c-2"),
		map[string]string{"c-1": `{"a":1}`, "c-2": `{"b": [2]}`})
	wantEqual(t, "Contributions of an order", read("order", "c-1", "c-3"), map[string]string{"c-3": `{}`})
	wantEqual(t, "Contributions of none", read("case"), map[string]string{})
}

// testCaseSources reads a case with every part (an internal note, a complaint about its
// merchant and one about another case's agent among them, none of which belong), a bare
// case and one that does not exist, and compares CaseSources with reading each part by
// itself.
func testCaseSources(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	clk.Set(base)
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	c := sampleCase("c-1", o, base)
	c.Assignee = "alice"
	c2 := sampleCase("c-2", o, base)
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertCase(ctx, c, sampleDecision); err != nil {
			return err
		}
		return tx.InsertCase(ctx, c2, sampleDecision)
	})
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, ev := range sampleEvents() {
			if err := tx.AppendEvent(ctx, c.ID, ev); err != nil {
				return err
			}
		}
		return nil
	})
	for i, m := range sampleMessages(c.ID) {
		clk.Set(base.Add(time.Duration(i) * time.Minute))
		addMessage(t, s, m)
	}
	addMessage(t, s, sampleMessages(c2.ID)[1]) // an internal note only
	if err := insertSurveys(t, s, newSurvey(c, "alice", [3]int{5, 4, 3}, base)); err != nil {
		t.Fatal(err)
	}
	mustInsertDisputes(t, s, newDispute("d-2", c, dispute.Open, base.Add(2*time.Hour)),
		newDispute("d-1", c, dispute.Withdrawn, base.Add(time.Hour)))
	mustInsertEntries(t, s, ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 2000),
		ledgerEntry(c, "e-2", ledger.Compensation, "", 100))
	var ks []complaint.Complaint
	for i, k := range []struct {
		id    string
		about complaint.About
		case_ string
	}{{"k-1", complaint.AboutAgent, "c-1"}, {"k-2", complaint.AboutMerchant, "c-1"},
		{"k-3", complaint.AboutAgent, "c-1"}, {"k-4", complaint.AboutAgent, "c-2"}} {
		kc := newComplaint(k.id, byCustomer("C-1"), k.about, "M-1", base.Add(time.Duration(i)*time.Minute))
		kc.CaseID, kc.CaseNumber = k.case_, "RMA-"+k.case_
		ks = append(ks, kc)
	}
	mustInsertComplaints(t, s, ks...)

	var got map[string]*store.CaseSource
	mustView(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.CaseSources(ctx, []string{"c-1", "c-404", "c-2"})
		return err
	})
	want := map[string]*store.CaseSource{}
	mustView(t, s, func(tx store.Tx) error {
		for _, id := range []string{"c-1", "c-2"} {
			r, err := tx.Case(ctx, id)
			if err != nil {
				return err
			}
			src := &store.CaseSource{Case: r.Case, Categories: map[string]string{}}
			o, err := tx.Order(ctx, r.Case.OrderNo, false)
			if err != nil {
				return err
			}
			for _, it := range o.Items {
				src.Categories[it.SKU] = it.Category
			}
			if src.Events, err = tx.Events(ctx, id); err != nil {
				return err
			}
			if src.Messages, err = tx.Messages(ctx, id, false); err != nil {
				return err
			}
			switch sv, err := tx.Survey(ctx, id); {
			case err == nil:
				src.Survey = &sv
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
			if src.Disputes, err = tx.CaseDisputes(ctx, id); err != nil {
				return err
			}
			if src.Entries, err = tx.CaseEntries(ctx, id); err != nil {
				return err
			}
			if src.Complaints, _, err = tx.ListComplaints(ctx, store.ComplaintQuery{CaseID: id, About: complaint.AboutAgent, Limit: 500}); err != nil {
				return err
			}
			want[id] = src
		}
		return nil
	})
	wantEqual(t, "CaseSources", got, want)
	// What the comparison rests on: each part is there, and only what belongs.
	c1 := got["c-1"]
	wantEqual(t, "parts of c-1 (events, public messages, disputes, entries, complaints about its agent)",
		[]int{len(c1.Events), len(c1.Messages), len(c1.Disputes), len(c1.Entries), len(c1.Complaints), len(c1.Categories)},
		[]int{len(sampleEvents()), 2, 2, 2, 2, len(o.Items)})
	wantEqual(t, "c-1's disputes oldest first", []string{c1.Disputes[0].ID, c1.Disputes[1].ID}, []string{"d-1", "d-2"})
	wantEqual(t, "c-1's complaints most recently updated first", complaintIDs(c1.Complaints), []string{"k-3", "k-1"})
	if c1.Survey == nil || got["c-2"].Survey != nil {
		t.Fatalf("surveys: c-1 %v, c-2 %v", c1.Survey, got["c-2"].Survey)
	}

	mustView(t, s, func(tx store.Tx) error {
		none, err := tx.CaseSources(ctx, nil)
		wantEqual(t, "CaseSources of none", len(none), 0)
		return err
	})
}

func testResetReports(t *testing.T, s store.Store) {
	ctx := t.Context()
	seedCase(t, s, "c-1")
	cellWorld(t, s)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.PutContribution(ctx, "case", "c-1", []byte(`{}`)) })
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertSchedule(ctx, newSchedule("s-1", "M-1", base)) })
	mustUpdate(t, s, func(tx store.Tx) error { return tx.PutScorecard(ctx, newScorecard("M-1", "2025-02", 80)) })
	resetReports(t, s)
	wantEqual(t, "cells after ResetReports", len(allCells(t, s)), 0)
	wantEqual(t, "marks after ResetReports", len(markKeys(t, s)), 0)
	_, err := contribution(t, s, "case", "c-1")
	wantErr(t, "Contribution after ResetReports", err, store.ErrNotFound)
	wantEqual(t, "schedules after ResetReports", scheduleIDs(listSchedules(t, s, "")), []string{"s-1"})
	wantEqual(t, "scorecards after ResetReports", len(scorecards(t, s, "2025-02", "")), 1)
}

func testSourceKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	os := deskOrders(t, s)         // O-1, O-2, O-3
	cs := closedCases(t, s, os, 5) // c-00 … c-04
	mustInsertComplaints(t, s,
		newComplaint("k-2", byCustomer("C-1"), complaint.AboutMerchant, "M-1", base),
		newComplaint("k-1", byCustomer("C-1"), complaint.AboutMerchant, "M-1", base))
	if err := insertReviews(t, s, newReview("r-2", cs[0], "alice", base), newReview("r-1", cs[1], "alice", base)); err != nil {
		t.Fatal(err)
	}
	keys := func(kind, after string, limit int) []string {
		t.Helper()
		var ids []string
		mustView(t, s, func(tx store.Tx) error {
			var err error
			ids, err = tx.SourceKeys(ctx, kind, after, limit)
			return err
		})
		if ids == nil {
			ids = []string{}
		}
		return ids
	}
	wantEqual(t, "cases, page 1", keys("case", "", 2), []string{"c-00", "c-01"})
	wantEqual(t, "cases, page 2", keys("case", "c-01", 2), []string{"c-02", "c-03"})
	wantEqual(t, "cases, page 3", keys("case", "c-03", 2), []string{"c-04"})
	wantEqual(t, "cases, after the last", keys("case", "c-04", 2), []string{})
	wantEqual(t, "cases, after a missing id", keys("case", "c-015", 10), []string{"c-02", "c-03", "c-04"})
	wantEqual(t, "orders", keys("order", "", 10), []string{"O-1", "O-2", "O-3"})
	wantEqual(t, "orders after O-1", keys("order", "O-1", 1), []string{"O-2"})
	wantEqual(t, "complaints", keys("complaint", "", 10), []string{"k-1", "k-2"})
	wantEqual(t, "reviews", keys("review", "r-1", 10), []string{"r-2"})
	wantEqual(t, "limit 0", keys("case", "", 0), []string{})
}
