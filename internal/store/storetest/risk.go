package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
)

var riskTests = []test{
	{name: "FeaturesOfAHistory", run: testRiskFeatures},
	{name: "SharedAddressPhoneDevice", run: testRiskShared},
	{name: "WatchList", run: testWatchList},
	{name: "CaseRiskAndBoughtFrom", run: testCaseRisk},
}

func riskFeatures(t *testing.T, s store.Store, customer string) risk.Features {
	t.Helper()
	return recentRiskFeatures(t, s, customer, 500)
}

func recentRiskFeatures(t *testing.T, s store.Store, customer string, recent int) risk.Features {
	t.Helper()
	var f risk.Features
	mustView(t, s, func(tx store.Tx) error {
		var err error
		f, err = tx.RiskFeatures(t.Context(), customer, base.Add(-90*24*time.Hour), 7, recent)
		return err
	})
	return f
}

// testRiskFeatures: two orders of three units, two refund-only not-received cases on a
// discounted line, both failed inspection (an empty box said in the note, a swapped item
// given as the finding), and a recall's case that does not count.
func testRiskFeatures(t *testing.T, s store.Store) {
	ctx := t.Context()
	if f := riskFeatures(t, s, "nobody"); f != (risk.Features{}) {
		t.Fatalf("a stranger's features: %+v", f)
	}
	o := sampleOrder("O-r1", "M-1", "C-r")
	seedOrder(t, s, o)
	seedOrder(t, s, sampleOrder("O-r2", "M-2", "C-r"))
	for i, id := range []string{"rc-1", "rc-2"} {
		c := sampleCase(id, o, base.Add(time.Duration(i+1)*time.Hour))
		c.Type, c.Reason, c.Items = aftersale.RefundOnly, aftersale.NotReceived, []aftersale.Item{{SKU: "SKU-B", Quantity: 1, PaidAmount: money.Yuan(9000)}}
		mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(ctx, c, sampleDecision) })
	}
	ev := sampleEvents()[0]
	ev.Seq, ev.To, ev.Note = 1, aftersale.InspectionFailed, "空包 empty box"
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendEvent(ctx, "rc-1", ev) })
	// rc-2 failed too, its finding a swapped item (structured, its note silent about it).
	ev.Note, ev.Data = "不是原商品", map[string]string{"inspection": "fail", "finding": string(aftersale.FindingSwapped)}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendEvent(ctx, "rc-2", ev) })
	// A recall's case on the discounted line is the platform's doing: not counted.
	rc := sampleCase("rc-recall", o, base.Add(3*time.Hour))
	rc.Reason, rc.Items = aftersale.ProductRecall, []aftersale.Item{{SKU: "SKU-B", Quantity: 1, PaidAmount: money.Yuan(9000)}}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(ctx, rc, sampleDecision) })
	f := riskFeatures(t, s, "C-r")
	want := risk.Features{Orders: 2, Items: 6, Cases: 2, Cases90: 2, RefundOnly: 2, NotReceived: 2,
		InspectionFailures: 2, EmptyBox: 1, Swapped: 1, AfterPromotion: 2}
	if f != want {
		t.Fatalf("features\n got %+v\nwant %+v", f, want)
	}
	// Only the most recent are read: the last order (O-r2, paid last), the last case (the
	// recall's, which does not count) and the one before it (rc-2).
	f = recentRiskFeatures(t, s, "C-r", 1)
	want = risk.Features{Orders: 1, Items: 3}
	if f != want {
		t.Fatalf("features of the last order and case\n got %+v\nwant %+v", f, want)
	}
	f = recentRiskFeatures(t, s, "C-r", 2)
	want = risk.Features{Orders: 2, Items: 6, Cases: 1, Cases90: 1, RefundOnly: 1, NotReceived: 1,
		InspectionFailures: 1, Swapped: 1, AfterPromotion: 1}
	if f != want {
		t.Fatalf("features of the last two orders and cases\n got %+v\nwant %+v", f, want)
	}
}

func testRiskShared(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, c := range []store.Customer{
		{ID: "C-a", Address: "上海市 浦东新区 1号", Phone: "138-0000-0001"},
		{ID: "C-b", Address: "上海市浦东新区1号", Phone: "13800000002"},
		{ID: "C-c", Address: "北京市", Phone: "138 0000 0001"},
	} {
		mustUpdate(t, s, func(tx store.Tx) error {
			if err := tx.EnsureCustomer(ctx, c.ID); err != nil {
				return err
			}
			return tx.UpdateCustomer(ctx, c)
		})
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, d := range [][2]string{{"C-a", "dev-1"}, {"C-b", "dev-1"}, {"C-a", "dev-1"}, {"C-c", "dev-2"}} {
			if err := tx.RecordDevice(ctx, d[0], d[1]); err != nil {
				return err
			}
		}
		return nil
	})
	f := riskFeatures(t, s, "C-a")
	if f.SharedAddress != 1 || f.SharedPhone != 1 || f.SharedDevice != 1 {
		t.Fatalf("C-a shares %+v", f)
	}
	if f := riskFeatures(t, s, "C-c"); f.SharedAddress != 0 || f.SharedPhone != 1 || f.SharedDevice != 0 {
		t.Fatalf("C-c shares %+v", f)
	}
}

func testWatchList(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := store.WatchEntry{CustomerID: "C-w", Reason: "多次空包退货", By: "sup-1", At: base}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AddWatch(ctx, w) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddWatch(ctx, w) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second add: %v", err)
	}
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Watch(ctx, "C-w")
		if err != nil || got != w {
			t.Fatalf("watch %+v %v", got, err)
		}
		list, err := tx.ListWatch(ctx)
		if err != nil || len(list) != 1 || list[0] != w {
			t.Fatalf("list %+v %v", list, err)
		}
		return nil
	})
	if !riskFeatures(t, s, "C-w").WatchListed {
		t.Fatal("not watch-listed in the features")
	}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.RemoveWatch(ctx, "C-w") })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.RemoveWatch(ctx, "C-w") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if err := s.View(ctx, func(tx store.Tx) error { _, err := tx.Watch(ctx, "C-w"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("watch after removal: %v", err)
	}
}

func testCaseRisk(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "cr-1")
	r := store.CaseRisk{CaseID: c.ID, Score: 75, Reasons: []byte(`[{"code":"not_received","points":30}]`), At: base}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SetCaseRisk(ctx, r) })
	r.Score = 80
	mustUpdate(t, s, func(tx store.Tx) error { return tx.SetCaseRisk(ctx, r) })
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.CaseRisk(ctx, c.ID)
		if err != nil || got.Score != 80 || !got.At.Equal(base) || len(got.Reasons) == 0 {
			t.Fatalf("case risk %+v %v", got, err)
		}
		if _, err := tx.CaseRisk(ctx, "none"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing case risk: %v", err)
		}
		if ok, err := tx.CustomerBoughtFrom(ctx, "C-1", "M-1"); err != nil || !ok {
			t.Fatalf("bought from M-1: %v %v", ok, err)
		}
		if ok, err := tx.CustomerBoughtFrom(ctx, "C-1", "M-9"); err != nil || ok {
			t.Fatalf("bought from M-9: %v %v", ok, err)
		}
		return nil
	})
}
