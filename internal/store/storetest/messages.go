package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var messageTests = []test{
	{name: "AddNumbersAndTimesMessages", clocked: testMessages},
	{name: "InternalNotesOnlyWhenAsked", clocked: testMessagesVisibility},
	{name: "UnknownCaseNotFound", run: testMessageUnknownCase},
	{name: "FailedUpdateAddsNothing", run: testMessageFailedUpdate},
	{name: "ConcurrentAddsGetDistinctSeqs", run: testMessagesConcurrent},
}

func addMessage(t *testing.T, s store.Store, m store.CaseMessage) store.CaseMessage {
	t.Helper()
	var got store.CaseMessage
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.AddMessage(t.Context(), m)
		return err
	})
	return got
}

func messages(t *testing.T, s store.Store, caseID string, internal bool) []store.CaseMessage {
	t.Helper()
	var ms []store.CaseMessage
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ms, err = tx.Messages(t.Context(), caseID, internal)
		return err
	})
	return ms
}

func sampleMessages(caseID string) []store.CaseMessage {
	return []store.CaseMessage{
		{CaseID: caseID, AuthorRole: "customer", AuthorID: "C-1", Public: true, Body: "衣服领口开线了，能换一件吗？"},
		{CaseID: caseID, AuthorRole: "agent", AuthorID: "agent-7", Public: false,
			Body: "Internal: the customer's second claim this month; check the photos."},
		{CaseID: caseID, AuthorRole: "merchant", AuthorID: "M-1", Public: true, Body: "可以，请寄回，我们承担运费。"},
	}
}

func testMessages(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c1 := seedCase(t, s, "case-1")
	c2 := seedCase(t, s, "case-2")
	if ms := messages(t, s, c1.ID, true); len(ms) != 0 {
		t.Fatalf("Messages of a case without any = %s", show(ms))
	}
	var want []store.CaseMessage
	for i, m := range sampleMessages(c1.ID) {
		clk.Set(base.Add(time.Duration(i) * time.Minute))
		in := m
		in.Seq, in.At = 99, base.Add(-time.Hour) // assigned by the store, whatever the caller says
		got := addMessage(t, s, in)
		m.Seq, m.At = int64(i+1), base.Add(time.Duration(i)*time.Minute)
		wantEqual(t, fmt.Sprintf("AddMessage #%d", i+1), got, m)
		want = append(want, m)
	}
	// Another case numbers its own conversation.
	other := addMessage(t, s, sampleMessages(c2.ID)[0])
	if other.Seq != 1 {
		t.Fatalf("first message of another case has seq %d, want 1", other.Seq)
	}
	wantEqual(t, "conversation with internal notes", messages(t, s, c1.ID, true), want)
	wantEqual(t, "conversation of another case", messages(t, s, c2.ID, true), []store.CaseMessage{other})
	if ms := messages(t, s, "case-none", true); len(ms) != 0 {
		t.Fatalf("Messages of an unknown case = %s", show(ms))
	}

	// Within one transaction, a message added is seen and numbered after the previous one.
	mustUpdate(t, s, func(tx store.Tx) error {
		a, err := tx.AddMessage(t.Context(), sampleMessages(c1.ID)[0])
		if err != nil {
			return err
		}
		b, err := tx.AddMessage(t.Context(), sampleMessages(c1.ID)[2])
		if err != nil {
			return err
		}
		ms, err := tx.Messages(t.Context(), c1.ID, true)
		if err != nil {
			return err
		}
		if a.Seq != 4 || b.Seq != 5 || len(ms) != 5 {
			t.Errorf("two messages in one transaction: seqs %d, %d and %d messages; want 4, 5 and 5", a.Seq, b.Seq, len(ms))
		}
		return nil
	})
}

func testMessagesVisibility(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	var all []store.CaseMessage
	for _, m := range append(sampleMessages(c.ID), store.CaseMessage{CaseID: c.ID, AuthorRole: "supervisor",
		AuthorID: "sup-1", Body: "Agreed, approve the exchange."}) {
		all = append(all, addMessage(t, s, m))
	}
	var public []store.CaseMessage
	for _, m := range all {
		if m.Public {
			public = append(public, m)
		}
	}
	wantEqual(t, "conversation with internal notes", messages(t, s, c.ID, true), all)
	wantEqual(t, "public conversation", messages(t, s, c.ID, false), public)
	if len(public) != 2 || public[0].Seq != 1 || public[1].Seq != 3 {
		t.Fatalf("public messages = %s, want seqs 1 and 3", show(public))
	}
}

func testMessageUnknownCase(t *testing.T, s store.Store) {
	seedCase(t, s, "case-1")
	var callErr error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		_, callErr = tx.AddMessage(t.Context(), sampleMessages("case-none")[0])
		return callErr
	})
	wantErr(t, "AddMessage to an unknown case (the call)", callErr, store.ErrNotFound)
	wantErr(t, "AddMessage to an unknown case (Update)", err, store.ErrNotFound)
}

func testMessageFailedUpdate(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AddMessage(t.Context(), sampleMessages(c.ID)[0]); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails", err, errBoom)
	if ms := messages(t, s, c.ID, true); len(ms) != 0 {
		t.Fatalf("messages after a failed Update = %s", show(ms))
	}
	if m := addMessage(t, s, sampleMessages(c.ID)[0]); m.Seq != 1 {
		t.Fatalf("seq after a failed Update = %d, want 1", m.Seq)
	}
}

// testMessagesConcurrent: customer, merchant and agents write to one case at once. Every
// message gets its own seq, with no gap; AddMessage does not refuse a writer that came
// second (the store numbers it again), so the test does not retry.
func testMessagesConcurrent(t *testing.T, s store.Store) {
	const writers, each = 8, 5
	c := seedCase(t, s, "case-1")
	seqs := make([][]int64, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			<-start
			for i := range each {
				m := store.CaseMessage{CaseID: c.ID, AuthorRole: "agent", AuthorID: fmt.Sprintf("agent-%d", w),
					Public: i%2 == 0, Body: fmt.Sprintf("message %d of agent %d", i, w)}
				var got store.CaseMessage
				err := s.Update(t.Context(), func(tx store.Tx) error {
					var err error
					got, err = tx.AddMessage(t.Context(), m)
					return err
				})
				if err != nil {
					errs[w] = err
					return
				}
				seqs[w] = append(seqs[w], got.Seq)
			}
		})
	}
	close(start)
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	var all []int64
	for _, ss := range seqs {
		all = append(all, ss...)
	}
	slices.Sort(all)
	want := make([]int64, writers*each)
	for i := range want {
		want[i] = int64(i + 1)
	}
	wantEqual(t, "seqs of concurrent messages", all, want)
	ms := messages(t, s, c.ID, true)
	if len(ms) != writers*each {
		t.Fatalf("%d messages stored, want %d", len(ms), writers*each)
	}
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
}
