package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// holdWriter starts an Update that holds the writer until release is closed, and
// returns once it does; its outcome arrives on the channel returned.
func holdWriter(t *testing.T, db *DB, release <-chan struct{}) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		done <- db.Update(context.Background(), func(tx store.Tx) error {
			close(started)
			<-release
			return tx.EnsureMerchant(context.Background(), "M-first")
		})
	}()
	<-started
	return done
}

// waitQueued waits until n Updates wait for the writer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		db.group.mu.Lock()
		queued := len(db.group.queue)
		db.group.mu.Unlock()
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// merchantsStored reports which of codes the store holds.
func merchantsStored(t *testing.T, db *DB, codes ...string) map[string]bool {
	t.Helper()
	found := make(map[string]bool)
	err := db.View(t.Context(), func(tx store.Tx) error {
		for _, c := range codes {
			_, err := tx.Merchant(t.Context(), c)
			switch {
			case err == nil:
				found[c] = true
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestUpdatesWaitingForTheWriterShareACommit: the Updates that queue while the writer
// is busy commit together, each as if it ran alone: the one that fails leaves nothing
// and undoes nothing of the others', the one that panics panics in its own goroutine,
// the one whose caller went away is not run, and the rest are stored by one commit.
func TestUpdatesWaitingForTheWriterShareACommit(t *testing.T) {
	db := MustOpenDB(t)
	before := db.groups.Load()
	release := make(chan struct{})
	first := holdWriter(t, db, release)

	gone, cancel := context.WithCancel(context.Background())
	outcomes := make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	update := func(code string, ctx context.Context, fn func(store.Tx) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panicked: %v", r)
				}
				mu.Lock()
				outcomes[code] = err
				mu.Unlock()
			}()
			err = db.Update(ctx, fn)
		}()
	}
	ensure := func(code string, then error) func(store.Tx) error {
		return func(tx store.Tx) error {
			if err := tx.EnsureMerchant(context.Background(), code); err != nil {
				return err
			}
			return then
		}
	}
	for i := range 4 {
		code := fmt.Sprintf("M-%d", i)
		update(code, context.Background(), ensure(code, nil))
	}
	refused := errors.New("refused")
	update("M-fail", context.Background(), ensure("M-fail", refused))
	update("M-panic", context.Background(), func(tx store.Tx) error {
		if err := tx.EnsureMerchant(context.Background(), "M-panic"); err != nil {
			return err
		}
		panic("handler bug")
	})
	update("M-gone", gone, ensure("M-gone", nil))
	waitQueued(t, db, 7)
	cancel()
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("the Update holding the writer: %v", err)
	}
	wg.Wait()

	for code, err := range outcomes {
		var ok bool
		switch code {
		case "M-fail":
			ok = errors.Is(err, refused)
		case "M-panic":
			ok = err != nil && err.Error() == "panicked: handler bug"
		case "M-gone":
			ok = errors.Is(err, context.Canceled)
		default:
			ok = err == nil
		}
		if !ok {
			t.Errorf("Update of %s: %v", code, err)
		}
	}
	stored := merchantsStored(t, db, "M-first", "M-0", "M-1", "M-2", "M-3", "M-fail", "M-panic", "M-gone")
	for _, code := range []string{"M-first", "M-0", "M-1", "M-2", "M-3"} {
		if !stored[code] {
			t.Errorf("%s not stored", code)
		}
	}
	for _, code := range []string{"M-fail", "M-panic", "M-gone"} {
		if stored[code] {
			t.Errorf("%s stored, want nothing of its Update", code)
		}
	}
	if got := db.groups.Load() - before; got != 2 {
		t.Errorf("%d commits for the Update holding the writer and the 7 that waited, want 2", got)
	}
}

// TestGroupLostUnderAMemberIsRunAgain: when the shared transaction is rolled back
// under one member (as SQLite does on an interrupted statement) and the member does not
// notice, every member's function runs again in a new transaction, and all of them are
// stored — whether the member ran first (no savepoint of its own) or after others.
func TestGroupLostUnderAMemberIsRunAgain(t *testing.T) {
	for _, position := range []string{"first", "last"} {
		t.Run(position, func(t *testing.T) {
			db := MustOpenDB(t)
			release := make(chan struct{})
			first := holdWriter(t, db, release)

			var runs atomic.Int32
			errs := make(chan error, 4)
			rollingBack := func() {
				errs <- db.Update(context.Background(), func(tx store.Tx) error {
					if err := tx.EnsureMerchant(context.Background(), "M-rollback"); err != nil {
						return err
					}
					if runs.Add(1) == 1 {
						// The whole transaction ends under the group's feet.
						_, err := tx.(*Tx).tx.ExecContext(context.Background(), "ROLLBACK")
						return err
					}
					return nil
				})
			}
			if position == "first" {
				go rollingBack()
				waitQueued(t, db, 1)
			}
			for i := range 3 {
				go func() {
					errs <- db.Update(context.Background(), func(tx store.Tx) error {
						return tx.EnsureMerchant(context.Background(), fmt.Sprintf("M-%d", i))
					})
				}()
			}
			if position == "last" {
				waitQueued(t, db, 3)
				go rollingBack()
			}
			waitQueued(t, db, 4)
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Errorf("Update: %v", err)
				}
			}
			if n := runs.Load(); n != 2 {
				t.Errorf("the member that rolled back ran %d times, want 2", n)
			}
			stored := merchantsStored(t, db, "M-0", "M-1", "M-2", "M-rollback")
			if len(stored) != 4 {
				t.Errorf("stored %v, want all four", stored)
			}
		})
	}
}

// TestFirstMemberFailingLeavesTheRestToANewTransaction: the first function of a group
// runs without a savepoint; when it fails, its transaction is rolled back and the
// members queued behind it are run and committed in a new one.
func TestFirstMemberFailingLeavesTheRestToANewTransaction(t *testing.T) {
	db := MustOpenDB(t)
	release := make(chan struct{})
	first := holdWriter(t, db, release)
	before := db.groups.Load()

	refused := errors.New("refused")
	failed := make(chan error, 1)
	go func() {
		failed <- db.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.EnsureMerchant(context.Background(), "M-fail"); err != nil {
				return err
			}
			return refused
		})
	}()
	waitQueued(t, db, 1) // first in the next group
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			errs <- db.Update(context.Background(), func(tx store.Tx) error {
				return tx.EnsureMerchant(context.Background(), fmt.Sprintf("M-%d", i))
			})
		}()
	}
	waitQueued(t, db, 3)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-failed; !errors.Is(err, refused) {
		t.Errorf("the failing first member: %v, want its own error", err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a member after it: %v", err)
		}
	}
	stored := merchantsStored(t, db, "M-fail", "M-0", "M-1")
	if stored["M-fail"] || !stored["M-0"] || !stored["M-1"] {
		t.Errorf("stored %v, want M-0 and M-1 only", stored)
	}
	if got := db.groups.Load() - before; got != 2 {
		t.Errorf("%d commits, want 2 (the writer's holder, then the two after the failed one)", got)
	}
}
