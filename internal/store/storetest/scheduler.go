package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// The scheduler's side of timers: claims with leases, firing, retries (DESIGN.md "Time":
// with a lease, so that on several replicas each timer fires exactly once).

func claimTimers(t *testing.T, s store.Store, owner string, lease time.Duration, limit int) []store.Timer {
	t.Helper()
	var ts []store.Timer
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		ts, err = tx.ClaimTimers(t.Context(), owner, lease, limit)
		return err
	})
	return ts
}

// wantNoTimers fails the test unless ts is empty.
func wantNoTimers(t *testing.T, what string, ts []store.Timer) {
	t.Helper()
	if len(ts) != 0 {
		t.Fatalf("%s: %s, want none", what, show(ts))
	}
}

func nextTimerDue(t *testing.T, s store.Store) (time.Time, bool) {
	t.Helper()
	var at time.Time
	var ok bool
	mustView(t, s, func(tx store.Tx) error {
		var err error
		at, ok, err = tx.NextTimerDue(t.Context())
		return err
	})
	return at, ok
}

// wantNextTimerDue fails the test unless NextTimerDue is want (none for the zero time).
func wantNextTimerDue(t *testing.T, what string, s store.Store, want time.Time) {
	t.Helper()
	at, ok := nextTimerDue(t, s)
	if ok != !want.IsZero() || !at.Equal(want) {
		t.Fatalf("%s: NextTimerDue = %v, %v; want %v, %v", what, at, ok, want, !want.IsZero())
	}
}

func timerStats(t *testing.T, s store.Store) [2]int {
	t.Helper()
	var n [2]int
	mustView(t, s, func(tx store.Tx) error {
		var err error
		n[0], n[1], err = tx.TimerStats(t.Context())
		return err
	})
	return n
}

func overdueTimers(t *testing.T, s store.Store, before time.Time, limit int) []store.Timer {
	t.Helper()
	var ts []store.Timer
	mustView(t, s, func(tx store.Tx) error {
		var err error
		ts, err = tx.OverdueTimers(t.Context(), before, limit)
		return err
	})
	return ts
}

// finishTimer runs FinishTimer in its own transaction and returns the error of the call
// itself, checking that Update reports it too.
func finishTimer(t *testing.T, s store.Store, id, owner string, state store.TimerState) error {
	t.Helper()
	var callErr error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		callErr = tx.FinishTimer(t.Context(), id, owner, state)
		return callErr
	})
	if (err == nil) != (callErr == nil) {
		t.Fatalf("FinishTimer returned %v but Update %v", callErr, err)
	}
	return callErr
}

// retryTimer is finishTimer for RetryTimer.
func retryTimer(t *testing.T, s store.Store, id, owner string, at time.Time, lastError string) error {
	t.Helper()
	var callErr error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		callErr = tx.RetryTimer(t.Context(), id, owner, at, lastError)
		return callErr
	})
	if (err == nil) != (callErr == nil) {
		t.Fatalf("RetryTimer returned %v but Update %v", callErr, err)
	}
	return callErr
}

// scheduleTimers sets the deadlines of a case and returns its pending timers, soonest first.
func scheduleTimers(t *testing.T, s store.Store, caseID string, set ...aftersale.Deadline) []store.Timer {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.ScheduleTimers(t.Context(), caseID, nil, set) })
	return pendingTimers(t, s, caseID)
}

// leasedTo is tm leased to owner until until.
func leasedTo(tm store.Timer, owner string, until time.Time) store.Timer {
	tm.LeaseOwner, tm.LeaseUntil = owner, until
	return tm
}

func testClaimTimersDueSoonestFirst(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	all := scheduleTimers(t, s, c.ID,
		aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(-3 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(-time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerShipBack, Due: base.Add(-2 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.MerchantReceipt, Due: base}, // due exactly now
		aftersale.Deadline{Kind: aftersale.MerchantRefund, Due: base.Add(time.Microsecond)},
	)
	if len(all) != 5 {
		t.Fatalf("scheduled %d timers, want 5", len(all))
	}
	for _, tm := range all {
		if tm.Attempts != 0 || tm.LeaseOwner != "" || !tm.LeaseUntil.IsZero() || tm.LastError != "" {
			t.Fatalf("a new timer is not fresh: %s", show(tm))
		}
	}
	until := base.Add(time.Minute)
	wantEqual(t, "first claim (limit 2)", claimTimers(t, s, "replica-a", time.Minute, 2),
		[]store.Timer{leasedTo(all[0], "replica-a", until), leasedTo(all[1], "replica-a", until)})
	wantEqual(t, "second claim", claimTimers(t, s, "replica-b", time.Minute, 10),
		[]store.Timer{leasedTo(all[2], "replica-b", until), leasedTo(all[3], "replica-b", until)})
	wantNoTimers(t, "third claim", claimTimers(t, s, "replica-c", time.Minute, 10))
	wantNoTimers(t, "claim of no timers", claimTimers(t, s, "replica-c", time.Minute, 0))

	// Leased timers are still pending, and say to whom.
	wantEqual(t, "pending timers with their leases", pendingTimers(t, s, c.ID), []store.Timer{
		leasedTo(all[0], "replica-a", until), leasedTo(all[1], "replica-a", until),
		leasedTo(all[2], "replica-b", until), leasedTo(all[3], "replica-b", until), all[4],
	})

	clk.Advance(time.Microsecond)
	wantEqual(t, "claim once the last timer is due", claimTimers(t, s, "replica-c", time.Minute, 10),
		[]store.Timer{leasedTo(all[4], "replica-c", base.Add(time.Minute+time.Microsecond))})
}

func testClaimTimersLease(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	tm := scheduleTimers(t, s, c.ID, aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(-time.Minute)})[0]

	wantEqual(t, "claim", claimTimers(t, s, "replica-a", time.Minute, 10),
		[]store.Timer{leasedTo(tm, "replica-a", base.Add(time.Minute))})
	clk.Advance(59 * time.Second)
	wantNoTimers(t, "claim within the lease", claimTimers(t, s, "replica-b", time.Minute, 10))
	wantNextTimerDue(t, "within the lease", s, base.Add(time.Minute))

	// The lease ends: replica-a died or is too slow, and replica-b takes the timer over.
	clk.Advance(time.Second)
	wantEqual(t, "claim when the lease ends", claimTimers(t, s, "replica-b", time.Minute, 10),
		[]store.Timer{leasedTo(tm, "replica-b", base.Add(2*time.Minute))})
	wantErr(t, "FinishTimer by the owner of the ended lease",
		finishTimer(t, s, tm.ID, "replica-a", store.TimerFired), store.ErrConflict)
	if err := finishTimer(t, s, tm.ID, "replica-b", store.TimerFired); err != nil {
		t.Fatalf("FinishTimer by the new owner: %v", err)
	}
	clk.Advance(time.Hour)
	wantNoTimers(t, "claim after the timer fired", claimTimers(t, s, "replica-a", time.Minute, 10))
	wantNoTimers(t, "pending timers after it fired", pendingTimers(t, s, c.ID))
	wantNextTimerDue(t, "after it fired", s, time.Time{})
}

func testFinishTimerConflicts(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	all := scheduleTimers(t, s, c.ID,
		aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(-2 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(-time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerShipBack, Due: base.Add(time.Hour)}, // not due, never leased
	)
	x, y, z := all[0], all[1], all[2]
	if n := len(claimTimers(t, s, "replica-a", time.Minute, 10)); n != 2 {
		t.Fatalf("claimed %d timers, want 2", n)
	}

	wantErr(t, "FinishTimer by another owner", finishTimer(t, s, x.ID, "replica-b", store.TimerFired), store.ErrConflict)
	wantErr(t, "FinishTimer of a timer nobody leased", finishTimer(t, s, z.ID, "replica-a", store.TimerFired), store.ErrConflict)
	wantErr(t, "FinishTimer of an unknown timer", finishTimer(t, s, "tmr-none", "replica-a", store.TimerFired), store.ErrConflict)
	if err := finishTimer(t, s, x.ID, "replica-a", store.TimerPending); err == nil {
		t.Fatal("FinishTimer to pending was accepted")
	}

	// The firing's transaction fails: the timer stays pending and leased.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.FinishTimer(t.Context(), x.ID, "replica-a", store.TimerFired); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails after FinishTimer", err, errBoom)
	wantEqual(t, "pending timers after a failed firing", pendingTimers(t, s, c.ID), []store.Timer{
		leasedTo(x, "replica-a", base.Add(time.Minute)), leasedTo(y, "replica-a", base.Add(time.Minute)), z,
	})

	if err := finishTimer(t, s, x.ID, "replica-a", store.TimerFired); err != nil {
		t.Fatalf("FinishTimer: %v", err)
	}
	wantErr(t, "FinishTimer twice", finishTimer(t, s, x.ID, "replica-a", store.TimerFired), store.ErrConflict)
	wantErr(t, "FinishTimer of a fired timer as cancelled",
		finishTimer(t, s, x.ID, "replica-a", store.TimerCancelled), store.ErrConflict)
	wantErr(t, "RetryTimer of a fired timer",
		retryTimer(t, s, x.ID, "replica-a", base.Add(time.Hour), "late"), store.ErrConflict)
	// What the timer guarded moved on: the owner ends it as cancelled.
	if err := finishTimer(t, s, y.ID, "replica-a", store.TimerCancelled); err != nil {
		t.Fatalf("FinishTimer as cancelled: %v", err)
	}
	wantEqual(t, "pending timers after both ended", pendingTimers(t, s, c.ID), []store.Timer{z})
	wantEqual(t, "timer stats after both ended", timerStats(t, s), [2]int{1, 0})
	clk.Advance(time.Minute)
	wantNoTimers(t, "claim after the leases of ended timers ran out", claimTimers(t, s, "replica-b", time.Minute, 10))
}

func testRetryTimer(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	tm := scheduleTimers(t, s, c.ID, aftersale.Deadline{Kind: aftersale.MerchantRefund, Due: base.Add(-time.Hour)})[0]
	claimTimers(t, s, "replica-a", time.Minute, 10)

	wantErr(t, "RetryTimer by another owner",
		retryTimer(t, s, tm.ID, "replica-b", base.Add(5*time.Minute), "x"), store.ErrConflict)
	if err := retryTimer(t, s, tm.ID, "replica-a", base.Add(5*time.Minute), "refund gateway: timeout"); err != nil {
		t.Fatalf("RetryTimer: %v", err)
	}
	retried := tm
	retried.Attempts, retried.LastError, retried.LeaseUntil = 1, "refund gateway: timeout", base.Add(5*time.Minute)
	wantEqual(t, "pending timers after a retry", pendingTimers(t, s, c.ID), []store.Timer{retried})
	wantErr(t, "FinishTimer after giving the lease up",
		finishTimer(t, s, tm.ID, "replica-a", store.TimerFired), store.ErrConflict)

	wantNoTimers(t, "claim right after the retry", claimTimers(t, s, "replica-b", time.Minute, 10))
	clk.Advance(time.Minute) // when the first lease would have ended
	wantNoTimers(t, "claim before the retry time", claimTimers(t, s, "replica-b", time.Minute, 10))
	wantNextTimerDue(t, "before the retry time", s, base.Add(5*time.Minute))
	wantEqual(t, "timer stats before the retry time", timerStats(t, s), [2]int{1, 1})

	clk.Set(base.Add(5 * time.Minute))
	wantEqual(t, "claim at the retry time", claimTimers(t, s, "replica-b", time.Minute, 10),
		[]store.Timer{leasedTo(retried, "replica-b", base.Add(6*time.Minute))})
	wantErr(t, "RetryTimer by the earlier owner",
		retryTimer(t, s, tm.ID, "replica-a", base.Add(time.Hour), "x"), store.ErrConflict)
	if err := retryTimer(t, s, tm.ID, "replica-b", base.Add(10*time.Minute), "refund gateway: 503"); err != nil {
		t.Fatalf("second RetryTimer: %v", err)
	}
	clk.Set(base.Add(10 * time.Minute))
	again := retried
	again.Attempts, again.LastError = 2, "refund gateway: 503"
	wantEqual(t, "claim after the second retry", claimTimers(t, s, "replica-a", time.Minute, 10),
		[]store.Timer{leasedTo(again, "replica-a", base.Add(11*time.Minute))})
	if err := finishTimer(t, s, tm.ID, "replica-a", store.TimerFired); err != nil {
		t.Fatalf("FinishTimer after retries: %v", err)
	}
}

func testCancelledTimersNotClaimed(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	all := scheduleTimers(t, s, c.ID,
		aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(-2 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(-time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerShipBack, Due: base.Add(-30 * time.Minute)},
	)
	respond, shipBack := all[0], all[2]
	wantEqual(t, "claim of one", claimTimers(t, s, "replica-a", time.Minute, 1),
		[]store.Timer{leasedTo(respond, "replica-a", base.Add(time.Minute))})
	// The case moved on while replica-a held the lease: its transition cancels the timers.
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.ScheduleTimers(t.Context(), c.ID,
			[]aftersale.DeadlineKind{aftersale.MerchantResponse, aftersale.CustomerInfo}, nil)
	})
	wantEqual(t, "claim after cancelling", claimTimers(t, s, "replica-b", time.Minute, 10),
		[]store.Timer{leasedTo(shipBack, "replica-b", base.Add(time.Minute))})
	wantErr(t, "FinishTimer of a timer cancelled under its lease",
		finishTimer(t, s, respond.ID, "replica-a", store.TimerFired), store.ErrConflict)
	if err := finishTimer(t, s, shipBack.ID, "replica-b", store.TimerFired); err != nil {
		t.Fatalf("FinishTimer: %v", err)
	}
	clk.Advance(24 * time.Hour)
	wantNoTimers(t, "claim of cancelled timers", claimTimers(t, s, "replica-c", time.Minute, 10))
	wantEqual(t, "timer stats", timerStats(t, s), [2]int{0, 0})
	wantNoTimers(t, "overdue timers", overdueTimers(t, s, base.Add(48*time.Hour), 10))
	wantNextTimerDue(t, "with only cancelled and fired timers", s, time.Time{})
}

// testClaimTimersConcurrent: replicas claim at the same time; each timer goes to exactly one.
func testClaimTimersConcurrent(t *testing.T, s store.Store, clk *clock) {
	const timers, claimers, batch = 200, 4, 7
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	kinds := aftersale.DeadlineKinds()
	set := make([]aftersale.Deadline, timers)
	for i := range set {
		set[i] = aftersale.Deadline{Kind: kinds[i%len(kinds)], Due: base.Add(-time.Duration(i) * time.Second)}
	}
	scheduled := map[string]bool{}
	for _, tm := range scheduleTimers(t, s, c.ID, set...) {
		scheduled[tm.ID] = true
	}

	got := make([][]store.Timer, claimers)
	errs := make([]error, claimers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range claimers {
		owner := fmt.Sprintf("replica-%d", w)
		wg.Go(func() {
			<-start
			for {
				var ts []store.Timer
				err := s.Update(t.Context(), func(tx store.Tx) error {
					var err error
					ts, err = tx.ClaimTimers(t.Context(), owner, time.Hour, batch)
					return err
				})
				if err != nil {
					errs[w] = err
					return
				}
				if len(ts) == 0 {
					return
				}
				if len(ts) > batch {
					errs[w] = fmt.Errorf("claimed %d timers, more than the limit %d", len(ts), batch)
					return
				}
				for _, tm := range ts {
					if tm.LeaseOwner != owner {
						errs[w] = fmt.Errorf("claimed timer %s is leased to %q", tm.ID, tm.LeaseOwner)
						return
					}
				}
				got[w] = append(got[w], ts...)
			}
		})
	}
	close(start)
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("claimer %d: %v", w, err)
		}
	}
	claimedBy := map[string]int{}
	for w, ts := range got {
		for _, tm := range ts {
			if prev, ok := claimedBy[tm.ID]; ok {
				t.Fatalf("timer %s claimed by claimer %d and claimer %d", tm.ID, prev, w)
			}
			if !scheduled[tm.ID] {
				t.Fatalf("claimed unknown timer %s", tm.ID)
			}
			claimedBy[tm.ID] = w
		}
	}
	if len(claimedBy) != timers {
		t.Fatalf("claimers got %d timers together, want all %d", len(claimedBy), timers)
	}
	wantNoTimers(t, "claim after the claimers", claimTimers(t, s, "replica-x", time.Hour, timers))
	wantEqual(t, "timer stats", timerStats(t, s), [2]int{timers, timers})
}

func testNextTimerDueStatsOverdue(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	wantNextTimerDue(t, "of an empty store", s, time.Time{})
	wantEqual(t, "timer stats of an empty store", timerStats(t, s), [2]int{0, 0})
	wantNoTimers(t, "overdue timers of an empty store", overdueTimers(t, s, base.Add(100*time.Hour), 10))

	c1 := seedCase(t, s, "case-1")
	c2 := seedCase(t, s, "case-2")
	t1 := scheduleTimers(t, s, c1.ID,
		aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(-2 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerShipBack, Due: base.Add(time.Hour)})
	t2 := scheduleTimers(t, s, c2.ID,
		aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(-time.Hour)},
		aftersale.Deadline{Kind: aftersale.MerchantReceipt, Due: base.Add(2 * time.Hour)})
	a, b, c, d := t1[0], t1[1], t2[0], t2[1] // by due time: a, c, b, d

	wantNextTimerDue(t, "with due timers", s, a.DueAt)
	wantEqual(t, "timer stats", timerStats(t, s), [2]int{4, 2})
	wantEqual(t, "overdue timers before c's due time (exclusive)", overdueTimers(t, s, c.DueAt, 10), []store.Timer{a})
	wantEqual(t, "overdue timers, limit 3", overdueTimers(t, s, base.Add(3*time.Hour), 3), []store.Timer{a, c, b})

	// a's lease ends after b and d are due, c's before: the next claim is at the end of c's.
	wantEqual(t, "claim a", claimTimers(t, s, "replica-a", 3*time.Hour, 1),
		[]store.Timer{leasedTo(a, "replica-a", base.Add(3*time.Hour))})
	wantNextTimerDue(t, "with a leased", s, c.DueAt)
	wantEqual(t, "claim c", claimTimers(t, s, "replica-a", 10*time.Minute, 1),
		[]store.Timer{leasedTo(c, "replica-a", base.Add(10*time.Minute))})
	wantNextTimerDue(t, "with a and c leased", s, base.Add(10*time.Minute))
	if err := finishTimer(t, s, c.ID, "replica-a", store.TimerFired); err != nil {
		t.Fatal(err)
	}
	// The first timer by due time (a) is leased until after b is due.
	wantNextTimerDue(t, "with a leased past b's due time", s, b.DueAt)
	wantEqual(t, "timer stats with a leased", timerStats(t, s), [2]int{3, 1})
	wantEqual(t, "overdue timers include leased ones", overdueTimers(t, s, base.Add(3*time.Hour), 10),
		[]store.Timer{leasedTo(a, "replica-a", base.Add(3*time.Hour)), b, d})

	if err := retryTimer(t, s, a.ID, "replica-a", base.Add(30*time.Minute), "x"); err != nil {
		t.Fatal(err)
	}
	wantNextTimerDue(t, "with a to be retried", s, base.Add(30*time.Minute))
	clk.Set(base.Add(90 * time.Minute))
	wantEqual(t, "timer stats later", timerStats(t, s), [2]int{3, 2})
	got := claimTimers(t, s, "replica-b", time.Minute, 10)
	ids := []string{}
	for _, tm := range got {
		ids = append(ids, tm.ID)
	}
	if !slices.Equal(ids, []string{a.ID, b.ID}) {
		t.Fatalf("claim later = %s, want a and b", show(got))
	}
}

// testPruneTimers ends timers at different times — fired, cancelled by the owner of its
// lease, cancelled by a transition — beside pending ones (one retried, one leased, one not
// yet due), and prunes: only the ended ones go, those that ended longest ago first.
func testPruneTimers(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	c := seedCase(t, s, "case-1")
	all := scheduleTimers(t, s, c.ID,
		aftersale.Deadline{Kind: aftersale.MerchantResponse, Due: base.Add(-4 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerInfo, Due: base.Add(-3 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.MerchantRefund, Due: base.Add(-2 * time.Hour)},
		aftersale.Deadline{Kind: aftersale.MerchantReceipt, Due: base.Add(-time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerShipBack, Due: base.Add(time.Hour)},
		aftersale.Deadline{Kind: aftersale.CustomerConfirm, Due: base.Add(100 * time.Hour)},
	)
	fired, cancelled, retried, leased := all[0], all[1], all[2], all[3]
	if n := len(claimTimers(t, s, "replica-a", time.Hour, 4)); n != 4 {
		t.Fatalf("claimed %d timers, want 4", n)
	}
	if err := finishTimer(t, s, fired.ID, "replica-a", store.TimerFired); err != nil {
		t.Fatal(err)
	}
	if err := retryTimer(t, s, retried.ID, "replica-a", base.Add(10*time.Hour), "gateway down"); err != nil {
		t.Fatal(err)
	}
	clk.Set(base.Add(time.Hour))
	if err := finishTimer(t, s, cancelled.ID, "replica-a", store.TimerCancelled); err != nil {
		t.Fatal(err)
	}
	clk.Set(base.Add(2 * time.Hour)) // a transition cancels the ship-back deadline
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.ScheduleTimers(t.Context(), c.ID, []aftersale.DeadlineKind{aftersale.CustomerShipBack}, nil)
	})

	cut := base.Add(30 * time.Minute)
	if n := prune(t, s, store.Tx.PruneTimers, cut, 0); n != 0 {
		t.Fatalf("a limit of 0 pruned %d", n)
	}
	if n := prune(t, s, store.Tx.PruneTimers, cut, 10); n != 1 {
		t.Fatalf("pruned %d timers ended before %v, want 1 (the fired one)", n, cut)
	}
	if n := prune(t, s, store.Tx.PruneTimers, cut, 10); n != 0 {
		t.Fatalf("pruned %d more before %v, want 0", n, cut)
	}
	later := base.Add(3 * time.Hour)
	if n := prune(t, s, store.Tx.PruneTimers, later, 1); n != 1 {
		t.Fatalf("pruned %d with a limit of 1, want 1", n)
	}
	// The one that ended first went: the cancelled-by-its-owner one, an hour before the
	// transition's.
	if n := prune(t, s, store.Tx.PruneTimers, base.Add(90*time.Minute), 10); n != 0 {
		t.Fatalf("pruned %d ended before %v after the oldest went, want 0", n, base.Add(90*time.Minute))
	}
	if n := prune(t, s, store.Tx.PruneTimers, later, 10); n != 1 {
		t.Fatalf("pruned %d ended before %v, want 1 (the transition's)", n, later)
	}
	clk.Set(base.Add(1000 * time.Hour))
	if n := prune(t, s, store.Tx.PruneTimers, clk.Now(), 10); n != 0 {
		t.Fatalf("pruned %d pending timers, want none", n)
	}
	wantEqual(t, "pending timers after pruning", len(pendingTimers(t, s, c.ID)), 3)
	wantErr(t, "FinishTimer of a pruned timer", finishTimer(t, s, fired.ID, "replica-a", store.TimerFired), store.ErrConflict)
	// The leased and the retried timer are claimed again as ever.
	got := claimTimers(t, s, "replica-b", time.Minute, 10)
	ids := []string{}
	for _, tm := range got {
		ids = append(ids, tm.ID)
	}
	wantEqual(t, "claimed after pruning", ids, []string{retried.ID, leased.ID, all[5].ID})
}
