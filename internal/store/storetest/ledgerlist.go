package storetest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// The ledger's reads: ListEntries, LedgerTotals, LedgerStats and ItemsPaid (ledgerTests).

// minute is base plus n minutes.
func minute(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }

// ledgerWorld seeds cases of two merchants (case-4's order in USD) and entries of several
// kinds and states, a minute or none apart, and an order without entries (O-quiet). It
// returns the entries as stored.
func ledgerWorld(t *testing.T, s store.Store) []ledger.Entry {
	t.Helper()
	c1 := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	c2 := ledgerCase(t, s, "case-2", "M-2", money.CNY)
	c3 := ledgerCase(t, s, "case-3", "M-1", money.CNY)
	c4 := ledgerCase(t, s, "case-4", "M-2", "USD")
	seedOrder(t, s, sampleOrder("O-quiet", "M-1", "C-1"))
	rows := []struct {
		c      *aftersale.Case
		id     string
		kind   ledger.Kind
		sku    string
		amount int64
		at     int
		state  ledger.State
	}{
		{c1, "w-01", ledger.Refund, "SKU-A", 1000, 0, ledger.Succeeded},
		{c1, "w-02", ledger.Refund, "SKU-B", 2000, 1, ledger.Pending},
		{c1, "w-03", ledger.Charge, "", 300, 2, ledger.Succeeded},
		{c2, "w-04", ledger.Refund, "SKU-A", 1500, 2, ledger.Failed},
		{c2, "w-05", ledger.Compensation, "", 500, 3, ledger.Pending},
		{c2, "w-06", ledger.Refund, "SKU-B", 2500, 4, ledger.Succeeded},
		{c3, "w-07", ledger.ShippingReimbursement, "", 800, 5, ledger.Pending},
		{c3, "w-08", ledger.Refund, "SKU-A", 700, 5, ledger.Pending},
		{c1, "w-09", ledger.Compensation, "SKU-A", 400, 6, ledger.Failed},
		{c2, "w-10", ledger.Recovery, "", 1500, 7, ledger.Pending},
		{c4, "w-11", ledger.Refund, "SKU-A", 900, 8, ledger.Succeeded},
		{c4, "w-12", ledger.Refund, "SKU-B", 100, 8, ledger.Pending},
	}
	es := make([]ledger.Entry, len(rows))
	for i, r := range rows {
		es[i] = ledgerEntry(r.c, r.id, r.kind, r.sku, r.amount)
		es[i].CreatedAt = minute(r.at)
		if r.c == c4 {
			es[i].Currency = "USD"
		}
	}
	mustInsertEntries(t, s, es...)
	for i, r := range rows {
		if r.state != ledger.Pending {
			es[i] = settle(t, s, es[i], r.state)
		}
	}
	return es
}

// newestFirstEntries sorts entries as ListEntries returns them.
func newestFirstEntries(es []ledger.Entry) []ledger.Entry {
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b ledger.Entry) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	return out
}

// entryPage runs one ListEntries.
func entryPage(t *testing.T, s store.Store, q store.LedgerQuery) (es []ledger.Entry, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		es, next, err = tx.ListEntries(t.Context(), q)
		return err
	})
	return es, next
}

// allEntries follows ListEntries's cursors to the end.
func allEntries(t *testing.T, s store.Store, q store.LedgerQuery) []ledger.Entry {
	t.Helper()
	var all []ledger.Entry
	for page := 0; ; page++ {
		if page > 2000 {
			t.Fatal("ListEntries: more than 2000 pages; the cursor does not advance")
		}
		es, next := entryPage(t, s, q)
		all = append(all, es...)
		if next == "" {
			return all
		}
		if q.Limit > 0 && len(es) != q.Limit {
			t.Fatalf("ListEntries: page %d has %d entries and a next cursor; want %d", page, len(es), q.Limit)
		}
		q.Cursor = next
	}
}

func testLedgerListFilters(t *testing.T, s store.Store) {
	world := ledgerWorld(t, s)
	wantEqual(t, "every entry, newest first", allEntries(t, s, store.LedgerQuery{Limit: 500}), newestFirstEntries(world))
	for _, f := range []struct {
		name string
		q    store.LedgerQuery
		keep func(ledger.Entry) bool
	}{
		{"Merchant", store.LedgerQuery{Merchant: "M-2"}, func(e ledger.Entry) bool { return e.Merchant == "M-2" }},
		{"Merchants", store.LedgerQuery{Merchants: []string{"M-1", "M-9"}}, func(e ledger.Entry) bool { return e.Merchant == "M-1" }},
		{"MerchantsNone", store.LedgerQuery{Merchants: []string{}}, func(ledger.Entry) bool { return false }},
		{"Case", store.LedgerQuery{CaseID: "case-3"}, func(e ledger.Entry) bool { return e.CaseID == "case-3" }},
		{"Kind", store.LedgerQuery{Kind: ledger.Compensation}, func(e ledger.Entry) bool { return e.Kind == ledger.Compensation }},
		{"State", store.LedgerQuery{State: ledger.Pending}, func(e ledger.Entry) bool { return e.State == ledger.Pending }},
		{"FromInclusiveToExclusive", store.LedgerQuery{From: minute(2), To: minute(5).In(shanghai)},
			func(e ledger.Entry) bool { return !e.CreatedAt.Before(minute(2)) && e.CreatedAt.Before(minute(5)) }},
		{"Combined", store.LedgerQuery{Merchant: "M-2", Merchants: []string{"M-1", "M-2"}, Kind: ledger.Refund,
			State: ledger.Succeeded, From: minute(1)},
			func(e ledger.Entry) bool {
				return e.Merchant == "M-2" && e.Kind == ledger.Refund && e.State == ledger.Succeeded && !e.CreatedAt.Before(minute(1))
			}},
	} {
		t.Run(f.name, func(t *testing.T) {
			want := []string{}
			for _, e := range newestFirstEntries(world) {
				if f.keep(e) {
					want = append(want, e.ID)
				}
			}
			if len(want) == len(world) || len(want) == 0 && f.name != "MerchantsNone" {
				t.Fatalf("the filter selects %d of %d entries: the test proves nothing", len(want), len(world))
			}
			q := f.q
			q.Limit = 500
			wantEqual(t, "entries on one page", entryIDs(allEntries(t, s, q)), want)
			q.Limit = 3
			wantEqual(t, "entries over pages of 3", entryIDs(allEntries(t, s, q)), want)
		})
	}
}

func testLedgerPages(t *testing.T, s store.Store) {
	c1 := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	c2 := ledgerCase(t, s, "case-2", "M-2", money.CNY)
	// 120 charges at four times, ids scrambled against the times and the merchants.
	var es []ledger.Entry
	for i := range 120 {
		c := c1
		if i%3 == 0 {
			c = c2
		}
		e := ledgerEntry(c, fmt.Sprintf("p-%03d", i*37%120), ledger.Charge, "", 100)
		e.CreatedAt = minute(i % 4)
		es = append(es, e)
	}
	mustInsertEntries(t, s, es...)
	want := newestFirstEntries(es)
	for _, limit := range []int{1, 7, 50, 119, 120, 121, 500} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			wantEqual(t, "entries over all pages", entryIDs(allEntries(t, s, store.LedgerQuery{Limit: limit})), entryIDs(want))
		})
	}
	var m1 []string
	for _, e := range want {
		if e.Merchant == "M-1" {
			m1 = append(m1, e.ID)
		}
	}
	wantEqual(t, "M-1's entries over pages of 7", entryIDs(allEntries(t, s, store.LedgerQuery{Merchant: "M-1", Limit: 7})), m1)
}

func testLedgerLimits(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	es := make([]ledger.Entry, 501)
	for i := range es {
		es[i] = ledgerEntry(c, fmt.Sprintf("e-%03d", i), ledger.Charge, "", 1)
	}
	mustInsertEntries(t, s, es...)
	for _, l := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {500, 500}, {1000, 500}} {
		page, next := entryPage(t, s, store.LedgerQuery{Limit: l.limit})
		if len(page) != l.want || next == "" {
			t.Fatalf("Limit %d: %d entries and next %q; want %d and a next page", l.limit, len(page), next, l.want)
		}
	}
	if got := allEntries(t, s, store.LedgerQuery{Limit: 500}); len(got) != 501 {
		t.Fatalf("pages of 500 hold %d entries, want 501", len(got))
	}
}

func testLedgerBadCursor(t *testing.T, s store.Store) {
	ledgerWorld(t, s)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, cursor := range []string{
		"not a cursor!",
		"%%%",
		b64("garbage"),
		// The shapes of other lists' cursors: cases (both sorts), orders, the audit log.
		b64("1741599000123456/case-1"),
		b64("1741599000123456|case-1"),
		b64("d/1741599000123456/case-1"),
		b64("1741599000123456/42"),
		b64("ledger/soon/w-01"),
		b64("ledger/1741599000123456/"),
	} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListEntries(t.Context(), store.LedgerQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListEntries with cursor %q", cursor), err, store.ErrBadCursor)
	}
}

// totalsOf sums entries as LedgerTotals does.
func totalsOf(es []ledger.Entry) []store.LedgerTotal {
	var out []store.LedgerTotal
	for _, e := range es {
		i := slices.IndexFunc(out, func(r store.LedgerTotal) bool {
			return r.Merchant == e.Merchant && r.Kind == e.Kind && r.State == e.State && r.Currency == e.Currency
		})
		if i < 0 {
			out = append(out, store.LedgerTotal{Merchant: e.Merchant, Kind: e.Kind, State: e.State, Currency: e.Currency})
			i = len(out) - 1
		}
		out[i].Count++
		out[i].Amount += e.Amount
	}
	slices.SortFunc(out, func(a, b store.LedgerTotal) int {
		return cmp.Or(strings.Compare(a.Merchant, b.Merchant), strings.Compare(string(a.Kind), string(b.Kind)),
			strings.Compare(string(a.State), string(b.State)), strings.Compare(string(a.Currency), string(b.Currency)))
	})
	return out
}

func testLedgerTotals(t *testing.T, s store.Store) {
	world := ledgerWorld(t, s)
	// Two refunds of M-1 pending in CNY, to show a group of more than one.
	c := ledgerCase(t, s, "case-5", "M-1", money.CNY)
	more := []ledger.Entry{ledgerEntry(c, "w-13", ledger.Refund, "SKU-A", 10), ledgerEntry(c, "w-14", ledger.Refund, "SKU-B", 20)}
	mustInsertEntries(t, s, more...)
	world = append(world, more...)
	totals := func(q store.LedgerQuery) []store.LedgerTotal {
		var ts []store.LedgerTotal
		mustView(t, s, func(tx store.Tx) error {
			var err error
			ts, err = tx.LedgerTotals(t.Context(), q)
			return err
		})
		return ts
	}
	wantEqual(t, "totals of every entry", totals(store.LedgerQuery{}), totalsOf(world))

	// A filter applies; the cursor and the limit do not.
	_, cursor := entryPage(t, s, store.LedgerQuery{Limit: 1})
	var want []ledger.Entry
	for _, e := range world {
		if e.Merchant == "M-1" && !e.CreatedAt.Before(minute(1)) {
			want = append(want, e)
		}
	}
	wantEqual(t, "totals of M-1 from minute 1",
		totals(store.LedgerQuery{Merchant: "M-1", From: minute(1), Cursor: cursor, Limit: 1}), totalsOf(want))
	if ts := totals(store.LedgerQuery{Merchant: "M-9"}); len(ts) != 0 {
		t.Fatalf("totals of a merchant without entries: %v", ts)
	}
}

func testLedgerStats(t *testing.T, s store.Store) {
	stats := func() store.LedgerStats {
		var st store.LedgerStats
		mustView(t, s, func(tx store.Tx) error {
			var err error
			st, err = tx.LedgerStats(t.Context())
			return err
		})
		return st
	}
	if st := stats(); len(st.Counts) != 0 || !st.OldestPending.IsZero() {
		t.Fatalf("stats of an empty ledger: %s", show(st))
	}
	world := ledgerWorld(t, s)
	var counts []store.LedgerCount
	for _, r := range totalsOf(world) {
		i := slices.IndexFunc(counts, func(c store.LedgerCount) bool { return c.Kind == r.Kind && c.State == r.State })
		if i < 0 {
			counts = append(counts, store.LedgerCount{Kind: r.Kind, State: r.State})
			i = len(counts) - 1
		}
		counts[i].Count += r.Count
	}
	slices.SortFunc(counts, func(a, b store.LedgerCount) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(string(a.State), string(b.State)))
	})
	wantEqual(t, "stats", stats(), store.LedgerStats{Counts: counts, OldestPending: minute(1)}) // w-02

	settle(t, s, world[1], ledger.Succeeded)
	if got := stats().OldestPending; !got.Equal(minute(3)) { // w-05
		t.Fatalf("oldest pending after w-02 succeeded: %v, want %v", got, minute(3))
	}
}

func testLedgerItemsPaid(t *testing.T, s store.Store) {
	ledgerWorld(t, s)
	items := func(orders ...string) []ledger.ItemPaid {
		var out []ledger.ItemPaid
		for _, o := range orders {
			out = append(out, ledger.ItemPaid{OrderNo: o, SKU: "SKU-A", Amount: 5000},
				ledger.ItemPaid{OrderNo: o, SKU: "SKU-B", Amount: 18000})
		}
		return out
	}
	for _, p := range []struct {
		name     string
		from, to time.Time
		want     []ledger.ItemPaid
	}{
		{"All", time.Time{}, time.Time{}, items("O-case-1", "O-case-2", "O-case-3", "O-case-4")},
		{"OneMinute", minute(5), minute(6), items("O-case-3")},
		{"AnEntryWithoutItemBringsTheOrder", minute(7), minute(8), items("O-case-2")},
		{"ToExclusive", time.Time{}, minute(1), items("O-case-1")},
		{"FromInclusive", minute(8).In(shanghai), time.Time{}, items("O-case-4")},
		{"None", minute(9), time.Time{}, nil},
	} {
		var got []ledger.ItemPaid
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ItemsPaid(t.Context(), p.from, p.to)
			return err
		})
		wantEqual(t, "ItemsPaid "+p.name, got, p.want)
	}
}
