package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123456000, time.UTC)

func testOrder(no string) order.Order {
	return order.Order{
		No: no, Merchant: "m1", Customer: "c1", Currency: money.CNY, PaymentMethod: order.Online,
		ShippingFee: money.Yuan(800), PaidAt: t0.Add(-72 * time.Hour), ShippedAt: t0.Add(-48 * time.Hour),
		Items: []order.Item{
			{SKU: "A", Title: "杯子", Category: "home", Quantity: 2, UnitPrice: money.Yuan(5000), PaidAmount: money.Yuan(9000),
				Tags: []string{order.TagGift}},
			{SKU: "B", Title: "盘子", Category: "home", Quantity: 1, UnitPrice: money.Yuan(3000), PaidAmount: money.Yuan(3000)},
		},
	}
}

func testCase(id, orderNo string, at time.Time) *aftersale.Case {
	zero := money.Yuan(0)
	return &aftersale.Case{
		ID: id, Number: "RMA-" + id, OrderNo: orderNo, MerchantID: "m1", CustomerID: "c1",
		Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, State: aftersale.Requested, Version: 1,
		Items:        []aftersale.Item{{SKU: "A", Quantity: 1, PaidAmount: money.Yuan(4500)}},
		Evidence:     []aftersale.Evidence{{ID: "att1", Kind: "photo"}},
		RefundMethod: aftersale.RefundOriginal, PaymentMethod: "online", OrderShipped: true,
		PolicyVersion: "platform@3", ItemsPaid: money.Yuan(4500), RefundAmount: money.Yuan(4500),
		RefundedAmount: zero, ChargedAmount: zero, Quote: zero, Offer: zero, RequestedAmount: zero,
		ReturnShippingPayer: aftersale.PayerMerchant, RefundsUnits: true, Applications: 1,
		Deadlines: []aftersale.Deadline{{Kind: aftersale.MerchantResponse, Due: at.Add(48 * time.Hour)}},
		CreatedAt: at, UpdatedAt: at,
	}
}

// seed stores merchant m1, customer c1 and the order.
func seed(t *testing.T, db *DB, o order.Order) {
	t.Helper()
	err := db.Update(context.Background(), func(tx store.Tx) error {
		ctx := context.Background()
		if err := tx.EnsureMerchant(ctx, o.Merchant); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(ctx, o.Customer); err != nil {
			return err
		}
		_, err := tx.UpsertOrder(ctx, o)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustUpdate(t *testing.T, db *DB, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func TestOrderRoundTripKeepsHoldings(t *testing.T) {
	db := MustOpen(t, store.Options{})
	o := testOrder("O1")
	seed(t, db, o)
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		got, err := tx.Order(ctx, "O1", true)
		if err != nil {
			return err
		}
		want := o // holdings read back in the order's currency
		want.Items = slices.Clone(o.Items)
		for i := range want.Items {
			want.Items[i].Refunded, want.Items[i].Reserved = money.Yuan(0), money.Yuan(0)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("order read back\n got %+v\nwant %+v", got, want)
		}
		held := true
		return tx.AdjustHoldings(ctx, "O1", []aftersale.Holding{{SKU: "A", Units: 1, Reserved: money.Yuan(4500)}}, &held)
	})
	// Replacing the order keeps the holdings; a re-upsert is not a creation.
	o.Items[0].Title = "马克杯"
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		created, err := tx.UpsertOrder(ctx, o)
		if err != nil || created {
			return fmt.Errorf("upsert existing order: created %v, %v", created, err)
		}
		got, err := tx.Order(ctx, "O1", false)
		if err != nil {
			return err
		}
		a := got.Items[0]
		if a.Title != "马克杯" || a.Claimed != 1 || a.Reserved != money.Yuan(4500) || !got.ShippingRefunded {
			t.Errorf("after re-upsert: %+v, shipping held %v", a, got.ShippingRefunded)
		}
		return nil
	})
}

// The store, not the caller, bounds what cases hold of a line (migrations/0001_init.sql,
// order_items CHECK constraints); a refused change leaves the transaction usable.
func TestHoldingsBeyondTheLineAreExceeded(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seed(t, db, testOrder("O1"))
	tests := []struct {
		name  string
		delta aftersale.Holding
		want  error
	}{
		{"more units than bought", aftersale.Holding{SKU: "A", Units: 3}, store.ErrExceeded},
		{"more money than paid", aftersale.Holding{SKU: "A", Refunded: money.Yuan(5000), Reserved: money.Yuan(4001)}, store.ErrExceeded},
		{"below zero", aftersale.Holding{SKU: "A", Units: -1}, store.ErrExceeded},
		{"unknown line", aftersale.Holding{SKU: "Z", Units: 1}, store.ErrNotFound},
		{"all of it", aftersale.Holding{SKU: "A", Units: 2, Refunded: money.Yuan(9000)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
				// A valid change first, in the same call, must not survive a refused one.
				deltas := []aftersale.Holding{{SKU: "B", Units: 1}, tt.delta}
				err := tx.AdjustHoldings(ctx, "O1", deltas, nil)
				if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
					t.Fatalf("AdjustHoldings(%+v) = %v, want %v", tt.delta, err, tt.want)
				}
				o, err := tx.Order(ctx, "O1", false) // the transaction is still usable
				if err != nil {
					return err
				}
				if tt.want != nil && o.Items[1].Claimed != 0 {
					t.Errorf("line B claimed %d after a refused change", o.Items[1].Claimed)
				}
				if tt.want == nil {
					return tx.AdjustHoldings(ctx, "O1", []aftersale.Holding{{SKU: "A", Units: -2, Refunded: money.Yuan(-9000)}, {SKU: "B", Units: -1}}, nil)
				}
				return nil
			})
		})
	}
	t.Run("shrinking a held line", func(t *testing.T) {
		mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
			if err := tx.AdjustHoldings(ctx, "O1", []aftersale.Holding{{SKU: "A", Units: 2}}, nil); err != nil {
				return err
			}
			o := testOrder("O1")
			o.Items[0].Quantity = 1
			if _, err := tx.UpsertOrder(ctx, o); !errors.Is(err, store.ErrExceeded) {
				t.Errorf("shrink held line: %v, want ErrExceeded", err)
			}
			o = testOrder("O1")
			o.Items = o.Items[1:]
			if _, err := tx.UpsertOrder(ctx, o); !errors.Is(err, store.ErrExceeded) {
				t.Errorf("remove held line: %v, want ErrExceeded", err)
			}
			got, err := tx.Order(ctx, "O1", false)
			if err != nil {
				return err
			}
			if len(got.Items) != 2 || got.Items[0].Quantity != 2 {
				t.Errorf("order after refused upserts: %+v", got.Items)
			}
			return nil
		})
	})
}

func TestStaleVersionIsConflict(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seed(t, db, testOrder("O1"))
	c := testCase("k1", "O1", t0)
	decision := json.RawMessage(`{"eligible": true,"rule":"7d"}`)
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error { return tx.InsertCase(ctx, c, decision) })
	err := db.Update(context.Background(), func(tx store.Tx) error { return tx.InsertCase(context.Background(), c, decision) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("insert the same case again: %v, want ErrConflict", err)
	}
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		next := *c
		next.Version, next.State = 3, aftersale.Approved
		if err := tx.UpdateCase(ctx, &next); !errors.Is(err, store.ErrConflict) {
			t.Errorf("skip a version: %v, want ErrConflict", err)
		}
		next.Version = 2
		if err := tx.UpdateCase(ctx, &next); err != nil {
			return err
		}
		if err := tx.UpdateCase(ctx, &next); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same version twice: %v, want ErrConflict", err)
		}
		unknown := next
		unknown.ID = "nope"
		if err := tx.UpdateCase(ctx, &unknown); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown case: %v, want ErrNotFound", err)
		}
		r, err := tx.Case(ctx, "k1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(r.Case, next) || string(r.Decision) != string(decision) {
			t.Errorf("case read back\n got %+v %s\nwant %+v %s", r.Case, r.Decision, next, decision)
		}
		return nil
	})
}

// History is append-only (migrations/0001_init.sql, trigger case_events_append_only).
func TestEventsAreAppendOnly(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seed(t, db, testOrder("O1"))
	ev := aftersale.Event{
		Seq: 1, Action: aftersale.Apply, Actor: aftersale.Actor{Role: aftersale.Customer, ID: "c1"},
		To: aftersale.Requested, At: t0, Note: "坏了", Evidence: []aftersale.Evidence{{ID: "att1", Kind: "photo"}},
		Data: map[string]string{"carrier": "SF"}, PolicyVersion: "platform@3",
	}
	ev2 := aftersale.Event{Seq: 2, Action: aftersale.Approve, Actor: aftersale.Actor{Role: aftersale.Merchant, ID: "m1"},
		From: aftersale.Requested, To: aftersale.Approved, At: t0.Add(time.Hour), PolicyVersion: "platform@3"}
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		if err := tx.InsertCase(ctx, testCase("k1", "O1", t0), nil); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, "k1", ev); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, "k1", ev2)
	})
	err := db.Update(context.Background(), func(tx store.Tx) error { return tx.AppendEvent(context.Background(), "k1", ev) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same seq twice: %v, want ErrConflict", err)
	}
	for _, sql := range []string{
		`UPDATE case_events SET note = 'rewritten' WHERE case_id = 'k1'`,
		`DELETE FROM case_events WHERE case_id = 'k1'`,
	} {
		_, err := db.pool.Exec(context.Background(), sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse it", sql, err)
		}
	}
	err = db.View(context.Background(), func(tx store.Tx) error {
		evs, err := tx.Events(context.Background(), "k1")
		if err != nil {
			return err
		}
		if want := []aftersale.Event{ev, ev2}; !reflect.DeepEqual(evs, want) {
			t.Errorf("events\n got %+v\nwant %+v", evs, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	for range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
	}
}

// Replicas starting together on an empty database each apply nothing twice.
func TestConcurrentOpenAppliesMigrationsOnce(t *testing.T) {
	u := MustSchema(t)
	const starters = 6
	var wg sync.WaitGroup
	errs := make([]error, starters)
	dbs := make([]*DB, starters)
	for i := range starters {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), u, store.Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("starter %d: %v", i, err)
			continue
		}
		defer dbs[i].Close()
		if err := dbs[i].Ready(context.Background()); err != nil {
			t.Errorf("starter %d: %v", i, err)
		}
	}
}

func TestListCasesPagesNewestFirst(t *testing.T) {
	clock := &fixedClock{now: t0}
	db := MustOpen(t, store.Options{Now: clock.Now})
	seed(t, db, testOrder("O1"))
	var want []string
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		for i := range 7 {
			// Pairs of cases share a creation time: the id breaks the tie.
			c := testCase(fmt.Sprintf("k%d", i), "O1", t0.Add(time.Duration(i/2)*time.Minute))
			if i == 6 {
				c.State, c.Deadlines = aftersale.Closed, nil
			}
			if err := tx.InsertCase(ctx, c, nil); err != nil {
				return err
			}
			want = append([]string{c.ID}, want...)
		}
		return nil
	})
	var got []string
	cursor := ""
	err := db.View(context.Background(), func(tx store.Tx) error {
		for page := 0; ; page++ {
			cs, next, err := tx.ListCases(context.Background(), store.CaseQuery{Merchant: "m1", Limit: 3, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, c := range cs {
				got = append(got, c.Case.ID)
			}
			if next == "" {
				return nil
			}
			if page > 5 {
				return errors.New("too many pages")
			}
			cursor = next
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pages: %v, want %v", got, want)
	}
	err = db.View(context.Background(), func(tx store.Tx) error {
		cs, _, err := tx.ListCases(context.Background(), store.CaseQuery{OverdueAt: t0.Add(48*time.Hour + time.Second)})
		if err != nil {
			return err
		}
		if len(cs) != 2 { // k0, k1: due at t0+48h; k6 is closed
			t.Errorf("overdue: %d cases, want 2", len(cs))
		}
		_, _, err = tx.ListCases(context.Background(), store.CaseQuery{Cursor: "not a cursor"})
		if err == nil {
			t.Error("a bad cursor was accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTimersOutboxAndKeys(t *testing.T) {
	clock := &fixedClock{now: t0}
	db := MustOpen(t, store.Options{Now: clock.Now})
	seed(t, db, testOrder("O1"))
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		if tx.Now() != t0.Truncate(time.Microsecond) {
			t.Errorf("Now = %v, want %v", tx.Now(), t0)
		}
		if err := tx.InsertCase(ctx, testCase("k1", "O1", t0), nil); err != nil {
			return err
		}
		due := t0.Add(time.Hour)
		if err := tx.ScheduleTimers(ctx, "k1", nil, []aftersale.Deadline{
			{Kind: aftersale.MerchantResponse, Due: due}, {Kind: aftersale.CustomerInfo, Due: due.Add(time.Hour)},
		}); err != nil {
			return err
		}
		if err := tx.ScheduleTimers(ctx, "k1", []aftersale.DeadlineKind{aftersale.MerchantResponse}, nil); err != nil {
			return err
		}
		ts, err := tx.PendingTimers(ctx, "k1")
		if err != nil {
			return err
		}
		if len(ts) != 1 || ts[0].Kind != aftersale.CustomerInfo || !ts[0].DueAt.Equal(due.Add(time.Hour)) {
			t.Errorf("pending timers: %+v", ts)
		}
		if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "case.apply", Key: "k1", Payload: json.RawMessage(`{"a":1}`)},
			store.OutboxMessage{Topic: "case.apply", Key: "k1"}); err != nil {
			return err
		}
		if n, err := tx.OutboxBacklog(ctx); err != nil || n != 2 {
			t.Errorf("backlog %d, %v; want 2", n, err)
		}
		r := store.IdempotencyRecord{Principal: "tok1", Key: "x", RequestHash: []byte{1, 2}, Status: 201, Response: []byte(`{}`), CreatedAt: tx.Now()}
		if _, err := tx.Idempotency(ctx, "tok1", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unused key: %v, want ErrNotFound", err)
		}
		if err := tx.PutIdempotency(ctx, r); err != nil {
			return err
		}
		got, err := tx.Idempotency(ctx, "tok1", "x") // reads its own pending write
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("key read back %+v, %v; want %+v", got, err, r)
		}
		return nil
	})
}

func TestUpdateRetriesADeadlock(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seed(t, db, testOrder("O1"))
	seed(t, db, testOrder("O2"))
	ctx := context.Background()
	var both sync.WaitGroup
	both.Add(2)
	lockBoth := func(first, second string) func(store.Tx) error {
		var once sync.Once
		attempts := 0
		return func(tx store.Tx) error {
			attempts++
			if _, err := tx.Order(ctx, first, true); err != nil {
				return err
			}
			once.Do(func() { both.Done(); both.Wait() }) // the first attempts hold one order each
			_, err := tx.Order(ctx, second, true)
			return err
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- db.Update(ctx, lockBoth("O1", "O2")) }()
	go func() { errs <- db.Update(ctx, lockBoth("O2", "O1")) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("deadlocked update was not retried: %v", err)
		}
	}
}

func TestAttachmentsPoliciesTokens(t *testing.T) {
	clock := &fixedClock{now: t0}
	db := MustOpen(t, store.Options{Now: clock.Now})
	seed(t, db, testOrder("O1"))
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		if err := tx.InsertCase(ctx, testCase("k1", "O1", t0), nil); err != nil {
			return err
		}
		a := store.Attachment{ID: "att1", OwnerRole: "customer", OwnerID: "c1", ContentType: "image/png", Size: 10,
			SHA256: []byte{9}, OriginalName: "a.png", CreatedAt: tx.Now()}
		if err := tx.InsertAttachment(ctx, a); err != nil {
			return err
		}
		if err := tx.LinkAttachments(ctx, "k1", []string{"att1"}); err != nil {
			return err
		}
		if err := tx.LinkAttachments(ctx, "k1", []string{"att2"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("link unknown attachment: %v", err)
		}
		got, err := tx.Attachment(ctx, "att1")
		a.CaseID, a.Merchant, a.Customer = "k1", "m1", "c1"
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("attachment %+v, %v; want %+v", got, err, a)
		}

		p := store.PolicyRecord{ID: "platform", Version: 3, Layer: "platform", Document: []byte("rules: []"), LoadedAt: tx.Now()}
		if err := tx.SavePolicy(ctx, p); err != nil {
			return err
		}
		if err := tx.SavePolicy(ctx, p); err != nil {
			t.Errorf("save the same policy again: %v", err)
		}
		p2 := p
		p2.Document = []byte("rules: [x]")
		if err := tx.SavePolicy(ctx, p2); !errors.Is(err, store.ErrConflict) {
			t.Errorf("save a changed policy under the same version: %v", err)
		}
		ps, err := tx.Policies(ctx)
		if err != nil || len(ps) != 1 || !reflect.DeepEqual(ps[0], p) {
			t.Errorf("policies %+v, %v", ps, err)
		}

		tk := store.Token{ID: "tok1", Hash: []byte("h"), Role: "merchant", Merchant: "m1", CreatedAt: tx.Now(), ExpiresAt: t0.Add(time.Hour)}
		if err := tx.InsertToken(ctx, tk); err != nil {
			return err
		}
		if err := tx.InsertToken(ctx, store.Token{ID: "tok2", Hash: []byte("h"), Role: "agent"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("token with a taken hash: %v", err)
		}
		got2, err := tx.TokenByHash(ctx, []byte("h"))
		if err != nil || !reflect.DeepEqual(got2, tk) {
			t.Errorf("token %+v, %v; want %+v", got2, err, tk)
		}
		return nil
	})
}

// A write that waits for the next statement (Tx.later) reports its refusal there, and the
// transaction commits nothing.
func TestPendingWriteFailsTheNextStatement(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seed(t, db, testOrder("O1"))
	ctx := context.Background()
	var appendErr, readErr error
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "t", Key: "k"}); err != nil {
			return err
		}
		appendErr = tx.AppendEvent(ctx, "no-such-case", aftersale.Event{Seq: 1, Action: aftersale.Apply, To: aftersale.Requested})
		_, readErr = tx.Order(ctx, "O1", false)
		return readErr
	})
	if appendErr != nil {
		t.Errorf("AppendEvent = %v; its refusal should come with the next statement", appendErr)
	}
	if !errors.Is(readErr, store.ErrNotFound) || !strings.Contains(readErr.Error(), "append event 1 to case no-such-case") {
		t.Errorf("next statement = %v, want the event's ErrNotFound", readErr)
	}
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update = %v, want ErrNotFound", err)
	}
	// Refused at COMMIT: nothing is written.
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "t", Key: "k"}); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, "no-such-case", aftersale.Event{Seq: 1, Action: aftersale.Apply, To: aftersale.Requested})
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update = %v, want ErrNotFound from COMMIT", err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		n, err := tx.OutboxBacklog(ctx)
		if n != 0 {
			t.Errorf("backlog %d after refused transactions, want 0", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// NextCaseNumber takes a block of numbers under a lock of this process; the round trip
// must not carry the transaction's pending writes, which may wait for a row lock held by
// a transaction that itself waits for a case number.
func TestCaseNumberBlockDoesNotWaitForRowLocks(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	holding, queued := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 2)
	go func() { // holds the new merchant's row until it has a case number
		errs <- db.Update(ctx, func(tx store.Tx) error {
			if err := tx.EnsureMerchant(ctx, "m-new"); err != nil {
				return err
			}
			if _, err := tx.Merchant(ctx, "m-new"); err != nil { // sends the insert
				return err
			}
			close(holding)
			<-queued
			time.Sleep(100 * time.Millisecond) // let the other take the block lock first
			_, err := tx.NextCaseNumber(ctx)
			return err
		})
	}()
	go func() { // writes the same row (waits for the first), then wants a case number
		<-holding
		errs <- db.Update(ctx, func(tx store.Tx) error {
			if err := tx.EnsureMerchant(ctx, "m-new"); err != nil {
				return err
			}
			close(queued)
			if _, err := tx.NextCaseNumber(ctx); err != nil {
				return err
			}
			_, err := tx.Merchant(ctx, "m-new")
			return err
		})
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("two writers of one row both taking case numbers: %v", err)
		}
	}
}

// In a View each round trip is a read-only transaction of its own: a refused write leaves
// the next read working.
func TestViewReadsAfterARefusedWrite(t *testing.T) {
	db := MustOpen(t, store.Options{})
	seed(t, db, testOrder("O1"))
	ctx := context.Background()
	err := db.View(ctx, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(ctx, "m2"); err == nil {
			t.Error("EnsureMerchant in a View succeeded")
		}
		if _, err := tx.Merchant(ctx, "m2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Merchant after a refused write: %v, want ErrNotFound", err)
		}
		_, err := tx.Order(ctx, "O1", true)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
