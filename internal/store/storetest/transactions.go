package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var transactionTests = []test{
	{name: "MigrateTwiceIsHarmlessAndReady", run: testMigrateTwice},
	{name: "KindNamesTheDatabase", run: testKind},
	{name: "NowIsFixedPerTransactionInUTCMicroseconds", run: testNow},
	{name: "UpdateWhoseFnFailsWritesNothing", run: testUpdateFnFails},
	{name: "ViewCannotWrite", run: testViewCannotWrite},
	{name: "ViewReturnsFnError", run: testViewReturnsFnError},
	{name: "NextCaseNumberIncreases", run: testNextCaseNumberIncreases},
	{name: "NextCaseNumberUniqueUnderConcurrency", run: testNextCaseNumberConcurrent},
}

func testMigrateTwice(t *testing.T, s store.Store) {
	for i := range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
	}
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after Migrate: %v", err)
	}
	// The schema still works after the second Migrate.
	seedCase(t, s, "case-1")
}

func testKind(t *testing.T, s store.Store) {
	if k := s.Kind(); k != "sqlite" && k != "postgres" {
		t.Fatalf("Kind() = %q, want sqlite or postgres", k)
	}
}

func testNow(t *testing.T, s store.Store) {
	check := func(tx store.Tx) error {
		a := tx.Now()
		time.Sleep(2 * time.Millisecond)
		b := tx.Now()
		switch {
		case a.IsZero():
			t.Error("Now() is zero")
		case !a.Equal(b):
			t.Errorf("Now() moved within a transaction: %v then %v", a, b)
		case a.Location() != time.UTC:
			t.Errorf("Now() is in %v, want UTC", a.Location())
		case !a.Equal(a.Truncate(time.Microsecond)):
			t.Errorf("Now() = %v has a finer precision than a microsecond", a)
		}
		return nil
	}
	mustUpdate(t, s, check)
	mustView(t, s, check)
}

func testUpdateFnFails(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		ctx := t.Context()
		if err := tx.EnsureMerchant(ctx, o.Merchant); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(ctx, o.Customer); err != nil {
			return err
		}
		if _, err := tx.UpsertOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.InsertCase(ctx, sampleCase("case-1", o, base), sampleDecision); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "case.apply", Key: "case-1", Payload: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		if err := tx.PutIdempotency(ctx, store.IdempotencyRecord{Principal: "tok-1", Key: "k-1",
			RequestHash: []byte{1}, Status: 201, Response: []byte(`{}`)}); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update whose fn fails", err, errBoom)

	mustView(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		_, err := tx.Merchant(ctx, o.Merchant)
		wantErr(t, "merchant of a failed Update", err, store.ErrNotFound)
		_, err = tx.Customer(ctx, o.Customer)
		wantErr(t, "customer of a failed Update", err, store.ErrNotFound)
		_, err = tx.Order(ctx, o.No, false)
		wantErr(t, "order of a failed Update", err, store.ErrNotFound)
		_, err = tx.Case(ctx, "case-1")
		wantErr(t, "case of a failed Update", err, store.ErrNotFound)
		_, err = tx.Idempotency(ctx, "tok-1", "k-1")
		wantErr(t, "idempotency key of a failed Update", err, store.ErrNotFound)
		n, err := tx.OutboxBacklog(ctx)
		if err != nil || n != 0 {
			t.Fatalf("OutboxBacklog after a failed Update = %d, %v; want 0", n, err)
		}
		return nil
	})
}

func testViewCannotWrite(t *testing.T, s store.Store) {
	var writeErr error
	_ = s.View(t.Context(), func(tx store.Tx) error {
		writeErr = tx.EnsureMerchant(t.Context(), "M-1")
		return writeErr
	})
	if writeErr == nil {
		t.Fatal("EnsureMerchant in View succeeded; a write in a View must return an error")
	}
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.Merchant(t.Context(), "M-1")
		wantErr(t, "merchant written in a View", err, store.ErrNotFound)
		return nil
	})
}

func testViewReturnsFnError(t *testing.T, s store.Store) {
	err := s.View(t.Context(), func(tx store.Tx) error { return errBoom })
	wantErr(t, "View whose fn fails", err, errBoom)
}

func testNextCaseNumberIncreases(t *testing.T, s store.Store) {
	var got []int64
	for range 3 {
		mustUpdate(t, s, func(tx store.Tx) error {
			for range 2 {
				n, err := tx.NextCaseNumber(t.Context())
				if err != nil {
					return err
				}
				got = append(got, n)
			}
			return nil
		})
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("NextCaseNumber gave %v: not strictly increasing", got)
		}
	}
	if got[0] <= 0 {
		t.Fatalf("NextCaseNumber gave %d first; want a positive number", got[0])
	}
}

func testNextCaseNumberConcurrent(t *testing.T, s store.Store) {
	const workers = 20
	var (
		mu    sync.Mutex
		got   []int64
		errs  []error
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range workers {
		wg.Go(func() {
			<-start
			var n int64
			err := s.Update(t.Context(), func(tx store.Tx) error {
				var err error
				n, err = tx.NextCaseNumber(t.Context())
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			got = append(got, n)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("NextCaseNumber under concurrency: %v", err)
	}
	slices.Sort(got)
	if len(slices.Compact(slices.Clone(got))) != workers {
		t.Fatalf("NextCaseNumber gave %v to %d transactions: numbers repeat", got, workers)
	}
	var last int64
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		last, err = tx.NextCaseNumber(t.Context())
		return err
	})
	if last <= got[len(got)-1] {
		t.Fatalf("NextCaseNumber after %v gave %d", got, last)
	}
}
