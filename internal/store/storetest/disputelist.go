package storetest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/store"
)

// The disputes' list: ListDisputes (disputeTests).

// disputeIDsOf sorts ds as ListDisputes returns them and keeps the ids of those keep selects.
func disputeIDsOf(ds []dispute.Dispute, keep func(dispute.Dispute) bool) []string {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b dispute.Dispute) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), strings.Compare(b.ID, a.ID))
	})
	ids := []string{}
	for _, d := range out {
		if keep(d) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// disputePage runs one ListDisputes.
func disputePage(t *testing.T, s store.Store, q store.DisputeQuery) (ds []dispute.Dispute, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ds, next, err = tx.ListDisputes(t.Context(), q)
		return err
	})
	return ds, next
}

// allDisputes follows ListDisputes's cursors to the end.
func allDisputes(t *testing.T, s store.Store, q store.DisputeQuery) []dispute.Dispute {
	t.Helper()
	all := []dispute.Dispute{}
	for page := 0; ; page++ {
		if page > 2000 {
			t.Fatal("ListDisputes: more than 2000 pages; the cursor does not advance")
		}
		ds, next := disputePage(t, s, q)
		all = append(all, ds...)
		if next == "" {
			return all
		}
		if q.Limit > 0 && len(ds) != q.Limit {
			t.Fatalf("ListDisputes: page %d has %d disputes and a next cursor; want %d", page, len(ds), q.Limit)
		}
		q.Cursor = next
	}
}

// disputeWorld seeds cases of three merchants and two customers and disputes of them in
// every kind of state and several categories, a minute or none apart.
func disputeWorld(t *testing.T, s store.Store) []dispute.Dispute {
	t.Helper()
	cases := map[string]*aftersale.Case{
		"case-1": disputeCase(t, s, "case-1", "M-1", "C-1"),
		"case-2": disputeCase(t, s, "case-2", "M-1", "C-2"),
		"case-3": disputeCase(t, s, "case-3", "M-2", "C-1"),
		"case-4": disputeCase(t, s, "case-4", "M-2", "C-2"),
		"case-5": disputeCase(t, s, "case-5", "M-3", "C-3"),
	}
	rows := []struct {
		id, c    string
		state    dispute.State
		category dispute.Category
		at       int
	}{
		{"d-01", "case-1", dispute.Ruled, dispute.Quality, 0},
		{"d-02", "case-1", dispute.Evidence, dispute.Quality, 3},
		{"d-03", "case-2", dispute.Open, dispute.Logistics, 1},
		{"d-04", "case-3", dispute.Dismissed, dispute.Service, 2},
		{"d-05", "case-3", dispute.Mediation, dispute.Service, 2},
		{"d-06", "case-4", dispute.Agreed, dispute.Quality, 4},
		{"d-07", "case-4", dispute.Withdrawn, dispute.Logistics, 5},
		{"d-08", "case-5", dispute.Admitted, dispute.OrderError, 1},
		{"d-09", "case-5", dispute.Ruled, dispute.CustomerError, 6},
	}
	ds := make([]dispute.Dispute, len(rows))
	for i, r := range rows {
		ds[i] = newDispute(r.id, cases[r.c], r.state, base)
		ds[i].Category, ds[i].UpdatedAt = r.category, minute(r.at)
	}
	mustInsertDisputes(t, s, ds...)
	return ds
}

func testDisputeListFilters(t *testing.T, s store.Store) {
	world := disputeWorld(t, s)
	all := func(dispute.Dispute) bool { return true }
	wantEqual(t, "every dispute, newest first", disputeIDs(allDisputes(t, s, store.DisputeQuery{Limit: 500})),
		disputeIDsOf(world, all))
	wantEqual(t, "Merchants nil: every dispute", disputeIDs(allDisputes(t, s, store.DisputeQuery{Merchants: nil})),
		disputeIDsOf(world, all))
	for _, f := range []struct {
		name string
		q    store.DisputeQuery
		keep func(dispute.Dispute) bool
	}{
		{"Merchant", store.DisputeQuery{Merchant: "M-2"}, func(d dispute.Dispute) bool { return d.Merchant == "M-2" }},
		{"Merchants", store.DisputeQuery{Merchants: []string{"M-1", "M-9"}}, func(d dispute.Dispute) bool { return d.Merchant == "M-1" }},
		{"MerchantsNone", store.DisputeQuery{Merchants: []string{}}, func(dispute.Dispute) bool { return false }},
		{"Customer", store.DisputeQuery{Customer: "C-1"}, func(d dispute.Dispute) bool { return d.Customer == "C-1" }},
		{"Case", store.DisputeQuery{CaseID: "case-3"}, func(d dispute.Dispute) bool { return d.CaseID == "case-3" }},
		{"State", store.DisputeQuery{State: dispute.Ruled}, func(d dispute.Dispute) bool { return d.State == dispute.Ruled }},
		{"Open", store.DisputeQuery{Open: true}, func(d dispute.Dispute) bool { return !d.State.Terminal() }},
		{"Category", store.DisputeQuery{Category: dispute.Quality}, func(d dispute.Dispute) bool { return d.Category == dispute.Quality }},
		{"Combined", store.DisputeQuery{Merchants: []string{"M-1", "M-2"}, Customer: "C-1", Open: true},
			func(d dispute.Dispute) bool { return d.Merchant != "M-3" && d.Customer == "C-1" && !d.State.Terminal() }},
		{"OpenAndATerminalState", store.DisputeQuery{Open: true, State: dispute.Ruled}, func(dispute.Dispute) bool { return false }},
	} {
		t.Run(f.name, func(t *testing.T) {
			want := disputeIDsOf(world, f.keep)
			if len(want) == len(world) || len(want) == 0 && !strings.Contains(f.name, "None") && !strings.Contains(f.name, "Terminal") {
				t.Fatalf("the filter selects %d of %d disputes: the test proves nothing", len(want), len(world))
			}
			q := f.q
			q.Limit = 500
			wantEqual(t, "disputes on one page", disputeIDs(allDisputes(t, s, q)), want)
			q.Limit = 2
			wantEqual(t, "disputes over pages of 2", disputeIDs(allDisputes(t, s, q)), want)
		})
	}
}

func testDisputePages(t *testing.T, s store.Store) {
	c1 := disputeCase(t, s, "case-1", "M-1", "C-1")
	c2 := disputeCase(t, s, "case-2", "M-2", "C-2")
	// 120 ended disputes at four times, ids scrambled against the times and the merchants.
	var ds []dispute.Dispute
	for i := range 120 {
		c := c1
		if i%3 == 0 {
			c = c2
		}
		d := newDispute(fmt.Sprintf("p-%03d", i*37%120), c, dispute.Ruled, base)
		d.UpdatedAt = minute(i % 4)
		ds = append(ds, d)
	}
	mustInsertDisputes(t, s, ds...)
	want := disputeIDsOf(ds, func(dispute.Dispute) bool { return true })
	for _, limit := range []int{1, 7, 50, 119, 120, 121, 500} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			wantEqual(t, "disputes over all pages", disputeIDs(allDisputes(t, s, store.DisputeQuery{Limit: limit})), want)
		})
	}
	m1 := disputeIDsOf(ds, func(d dispute.Dispute) bool { return d.Merchant == "M-1" })
	wantEqual(t, "M-1's disputes over pages of 7", disputeIDs(allDisputes(t, s, store.DisputeQuery{Merchant: "M-1", Limit: 7})), m1)
}

func testDisputeLimits(t *testing.T, s store.Store) {
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	ds := make([]dispute.Dispute, 501)
	for i := range ds {
		ds[i] = newDispute(fmt.Sprintf("d-%03d", i), c, dispute.Withdrawn, base)
	}
	mustInsertDisputes(t, s, ds...)
	for _, l := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {500, 500}, {1000, 500}} {
		page, next := disputePage(t, s, store.DisputeQuery{Limit: l.limit})
		if len(page) != l.want || next == "" {
			t.Fatalf("Limit %d: %d disputes and next %q; want %d and a next page", l.limit, len(page), next, l.want)
		}
	}
	if got := allDisputes(t, s, store.DisputeQuery{Limit: 500}); len(got) != 501 {
		t.Fatalf("pages of 500 hold %d disputes, want 501", len(got))
	}
}

// b64 is s as a cursor would carry it.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// otherCursors are garbage and the shapes of other lists' cursors.
var otherCursors = []string{
	"not a cursor!",
	"%%%",
	b64("garbage"),
	b64("1741599000123456|case-1"),
	b64("d|1741599000123456|case-1"),
	b64("1741599000123456/42"),
	b64("ledger/1741599000123456/w-01"),
}

func testDisputeBadCursor(t *testing.T, s store.Store) {
	disputeWorld(t, s)
	for _, cursor := range append(slices.Clone(otherCursors),
		b64("complaints/1741599000123456/k-01"), // a ListComplaints cursor
		b64("disputes/soon/d-01"),
		b64("disputes/1741599000123456/"),
	) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListDisputes(t.Context(), store.DisputeQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListDisputes with cursor %q", cursor), err, store.ErrBadCursor)
	}
}
