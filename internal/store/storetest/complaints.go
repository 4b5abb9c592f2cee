package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// Complaints (store.Disputes, package complaint): a row per complaint with its whole value
// and its next SLA check, optimistic updates, a list by keyset with what a merchant's
// staff may see, the SLA clock's queries and an append-only history.
var complaintTests = []test{
	{name: "EveryFieldReadsBack", run: testComplaintRoundTrip},
	{name: "MalformedRefused", run: testComplaintMalformed},
	{name: "TakenIDOrNumberConflicts", run: testComplaintTaken},
	{name: "UpdateIsOptimistic", run: testComplaintUpdate},
	{name: "ListFilters", run: testComplaintListFilters},
	{name: "ListPagesStableUnderTies", run: testComplaintPages},
	{name: "ListDefaultAndMaximumLimit", run: testComplaintLimits},
	{name: "ListBadCursor", run: testComplaintBadCursor},
	{name: "DueAndNextCheckByTheClock", clocked: testComplaintsDue},
	{name: "EventsInOrder", run: testComplaintEvents},
	{name: "EventDuplicateSeqConflicts", run: testComplaintEventDuplicate},
}

// byCustomer and byMerchant are who files complaints.
func byCustomer(id string) complaint.Actor { return complaint.Actor{Role: complaint.Customer, ID: id} }
func byMerchant(id string) complaint.Actor { return complaint.Actor{Role: complaint.Merchant, ID: id} }

// newComplaint is an open complaint (version 1, tier 1) filed by filer about about,
// concerning merchant, made and updated at at.
func newComplaint(id string, filer complaint.Actor, about complaint.About, merchant string, at time.Time) complaint.Complaint {
	c := complaint.Complaint{ID: id, Number: "TS-" + id, Subject: "投诉 " + id, About: about, Merchant: merchant,
		FiledBy: filer, Description: "客服未回复 — no answer", State: complaint.Open, Version: 1, Tier: 1,
		TierSince: at, CreatedAt: at, UpdatedAt: at}
	if filer.Role == complaint.Customer {
		c.Customer = filer.ID
	}
	return c
}

// insertComplaints runs InsertComplaint for each of cs, without a next check, in one
// transaction.
func insertComplaints(t *testing.T, s store.Store, cs ...complaint.Complaint) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range cs {
			if err := tx.InsertComplaint(t.Context(), &cs[i], time.Time{}); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustInsertComplaints is insertComplaints that must succeed.
func mustInsertComplaints(t *testing.T, s store.Store, cs ...complaint.Complaint) {
	t.Helper()
	if err := insertComplaints(t, s, cs...); err != nil {
		t.Fatalf("InsertComplaint: %v", err)
	}
}

// updateComplaint runs UpdateComplaint in its own transaction.
func updateComplaint(t *testing.T, s store.Store, c complaint.Complaint, checkAt time.Time) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateComplaint(t.Context(), &c, checkAt) })
}

// readComplaint returns a complaint by id.
func readComplaint(t *testing.T, s store.Store, id string) complaint.Complaint {
	t.Helper()
	var c complaint.Complaint
	mustView(t, s, func(tx store.Tx) error {
		var err error
		c, err = tx.Complaint(t.Context(), id)
		return err
	})
	return c
}

// complaintIDs are the ids of cs, in order.
func complaintIDs(cs []complaint.Complaint) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testComplaintRoundTrip(t *testing.T, s store.Store) {
	at := func(m int) time.Time { return base.Add(time.Duration(m)*time.Minute + 999).In(shanghai) }
	utc := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	full := complaint.Complaint{ID: "k-1", Number: "TS20250310-0001", Subject: "退款迟迟未到 Refund late",
		About: complaint.AboutMerchant, CaseID: "case-1", CaseNumber: "RMA-case-1", Merchant: "M-1", Customer: "C-1",
		FiledBy: byCustomer("C-1"), Description: "七天了 — a week now",
		Evidence: []aftersale.Evidence{{ID: "att-1", Kind: "photo"}, {ID: "att-2"}},
		State:    complaint.Resolved, Version: 1, Tier: 3, Owner: "mgr-1", TierSince: at(10), Responded: at(20),
		Resolution: "已退款 refunded", ResolvedAt: at(30),
		Breaches:  []complaint.Target{complaint.FirstResponse, complaint.Resolution},
		CreatedAt: at(0), UpdatedAt: at(30)}
	bare := newComplaint("k-2", byMerchant("u-m1"), complaint.AboutPlatform, "M-1", utc(1)) // no case, no customer
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertComplaint(t.Context(), &full, at(40)); err != nil {
			return err
		}
		return tx.InsertComplaint(t.Context(), &bare, time.Time{})
	})
	want := full
	want.TierSince, want.Responded, want.ResolvedAt, want.CreatedAt, want.UpdatedAt = utc(10), utc(20), utc(30), utc(0), utc(30)
	wantEqual(t, "Complaint", readComplaint(t, s, "k-1"), want)
	wantEqual(t, "Complaint without case", readComplaint(t, s, "k-2"), bare)
	page, next := complaintPage(t, s, store.ComplaintQuery{})
	wantEqual(t, "ListComplaints", page, []complaint.Complaint{want, bare})
	if next != "" {
		t.Fatalf("ListComplaints of two complaints: next %q", next)
	}
	wantEqual(t, "complaints of case-1", complaintIDs(allComplaints(t, s, store.ComplaintQuery{CaseID: "case-1"})), []string{"k-1"})

	// Reopened: what the update drops is gone.
	upd := want
	upd.State, upd.Version, upd.Resolution, upd.ResolvedAt, upd.Breaches, upd.UpdatedAt = complaint.Open, 2, "", time.Time{}, nil, utc(50)
	if err := updateComplaint(t, s, upd, utc(90)); err != nil {
		t.Fatalf("UpdateComplaint: %v", err)
	}
	wantEqual(t, "Complaint after UpdateComplaint", readComplaint(t, s, "k-1"), upd)

	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Complaint(t.Context(), "k-none")
		return err
	})
	wantErr(t, "Complaint of an unknown id", err, store.ErrNotFound)
}

func testComplaintMalformed(t *testing.T, s store.Store) {
	for _, m := range []struct {
		name   string
		change func(*complaint.Complaint)
	}{
		{"NotVersion1", func(c *complaint.Complaint) { c.Version = 2 }},
		{"UnknownState", func(c *complaint.Complaint) { c.State = "closed" }},
		{"NoNumber", func(c *complaint.Complaint) { c.Number = "" }},
		{"NoID", func(c *complaint.Complaint) { c.ID = "" }},
	} {
		c := newComplaint("k-1", byCustomer("C-1"), complaint.AboutAgent, "M-1", base)
		m.change(&c)
		err := insertComplaints(t, s, c)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: InsertComplaint = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	if cs, _ := complaintPage(t, s, store.ComplaintQuery{}); len(cs) != 0 {
		t.Fatalf("malformed complaints were stored: %s", show(cs))
	}
}

// A taken id or number is refused by the call itself, writes nothing and leaves the
// transaction usable.
func testComplaintTaken(t *testing.T, s store.Store) {
	ctx := t.Context()
	k1 := newComplaint("k-1", byCustomer("C-1"), complaint.AboutAgent, "M-1", minute(0))
	mustInsertComplaints(t, s, k1)
	sameID := newComplaint("k-1", byCustomer("C-2"), complaint.AboutAgent, "M-2", minute(1))
	sameID.Number = "TS-other"
	sameNumber := newComplaint("k-2", byCustomer("C-2"), complaint.AboutAgent, "M-2", minute(1))
	sameNumber.Number = k1.Number
	for _, c := range []complaint.Complaint{sameID, sameNumber} {
		var refused error
		err := s.Update(ctx, func(tx store.Tx) error {
			refused = tx.InsertComplaint(ctx, &c, minute(5))
			return refused
		})
		wantErr(t, "InsertComplaint "+c.ID+" "+c.Number, refused, store.ErrConflict)
		wantErr(t, "Update", err, store.ErrConflict)
	}
	k3 := newComplaint("k-3", byCustomer("C-3"), complaint.AboutPlatform, "", minute(2))
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "a taken id", tx.InsertComplaint(ctx, &sameID, time.Time{}), store.ErrConflict)
		wantErr(t, "a taken number", tx.InsertComplaint(ctx, &sameNumber, time.Time{}), store.ErrConflict)
		if got, err := tx.Complaint(ctx, "k-1"); err != nil || got.Customer != "C-1" {
			t.Fatalf("Complaint after the refusals = %s, %v", show(got), err)
		}
		return tx.InsertComplaint(ctx, &k3, time.Time{})
	})
	wantEqual(t, "complaints", complaintIDs(allComplaints(t, s, store.ComplaintQuery{})), []string{"k-3", "k-1"})
}

func testComplaintUpdate(t *testing.T, s store.Store) {
	k := newComplaint("k-1", byCustomer("C-1"), complaint.AboutAgent, "M-1", minute(0))
	mustInsertComplaints(t, s, k)
	v2 := k
	v2.Version, v2.Owner, v2.UpdatedAt = 2, "agent-1", minute(1)
	if err := updateComplaint(t, s, v2, minute(60)); err != nil {
		t.Fatalf("UpdateComplaint to version 2: %v", err)
	}
	again := k
	again.Version, again.State = 2, complaint.Resolved
	wantErr(t, "UpdateComplaint to version 2 again", updateComplaint(t, s, again, time.Time{}), store.ErrConflict)
	ahead := v2
	ahead.Version = 4
	wantErr(t, "UpdateComplaint to version 4", updateComplaint(t, s, ahead, time.Time{}), store.ErrConflict)
	unknown := v2
	unknown.ID = "k-none"
	wantErr(t, "UpdateComplaint of an unknown id", updateComplaint(t, s, unknown, time.Time{}), store.ErrNotFound)
	wantEqual(t, "k-1", readComplaint(t, s, "k-1"), v2)
}

// The SLA clock: open complaints whose next check is at or before the store's Now(),
// soonest first (ties by id); resolved complaints and those without a check never.
func testComplaintsDue(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	due := func(limit int) []string {
		var cs []complaint.Complaint
		mustView(t, s, func(tx store.Tx) error {
			var err error
			cs, err = tx.DueComplaints(t.Context(), limit)
			return err
		})
		return complaintIDs(cs)
	}
	next := func() (time.Time, bool) {
		var at time.Time
		var ok bool
		mustView(t, s, func(tx store.Tx) error {
			var err error
			at, ok, err = tx.NextComplaintCheck(t.Context())
			return err
		})
		return at, ok
	}
	if at, ok := next(); ok {
		t.Fatalf("NextComplaintCheck without complaints = %v, true", at)
	}
	wantEqual(t, "due without complaints", due(10), []string{})

	k := func(id string) complaint.Complaint {
		return newComplaint(id, byCustomer("C-1"), complaint.AboutAgent, "M-1", base.Add(-3*time.Hour))
	}
	resolved := k("k-f")
	resolved.State = complaint.Resolved
	checks := []struct {
		c  complaint.Complaint
		at time.Time
	}{
		{k("k-c"), base.Add(-time.Hour)},
		{k("k-b"), base}, // due at Now() exactly
		{k("k-a"), base.Add(-time.Hour).In(shanghai)},
		{k("k-d"), base.Add(time.Hour + 999).In(shanghai)}, // kept to the microsecond: due at base+1h
		{k("k-e"), time.Time{}},                            // no check
		{resolved, base.Add(-2 * time.Hour)},
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range checks {
			if err := tx.InsertComplaint(t.Context(), &checks[i].c, checks[i].at); err != nil {
				return err
			}
		}
		return nil
	})
	wantEqual(t, "due at base", due(10), []string{"k-a", "k-c", "k-b"})
	wantEqual(t, "due at base, 2 of them", due(2), []string{"k-a", "k-c"})
	wantEqual(t, "due with a limit of 0", due(0), []string{})
	if at, ok := next(); !ok || !at.Equal(base.Add(-time.Hour)) || at.Location() != time.UTC {
		t.Fatalf("NextComplaintCheck = %v, %v; want %v (resolved complaints do not count)", at, ok, base.Add(-time.Hour))
	}

	// k-a answered: no check left. k-c resolved with a check: it never falls due.
	a := checks[2].c
	a.Version, a.Responded = 2, base
	if err := updateComplaint(t, s, a, time.Time{}); err != nil {
		t.Fatal(err)
	}
	c := checks[0].c
	c.Version, c.State, c.Resolution, c.ResolvedAt = 2, complaint.Resolved, "done", base
	if err := updateComplaint(t, s, c, base.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "due at base after the updates", due(10), []string{"k-b"})
	if at, ok := next(); !ok || !at.Equal(base) {
		t.Fatalf("NextComplaintCheck after the updates = %v, %v; want %v", at, ok, base)
	}

	clk.Advance(time.Hour - time.Microsecond)
	wantEqual(t, "due a microsecond before base+1h", due(10), []string{"k-b"})
	clk.Advance(time.Microsecond)
	wantEqual(t, "due at base+1h", due(10), []string{"k-b", "k-d"})
}

// complaintEvents returns a complaint's history.
func complaintEvents(t *testing.T, s store.Store, id string) []complaint.Event {
	t.Helper()
	var evs []complaint.Event
	mustView(t, s, func(tx store.Tx) error {
		var err error
		evs, err = tx.ComplaintEvents(t.Context(), id)
		return err
	})
	return evs
}

// sampleComplaintEvents are three events of a complaint, every field set on the first.
func sampleComplaintEvents() []complaint.Event {
	return []complaint.Event{
		{Seq: 1, Action: complaint.File, Actor: byCustomer("C-1"), To: complaint.Open, At: minute(0), Note: "投诉主题",
			Data: map[string]string{"about": "agent", "tier": "1"}},
		{Seq: 2, Action: complaint.Breach, Actor: complaint.Actor{Role: complaint.System, ID: "system"},
			From: complaint.Open, To: complaint.Open, At: minute(1), Data: map[string]string{"target": "first_response", "tier": "2"}},
		{Seq: 3, Action: complaint.Resolve, Actor: complaint.Actor{Role: complaint.Supervisor, ID: "sup-1"},
			From: complaint.Open, To: complaint.Resolved, At: minute(2), Note: "已处理"},
	}
}

func testComplaintEvents(t *testing.T, s store.Store) {
	mustInsertComplaints(t, s, newComplaint("k-1", byCustomer("C-1"), complaint.AboutAgent, "M-1", base),
		newComplaint("k-2", byCustomer("C-2"), complaint.AboutAgent, "M-1", base))
	evs := sampleComplaintEvents()
	written := slices.Clone(evs)
	written[0].At = minute(0).Add(999).In(shanghai) // kept in UTC to the microsecond
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, i := range []int{2, 0} { // out of order: read back by seq
			if err := tx.AppendComplaintEvent(t.Context(), "k-1", written[i]); err != nil {
				return err
			}
		}
		return tx.AppendComplaintEvent(t.Context(), "k-2", written[0])
	})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendComplaintEvent(t.Context(), "k-1", written[1]) })
	wantEqual(t, "events of k-1", complaintEvents(t, s, "k-1"), evs)
	wantEqual(t, "events of k-2", complaintEvents(t, s, "k-2"), evs[:1])
	if got := complaintEvents(t, s, "k-none"); len(got) != 0 {
		t.Fatalf("events of an unknown complaint: %s", show(got))
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.AppendComplaintEvent(t.Context(), "k-none", evs[0])
	})
	wantErr(t, "AppendComplaintEvent to an unknown complaint", err, store.ErrNotFound)
}

func testComplaintEventDuplicate(t *testing.T, s store.Store) {
	mustInsertComplaints(t, s, newComplaint("k-1", byCustomer("C-1"), complaint.AboutAgent, "M-1", base))
	evs := sampleComplaintEvents()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendComplaintEvent(t.Context(), "k-1", evs[0]) })
	again := evs[1]
	again.Seq = 1
	// The refusal may come back from the call or with the transaction's next statement.
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AppendComplaintEvent(t.Context(), "k-1", again) })
	wantErr(t, "AppendComplaintEvent with a taken seq", err, store.ErrConflict)
	wantEqual(t, "events after a refused append", complaintEvents(t, s, "k-1"), evs[:1])
}
