package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/dispute"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// Disputes (store.Disputes, package dispute): a row per dispute with its whole value, at
// most one dispute of a case that has not ended (enforced by the database), optimistic
// updates, a list by keyset and an append-only history.
var disputeTests = []test{
	{name: "EveryFieldReadsBack", run: testDisputeRoundTrip},
	{name: "ZeroTimesAreNow", clocked: testDisputeDefaults},
	{name: "MalformedRefused", run: testDisputeMalformed},
	{name: "OneOpenDisputePerCase", run: testDisputeOnePerCase},
	{name: "UnknownCaseNotFound", run: testDisputeUnknownCase},
	{name: "TakenIDConflicts", run: testDisputeTakenID},
	{name: "RefusalsLeaveTransactionUsable", run: testDisputeRefusalsUsable},
	{name: "UpdateIsOptimistic", run: testDisputeUpdate},
	{name: "UpdateMovesItInTheLists", run: testDisputeUpdateColumns},
	{name: "ListFilters", run: testDisputeListFilters},
	{name: "ListPagesStableUnderTies", run: testDisputePages},
	{name: "ListDefaultAndMaximumLimit", run: testDisputeLimits},
	{name: "ListBadCursor", run: testDisputeBadCursor},
	{name: "EventsInOrder", run: testDisputeEvents},
	{name: "EventDuplicateSeqConflicts", run: testDisputeEventDuplicate},
	{name: "EventOfUnknownDisputeNotFound", run: testDisputeEventUnknown},
}

// disputeCase seeds an order of merchant and customer ("O-"+id) and a case on it (id), and
// returns the case.
func disputeCase(t *testing.T, s store.Store, id, merchant, customer string) *aftersale.Case {
	t.Helper()
	o := sampleOrder("O-"+id, merchant, customer)
	seedOrder(t, s, o)
	c := sampleCase(id, o, base)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(t.Context(), c, sampleDecision) })
	return c
}

// newDispute is a dispute (version 1) of c in state, made and updated at at.
func newDispute(id string, c *aftersale.Case, state dispute.State, at time.Time) dispute.Dispute {
	return dispute.Dispute{ID: id, Number: "DP" + c.Number, CaseID: c.ID, CaseNumber: c.Number, OrderNo: c.OrderNo,
		Merchant: c.MerchantID, Customer: c.CustomerID, Category: dispute.Quality, State: state, Version: 1,
		CaseType: c.Type, Reason: c.Reason, CaseState: aftersale.Rejected, Paid: money.Yuan(9000),
		Refundable: money.Yuan(10000), Advanced: money.Yuan(0), CreatedAt: at, UpdatedAt: at}
}

// insertDisputes runs InsertDispute for each of ds in one transaction.
func insertDisputes(t *testing.T, s store.Store, ds ...dispute.Dispute) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		for i := range ds {
			if err := tx.InsertDispute(t.Context(), &ds[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustInsertDisputes is insertDisputes that must succeed.
func mustInsertDisputes(t *testing.T, s store.Store, ds ...dispute.Dispute) {
	t.Helper()
	if err := insertDisputes(t, s, ds...); err != nil {
		t.Fatalf("InsertDispute: %v", err)
	}
}

// updateDispute runs UpdateDispute in its own transaction.
func updateDispute(t *testing.T, s store.Store, d dispute.Dispute) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateDispute(t.Context(), &d) })
}

// moved is d at its next version in state, updated at at.
func moved(d dispute.Dispute, state dispute.State, at time.Time) dispute.Dispute {
	d.State, d.Version, d.UpdatedAt = state, d.Version+1, at
	return d
}

// readDispute returns a dispute by id.
func readDispute(t *testing.T, s store.Store, id string) dispute.Dispute {
	t.Helper()
	var d dispute.Dispute
	mustView(t, s, func(tx store.Tx) error {
		var err error
		d, err = tx.Dispute(t.Context(), id)
		return err
	})
	return d
}

// caseDisputes returns a case's disputes.
func caseDisputes(t *testing.T, s store.Store, caseID string) []dispute.Dispute {
	t.Helper()
	var ds []dispute.Dispute
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ds, err = tx.CaseDisputes(t.Context(), caseID)
		return err
	})
	return ds
}

// disputeIDs are the ids of ds, in order.
func disputeIDs(ds []dispute.Dispute) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testDisputeRoundTrip(t *testing.T, s store.Store) {
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	// Every field set, times in another zone and finer than the store keeps.
	at := func(m int) time.Time { return base.Add(time.Duration(m)*time.Minute + 999).In(shanghai) }
	staff := aftersale.Actor{Role: aftersale.Agent, ID: "agent-7"}
	full := dispute.Dispute{ID: "d-1", Number: "DP" + c.Number, CaseID: c.ID, CaseNumber: c.Number, OrderNo: c.OrderNo,
		Merchant: c.MerchantID, Customer: c.CustomerID, Category: dispute.Logistics, State: dispute.Mediation, Version: 1,
		CaseType: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, CaseState: aftersale.Rejected,
		Statement: "商家拒绝退款 — the merchant refused", Paid: money.Yuan(9000), Refundable: money.Yuan(10000),
		Requests: []dispute.Request{
			{Party: dispute.MerchantSide, Note: "请提供发货凭证", DueAt: at(60), Answered: true},
			{Party: dispute.CustomerSide, DueAt: at(120), Lapsed: true},
		},
		Evidence: []dispute.Submission{
			{Seq: 3, Party: dispute.MerchantSide, Actor: aftersale.Actor{Role: aftersale.Merchant, ID: "u-m1"}, At: at(30),
				Note: "快递单 waybill", Attachments: []aftersale.Evidence{{ID: "att-1", Kind: "photo"}, {ID: "att-2", Kind: "document"}}},
			{Seq: 4, Actor: staff, At: at(40), Note: "internal", PlatformOnly: true},
		},
		Proposal: &dispute.Proposal{Outcome: dispute.Split, Amount: money.Yuan(4500), Note: "各担一半", Actor: staff, At: at(50),
			Accepted: []dispute.Party{dispute.CustomerSide}, Rejected: []dispute.Party{dispute.MerchantSide}},
		Ruling: &dispute.Ruling{Outcome: dispute.ForCustomer, Liability: dispute.LiableCarrier, Amount: money.Yuan(9000),
			Standard: "lost-parcel", Basis: aftersale.Text{ZH: "物流丢件", EN: "Lost in transit"}, ByRule: true,
			Actor: aftersale.Actor{Role: aftersale.Supervisor, ID: "sup-1"}, At: at(70)},
		Advanced:  money.Yuan(3000),
		Dismissal: "—",
		Deadlines: []dispute.Deadline{{Kind: dispute.CustomerEvidence, Due: at(120)}, {Kind: dispute.AdvanceByRule, Due: at(1440)}},
		CreatedAt: at(0),
		UpdatedAt: at(70),
	}
	mustInsertDisputes(t, s, full)

	utc := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	want := full
	want.Requests = []dispute.Request{full.Requests[0], full.Requests[1]}
	want.Requests[0].DueAt, want.Requests[1].DueAt = utc(60), utc(120)
	want.Evidence = []dispute.Submission{full.Evidence[0], full.Evidence[1]}
	want.Evidence[0].At, want.Evidence[1].At = utc(30), utc(40)
	p, r := *full.Proposal, *full.Ruling
	p.At, r.At = utc(50), utc(70)
	want.Proposal, want.Ruling = &p, &r
	want.Deadlines = []dispute.Deadline{{Kind: dispute.CustomerEvidence, Due: utc(120)}, {Kind: dispute.AdvanceByRule, Due: utc(1440)}}
	want.CreatedAt, want.UpdatedAt = utc(0), utc(70)
	if full.Requests[0].DueAt.Location() != shanghai {
		t.Fatal("InsertDispute changed the caller's dispute")
	}

	wantEqual(t, "Dispute", readDispute(t, s, "d-1"), want)
	wantEqual(t, "CaseDisputes", caseDisputes(t, s, c.ID), []dispute.Dispute{want})
	page, next := disputePage(t, s, store.DisputeQuery{})
	wantEqual(t, "ListDisputes", page, []dispute.Dispute{want})
	if next != "" {
		t.Fatalf("ListDisputes of one dispute: next %q", next)
	}

	// An update stores the whole value again: what it drops is gone.
	upd := want
	upd.Version, upd.State, upd.Proposal, upd.Requests, upd.UpdatedAt = 2, dispute.Ruled, nil, nil, utc(80)
	upd.Evidence = append(slices.Clone(want.Evidence), dispute.Submission{Seq: 5, Party: dispute.CustomerSide,
		Actor: aftersale.Actor{Role: aftersale.Customer, ID: "C-1"}, At: utc(75), Note: "开箱视频"})
	if err := updateDispute(t, s, upd); err != nil {
		t.Fatalf("UpdateDispute: %v", err)
	}
	wantEqual(t, "Dispute after UpdateDispute", readDispute(t, s, "d-1"), upd)

	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Dispute(t.Context(), "d-none")
		return err
	})
	wantErr(t, "Dispute of an unknown id", err, store.ErrNotFound)
	if ds := caseDisputes(t, s, "case-none"); len(ds) != 0 {
		t.Fatalf("CaseDisputes of an unknown case = %s", show(ds))
	}
}

func testDisputeDefaults(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	d := newDispute("d-1", c, dispute.Open, time.Time{})
	mustInsertDisputes(t, s, d)
	d.CreatedAt, d.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	wantEqual(t, "dispute inserted without times", readDispute(t, s, "d-1"), d)

	clk.Advance(time.Minute)
	d = moved(d, dispute.Admitted, time.Time{})
	if err := updateDispute(t, s, d); err != nil {
		t.Fatal(err)
	}
	d.UpdatedAt = base.Add(time.Hour + time.Minute)
	wantEqual(t, "dispute updated without UpdatedAt", readDispute(t, s, "d-1"), d)
}

func testDisputeMalformed(t *testing.T, s store.Store) {
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	for _, m := range []struct {
		name   string
		change func(*dispute.Dispute)
	}{
		{"NotVersion1", func(d *dispute.Dispute) { d.Version = 2 }},
		{"UnknownState", func(d *dispute.Dispute) { d.State = "pondering" }},
		{"NoState", func(d *dispute.Dispute) { d.State = "" }},
		{"NoID", func(d *dispute.Dispute) { d.ID = "" }},
	} {
		d := newDispute("d-1", c, dispute.Open, base)
		m.change(&d)
		err := insertDisputes(t, s, d)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: InsertDispute = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	if ds := caseDisputes(t, s, c.ID); len(ds) != 0 {
		t.Fatalf("malformed disputes were stored: %s", show(ds))
	}
}

// At most one dispute of a case has not ended (dispute.State.Terminal): a second is refused
// until the first ends; ended ones may sit beside it.
func testDisputeOnePerCase(t *testing.T, s store.Store) {
	c1 := disputeCase(t, s, "case-1", "M-1", "C-1")
	c2 := disputeCase(t, s, "case-2", "M-1", "C-1")
	d1 := newDispute("d-1", c1, dispute.Open, minute(0))
	mustInsertDisputes(t, s, d1)
	for _, st := range dispute.States {
		if st.Terminal() {
			continue
		}
		var refused error
		err := s.Update(t.Context(), func(tx store.Tx) error {
			d := newDispute("d-2", c1, st, minute(2))
			refused = tx.InsertDispute(t.Context(), &d) // the call itself reports it
			return refused
		})
		wantErr(t, "a second dispute of case-1 "+string(st)+": InsertDispute", refused, store.ErrConflict)
		wantErr(t, "a second dispute of case-1 "+string(st)+": Update", err, store.ErrConflict)
	}
	d3 := newDispute("d-3", c1, dispute.Ruled, minute(1))
	d4 := newDispute("d-4", c2, dispute.Open, minute(1))
	mustInsertDisputes(t, s, d3, d4) // an ended one beside it; an open one of another case

	d1 = moved(d1, dispute.Ruled, minute(3))
	if err := updateDispute(t, s, d1); err != nil {
		t.Fatalf("ruling d-1: %v", err)
	}
	d2 := newDispute("d-2", c1, dispute.Open, minute(2))
	mustInsertDisputes(t, s, d2) // allowed once d-1 is ruled

	reopened := moved(d1, dispute.Mediation, minute(4))
	wantErr(t, "d-1 back to mediation beside the open d-2", updateDispute(t, s, reopened), store.ErrConflict)
	wantEqual(t, "disputes of case-1, oldest first", caseDisputes(t, s, c1.ID), []dispute.Dispute{d1, d3, d2})
	wantEqual(t, "disputes of case-2", caseDisputes(t, s, c2.ID), []dispute.Dispute{d4})
}

func testDisputeUnknownCase(t *testing.T, s store.Store) {
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	d := newDispute("d-1", c, dispute.Open, base)
	d.CaseID = "case-none"
	var refused error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		refused = tx.InsertDispute(t.Context(), &d)
		return refused
	})
	wantErr(t, "InsertDispute of an unknown case", refused, store.ErrNotFound)
	wantErr(t, "Update", err, store.ErrNotFound)
	if ds, _ := disputePage(t, s, store.DisputeQuery{}); len(ds) != 0 {
		t.Fatalf("disputes after the refusal: %s", show(ds))
	}
}

func testDisputeTakenID(t *testing.T, s store.Store) {
	c1 := disputeCase(t, s, "case-1", "M-1", "C-1")
	c2 := disputeCase(t, s, "case-2", "M-2", "C-2")
	d1 := newDispute("d-1", c1, dispute.Open, base)
	mustInsertDisputes(t, s, d1)
	for _, same := range []dispute.Dispute{newDispute("d-1", c2, dispute.Open, base), newDispute("d-1", c1, dispute.Ruled, base)} {
		var refused error
		err := s.Update(t.Context(), func(tx store.Tx) error {
			refused = tx.InsertDispute(t.Context(), &same)
			return refused
		})
		wantErr(t, "InsertDispute with a taken id", refused, store.ErrConflict)
		wantErr(t, "Update", err, store.ErrConflict)
	}
	wantEqual(t, "d-1", readDispute(t, s, "d-1"), d1)
}

// A refused InsertDispute or UpdateDispute writes nothing and leaves the transaction
// usable: the caller may read, store other disputes, and commit.
func testDisputeRefusalsUsable(t *testing.T, s store.Store) {
	ctx := t.Context()
	c1 := disputeCase(t, s, "case-1", "M-1", "C-1")
	c2 := disputeCase(t, s, "case-2", "M-2", "C-2")
	d1 := newDispute("d-1", c1, dispute.Open, minute(0))
	mustInsertDisputes(t, s, d1)
	d4 := newDispute("d-4", c2, dispute.Open, minute(1))
	mustUpdate(t, s, func(tx store.Tx) error {
		unknown := newDispute("d-2", c1, dispute.Ruled, minute(1))
		unknown.CaseID = "case-none"
		wantErr(t, "an unknown case", tx.InsertDispute(ctx, &unknown), store.ErrNotFound)
		second := newDispute("d-3", c1, dispute.Open, minute(1))
		wantErr(t, "a second open dispute", tx.InsertDispute(ctx, &second), store.ErrConflict)
		taken := newDispute("d-1", c2, dispute.Ruled, minute(1))
		wantErr(t, "a taken id", tx.InsertDispute(ctx, &taken), store.ErrConflict)
		stale := d1 // version 1 again
		wantErr(t, "a stale version", tx.UpdateDispute(ctx, &stale), store.ErrConflict)
		if err := tx.InsertDispute(ctx, &d4); err != nil {
			return err
		}
		reopen := newDispute("d-5", c2, dispute.Ruled, minute(2))
		if err := tx.InsertDispute(ctx, &reopen); err != nil {
			return err
		}
		reopen = moved(reopen, dispute.Evidence, minute(3))
		wantErr(t, "an update that opens a second dispute", tx.UpdateDispute(ctx, &reopen), store.ErrConflict)
		got, err := tx.Dispute(ctx, "d-1")
		if err != nil || got.Version != 1 {
			t.Fatalf("Dispute after the refusals = %s, %v", show(got), err)
		}
		return nil
	})
	wantEqual(t, "disputes", disputeIDs(allDisputes(t, s, store.DisputeQuery{})), []string{"d-5", "d-4", "d-1"})
	wantEqual(t, "d-5", readDispute(t, s, "d-5").State, dispute.Ruled)
}

func testDisputeUpdate(t *testing.T, s store.Store) {
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	d := newDispute("d-1", c, dispute.Open, minute(0))
	mustInsertDisputes(t, s, d)
	v2 := moved(d, dispute.Admitted, minute(1))
	if err := updateDispute(t, s, v2); err != nil {
		t.Fatalf("UpdateDispute to version 2: %v", err)
	}
	again := moved(d, dispute.Dismissed, minute(2)) // version 2, written by another transaction first
	wantErr(t, "UpdateDispute to version 2 again", updateDispute(t, s, again), store.ErrConflict)
	ahead := moved(moved(v2, dispute.Evidence, minute(2)), dispute.Mediation, minute(3)) // version 4
	wantErr(t, "UpdateDispute to version 4", updateDispute(t, s, ahead), store.ErrConflict)
	unknown := moved(newDispute("d-none", c, dispute.Open, minute(0)), dispute.Admitted, minute(1))
	wantErr(t, "UpdateDispute of an unknown id", updateDispute(t, s, unknown), store.ErrNotFound)
	wantEqual(t, "d-1", readDispute(t, s, "d-1"), v2)
	v3 := moved(v2, dispute.Evidence, minute(2))
	if err := updateDispute(t, s, v3); err != nil {
		t.Fatalf("UpdateDispute to version 3: %v", err)
	}
	wantEqual(t, "d-1", readDispute(t, s, "d-1"), v3)
}

// An update moves every column the lists read: state, category, merchant, customer, case,
// update time.
func testDisputeUpdateColumns(t *testing.T, s store.Store) {
	c1 := disputeCase(t, s, "case-1", "M-1", "C-1")
	c2 := disputeCase(t, s, "case-2", "M-2", "C-2")
	d1 := newDispute("d-1", c1, dispute.Open, minute(0))
	d2 := newDispute("d-2", c2, dispute.Open, minute(1))
	mustInsertDisputes(t, s, d1, d2)
	ids := func(q store.DisputeQuery) []string { return disputeIDs(allDisputes(t, s, q)) }
	wantEqual(t, "newest first", ids(store.DisputeQuery{}), []string{"d-2", "d-1"})

	d1 = moved(d1, dispute.Ruled, minute(2))
	d1.Category, d1.Merchant, d1.Customer, d1.CaseID = dispute.Service, "M-3", "C-3", c2.ID
	if err := updateDispute(t, s, d1); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "newest first after the update", ids(store.DisputeQuery{}), []string{"d-1", "d-2"})
	wantEqual(t, "open", ids(store.DisputeQuery{Open: true}), []string{"d-2"})
	wantEqual(t, "ruled", ids(store.DisputeQuery{State: dispute.Ruled}), []string{"d-1"})
	wantEqual(t, "service", ids(store.DisputeQuery{Category: dispute.Service}), []string{"d-1"})
	wantEqual(t, "M-1", ids(store.DisputeQuery{Merchant: "M-1"}), []string{})
	wantEqual(t, "M-3", ids(store.DisputeQuery{Merchant: "M-3"}), []string{"d-1"})
	wantEqual(t, "C-3", ids(store.DisputeQuery{Customer: "C-3"}), []string{"d-1"})
	wantEqual(t, "case-2", ids(store.DisputeQuery{CaseID: c2.ID}), []string{"d-1", "d-2"})
	wantEqual(t, "disputes of case-2", disputeIDs(caseDisputes(t, s, c2.ID)), []string{"d-1", "d-2"})
}

// disputeEvents returns a dispute's history.
func disputeEvents(t *testing.T, s store.Store, id string) []dispute.Event {
	t.Helper()
	var evs []dispute.Event
	mustView(t, s, func(tx store.Tx) error {
		var err error
		evs, err = tx.DisputeEvents(t.Context(), id)
		return err
	})
	return evs
}

// sampleDisputeEvents are three events of a dispute, every field set on the second.
func sampleDisputeEvents() []dispute.Event {
	return []dispute.Event{
		{Seq: 1, Action: dispute.OpenAction, Actor: aftersale.Actor{Role: aftersale.Customer, ID: "C-1"}, To: dispute.Open,
			At: minute(0), Note: "申请平台介入", Data: map[string]string{"category": "quality", "case_state": "rejected"}},
		{Seq: 2, Action: dispute.RequestEvidence, Actor: aftersale.Actor{Role: aftersale.Agent, ID: "agent-7"},
			From: dispute.Admitted, To: dispute.Evidence, At: minute(1), Note: "请商家举证", Data: map[string]string{"party": "merchant"}},
		{Seq: 3, Action: dispute.Rule, Actor: aftersale.Actor{Role: aftersale.Supervisor, ID: "sup-1"},
			From: dispute.Evidence, To: dispute.Ruled, At: minute(2)},
	}
}

func testDisputeEvents(t *testing.T, s store.Store) {
	c1 := disputeCase(t, s, "case-1", "M-1", "C-1")
	c2 := disputeCase(t, s, "case-2", "M-1", "C-1")
	mustInsertDisputes(t, s, newDispute("d-1", c1, dispute.Open, base), newDispute("d-2", c2, dispute.Open, base))
	evs := sampleDisputeEvents()
	written := slices.Clone(evs)
	written[1].At = minute(1).Add(999).In(shanghai) // kept in UTC to the microsecond
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, i := range []int{1, 0} { // out of order: read back by seq
			if err := tx.AppendDisputeEvent(t.Context(), "d-1", written[i]); err != nil {
				return err
			}
		}
		return tx.AppendDisputeEvent(t.Context(), "d-2", written[0])
	})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendDisputeEvent(t.Context(), "d-1", written[2]) })
	wantEqual(t, "events of d-1", disputeEvents(t, s, "d-1"), evs)
	wantEqual(t, "events of d-2", disputeEvents(t, s, "d-2"), evs[:1])
	if got := disputeEvents(t, s, "d-none"); len(got) != 0 {
		t.Fatalf("events of an unknown dispute: %s", show(got))
	}
}

func testDisputeEventDuplicate(t *testing.T, s store.Store) {
	c := disputeCase(t, s, "case-1", "M-1", "C-1")
	mustInsertDisputes(t, s, newDispute("d-1", c, dispute.Open, base))
	evs := sampleDisputeEvents()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendDisputeEvent(t.Context(), "d-1", evs[0]) })
	again := evs[1]
	again.Seq = 1
	// The refusal may come back from the call or, on a store that sends the write with the
	// transaction's next statement, from Update (store.Store.Update).
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AppendDisputeEvent(t.Context(), "d-1", again) })
	wantErr(t, "AppendDisputeEvent with a taken seq", err, store.ErrConflict)
	wantEqual(t, "events after a refused append", disputeEvents(t, s, "d-1"), evs[:1])
}

func testDisputeEventUnknown(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.AppendDisputeEvent(t.Context(), "d-none", sampleDisputeEvents()[0])
	})
	wantErr(t, "AppendDisputeEvent to an unknown dispute", err, store.ErrNotFound)
}
