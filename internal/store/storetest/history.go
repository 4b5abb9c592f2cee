package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

var eventTests = []test{
	{name: "RoundTripInSeqOrder", run: testEvents},
	{name: "DuplicateSeqConflicts", run: testEventDuplicate},
	{name: "UnknownCaseNotFound", run: testEventUnknownCase},
}

func loadEvents(t *testing.T, s store.Store, caseID string) []aftersale.Event {
	t.Helper()
	var evs []aftersale.Event
	mustView(t, s, func(tx store.Tx) error {
		var err error
		evs, err = tx.Events(t.Context(), caseID)
		return err
	})
	return evs
}

func sampleEvents() []aftersale.Event {
	return []aftersale.Event{
		{Seq: 1, Action: aftersale.Apply, Actor: aftersale.Actor{Role: aftersale.Customer, ID: "C-1"},
			To: aftersale.Requested, At: base, Note: "领口开线",
			Evidence:      []aftersale.Evidence{{ID: "att-1", Kind: "photo"}, {ID: "att-2"}},
			PolicyVersion: "platform@3"},
		{Seq: 2, Action: aftersale.Approve, Actor: aftersale.Actor{Role: aftersale.Merchant, ID: "M-1"},
			From: aftersale.Requested, To: aftersale.Approved, At: base.Add(time.Hour),
			PolicyVersion: "platform@3"},
		{Seq: 3, Action: aftersale.ShipBack, Actor: aftersale.Actor{Role: aftersale.Customer, ID: "C-1"},
			From: aftersale.Approved, To: aftersale.Returning, // Written by a replica whose clock is a little behind: history is in seq order,
			// not time order.
			At:            base.Add(time.Hour - time.Millisecond),
			Data:          map[string]string{"carrier": "SF", "tracking_no": "SF123", "cost": "12.00"},
			PolicyVersion: "platform@3"},
		{Seq: 4, Action: aftersale.Close, Actor: aftersale.SystemActor,
			From: aftersale.Returning, To: aftersale.Closed, At: base.Add(240 * time.Hour)},
	}
}

func testEvents(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	seedCase(t, s, "case-2")
	if evs := loadEvents(t, s, c.ID); len(evs) != 0 {
		t.Fatalf("Events of a case without history = %v", evs)
	}
	want := sampleEvents()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, i := range []int{2, 0, 3} { // out of order
			if err := tx.AppendEvent(t.Context(), c.ID, want[i]); err != nil {
				return err
			}
		}
		return tx.AppendEvent(t.Context(), "case-2", want[0])
	})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendEvent(t.Context(), c.ID, want[1]) })
	wantEqual(t, "events", loadEvents(t, s, c.ID), want)
	wantEqual(t, "events of another case", loadEvents(t, s, "case-2"), want[:1])
}

func testEventDuplicate(t *testing.T, s store.Store) {
	c := seedCase(t, s, "case-1")
	evs := sampleEvents()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.AppendEvent(t.Context(), c.ID, evs[0]) })
	again := evs[1]
	again.Seq = 1
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AppendEvent(t.Context(), c.ID, again) })
	wantErr(t, "AppendEvent with a taken seq", err, store.ErrConflict)
	wantEqual(t, "events after a refused append", loadEvents(t, s, c.ID), evs[:1])
}

func testEventUnknownCase(t *testing.T, s store.Store) {
	seedCase(t, s, "case-1")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.AppendEvent(t.Context(), "case-none", sampleEvents()[0])
	})
	wantErr(t, "AppendEvent to an unknown case", err, store.ErrNotFound)
}

var timerTests = []test{
	{name: "ScheduleCancelsAndSets", run: testTimers},
	{name: "UnknownCaseNotFound", run: testTimersUnknownCase},
	{name: "ClaimTakesDueTimersSoonestFirstUpToLimit", clocked: testClaimTimersDueSoonestFirst},
	{name: "LeasedTimerIsClaimedAgainOnlyWhenItsLeaseEnds", clocked: testClaimTimersLease},
	{name: "FinishTimerByOtherOwnerOrTwiceConflicts", clocked: testFinishTimerConflicts},
	{name: "RetryTimerHidesItUntilRetryAtAndCountsAttempts", clocked: testRetryTimer},
	{name: "CancelledTimersAreNeverClaimed", clocked: testCancelledTimersNotClaimed},
	{name: "ConcurrentClaimersNeverShareATimer", clocked: testClaimTimersConcurrent},
	{name: "NextTimerDueStatsAndOverdue", clocked: testNextTimerDueStatsOverdue},
	{name: "PruneTimersDeletesOnlyLongEndedTimersOldestFirst", clocked: testPruneTimers},
}

func pendingTimers(t *testing.T, s store.Store, caseID string) []store.Timer {
	t.Helper()
	var ts []store.Timer
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ts, err = tx.PendingTimers(t.Context(), caseID)
		return err
	})
	return ts
}

// timerKinds returns the kind and due time of each timer, checking ids and case ids.
func timerKinds(t *testing.T, ts []store.Timer, caseID string) []aftersale.Deadline {
	t.Helper()
	seen := map[string]bool{}
	var ds []aftersale.Deadline
	for _, tm := range ts {
		if tm.ID == "" || seen[tm.ID] {
			t.Fatalf("timer id %q is empty or repeated", tm.ID)
		}
		seen[tm.ID] = true
		if tm.CaseID != caseID {
			t.Fatalf("timer of case %q listed for case %q", tm.CaseID, caseID)
		}
		ds = append(ds, aftersale.Deadline{Kind: tm.Kind, Due: tm.DueAt})
	}
	return ds
}

func testTimers(t *testing.T, s store.Store) {
	c1 := seedCase(t, s, "case-1")
	c2 := seedCase(t, s, "case-2")
	respond := aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(48 * time.Hour)}
	info := aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(24 * time.Hour)}
	shipBack := aftersale.Deadline{Kind: aftersale.CustomerShipBack, Due: base.Add(72 * time.Hour)}

	if ts := pendingTimers(t, s, c1.ID); len(ts) != 0 {
		t.Fatalf("PendingTimers of a new case = %v", ts)
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.ScheduleTimers(t.Context(), c1.ID, nil, []aftersale.Deadline{respond, info}); err != nil {
			return err
		}
		return tx.ScheduleTimers(t.Context(), c2.ID, nil, []aftersale.Deadline{respond})
	})
	wantEqual(t, "pending timers soonest first", timerKinds(t, pendingTimers(t, s, c1.ID), c1.ID),
		[]aftersale.Deadline{info, respond})

	// Cancelling a kind with nothing pending is fine; cancelled timers are no longer pending.
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.ScheduleTimers(t.Context(), c1.ID,
			[]aftersale.DeadlineKind{aftersale.MerchantResponse, aftersale.MerchantRefund},
			[]aftersale.Deadline{shipBack})
	})
	wantEqual(t, "pending timers after cancel and set", timerKinds(t, pendingTimers(t, s, c1.ID), c1.ID),
		[]aftersale.Deadline{info, shipBack})
	wantEqual(t, "timers of another case", timerKinds(t, pendingTimers(t, s, c2.ID), c2.ID),
		[]aftersale.Deadline{respond})

	// Cancel and set the same kind in one call: the new timer replaces the old one.
	later := aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(96 * time.Hour)}
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.ScheduleTimers(t.Context(), c1.ID, []aftersale.DeadlineKind{aftersale.CustomerInfo},
			[]aftersale.Deadline{later})
	})
	wantEqual(t, "pending timers after replacing one", timerKinds(t, pendingTimers(t, s, c1.ID), c1.ID),
		[]aftersale.Deadline{shipBack, later})

	// A failed transaction schedules nothing.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.ScheduleTimers(t.Context(), c1.ID, []aftersale.DeadlineKind{aftersale.CustomerShipBack},
			[]aftersale.Deadline{respond}); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails", err, errBoom)
	wantEqual(t, "pending timers after a failed Update", timerKinds(t, pendingTimers(t, s, c1.ID), c1.ID),
		[]aftersale.Deadline{shipBack, later})
}

func testTimersUnknownCase(t *testing.T, s store.Store) {
	seedCase(t, s, "case-1")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.ScheduleTimers(t.Context(), "case-none", nil,
			[]aftersale.Deadline{{Kind: aftersale.MerchantResponse, Due: base}})
	})
	wantErr(t, "ScheduleTimers of an unknown case", err, store.ErrNotFound)
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.ScheduleTimers(t.Context(), "case-none", []aftersale.DeadlineKind{aftersale.MerchantResponse},
			[]aftersale.Deadline{{Kind: aftersale.MerchantResponse, Due: base}})
	})
	wantErr(t, "ScheduleTimers cancelling and setting for an unknown case", err, store.ErrNotFound)
}

var outboxTests = []test{
	{name: "EnqueueGrowsTheBacklog", run: testOutbox},
	{name: "ClaimTakesAvailableMessagesOldestFirstUpToLimit", clocked: testClaimOutboxOldestFirst},
	{name: "LeasedMessageIsClaimedAgainOnlyWhenItsLeaseEnds", clocked: testClaimOutboxLease},
	{name: "FinishOutboxByOtherOwnerOrTwiceConflicts", clocked: testFinishOutboxConflicts},
	{name: "FinishOutboxesMarksOnlyWhatTheOwnerLeases", clocked: testFinishOutboxes},
	{name: "FailOutboxRetriesLaterThenDeadLetters", clocked: testFailOutbox},
	{name: "DeadLettersNewestFirst", clocked: testDeadLettersNewestFirst},
	{name: "ConcurrentClaimersNeverShareAMessage", clocked: testClaimOutboxConcurrent},
	{name: "NextOutboxAvailableAndBacklog", clocked: testNextOutboxAvailable},
	{name: "PruneOutboxDeletesOnlyOldSentMessagesOldestFirst", clocked: testPruneOutbox},
}

func backlog(t *testing.T, s store.Store) int {
	t.Helper()
	var n int
	mustView(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.OutboxBacklog(t.Context())
		return err
	})
	return n
}

func testOutbox(t *testing.T, s store.Store) {
	if n := backlog(t, s); n != 0 {
		t.Fatalf("backlog of a new store = %d", n)
	}
	msg := func(topic, key string) store.OutboxMessage {
		return store.OutboxMessage{Topic: topic, Key: key, Payload: json.RawMessage(`{"case":"` + key + `"}`)}
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.Enqueue(t.Context(), msg("case.apply", "case-1"), msg("money.refund", "case-1"))
	})
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Enqueue(t.Context(), msg("case.approve", "case-2")) })
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Enqueue(t.Context()) })
	if n := backlog(t, s); n != 3 {
		t.Fatalf("backlog = %d, want 3", n)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.Enqueue(t.Context(), msg("case.cancel", "case-3")); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails", err, errBoom)
	if n := backlog(t, s); n != 3 {
		t.Fatalf("backlog after a failed Update = %d, want 3", n)
	}
}
