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
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

var listTests = []test{
	{name: "Filters", run: testListFilters},
	{name: "Overdue", run: testListOverdue},
	{name: "PagesAreCompleteAndStable", run: testListPages},
	{name: "DefaultLimitIs50", run: testListDefaultLimit},
	{name: "NewCasesDoNotDisturbPaging", run: testListNewCasesWhilePaging},
	{name: "BadCursorIsAnError", run: testListBadCursor},
}

// listCase is a small case for the list tests.
func listCase(id string, o order.Order, typ aftersale.Type, state aftersale.State, created time.Time) *aftersale.Case {
	return &aftersale.Case{ID: id, Number: "RMA-" + id, OrderNo: o.No, MerchantID: o.Merchant,
		CustomerID: o.Customer, Type: typ, Reason: aftersale.OtherReason, State: state, Version: 1,
		Items:     []aftersale.Item{{SKU: "SKU-A", Quantity: 1, PaidAmount: money.Yuan(5000)}},
		CreatedAt: created, UpdatedAt: created}
}

// insertCases stores cs, one transaction for all.
func insertCases(t *testing.T, s store.Store, cs ...*aftersale.Case) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, c := range cs {
			if err := tx.InsertCase(t.Context(), c, []byte(`{"id":"`+c.ID+`"}`)); err != nil {
				return err
			}
		}
		return nil
	})
}

// newestFirst sorts cases as ListCases returns them.
func newestFirst(cs []*aftersale.Case) []string {
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b *aftersale.Case) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	ids := make([]string, len(sorted))
	for i, c := range sorted {
		ids[i] = c.ID
	}
	return ids
}

// listPage runs one ListCases.
func listPage(t *testing.T, s store.Store, q store.CaseQuery) (recs []store.CaseRecord, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		recs, next, err = tx.ListCases(t.Context(), q)
		return err
	})
	return recs, next
}

// listAll follows the cursor to the end and returns the ids of every page, checking
// that each page is full but the last and that records carry their decision.
func listAll(t *testing.T, s store.Store, q store.CaseQuery) []string {
	t.Helper()
	var ids []string
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("ListCases: more than 1000 pages; the cursor does not advance")
		}
		recs, next := listPage(t, s, q)
		for _, r := range recs {
			ids = append(ids, r.Case.ID)
			wantSameJSON(t, "decision of listed case "+r.Case.ID, r.Decision, []byte(`{"id":"`+r.Case.ID+`"}`))
		}
		if next == "" {
			return ids
		}
		if q.Limit > 0 && len(recs) != q.Limit {
			t.Fatalf("ListCases: page %d has %d cases and a next cursor; want %d", page, len(recs), q.Limit)
		}
		q.Cursor = next
	}
}

func testListFilters(t *testing.T, s store.Store) {
	orders := []order.Order{
		sampleOrder("O-1", "M-1", "C-1"),
		sampleOrder("O-2", "M-1", "C-2"),
		sampleOrder("O-3", "M-2", "C-1"),
	}
	for _, o := range orders {
		seedOrder(t, s, o)
	}
	states := []aftersale.State{aftersale.Requested, aftersale.Refunding, aftersale.Completed, aftersale.Closed}
	var all []*aftersale.Case
	for i := range 24 {
		all = append(all, listCase(fmt.Sprintf("case-%02d", i), orders[i%3], aftersale.Types[i%len(aftersale.Types)],
			states[i%len(states)], base.Add(time.Duration(i/2)*time.Hour))) // pairs share created_at
	}
	insertCases(t, s, all...)

	for _, c := range []struct {
		name  string
		q     store.CaseQuery
		match func(c *aftersale.Case) bool
	}{
		{"Everything", store.CaseQuery{}, func(*aftersale.Case) bool { return true }},
		{"Merchant", store.CaseQuery{Merchant: "M-1"}, func(c *aftersale.Case) bool { return c.MerchantID == "M-1" }},
		{"Merchants", store.CaseQuery{Merchants: []string{"M-1", "M-none"}}, func(c *aftersale.Case) bool { return c.MerchantID == "M-1" }},
		{"Customer", store.CaseQuery{Customer: "C-1"}, func(c *aftersale.Case) bool { return c.CustomerID == "C-1" }},
		{"Order", store.CaseQuery{OrderNo: "O-2"}, func(c *aftersale.Case) bool { return c.OrderNo == "O-2" }},
		{"States", store.CaseQuery{States: []aftersale.State{aftersale.Requested, aftersale.Closed}},
			func(c *aftersale.Case) bool { return c.State == aftersale.Requested || c.State == aftersale.Closed }},
		{"Types", store.CaseQuery{Types: []aftersale.Type{aftersale.Exchange}},
			func(c *aftersale.Case) bool { return c.Type == aftersale.Exchange }},
		{"CreatedRange", store.CaseQuery{CreatedFrom: base.Add(2 * time.Hour), CreatedTo: base.Add(5 * time.Hour)},
			func(c *aftersale.Case) bool {
				return !c.CreatedAt.Before(base.Add(2*time.Hour)) && c.CreatedAt.Before(base.Add(5*time.Hour))
			}},
		{"Combined", store.CaseQuery{Merchant: "M-1", Customer: "C-2",
			States: []aftersale.State{aftersale.Refunding, aftersale.Completed}, CreatedFrom: base.Add(3 * time.Hour)},
			func(c *aftersale.Case) bool {
				return c.MerchantID == "M-1" && c.CustomerID == "C-2" &&
					(c.State == aftersale.Refunding || c.State == aftersale.Completed) &&
					!c.CreatedAt.Before(base.Add(3*time.Hour))
			}},
		{"NoMatch", store.CaseQuery{Merchant: "M-none"}, func(*aftersale.Case) bool { return false }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []*aftersale.Case
			for _, k := range all {
				if c.match(k) {
					want = append(want, k)
				}
			}
			q := c.q
			q.Limit = 500
			recs, next := listPage(t, s, q)
			got := make([]string, len(recs))
			for i, r := range recs {
				got[i] = r.Case.ID
			}
			if next != "" {
				t.Errorf("next cursor %q after the last page", next)
			}
			if len(want) == 0 && len(got) == 0 {
				return
			}
			wantEqual(t, "cases listed", got, newestFirst(want))
			// The same query in pages of 3 gives the same cases.
			q.Limit = 3
			paged := listAll(t, s, q)
			if len(paged) == 0 {
				paged = nil
			}
			wantEqual(t, "cases listed in pages of 3", paged, newestFirst(want))
		})
	}
	// Records are whole cases.
	recs, _ := listPage(t, s, store.CaseQuery{OrderNo: "O-1", Limit: 1})
	if len(recs) != 1 {
		t.Fatalf("ListCases Limit 1 gave %d cases", len(recs))
	}
	wantEqual(t, "listed case", recs[0].Case, *all[21])
}

func testListOverdue(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	dl := func(kind aftersale.DeadlineKind, d time.Duration) aftersale.Deadline {
		return aftersale.Deadline{Kind: kind, Due: base.Add(d)}
	}
	a := listCase("case-a", o, aftersale.ReturnRefund, aftersale.Approved, base)
	a.Deadlines = []aftersale.Deadline{dl(aftersale.CustomerShipBack, 2*time.Hour), dl(aftersale.MerchantResponse, time.Hour)}
	b := listCase("case-b", o, aftersale.ReturnRefund, aftersale.Requested, base)
	b.Deadlines = []aftersale.Deadline{dl(aftersale.MerchantResponse, 3*time.Hour)}
	c := listCase("case-c", o, aftersale.ReturnRefund, aftersale.Disputed, base) // no deadline
	d := listCase("case-d", o, aftersale.ReturnRefund, aftersale.Closed, base)   // ended: never overdue
	d.Deadlines = []aftersale.Deadline{dl(aftersale.MerchantResponse, -time.Hour)}
	e := listCase("case-e", o, aftersale.Reship, aftersale.Reshipping, base)
	e.Deadlines = []aftersale.Deadline{dl(aftersale.MerchantReship, 90*time.Minute)}
	insertCases(t, s, a, b, c, d, e)

	overdue := func(at time.Duration) []string {
		t.Helper()
		ids := listAll(t, s, store.CaseQuery{OverdueAt: base.Add(at), Limit: 2})
		slices.Sort(ids)
		return ids
	}
	wantEqual(t, "overdue at base", overdue(0), []string(nil))
	wantEqual(t, "overdue at +1h (due exactly then is not overdue)", overdue(time.Hour), []string(nil))
	wantEqual(t, "overdue at +90m", overdue(90*time.Minute), []string{"case-a"})
	wantEqual(t, "overdue at +4h", overdue(4*time.Hour), []string{"case-a", "case-b", "case-e"})

	// The deadline follows the case: a case without deadlines, or ended, is not overdue.
	a2 := *a
	a2.Version, a2.Deadlines = 2, nil
	b2 := *b
	b2.Version, b2.State = 2, aftersale.Completed
	e2 := *e
	e2.Version, e2.Deadlines = 2, []aftersale.Deadline{dl(aftersale.CustomerConfirm, 5*time.Hour)}
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, u := range []*aftersale.Case{&a2, &b2, &e2} {
			if err := tx.UpdateCase(t.Context(), u); err != nil {
				return err
			}
		}
		return nil
	})
	wantEqual(t, "overdue at +4h after updates", overdue(4*time.Hour), []string(nil))
	wantEqual(t, "overdue at +6h after updates", overdue(6*time.Hour), []string{"case-e"})
	ids := listAll(t, s, store.CaseQuery{OverdueAt: base.Add(6 * time.Hour), Types: []aftersale.Type{aftersale.ReturnRefund}})
	wantEqual(t, "overdue return cases at +6h", ids, []string(nil))
}

// manyCases stores n cases on one order: `same` of them share base as created_at, the
// others are a minute apart. Ids do not follow creation times, and the cases are inserted
// in yet another order.
func manyCases(t *testing.T, s store.Store, n, same int) []*aftersale.Case {
	t.Helper()
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	cs := make([]*aftersale.Case, n)
	for i := range n {
		created := base
		if j := (i * 13) % n; j >= same { // 13 and n are coprime in every caller
			created = base.Add(time.Duration(j-same+1) * time.Minute)
		}
		cs[i] = listCase(fmt.Sprintf("case-%03d", i), o, aftersale.RefundOnly, aftersale.Requested, created)
	}
	scrambled := make([]*aftersale.Case, n)
	for i := range n {
		scrambled[i] = cs[(i*7)%n] // 7 and n are coprime in every caller
	}
	insertCases(t, s, scrambled...)
	return cs
}

func testListPages(t *testing.T, s store.Store) {
	cs := manyCases(t, s, 55, 20)
	want := newestFirst(cs)
	for _, limit := range []int{1, 4, 5, 11, 54, 55, 56, 500} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			wantEqual(t, "cases over all pages", listAll(t, s, store.CaseQuery{Limit: limit}), want)
		})
	}
	// A cursor can be used again and gives the same page.
	_, next := listPage(t, s, store.CaseQuery{Limit: 10})
	p1, n1 := listPage(t, s, store.CaseQuery{Limit: 10, Cursor: next})
	p2, n2 := listPage(t, s, store.CaseQuery{Limit: 10, Cursor: next})
	if n1 != n2 || len(p1) != len(p2) || p1[0].Case.ID != p2[0].Case.ID {
		t.Fatal("the same cursor gave different pages")
	}
}

func testListDefaultLimit(t *testing.T, s store.Store) {
	cs := manyCases(t, s, 53, 30)
	recs, next := listPage(t, s, store.CaseQuery{})
	if len(recs) != 50 || next == "" {
		t.Fatalf("ListCases with Limit 0 gave %d cases and next %q; want 50 and a cursor", len(recs), next)
	}
	rest, next := listPage(t, s, store.CaseQuery{Cursor: next})
	if len(rest) != 3 || next != "" {
		t.Fatalf("second page gave %d cases and next %q; want 3 and none", len(rest), next)
	}
	var got []string
	for _, r := range append(recs, rest...) {
		got = append(got, r.Case.ID)
	}
	wantEqual(t, "cases over two default pages", got, newestFirst(cs))
}

func testListNewCasesWhilePaging(t *testing.T, s store.Store) {
	cs := manyCases(t, s, 22, 8)
	want := newestFirst(cs)
	page, next := listPage(t, s, store.CaseQuery{Limit: 6})
	// New cases arrive between pages, newer than anything listed: they belong before the
	// cursor and must not show up in the later pages, nor shift them.
	o := sampleOrder("O-1", "M-1", "C-1")
	insertCases(t, s,
		listCase("case-new-1", o, aftersale.RefundOnly, aftersale.Requested, base.Add(24*time.Hour)),
		listCase("case-new-2", o, aftersale.RefundOnly, aftersale.Requested, base.Add(25*time.Hour)))
	got := make([]string, 0, len(want))
	for _, r := range page {
		got = append(got, r.Case.ID)
	}
	got = append(got, listAll(t, s, store.CaseQuery{Limit: 6, Cursor: next})...)
	wantEqual(t, "cases over pages with new cases arriving", got, want)
}

func testListBadCursor(t *testing.T, s store.Store) {
	manyCases(t, s, 3, 1)
	for _, cursor := range []string{
		"not a cursor!",
		base64.RawURLEncoding.EncodeToString([]byte("garbage")),
		base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00}),
		"%%%",
	} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListCases(t.Context(), store.CaseQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListCases with cursor %q", cursor), err, store.ErrBadCursor)
		if !strings.Contains(err.Error(), "cursor") {
			t.Fatalf("ListCases with cursor %q: error %q does not mention the cursor", cursor, err)
		}
	}
}
