package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// The complaints' list: ListComplaints (complaintTests).

// complaintPage runs one ListComplaints.
func complaintPage(t *testing.T, s store.Store, q store.ComplaintQuery) (cs []complaint.Complaint, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		cs, next, err = tx.ListComplaints(t.Context(), q)
		return err
	})
	return cs, next
}

// allComplaints follows ListComplaints's cursors to the end.
func allComplaints(t *testing.T, s store.Store, q store.ComplaintQuery) []complaint.Complaint {
	t.Helper()
	all := []complaint.Complaint{}
	for page := 0; ; page++ {
		if page > 2000 {
			t.Fatal("ListComplaints: more than 2000 pages; the cursor does not advance")
		}
		cs, next := complaintPage(t, s, q)
		all = append(all, cs...)
		if next == "" {
			return all
		}
		if q.Limit > 0 && len(cs) != q.Limit {
			t.Fatalf("ListComplaints: page %d has %d complaints and a next cursor; want %d", page, len(cs), q.Limit)
		}
		q.Cursor = next
	}
}

// complaintIDsOf sorts cs as ListComplaints returns them and keeps the ids of those keep
// selects.
func complaintIDsOf(cs []complaint.Complaint, keep func(complaint.Complaint) bool) []string {
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b complaint.Complaint) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), strings.Compare(b.ID, a.ID))
	})
	ids := []string{}
	for _, c := range out {
		if keep(c) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// complaintWorld seeds complaints of customers and merchants' staff about agents,
// merchants and the platform, concerning two merchants or none, a minute or none apart.
func complaintWorld(t *testing.T, s store.Store) []complaint.Complaint {
	t.Helper()
	rows := []struct {
		id       string
		filer    complaint.Actor
		about    complaint.About
		merchant string
		caseID   string
		state    complaint.State
		tier     int
		at       int
	}{
		{"k-01", byCustomer("C-1"), complaint.AboutAgent, "M-1", "case-1", complaint.Open, 1, 0},
		{"k-02", byCustomer("C-1"), complaint.AboutMerchant, "M-1", "", complaint.Resolved, 2, 1},
		{"k-03", byMerchant("u-m1"), complaint.AboutPlatform, "M-1", "", complaint.Open, 1, 2},
		{"k-04", byCustomer("C-2"), complaint.AboutMerchant, "M-2", "case-2", complaint.Open, 3, 2},
		{"k-05", byCustomer("C-2"), complaint.AboutPlatform, "M-2", "", complaint.Open, 1, 3},
		{"k-06", byMerchant("u-m2"), complaint.AboutAgent, "M-2", "", complaint.Open, 2, 4},
		{"k-07", byCustomer("C-3"), complaint.AboutPlatform, "", "", complaint.Resolved, 1, 5},
		{"k-08", byCustomer("C-1"), complaint.AboutAgent, "M-2", "case-2", complaint.Open, 1, 5},
	}
	cs := make([]complaint.Complaint, len(rows))
	for i, r := range rows {
		cs[i] = newComplaint(r.id, r.filer, r.about, r.merchant, base)
		cs[i].CaseID, cs[i].State, cs[i].Tier, cs[i].UpdatedAt = r.caseID, r.state, r.tier, minute(r.at)
	}
	mustInsertComplaints(t, s, cs...)
	return cs
}

func testComplaintListFilters(t *testing.T, s store.Store) {
	world := complaintWorld(t, s)
	all := func(complaint.Complaint) bool { return true }
	wantEqual(t, "every complaint, newest first", complaintIDs(allComplaints(t, s, store.ComplaintQuery{Limit: 500})),
		complaintIDsOf(world, all))
	// A merchant's staff see what they filed and what is about the merchant, not what its
	// customers say of the platform's agents or of the platform.
	seenBy := func(m string) func(complaint.Complaint) bool {
		return func(c complaint.Complaint) bool {
			return c.Merchant == m && (c.FiledBy.Role == complaint.Merchant || c.About == complaint.AboutMerchant)
		}
	}
	wantEqual(t, "what M-1 sees", complaintIDsOf(world, seenBy("M-1")), []string{"k-03", "k-02"})
	wantEqual(t, "what M-2 sees", complaintIDsOf(world, seenBy("M-2")), []string{"k-06", "k-04"})
	for _, f := range []struct {
		name string
		q    store.ComplaintQuery
		keep func(complaint.Complaint) bool
	}{
		{"Customer", store.ComplaintQuery{Customer: "C-1"}, func(c complaint.Complaint) bool { return c.Customer == "C-1" }},
		{"MerchantM1", store.ComplaintQuery{Merchant: "M-1"}, seenBy("M-1")},
		{"MerchantM2", store.ComplaintQuery{Merchant: "M-2"}, seenBy("M-2")},
		{"Merchants", store.ComplaintQuery{Merchants: []string{"M-1", "M-9"}}, func(c complaint.Complaint) bool { return c.Merchant == "M-1" }},
		{"MerchantsNone", store.ComplaintQuery{Merchants: []string{}}, func(complaint.Complaint) bool { return false }},
		{"Case", store.ComplaintQuery{CaseID: "case-2"}, func(c complaint.Complaint) bool { return c.CaseID == "case-2" }},
		{"State", store.ComplaintQuery{State: complaint.Resolved}, func(c complaint.Complaint) bool { return c.State == complaint.Resolved }},
		{"Tier", store.ComplaintQuery{Tier: 2}, func(c complaint.Complaint) bool { return c.Tier == 2 }},
		{"About", store.ComplaintQuery{About: complaint.AboutPlatform}, func(c complaint.Complaint) bool { return c.About == complaint.AboutPlatform }},
		{"Combined", store.ComplaintQuery{Merchant: "M-2", Merchants: []string{"M-2"}, State: complaint.Open, Tier: 3},
			func(c complaint.Complaint) bool { return c.ID == "k-04" }},
	} {
		t.Run(f.name, func(t *testing.T) {
			want := complaintIDsOf(world, f.keep)
			if len(want) == len(world) || len(want) == 0 && f.name != "MerchantsNone" {
				t.Fatalf("the filter selects %d of %d complaints: the test proves nothing", len(want), len(world))
			}
			q := f.q
			q.Limit = 500
			wantEqual(t, "complaints on one page", complaintIDs(allComplaints(t, s, q)), want)
			q.Limit = 2
			wantEqual(t, "complaints over pages of 2", complaintIDs(allComplaints(t, s, q)), want)
		})
	}
	wantEqual(t, "Merchants nil: every complaint", complaintIDs(allComplaints(t, s, store.ComplaintQuery{Merchants: nil})),
		complaintIDsOf(world, all))
}

func testComplaintPages(t *testing.T, s store.Store) {
	// 120 complaints at four times, ids scrambled against the times and the customers.
	var cs []complaint.Complaint
	for i := range 120 {
		customer := "C-1"
		if i%3 == 0 {
			customer = "C-2"
		}
		c := newComplaint(fmt.Sprintf("p-%03d", i*37%120), byCustomer(customer), complaint.AboutAgent, "M-1", base)
		c.UpdatedAt = minute(i % 4)
		cs = append(cs, c)
	}
	mustInsertComplaints(t, s, cs...)
	want := complaintIDsOf(cs, func(complaint.Complaint) bool { return true })
	for _, limit := range []int{1, 7, 50, 119, 120, 121, 500} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			wantEqual(t, "complaints over all pages", complaintIDs(allComplaints(t, s, store.ComplaintQuery{Limit: limit})), want)
		})
	}
	c1 := complaintIDsOf(cs, func(c complaint.Complaint) bool { return c.Customer == "C-1" })
	wantEqual(t, "C-1's complaints over pages of 7",
		complaintIDs(allComplaints(t, s, store.ComplaintQuery{Customer: "C-1", Limit: 7})), c1)
}

func testComplaintLimits(t *testing.T, s store.Store) {
	cs := make([]complaint.Complaint, 501)
	for i := range cs {
		cs[i] = newComplaint(fmt.Sprintf("k-%03d", i), byCustomer("C-1"), complaint.AboutAgent, "M-1", base)
	}
	mustInsertComplaints(t, s, cs...)
	for _, l := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {500, 500}, {1000, 500}} {
		page, next := complaintPage(t, s, store.ComplaintQuery{Limit: l.limit})
		if len(page) != l.want || next == "" {
			t.Fatalf("Limit %d: %d complaints and next %q; want %d and a next page", l.limit, len(page), next, l.want)
		}
	}
	if got := allComplaints(t, s, store.ComplaintQuery{Limit: 500}); len(got) != 501 {
		t.Fatalf("pages of 500 hold %d complaints, want 501", len(got))
	}
}

func testComplaintBadCursor(t *testing.T, s store.Store) {
	complaintWorld(t, s)
	disputeWorld(t, s)
	_, disputeCursor := disputePage(t, s, store.DisputeQuery{Limit: 1})
	for _, cursor := range append(slices.Clone(otherCursors),
		disputeCursor, // a ListDisputes cursor
		b64("complaints/soon/k-01"),
		b64("complaints/1741599000123456/"),
	) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListComplaints(t.Context(), store.ComplaintQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListComplaints with cursor %q", cursor), err, store.ErrBadCursor)
	}
}
