package storetest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// The service desk's queue: ListCases's filters on reason, priority, the recorded SLA
// notices and the search box, and the deadline sort.
var queueTests = []test{
	{name: "ReasonPriorityAndSLAFilters", run: testQueueFilters},
	{name: "SLAAndPriorityFollowTheCase", run: testQueueFollowsUpdates},
	{name: "SearchByNumberOrderOrPhone", run: testQueueSearch},
	{name: "PhoneSearchFollowsThePhone", run: testQueuePhoneChanges},
	{name: "DeadlineSortPages", run: testQueueDeadlineSort},
	{name: "CursorOfAnotherSortIsRefused", run: testQueueCursorSort},
}

// caseIDs are the ids of cases, in their order.
func caseIDs(cs []*aftersale.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// matching is every case of all for which match holds, newest first.
func matching(all []*aftersale.Case, match func(c *aftersale.Case) bool) []string {
	var want []*aftersale.Case
	for _, c := range all {
		if match(c) {
			want = append(want, c)
		}
	}
	if len(want) == 0 {
		return nil
	}
	return newestFirst(want)
}

func testQueueFilters(t *testing.T, s store.Store) {
	orders := []order.Order{sampleOrder("O-1", "M-1", "C-1"), sampleOrder("O-2", "M-2", "C-2")}
	for _, o := range orders {
		seedOrder(t, s, o)
	}
	reasons := []aftersale.Reason{aftersale.NoReason, aftersale.QualityDefect, aftersale.OtherReason}
	notices := [][]string{
		nil,
		{"first_response@1741599000" + aftersale.SLAWarningSuffix},
		{"first_response@1741599000" + aftersale.SLAWarningSuffix, "first_response@1741599000" + aftersale.SLABreachSuffix},
		{"resolution@1741599000" + aftersale.SLABreachSuffix, "next_update@1741600000" + aftersale.SLAWarningSuffix},
	}
	var all []*aftersale.Case
	for i := range 24 {
		c := listCase(fmt.Sprintf("case-%02d", i), orders[i%2], aftersale.ReturnRefund, aftersale.Requested,
			base.Add(time.Duration(i/2)*time.Hour))
		c.Reason = reasons[i%3]
		c.Priority = aftersale.Priorities[(i/2)%4]
		c.SLANotices = notices[(i/3)%4]
		all = append(all, c)
	}
	insertCases(t, s, all...)
	for _, c := range []struct {
		name  string
		q     store.CaseQuery
		match func(c *aftersale.Case) bool
	}{
		{"Reasons", store.CaseQuery{Reasons: []aftersale.Reason{aftersale.NoReason, aftersale.OtherReason}},
			func(c *aftersale.Case) bool { return c.Reason != aftersale.QualityDefect }},
		{"Priorities", store.CaseQuery{Priorities: []aftersale.Priority{aftersale.PriorityUrgent}},
			func(c *aftersale.Case) bool { return c.Priority == aftersale.PriorityUrgent }},
		{"AtRisk", store.CaseQuery{SLA: aftersale.SLAFlagAtRisk},
			func(c *aftersale.Case) bool { return c.SLAFlag() == aftersale.SLAFlagAtRisk }},
		{"Breached", store.CaseQuery{SLA: aftersale.SLAFlagBreached},
			func(c *aftersale.Case) bool { return c.SLAFlag() == aftersale.SLAFlagBreached }},
		{"BreachedOfOneMerchant", store.CaseQuery{SLA: aftersale.SLAFlagBreached, Merchant: "M-2"},
			func(c *aftersale.Case) bool { return c.SLAFlag() == aftersale.SLAFlagBreached && c.MerchantID == "M-2" }},
		{"Combined", store.CaseQuery{Reasons: []aftersale.Reason{aftersale.QualityDefect},
			Priorities: []aftersale.Priority{aftersale.PriorityLow, aftersale.PriorityHigh}, Merchants: []string{"M-1"}},
			func(c *aftersale.Case) bool {
				return c.Reason == aftersale.QualityDefect && c.MerchantID == "M-1" &&
					(c.Priority == aftersale.PriorityLow || c.Priority == aftersale.PriorityHigh)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := matching(all, c.match)
			if len(want) == 0 {
				t.Fatal("the test selects nothing: it would prove nothing")
			}
			q := c.q
			q.Limit = 2
			wantEqual(t, "cases listed in pages of 2", listAll(t, s, q), want)
			q.Sort = store.SortDeadline
			got := listAll(t, s, q)
			slices.Sort(got)
			slices.Sort(want)
			wantEqual(t, "the same cases by deadline", got, want)
		})
	}
}

// The stored SLA flag and priority are the case's, after every update.
func testQueueFollowsUpdates(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	c := listCase("case-1", o, aftersale.ReturnRefund, aftersale.Requested, base)
	c.Priority = aftersale.PriorityNormal
	insertCases(t, s, c)
	listed := func(q store.CaseQuery) []string {
		t.Helper()
		return listAll(t, s, q)
	}
	atRisk := store.CaseQuery{SLA: aftersale.SLAFlagAtRisk}
	breached := store.CaseQuery{SLA: aftersale.SLAFlagBreached}
	urgent := store.CaseQuery{Priorities: []aftersale.Priority{aftersale.PriorityUrgent}}
	wantEqual(t, "at risk before any notice", listed(atRisk), []string(nil))
	for _, step := range []struct {
		notice   string
		priority aftersale.Priority
		atRisk   []string
		breached []string
		urgent   []string
	}{
		{"first_response@1741599000" + aftersale.SLAWarningSuffix, aftersale.PriorityNormal, []string{"case-1"}, nil, nil},
		{"first_response@1741599000" + aftersale.SLABreachSuffix, aftersale.PriorityUrgent, nil, []string{"case-1"}, []string{"case-1"}},
	} {
		next := *c
		next.Version++
		next.SLANotices = append(slices.Clone(c.SLANotices), step.notice)
		next.Priority = step.priority
		mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateCase(t.Context(), &next) })
		c = &next
		wantEqual(t, "at risk after "+step.notice, listed(atRisk), step.atRisk)
		wantEqual(t, "breached after "+step.notice, listed(breached), step.breached)
		wantEqual(t, "urgent after "+step.notice, listed(urgent), step.urgent)
	}
}

// phoneWorld: two merchants whose customers' phones end alike, and case numbers and order
// numbers to search for.
func phoneWorld(t *testing.T, s store.Store) (all []*aftersale.Case) {
	t.Helper()
	orders := []order.Order{
		sampleOrder("O-A1", "M-A", "C-1"), sampleOrder("O-A2", "M-A", "C-2"),
		sampleOrder("O-B1", "M-B", "C-3"), sampleOrder("1234", "M-B", "C-4"), // an order number of four digits
	}
	for _, o := range orders {
		seedOrder(t, s, o)
	}
	phones := map[string]string{"C-1": "13800001234", "C-2": "+86 139-0000-5678", "C-3": "137 0000 1234", "C-4": "12"}
	mustUpdate(t, s, func(tx store.Tx) error {
		for id, phone := range phones {
			if err := tx.UpdateCustomer(t.Context(), store.Customer{ID: id, Name: "买家 " + id, Phone: phone}); err != nil {
				return err
			}
		}
		return nil
	})
	for i, o := range orders {
		for j := range 2 {
			c := listCase(fmt.Sprintf("case-%d%d", i, j), o, aftersale.RefundOnly, aftersale.Requested,
				base.Add(time.Duration(i*2+j)*time.Minute))
			c.Number = fmt.Sprintf("AS250310%06d", i*2+j+1)
			all = append(all, c)
		}
	}
	insertCases(t, s, all...)
	return all
}

func testQueueSearch(t *testing.T, s store.Store) {
	all := phoneWorld(t, s)
	for _, c := range []struct {
		name, search, merchant string
		want                   []string
	}{
		{"ByNumber", "AS250310000003", "", []string{"case-10"}},
		{"ByNumberOfAnotherMerchant", "AS250310000003", "M-B", nil},
		{"ByOrder", "O-A2", "", []string{"case-11", "case-10"}},
		{"ByPhoneEnd", "1234", "", []string{"case-31", "case-30", "case-21", "case-20", "case-01", "case-00"}},
		{"ByPhoneEndOfOneMerchant", "1234", "M-A", []string{"case-01", "case-00"}},
		{"ByPhoneEndOfTheOtherMerchant", "1234", "M-B", []string{"case-31", "case-30", "case-21", "case-20"}},
		{"PhoneWithSeparators", "5678", "", []string{"case-11", "case-10"}},
		{"PhoneWithSeparatorsOfAnotherMerchant", "5678", "M-B", nil},
		{"ThreeDigitsAreNoPhone", "234", "", nil},
		{"FiveDigitsAreNoPhone", "01234", "", nil},
		{"APartOfANumberIsNothing", "AS250310", "", nil},
		{"ShortPhonesMatchNothing", "0012", "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := store.CaseQuery{Search: c.search, Merchant: c.merchant, Limit: 1}
			wantEqual(t, "cases found by "+c.search, listAll(t, s, q), c.want)
			q.Sort = store.SortDeadline
			got := listAll(t, s, q)
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			wantEqual(t, "the same by deadline", got, want)
		})
	}
	// The search narrows the other filters, never widens them.
	q := store.CaseQuery{Search: "1234", Merchants: []string{"M-A"}, States: []aftersale.State{aftersale.Requested}}
	wantEqual(t, "phone search within an agent's scope", listAll(t, s, q), matching(all, func(c *aftersale.Case) bool {
		return c.MerchantID == "M-A" && c.CustomerID == "C-1"
	}))
}

// The phone's last four digits are written with the phone: a changed phone is found by
// its new end only.
func testQueuePhoneChanges(t *testing.T, s store.Store) {
	phoneWorld(t, s)
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.UpdateCustomer(t.Context(), store.Customer{ID: "C-1", Name: "王芳", Phone: "(021) 6000-9876"})
	})
	wantEqual(t, "the old end", listAll(t, s, store.CaseQuery{Search: "1234", Merchant: "M-A"}), []string(nil))
	wantEqual(t, "the new end", listAll(t, s, store.CaseQuery{Search: "9876", Merchant: "M-A"}), []string{"case-01", "case-00"})
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.UpdateCustomer(t.Context(), store.Customer{ID: "C-1", Name: "王芳"})
	})
	wantEqual(t, "no phone", listAll(t, s, store.CaseQuery{Search: "9876"}), []string(nil))
}

// byDeadline sorts cases as ListCases's deadline sort does: the earliest deadline first,
// cases without one last, ties by id.
func byDeadline(cs []*aftersale.Case) []string {
	key := func(c *aftersale.Case) int64 {
		k := int64(math.MaxInt64)
		for _, d := range c.Deadlines {
			k = min(k, d.Due.UnixMicro())
		}
		return k
	}
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b *aftersale.Case) int {
		return cmp.Or(cmp.Compare(key(a), key(b)), strings.Compare(a.ID, b.ID))
	})
	return caseIDs(sorted)
}

func testQueueDeadlineSort(t *testing.T, s store.Store) {
	orders := []order.Order{sampleOrder("O-1", "M-1", "C-1"), sampleOrder("O-2", "M-2", "C-2")}
	for _, o := range orders {
		seedOrder(t, s, o)
	}
	var all []*aftersale.Case
	for i := range 31 {
		j := (i * 7) % 31 // ids do not follow deadlines nor creation
		c := listCase(fmt.Sprintf("case-%02d", j), orders[i%2], aftersale.ReturnRefund, aftersale.Requested,
			base.Add(time.Duration(i)*time.Minute))
		switch {
		case i%5 == 0: // no deadline
		case i%3 == 0: // ties on the deadline
			c.Deadlines = []aftersale.Deadline{{Kind: aftersale.MerchantResponse, Due: base.Add(48 * time.Hour)}}
		default: // the earliest of two counts
			c.Deadlines = []aftersale.Deadline{
				{Kind: aftersale.CustomerShipBack, Due: base.Add(time.Duration(100-i) * time.Hour)},
				{Kind: aftersale.MerchantResponse, Due: base.Add(time.Duration(i) * time.Hour)},
			}
		}
		all = append(all, c)
	}
	insertCases(t, s, all...)
	want := byDeadline(all)
	for _, limit := range []int{1, 4, 7, 30, 31, 32} {
		q := store.CaseQuery{Sort: store.SortDeadline, Limit: limit}
		wantEqual(t, fmt.Sprint("cases by deadline in pages of ", limit), listAll(t, s, q), want)
	}
	var ofM2 []*aftersale.Case
	for _, c := range all {
		if c.MerchantID == "M-2" {
			ofM2 = append(ofM2, c)
		}
	}
	wantEqual(t, "one merchant's cases by deadline", listAll(t, s, store.CaseQuery{Merchant: "M-2", Sort: store.SortDeadline, Limit: 3}), byDeadline(ofM2))

	// A case whose deadline moves moves in the sort; paging on from a cursor taken before
	// neither repeats nor skips the others.
	page, next := listPage(t, s, store.CaseQuery{Sort: store.SortDeadline, Limit: 5})
	moved := *all[3]
	moved.Version, moved.Deadlines = 2, nil
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateCase(t.Context(), &moved) })
	all[3] = &moved
	got := make([]string, 0, len(all))
	for _, r := range page {
		got = append(got, r.Case.ID)
	}
	got = append(got, listAll(t, s, store.CaseQuery{Sort: store.SortDeadline, Limit: 5, Cursor: next})...)
	if slices.Contains(got[:5], moved.ID) {
		t.Fatalf("test set-up: case %s is on the first page", moved.ID)
	}
	wantEqual(t, "cases by deadline after one lost its deadline", got, byDeadline(all))
}

func testQueueCursorSort(t *testing.T, s store.Store) {
	manyCases(t, s, 5, 1)
	_, byCreated := listPage(t, s, store.CaseQuery{Limit: 2})
	_, byDeadline := listPage(t, s, store.CaseQuery{Limit: 2, Sort: store.SortDeadline})
	if byCreated == "" || byDeadline == "" {
		t.Fatal("no next page")
	}
	for _, c := range []struct {
		name   string
		cursor string
		sort   store.CaseSort
	}{
		{"CreatedCursorByDeadline", byCreated, store.SortDeadline},
		{"DeadlineCursorByCreated", byDeadline, store.SortCreated},
		{"DeadlineCursorByDefault", byDeadline, ""},
	} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListCases(t.Context(), store.CaseQuery{Cursor: c.cursor, Sort: c.sort})
			return err
		})
		wantErr(t, c.name, err, store.ErrBadCursor)
	}
	// The explicit created sort is the default one: its cursors serve both.
	a, _ := listPage(t, s, store.CaseQuery{Cursor: byCreated})
	b, _ := listPage(t, s, store.CaseQuery{Cursor: byCreated, Sort: store.SortCreated})
	wantEqual(t, "the created sort by name and by default", len(a), len(b))
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, _, err := tx.ListCases(t.Context(), store.CaseQuery{Sort: "priority"})
		return err
	})
	if err == nil {
		t.Fatal("an unknown sort was accepted")
	}
}
