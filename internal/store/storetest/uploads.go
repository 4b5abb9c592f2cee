package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// uploadTests are what upload quotas and the sweeper of unclaimed uploads ask of a store
// (issue 17, item 3).
var uploadTests = []test{
	{name: "UsageCountsAnOwnersUploadsSince", run: testUploadUsage},
	{name: "DeleteUnlinkedTakesOldUnclaimedOnes", run: testDeleteUnlinked},
	{name: "ConcurrentSweepsShareTheRows", run: testDeleteUnlinkedConcurrently},
	{name: "SweepNeverDeletesWhatIsBeingLinked", run: testDeleteUnlinkedWhileLinking},
}

// uploadAt is an upload by a customer, of a size, made at a time.
func uploadAt(id, owner string, size int64, at time.Time) store.Attachment {
	a := sampleAttachment(id)
	a.OwnerID, a.Size, a.CreatedAt = owner, size, at
	return a
}

func insertAttachments(t *testing.T, s store.Store, as ...store.Attachment) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, a := range as {
			if err := tx.InsertAttachment(t.Context(), a); err != nil {
				return err
			}
		}
		return nil
	})
}

func testUploadUsage(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "case-1")
	day := base.Add(-24 * time.Hour)
	merchant := uploadAt("att-m", "C-1", 4000, base.Add(-time.Hour))
	merchant.OwnerRole = "merchant" // the same id under another role is another owner
	insertAttachments(t, s,
		uploadAt("att-old", "C-1", 100, day.Add(-time.Microsecond)),
		uploadAt("att-day", "C-1", 200, day),
		uploadAt("att-linked", "C-1", 300, base.Add(-time.Hour)),
		uploadAt("att-other", "C-2", 1000, base.Add(-time.Hour)),
		merchant)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.LinkAttachments(ctx, c.ID, []string{"att-linked"}) })
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.UploadUsage(ctx, "customer", "C-1", day)
		if err != nil {
			return err
		}
		// Since is inclusive; linked uploads count as much as unlinked ones.
		wantEqual(t, "usage of C-1 since a day before", got, store.UploadUsage{Count: 2, Bytes: 500, Oldest: day})
		got, err = tx.UploadUsage(ctx, "merchant", "C-1", day)
		if err != nil {
			return err
		}
		wantEqual(t, "usage of merchant C-1", got, store.UploadUsage{Count: 1, Bytes: 4000, Oldest: base.Add(-time.Hour)})
		got, err = tx.UploadUsage(ctx, "customer", "C-9", day)
		if err != nil {
			return err
		}
		wantEqual(t, "usage of an owner without uploads", got, store.UploadUsage{})
		return nil
	})
}

func testDeleteUnlinked(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "case-1")
	cutoff := base.Add(-24 * time.Hour)
	insertAttachments(t, s,
		uploadAt("att-old-2", "C-1", 20, cutoff.Add(-2*time.Hour)),
		uploadAt("att-old-1", "C-1", 10, cutoff.Add(-3*time.Hour)),
		uploadAt("att-old-3", "C-2", 30, cutoff.Add(-time.Hour)),
		uploadAt("att-old-linked", "C-1", 40, cutoff.Add(-5*time.Hour)),
		uploadAt("att-at-cutoff", "C-1", 50, cutoff),
		uploadAt("att-fresh", "C-1", 60, base))
	mustUpdate(t, s, func(tx store.Tx) error { return tx.LinkAttachments(ctx, c.ID, []string{"att-old-linked"}) })
	totals := func(want store.AttachmentTotals) {
		t.Helper()
		mustView(t, s, func(tx store.Tx) error {
			got, err := tx.AttachmentTotals(ctx)
			if err != nil {
				return err
			}
			wantEqual(t, "attachment totals", got, want)
			return nil
		})
	}
	totals(store.AttachmentTotals{Count: 6, Bytes: 210, UnlinkedCount: 5, UnlinkedBytes: 170})

	var first, second, third []store.Attachment
	mustUpdate(t, s, func(tx store.Tx) (err error) {
		if none, err := tx.DeleteUnlinkedAttachments(ctx, cutoff, 0); err != nil || len(none) > 0 {
			return fmt.Errorf("a limit of 0 deleted %v (%v)", none, err)
		}
		first, err = tx.DeleteUnlinkedAttachments(ctx, cutoff, 2)
		return err
	})
	mustUpdate(t, s, func(tx store.Tx) (err error) {
		second, err = tx.DeleteUnlinkedAttachments(ctx, cutoff, 2)
		return err
	})
	mustUpdate(t, s, func(tx store.Tx) (err error) {
		third, err = tx.DeleteUnlinkedAttachments(ctx, cutoff, 2)
		return err
	})
	ids := func(as []store.Attachment) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	wantEqual(t, "first sweep: the two oldest unlinked", ids(first), []string{"att-old-1", "att-old-2"})
	wantEqual(t, "second sweep: the rest before the cutoff", ids(second), []string{"att-old-3"})
	wantEqual(t, "third sweep: nothing left", len(third), 0)
	for _, a := range first {
		if a.ID == "att-old-1" {
			want := uploadAt("att-old-1", "C-1", 10, cutoff.Add(-3*time.Hour))
			want.SHA256 = nil
			wantEqual(t, "a deleted attachment as returned", a, want)
		}
	}
	mustView(t, s, func(tx store.Tx) error {
		for _, id := range []string{"att-old-1", "att-old-2", "att-old-3"} {
			_, err := tx.Attachment(ctx, id)
			wantErr(t, "Attachment "+id+" after the sweep", err, store.ErrNotFound)
		}
		for _, id := range []string{"att-old-linked", "att-at-cutoff", "att-fresh"} {
			if _, err := tx.Attachment(ctx, id); err != nil {
				return fmt.Errorf("%s after the sweep: %w", id, err)
			}
		}
		return nil
	})
	totals(store.AttachmentTotals{Count: 3, Bytes: 150, UnlinkedCount: 2, UnlinkedBytes: 110})
}

// Two replicas sweep at once: every old unlinked upload is deleted by exactly one of them.
func testDeleteUnlinkedConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	cutoff := base
	var as []store.Attachment
	for i := range 40 {
		as = append(as, uploadAt(fmt.Sprintf("att-%02d", i), "C-1", 1, cutoff.Add(-time.Duration(i+1)*time.Minute)))
	}
	insertAttachments(t, s, as...)
	var (
		mu   sync.Mutex
		got  []string
		errs []error
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				var batch []store.Attachment
				err := s.Update(ctx, func(tx store.Tx) (err error) {
					batch, err = tx.DeleteUnlinkedAttachments(ctx, cutoff, 3)
					return err
				})
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, a := range batch {
					got = append(got, a.ID)
				}
				mu.Unlock()
				if err != nil || len(batch) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent sweeps failed: %v", errs)
	}
	slices.Sort(got)
	var want []string
	for _, a := range as {
		want = append(want, a.ID)
	}
	slices.Sort(want)
	wantEqual(t, "uploads deleted by the concurrent sweeps, each once", got, want)
}

// A transaction links an old upload to a case while a sweep runs: the upload stays, linked.
// (PostgreSQL's sweep skips the locked row; SQLite's waits for the link to commit and then
// finds it linked.)
func testDeleteUnlinkedWhileLinking(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := seedCase(t, s, "case-1")
	insertAttachments(t, s, uploadAt("att-1", "C-1", 1, base.Add(-48*time.Hour)))
	linked, swept := make(chan struct{}), make(chan struct{})
	var deleted []store.Attachment
	var sweepErr error
	go func() {
		defer close(swept)
		<-linked
		sweepErr = s.Update(ctx, func(tx store.Tx) (err error) {
			deleted, err = tx.DeleteUnlinkedAttachments(ctx, base, 10)
			return err
		})
	}()
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.LinkAttachments(ctx, c.ID, []string{"att-1"}); err != nil {
			return err
		}
		// Read something back, so that a pipelining store has surely sent the link.
		if _, err := tx.Attachment(ctx, "att-1"); err != nil {
			return err
		}
		close(linked)
		select {
		case <-swept: // the sweep did not wait for this transaction
		case <-time.After(300 * time.Millisecond): // it waits: commit, and let it go on
		}
		return nil
	})
	<-swept
	if sweepErr != nil {
		t.Fatalf("sweep: %v", sweepErr)
	}
	wantEqual(t, "attachments deleted by a sweep while being linked", len(deleted), 0)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Attachment(ctx, "att-1")
		if err != nil {
			return err
		}
		wantEqual(t, "case of the attachment", got.CaseID, c.ID)
		return nil
	})
}
