package app

import (
	"context"
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// historyTx is a store transaction that keeps case histories in memory and counts the
// reads of them.
type historyTx struct {
	store.Tx
	events map[string][]aftersale.Event
	reads  int
}

func (h *historyTx) Events(_ context.Context, caseID string) ([]aftersale.Event, error) {
	h.reads++
	return slices.Clone(h.events[caseID]), nil
}

func (h *historyTx) AppendEvent(_ context.Context, caseID string, ev aftersale.Event) error {
	h.events[caseID] = append(h.events[caseID], ev)
	return nil
}

// A command reads a case's history once while it appends nothing to it (the clocks after
// its write, then its answer), and reads it again after an append: never a history without
// the command's own event, and never one a caller changed.
func TestATransactionReadsAHistoryOnceUntilItAppends(t *testing.T) {
	ctx := context.Background()
	h := &historyTx{events: map[string][]aftersale.Event{
		"c1": {{Seq: 1, Action: aftersale.Apply}},
		"c2": {{Seq: 1, Action: aftersale.Apply}},
	}}
	tx := &txn{Tx: h}
	var st store.Tx = tx // as the commands hold it
	read := func(caseID string) []aftersale.Event {
		t.Helper()
		evs, err := st.Events(ctx, caseID)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	wantReads := func(what string, n int) {
		t.Helper()
		if h.reads != n {
			t.Fatalf("%s: %d reads of the store, want %d", what, h.reads, n)
		}
	}
	first := read("c1")
	first[0].Note = "changed by the caller"
	if again := read("c1"); len(again) != 1 || again[0].Note != "" {
		t.Fatalf("the history read again: %+v", again)
	}
	wantReads("c1 read twice", 1)

	if err := st.AppendEvent(ctx, "c1", aftersale.Event{Seq: 2, Action: aftersale.Approve}); err != nil {
		t.Fatal(err)
	}
	if evs := read("c1"); len(evs) != 2 || evs[1].Seq != 2 {
		t.Fatalf("after an append: %+v", evs)
	}
	wantReads("c1 read after an append", 2)

	read("c2")
	wantReads("another case", 3)
	if err := st.AppendEvent(ctx, "c1", aftersale.Event{Seq: 3}); err != nil {
		t.Fatal(err)
	}
	read("c2")
	wantReads("c2 read again after an append to c1", 3)
	if evs := read("c1"); len(evs) != 3 {
		t.Fatalf("c1 after its third event: %+v", evs)
	}
	wantReads("c1 read after c2", 4)
}
