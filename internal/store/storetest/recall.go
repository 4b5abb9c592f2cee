package storetest

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Product recalls (store.Recalls): the order lines of the recalled SKUs, by SKU then order
// number, in batches that continue after the last line, each with the case on it that has
// not ended; a plan's mark takes a line out of that plan's batches, once.
var recallTests = []test{
	{name: "LinesBySKU", run: testRecallLines},
	{name: "Batches", run: testRecallBatches},
	{name: "MarkOnce", run: testRecallMarks},
}

// seedRecall stores plans p1 and p2 and four orders: O-1 (m1, c1) and O-2 (m2, c2) with
// SKU-A and SKU-B, delivered; O-3 (m1, c3) with SKU-B, not shipped; O-4 with SKU-C only.
// O-1's SKU-B has an open case (RMA-k1) and O-2's SKU-B a completed one whose two units are
// claimed.
func seedRecall(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	o1, o2 := sampleOrder("O-1", "m1", "c1"), sampleOrder("O-2", "m2", "c2")
	o3 := sampleOrder("O-3", "m1", "c3")
	o3.ShippedAt, o3.DeliveredAt, o3.Items = time.Time{}, time.Time{}, o3.Items[:1]
	o4 := sampleOrder("O-4", "m1", "c1")
	o4.Items = o4.Items[1:]
	o4.Items[0].SKU = "SKU-C"
	seedOrder(t, s, o1)
	seedOrder(t, s, o2)
	seedOrder(t, s, o3)
	seedOrder(t, s, o4)
	open := sampleCase("k1", o1, base)
	done := sampleCase("k2", o2, base)
	done.State = aftersale.Completed
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, id := range []string{"p1", "p2"} {
			if err := tx.InsertPlan(ctx, store.PlanRecord{ID: id, Doc: []byte(`{}`), State: "active"}); err != nil {
				return err
			}
		}
		if err := tx.InsertCase(ctx, open, sampleDecision); err != nil {
			return err
		}
		if err := tx.InsertCase(ctx, done, sampleDecision); err != nil {
			return err
		}
		return tx.AdjustHoldings(ctx, "O-2", []aftersale.Holding{{SKU: "SKU-B", Units: 2}}, nil)
	})
}

func recallLines(t *testing.T, s store.Store, q store.RecallLineQuery) []store.RecallLine {
	t.Helper()
	var ls []store.RecallLine
	mustView(t, s, func(tx store.Tx) (err error) { ls, err = tx.RecallLines(t.Context(), q); return err })
	return ls
}

func recallKeys(ls []store.RecallLine) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.SKU+"/"+l.OrderNo)
	}
	return out
}

func testRecallLines(t *testing.T, s store.Store) {
	seedRecall(t, s)
	got := recallLines(t, s, store.RecallLineQuery{Plan: "p1", SKUs: []string{"SKU-B", "SKU-Z"}})
	want := []store.RecallLine{
		{OrderNo: "O-1", SKU: "SKU-B", Title: "棉质T恤 Cotton T-shirt", Merchant: "m1", Customer: "c1", Quantity: 2,
			Shipped: true, Delivered: true, OpenCase: "RMA-k1"},
		{OrderNo: "O-2", SKU: "SKU-B", Title: "棉质T恤 Cotton T-shirt", Merchant: "m2", Customer: "c2", Quantity: 2, Claimed: 2,
			Shipped: true, Delivered: true},
		{OrderNo: "O-3", SKU: "SKU-B", Title: "棉质T恤 Cotton T-shirt", Merchant: "m1", Customer: "c3", Quantity: 2},
	}
	wantEqual(t, "lines of SKU-B (a completed case is no open case)", got, want)
	wantEqual(t, "two SKUs: by SKU, then order number",
		recallKeys(recallLines(t, s, store.RecallLineQuery{Plan: "p1", SKUs: []string{"SKU-B", "SKU-A"}})),
		[]string{"SKU-A/O-1", "SKU-A/O-2", "SKU-B/O-1", "SKU-B/O-2", "SKU-B/O-3"})
	wantEqual(t, "an SKU nobody bought", recallKeys(recallLines(t, s, store.RecallLineQuery{Plan: "p1", SKUs: []string{"SKU-Z"}})), []string{})
	wantEqual(t, "no SKUs select nothing", recallKeys(recallLines(t, s, store.RecallLineQuery{Plan: "p1"})), []string{})
}

func testRecallBatches(t *testing.T, s store.Store) {
	seedRecall(t, s)
	skus := []string{"SKU-A", "SKU-B", "SKU-C"}
	var pages [][]string
	q := store.RecallLineQuery{Plan: "p1", SKUs: skus, Limit: 2}
	for range 10 {
		ls := recallLines(t, s, q)
		if len(ls) == 0 {
			break
		}
		pages = append(pages, recallKeys(ls))
		last := ls[len(ls)-1]
		q.AfterSKU, q.AfterOrder = last.SKU, last.OrderNo
	}
	wantEqual(t, "batches of two, each after the last line of the one before", pages, [][]string{
		{"SKU-A/O-1", "SKU-A/O-2"}, {"SKU-B/O-1", "SKU-B/O-2"}, {"SKU-B/O-3", "SKU-C/O-4"},
	})
}

func testRecallMarks(t *testing.T, s store.Store) {
	seedRecall(t, s)
	ctx := t.Context()
	var first, again bool
	mustUpdate(t, s, func(tx store.Tx) (err error) {
		if first, err = tx.MarkRecallLine(ctx, "p1", "SKU-B", "O-1"); err != nil {
			return err
		}
		again, err = tx.MarkRecallLine(ctx, "p1", "SKU-B", "O-1")
		return err
	})
	if !first || again {
		t.Fatalf("marked %v, then again %v: want true, then false", first, again)
	}
	// In another transaction too: the key, not the transaction, keeps it once.
	mustUpdate(t, s, func(tx store.Tx) (err error) {
		again, err = tx.MarkRecallLine(ctx, "p1", "SKU-B", "O-1")
		return err
	})
	if again {
		t.Fatal("marked again in a later transaction")
	}
	wantEqual(t, "p1 leaves out what it marked",
		recallKeys(recallLines(t, s, store.RecallLineQuery{Plan: "p1", SKUs: []string{"SKU-B"}})), []string{"SKU-B/O-2", "SKU-B/O-3"})
	wantEqual(t, "p2 does not",
		recallKeys(recallLines(t, s, store.RecallLineQuery{Plan: "p2", SKUs: []string{"SKU-B"}})), []string{"SKU-B/O-1", "SKU-B/O-2", "SKU-B/O-3"})
	var n1, n2 int
	mustView(t, s, func(tx store.Tx) (err error) {
		if n1, err = tx.RecallMarks(ctx, "p1"); err != nil {
			return err
		}
		n2, err = tx.RecallMarks(ctx, "p2")
		return err
	})
	if n1 != 1 || n2 != 0 {
		t.Fatalf("marks: p1 %d, p2 %d; want 1 and 0", n1, n2)
	}
}
