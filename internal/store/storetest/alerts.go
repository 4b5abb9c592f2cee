package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var alertTests = []test{
	{name: "AlertEveryFieldReadsBack", run: testAlertRoundTrip},
	{name: "OneOpenAlertPerSubject", run: testOneOpenAlert},
	{name: "AlertsNewestFirstByFilter", run: testListAlerts},
	{name: "AlertRulesAreVersioned", run: func(t *testing.T, s store.Store) {
		testRulesDoc(t, s, "AlertRules", store.Tx.AlertRules, store.Tx.SaveAlertRules)
	}},
}

func newAlert(id, kind, key, merchant string, opened time.Time) store.Alert {
	return store.Alert{ID: id, Kind: kind, Key: key, Merchant: merchant, State: store.AlertOpen,
		OpenedAt: opened, OpenedDay: opened.Format(time.DateOnly), LoudDay: opened.Format(time.DateOnly),
		Rate: 0.15, Baseline: 0.05, Volume: 100, Events: 15, TopReasons: []byte(`[{"reason":"quality","cases":9}]`)}
}

func insertAlert(t *testing.T, s store.Store, a store.Alert) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertAlert(t.Context(), a) })
}

func readAlert(t *testing.T, s store.Store, id string) store.Alert {
	t.Helper()
	var a store.Alert
	if err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		a, err = tx.Alert(t.Context(), id)
		return err
	}); err != nil {
		t.Fatalf("alert %s: %v", id, err)
	}
	return a
}

func testAlertRoundTrip(t *testing.T, s store.Store) {
	a := newAlert("al-1", "sku", "SKU-1", "shop-1", base)
	if err := insertAlert(t, s, a); err != nil {
		t.Fatal(err)
	}
	if got := readAlert(t, s, "al-1"); !reflect.DeepEqual(got, a) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, a)
	}
	a.State, a.ClosedAt, a.LoudDay, a.Rate, a.Events = store.AlertClosed, base.Add(72*time.Hour), "2025-03-11", 0.2, 20
	a.AckBy, a.AckAt = "alice", base.Add(time.Hour)
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateAlert(t.Context(), a) }); err != nil {
		t.Fatal(err)
	}
	if got := readAlert(t, s, "al-1"); !reflect.DeepEqual(got, a) {
		t.Fatalf("updated\n%+v\nwant\n%+v", got, a)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateAlert(t.Context(), newAlert("nope", "sku", "x", "m", base)) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing alert: %v, want ErrNotFound", err)
	}
}

// A subject has at most one open alert: a second insert (another replica) is ErrConflict,
// and the transaction stays usable; once closed, a new episode may open.
func testOneOpenAlert(t *testing.T, s store.Store) {
	if err := insertAlert(t, s, newAlert("al-1", "sku", "SKU-1", "shop-1", base)); err != nil {
		t.Fatal(err)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		err := tx.InsertAlert(t.Context(), newAlert("al-2", "sku", "SKU-1", "shop-1", base))
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("second open alert: %v, want ErrConflict", err)
		}
		// the same key of another kind or merchant is another subject
		if err := tx.InsertAlert(t.Context(), newAlert("al-3", "category", "SKU-1", "shop-1", base)); err != nil {
			return err
		}
		return tx.InsertAlert(t.Context(), newAlert("al-4", "sku", "SKU-1", "shop-2", base))
	})
	if err != nil {
		t.Fatal(err)
	}
	a := readAlert(t, s, "al-1")
	a.State, a.ClosedAt = store.AlertClosed, base.Add(time.Hour)
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateAlert(t.Context(), a) }); err != nil {
		t.Fatal(err)
	}
	if err := insertAlert(t, s, newAlert("al-5", "sku", "SKU-1", "shop-1", base.Add(2*time.Hour))); err != nil {
		t.Fatalf("a new episode after closing: %v", err)
	}
}

func testListAlerts(t *testing.T, s store.Store) {
	for i, a := range []store.Alert{
		newAlert("al-1", "sku", "SKU-1", "shop-1", base),
		newAlert("al-2", "category", "shoes", "shop-1", base.Add(time.Hour)),
		newAlert("al-3", "sku", "SKU-9", "shop-2", base.Add(2*time.Hour)),
	} {
		if i == 0 {
			a.State, a.ClosedAt = store.AlertClosed, base.Add(time.Minute)
		}
		if err := insertAlert(t, s, a); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q store.AlertQuery) []string {
		var out []string
		if err := s.View(t.Context(), func(tx store.Tx) error {
			as, err := tx.ListAlerts(t.Context(), q)
			for _, a := range as {
				out = append(out, a.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		q    store.AlertQuery
		want []string
	}{
		{store.AlertQuery{}, []string{"al-3", "al-2", "al-1"}},
		{store.AlertQuery{State: store.AlertOpen}, []string{"al-3", "al-2"}},
		{store.AlertQuery{Merchant: "shop-1"}, []string{"al-2", "al-1"}},
		{store.AlertQuery{Kind: "sku", Merchant: "shop-1"}, []string{"al-1"}},
		{store.AlertQuery{Limit: 1}, []string{"al-3"}},
	} {
		if got := ids(c.q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.q, got, c.want)
		}
	}
}
