package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// The outbox relay's side of the outbox: claims with leases, delivery, retries and dead
// letters (DESIGN.md §4: nothing lost, nothing twice).

func outboxMsg(topic, key string) store.OutboxMessage {
	return store.OutboxMessage{Topic: topic, Key: key, Payload: json.RawMessage(`{"case":"` + key + `","n":1}`)}
}

func enqueue(t *testing.T, s store.Store, msgs ...store.OutboxMessage) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Enqueue(t.Context(), msgs...) })
}

func claimOutbox(t *testing.T, s store.Store, owner string, lease time.Duration, limit int) []store.OutboxRecord {
	t.Helper()
	var rs []store.OutboxRecord
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		rs, err = tx.ClaimOutbox(t.Context(), owner, lease, limit)
		return err
	})
	return rs
}

func deadLetters(t *testing.T, s store.Store, limit int) []store.OutboxRecord {
	t.Helper()
	var rs []store.OutboxRecord
	mustView(t, s, func(tx store.Tx) error {
		var err error
		rs, err = tx.DeadLetters(t.Context(), limit)
		return err
	})
	return rs
}

// wantNextOutbox fails the test unless NextOutboxAvailable is want (none for the zero time).
func wantNextOutbox(t *testing.T, what string, s store.Store, want time.Time) {
	t.Helper()
	var at time.Time
	var ok bool
	mustView(t, s, func(tx store.Tx) error {
		var err error
		at, ok, err = tx.NextOutboxAvailable(t.Context())
		return err
	})
	if ok != !want.IsZero() || !at.Equal(want) {
		t.Fatalf("%s: NextOutboxAvailable = %v, %v; want %v, %v", what, at, ok, want, !want.IsZero())
	}
}

// wantRecords fails the test unless got are want; payloads compare as JSON values.
func wantRecords(t *testing.T, what string, got, want []store.OutboxRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d:\n got %s\nwant %s", what, len(got), len(want), show(got), show(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		wantSameJSON(t, fmt.Sprintf("%s: payload of message %d", what, i), g.Payload, w.Payload)
		g.Payload, w.Payload = nil, nil
		wantEqual(t, fmt.Sprintf("%s: message %d", what, i), g, w)
	}
}

// record is the stored form of m, as the relay claims it the first time.
func record(id int64, m store.OutboxMessage, enqueued time.Time) store.OutboxRecord {
	return store.OutboxRecord{ID: id, Topic: m.Topic, Key: m.Key, Payload: m.Payload, State: "pending",
		AvailableAt: enqueued, CreatedAt: enqueued}
}

// outboxCall runs one relay call in its own transaction and returns the error of the call
// itself, checking that Update reports it too.
func outboxCall(t *testing.T, s store.Store, call func(tx store.Tx) error) error {
	t.Helper()
	var callErr error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		callErr = call(tx)
		return callErr
	})
	if (err == nil) != (callErr == nil) {
		t.Fatalf("the call returned %v but Update %v", callErr, err)
	}
	return callErr
}

func finishOutbox(t *testing.T, s store.Store, id int64, owner string) error {
	t.Helper()
	return outboxCall(t, s, func(tx store.Tx) error { return tx.FinishOutbox(t.Context(), id, owner) })
}

func failOutbox(t *testing.T, s store.Store, id int64, owner string, retryAt time.Time, lastError string, dead bool) error {
	t.Helper()
	return outboxCall(t, s, func(tx store.Tx) error {
		return tx.FailOutbox(t.Context(), id, owner, retryAt, lastError, dead)
	})
}

// ids returns the ids of rs, checking that they increase.
func ids(t *testing.T, rs []store.OutboxRecord) []int64 {
	t.Helper()
	var out []int64
	for i, r := range rs {
		if i > 0 && r.ID <= rs[i-1].ID {
			t.Fatalf("message ids do not increase: %s", show(rs))
		}
		out = append(out, r.ID)
	}
	return out
}

func testClaimOutboxOldestFirst(t *testing.T, s store.Store, clk *clock) {
	first, second := base.Add(-time.Minute), base.Add(-30*time.Second)
	ms := []store.OutboxMessage{outboxMsg("case.apply", "case-1"), outboxMsg("money.refund", "case-1"),
		outboxMsg("case.approve", "case-2"), outboxMsg("case.apply", "case-3"), outboxMsg("webhook", "case-3")}
	clk.Set(first)
	enqueue(t, s, ms[:3]...)
	clk.Set(second)
	enqueue(t, s, ms[3:]...)
	clk.Set(base)

	a := claimOutbox(t, s, "relay-a", time.Minute, 2)
	aIDs := ids(t, a)
	if len(aIDs) != 2 {
		t.Fatalf("first claim (limit 2) = %s", show(a))
	}
	wantRecords(t, "first claim", a, []store.OutboxRecord{record(aIDs[0], ms[0], first), record(aIDs[1], ms[1], first)})
	b := claimOutbox(t, s, "relay-b", time.Minute, 10)
	bIDs := ids(t, b)
	if len(bIDs) != 3 || bIDs[0] <= aIDs[1] {
		t.Fatalf("second claim = %s after %v", show(b), aIDs)
	}
	wantRecords(t, "second claim", b, []store.OutboxRecord{record(bIDs[0], ms[2], first),
		record(bIDs[1], ms[3], second), record(bIDs[2], ms[4], second)})
	if rs := claimOutbox(t, s, "relay-c", time.Minute, 10); len(rs) != 0 {
		t.Fatalf("third claim = %s, want none", show(rs))
	}
	if rs := claimOutbox(t, s, "relay-c", time.Minute, 0); len(rs) != 0 {
		t.Fatalf("claim of no messages = %s", show(rs))
	}
	if n := backlog(t, s); n != 5 {
		t.Fatalf("backlog with every message leased = %d, want 5", n)
	}
}

func testClaimOutboxLease(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	m := outboxMsg("case.approve", "case-1")
	enqueue(t, s, m)
	rs := claimOutbox(t, s, "relay-a", time.Minute, 10)
	if len(rs) != 1 {
		t.Fatalf("claim = %s", show(rs))
	}
	id := rs[0].ID
	clk.Advance(59 * time.Second)
	if rs := claimOutbox(t, s, "relay-b", time.Minute, 10); len(rs) != 0 {
		t.Fatalf("claim within the lease = %s", show(rs))
	}
	wantNextOutbox(t, "within the lease", s, base.Add(time.Minute))
	clk.Advance(time.Second)
	wantRecords(t, "claim when the lease ends", claimOutbox(t, s, "relay-b", time.Minute, 10),
		[]store.OutboxRecord{record(id, m, base)})
	wantErr(t, "FinishOutbox by the owner of the ended lease", finishOutbox(t, s, id, "relay-a"), store.ErrConflict)
	if err := finishOutbox(t, s, id, "relay-b"); err != nil {
		t.Fatalf("FinishOutbox by the new owner: %v", err)
	}
	if n := backlog(t, s); n != 0 {
		t.Fatalf("backlog after sending = %d", n)
	}
	clk.Advance(time.Hour)
	if rs := claimOutbox(t, s, "relay-a", time.Minute, 10); len(rs) != 0 {
		t.Fatalf("claim after sending = %s", show(rs))
	}
	wantNextOutbox(t, "after sending", s, time.Time{})
}

func testFinishOutboxConflicts(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	enqueue(t, s, outboxMsg("case.apply", "case-1"), outboxMsg("case.apply", "case-2"), outboxMsg("case.apply", "case-3"))
	rs := claimOutbox(t, s, "relay-a", time.Minute, 2)
	if len(rs) != 2 {
		t.Fatalf("claim = %s", show(rs))
	}
	x := rs[0].ID

	wantErr(t, "FinishOutbox by another owner", finishOutbox(t, s, x, "relay-b"), store.ErrConflict)
	wantErr(t, "FinishOutbox of an unknown message", finishOutbox(t, s, rs[1].ID+1_000_000, "relay-a"), store.ErrConflict)

	// The transaction that records the delivery fails: the message stays pending.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.FinishOutbox(t.Context(), x, "relay-a"); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails after FinishOutbox", err, errBoom)
	if n := backlog(t, s); n != 3 {
		t.Fatalf("backlog after a failed FinishOutbox = %d, want 3", n)
	}

	if err := finishOutbox(t, s, x, "relay-a"); err != nil {
		t.Fatalf("FinishOutbox: %v", err)
	}
	wantErr(t, "FinishOutbox twice", finishOutbox(t, s, x, "relay-a"), store.ErrConflict)
	wantErr(t, "FailOutbox of a sent message",
		failOutbox(t, s, x, "relay-a", base.Add(time.Minute), "x", false), store.ErrConflict)
	if n := backlog(t, s); n != 2 {
		t.Fatalf("backlog = %d, want 2", n)
	}
}

// testFinishOutboxes: a batch marks only what the owner still leases and is pending; the
// rest is left as it was and not counted.
func testFinishOutboxes(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	for i := range 5 {
		enqueue(t, s, outboxMsg("case.apply", fmt.Sprintf("case-%d", i)))
	}
	a := ids(t, claimOutbox(t, s, "relay-a", time.Minute, 3))
	b := ids(t, claimOutbox(t, s, "relay-b", time.Minute, 1))
	finish := func(owner string, ids []int64) int {
		t.Helper()
		var n int
		mustUpdate(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.FinishOutboxes(t.Context(), owner, ids)
			return err
		})
		return n
	}
	if n := finish("relay-a", nil); n != 0 {
		t.Fatalf("FinishOutboxes of no ids = %d, want 0", n)
	}
	if err := finishOutbox(t, s, a[0], "relay-a"); err != nil {
		t.Fatalf("FinishOutbox: %v", err)
	}
	// a[0] is sent already, b[0] is relay-b's, the last is unknown: only a[1] and a[2].
	if n := finish("relay-a", []int64{a[0], a[1], a[2], b[0], b[0] + 1_000_000}); n != 2 {
		t.Fatalf("FinishOutboxes = %d, want 2", n)
	}
	if n := backlog(t, s); n != 2 {
		t.Fatalf("backlog = %d, want 2 (relay-b's and the unclaimed one)", n)
	}
	wantErr(t, "FinishOutbox of a message FinishOutboxes sent", finishOutbox(t, s, a[1], "relay-a"), store.ErrConflict)

	// The transaction that records the batch fails: its messages stay pending.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if _, err := tx.FinishOutboxes(t.Context(), "relay-b", b); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails after FinishOutboxes", err, errBoom)
	if n := finish("relay-b", b); n != 1 {
		t.Fatalf("FinishOutboxes after the failed one = %d, want 1", n)
	}
	if n := backlog(t, s); n != 1 {
		t.Fatalf("backlog = %d, want 1", n)
	}
}

func testFailOutbox(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	m := outboxMsg("notify.sms", "case-1")
	enqueue(t, s, m)
	id := claimOutbox(t, s, "relay-a", time.Minute, 10)[0].ID

	wantErr(t, "FailOutbox by another owner",
		failOutbox(t, s, id, "relay-b", base.Add(5*time.Minute), "x", false), store.ErrConflict)
	if err := failOutbox(t, s, id, "relay-a", base.Add(5*time.Minute), "smtp 451: try again later", false); err != nil {
		t.Fatalf("FailOutbox: %v", err)
	}
	wantErr(t, "FinishOutbox after giving the lease up", finishOutbox(t, s, id, "relay-a"), store.ErrConflict)
	if rs := claimOutbox(t, s, "relay-b", time.Minute, 10); len(rs) != 0 {
		t.Fatalf("claim before the retry time = %s", show(rs))
	}
	wantNextOutbox(t, "before the retry time", s, base.Add(5*time.Minute))
	if n := backlog(t, s); n != 1 {
		t.Fatalf("backlog of a message to retry = %d, want 1", n)
	}
	if rs := deadLetters(t, s, 10); len(rs) != 0 {
		t.Fatalf("dead letters = %s, want none", show(rs))
	}

	clk.Set(base.Add(5 * time.Minute))
	retried := record(id, m, base)
	retried.Attempts, retried.LastError, retried.AvailableAt = 1, "smtp 451: try again later", base.Add(5*time.Minute)
	wantRecords(t, "claim at the retry time", claimOutbox(t, s, "relay-b", time.Minute, 10),
		[]store.OutboxRecord{retried})
	if err := failOutbox(t, s, id, "relay-b", time.Time{}, "smtp 550: no such user", true); err != nil {
		t.Fatalf("FailOutbox dead: %v", err)
	}
	dead := retried
	dead.State, dead.Attempts, dead.LastError = "dead", 2, "smtp 550: no such user"
	wantRecords(t, "dead letters", deadLetters(t, s, 10), []store.OutboxRecord{dead})
	if n := backlog(t, s); n != 0 {
		t.Fatalf("backlog with a dead letter = %d, want 0", n)
	}
	wantNextOutbox(t, "with a dead letter", s, time.Time{})
	clk.Advance(10 * 24 * time.Hour)
	if rs := claimOutbox(t, s, "relay-a", time.Minute, 10); len(rs) != 0 {
		t.Fatalf("claim of a dead letter = %s", show(rs))
	}
	wantErr(t, "FailOutbox of a dead letter",
		failOutbox(t, s, id, "relay-b", base, "x", false), store.ErrConflict)
	wantErr(t, "FinishOutbox of a dead letter", finishOutbox(t, s, id, "relay-b"), store.ErrConflict)
}

func testDeadLettersNewestFirst(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	ms := []store.OutboxMessage{outboxMsg("webhook", "case-1"), outboxMsg("webhook", "case-2"),
		outboxMsg("webhook", "case-3"), outboxMsg("webhook", "case-4")}
	enqueue(t, s, ms...)
	rs := claimOutbox(t, s, "relay-a", time.Minute, 10)
	id := ids(t, rs)
	// They die in another order than they were enqueued; newest means the newest message.
	for _, i := range []int{3, 0, 1} {
		if err := failOutbox(t, s, id[i], "relay-a", time.Time{}, fmt.Sprintf("HTTP 410 (%d)", i), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := failOutbox(t, s, id[2], "relay-a", base.Add(time.Hour), "HTTP 503", false); err != nil {
		t.Fatal(err)
	}
	dead := func(i int) store.OutboxRecord {
		r := record(id[i], ms[i], base)
		r.State, r.Attempts, r.LastError = "dead", 1, fmt.Sprintf("HTTP 410 (%d)", i)
		return r
	}
	wantRecords(t, "dead letters", deadLetters(t, s, 10), []store.OutboxRecord{dead(3), dead(1), dead(0)})
	wantRecords(t, "dead letters, limit 2", deadLetters(t, s, 2), []store.OutboxRecord{dead(3), dead(1)})
	if n := backlog(t, s); n != 1 {
		t.Fatalf("backlog = %d, want 1", n)
	}
}

// testClaimOutboxConcurrent: relays claim at the same time; each message goes to exactly one.
func testClaimOutboxConcurrent(t *testing.T, s store.Store, clk *clock) {
	const messages, claimers, batch = 200, 4, 7
	clk.Set(base)
	ms := make([]store.OutboxMessage, messages)
	for i := range ms {
		ms[i] = outboxMsg("case.apply", fmt.Sprintf("case-%03d", i))
	}
	enqueue(t, s, ms...)

	got := make([][]store.OutboxRecord, claimers)
	errs := make([]error, claimers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range claimers {
		owner := fmt.Sprintf("relay-%d", w)
		wg.Go(func() {
			<-start
			for {
				var rs []store.OutboxRecord
				err := s.Update(t.Context(), func(tx store.Tx) error {
					var err error
					rs, err = tx.ClaimOutbox(t.Context(), owner, time.Hour, batch)
					return err
				})
				if err != nil {
					errs[w] = err
					return
				}
				if len(rs) == 0 {
					return
				}
				if len(rs) > batch {
					errs[w] = fmt.Errorf("claimed %d messages, more than the limit %d", len(rs), batch)
					return
				}
				got[w] = append(got[w], rs...)
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
	claimedBy := map[int64]int{}
	keys := map[string]bool{}
	for w, rs := range got {
		for _, r := range rs {
			if prev, ok := claimedBy[r.ID]; ok {
				t.Fatalf("message %d claimed by claimer %d and claimer %d", r.ID, prev, w)
			}
			claimedBy[r.ID] = w
			keys[r.Key] = true
		}
	}
	if len(claimedBy) != messages || len(keys) != messages {
		t.Fatalf("claimers got %d messages (%d keys) together, want all %d", len(claimedBy), len(keys), messages)
	}
	if rs := claimOutbox(t, s, "relay-x", time.Hour, messages); len(rs) != 0 {
		t.Fatalf("claim after the claimers = %d messages", len(rs))
	}
	if n := backlog(t, s); n != messages {
		t.Fatalf("backlog = %d, want %d", n, messages)
	}
}

func testNextOutboxAvailable(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	wantNextOutbox(t, "of an empty store", s, time.Time{})
	enqueue(t, s, outboxMsg("a", "1"), outboxMsg("b", "2"), outboxMsg("c", "3"))
	wantNextOutbox(t, "after enqueueing", s, base)

	m1 := claimOutbox(t, s, "relay-a", time.Minute, 1)[0].ID
	wantNextOutbox(t, "with one leased", s, base)
	rest := ids(t, claimOutbox(t, s, "relay-a", 2*time.Minute, 10))
	wantNextOutbox(t, "with all leased", s, base.Add(time.Minute))
	if err := finishOutbox(t, s, m1, "relay-a"); err != nil {
		t.Fatal(err)
	}
	wantNextOutbox(t, "after sending the first", s, base.Add(2*time.Minute))
	if n := backlog(t, s); n != 2 {
		t.Fatalf("backlog = %d, want 2", n)
	}
	if err := failOutbox(t, s, rest[0], "relay-a", base.Add(90*time.Second), "x", false); err != nil {
		t.Fatal(err)
	}
	wantNextOutbox(t, "with one to retry", s, base.Add(90*time.Second))
	if err := failOutbox(t, s, rest[1], "relay-a", time.Time{}, "x", true); err != nil {
		t.Fatal(err)
	}
	wantNextOutbox(t, "with one to retry and one dead", s, base.Add(90*time.Second))
	if n := backlog(t, s); n != 1 {
		t.Fatalf("backlog = %d, want 1", n)
	}
}

// sendAll claims every available message and records it as sent, but those of keep.
func sendAll(t *testing.T, s store.Store, keep ...string) {
	t.Helper()
	for _, m := range claimOutbox(t, s, "relay-p", time.Minute, 100) {
		if slices.Contains(keep, m.Key) {
			continue
		}
		if err := finishOutbox(t, s, m.ID, "relay-p"); err != nil {
			t.Fatal(err)
		}
	}
}

func testPruneOutbox(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base)
	enqueue(t, s, outboxMsg("a", "a1"), outboxMsg("a", "a2"), outboxMsg("a", "a3"))
	sendAll(t, s, "a3")
	if none := claimOutbox(t, s, "relay-d", time.Minute, 10); len(none) != 0 {
		t.Fatalf("claimed %d messages leased to another relay", len(none))
	}
	clk.Advance(time.Minute) // a3's lease ends; it fails for good
	a3 := claimOutbox(t, s, "relay-d", time.Minute, 10)
	if len(a3) != 1 || a3[0].Key != "a3" {
		t.Fatalf("claimed %v, want a3", a3)
	}
	if err := failOutbox(t, s, a3[0].ID, "relay-d", time.Time{}, "gone", true); err != nil {
		t.Fatal(err)
	}
	clk.Set(base.Add(time.Hour))
	enqueue(t, s, outboxMsg("b", "b1"), outboxMsg("b", "b2"))
	sendAll(t, s, "b2")
	clk.Set(base.Add(2 * time.Hour))
	enqueue(t, s, outboxMsg("c", "c1"))
	sendAll(t, s, "b2") // b2's lease had ended: it is claimed again, and kept pending

	cut := base.Add(30 * time.Minute)
	if n := prune(t, s, store.Tx.PruneOutbox, cut, 0); n != 0 {
		t.Fatalf("a limit of 0 pruned %d", n)
	}
	if n := prune(t, s, store.Tx.PruneOutbox, cut, 1); n != 1 {
		t.Fatalf("pruned %d with a limit of 1, want 1", n)
	}
	if n := prune(t, s, store.Tx.PruneOutbox, cut, 10); n != 1 {
		t.Fatalf("pruned %d sent before the cut, want 1 (a2 or a1: a3 is dead, b1 and c1 younger)", n)
	}
	if n := prune(t, s, store.Tx.PruneOutbox, cut, 10); n != 0 {
		t.Fatalf("pruned %d more before the cut, want 0", n)
	}
	if got := deadLetters(t, s, 10); len(got) != 1 || got[0].Key != "a3" {
		t.Fatalf("dead letters after pruning: %v, want a3", got)
	}
	clk.Set(base.Add(3 * time.Hour))
	if n := prune(t, s, store.Tx.PruneOutbox, clk.Now(), 10); n != 2 {
		t.Fatalf("pruned %d sent before %v, want 2 (b1, c1)", n, clk.Now())
	}
	if n := backlog(t, s); n != 1 {
		t.Fatalf("backlog after pruning = %d, want 1 (b2, leased, pending)", n)
	}
	clk.Advance(time.Hour) // b2's lease ends
	if got := claimOutbox(t, s, "relay-p", time.Minute, 10); len(got) != 1 || got[0].Key != "b2" {
		t.Fatalf("claimed %v after pruning, want b2", got)
	}
}
