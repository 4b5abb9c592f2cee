package sqlite

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// fileSize is the size of a file, 0 when it does not exist.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	} else if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// addMerchants stores n merchants named prefix-i, one Update (one commit) each.
func addMerchants(t *testing.T, db *DB, prefix string, n int) {
	t.Helper()
	for i := range n {
		err := db.Update(t.Context(), func(tx store.Tx) error {
			return tx.EnsureMerchant(context.Background(), fmt.Sprintf("%s-%04d", prefix, i))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckpointerCopiesTheWALInTheBackground: commits far below the write connection's
// own threshold (autoCheckpoint pages) reach the database file all the same, copied by
// the checkpointer, and the WAL starts over once it has copied them all.
func TestCheckpointerCopiesTheWALInTheBackground(t *testing.T) {
	db := MustOpenDB(t)
	var pages int
	if err := db.write.QueryRowContext(t.Context(), "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != autoCheckpoint {
		t.Fatalf("the writer checkpoints past %d pages, want %d", pages, autoCheckpoint)
	}
	file := fileSize(t, db.path)
	addMerchants(t, db, "M-first", 300)
	deadline := time.Now().Add(5 * time.Second)
	for db.checkpoints.upTo.Load() != db.groups.Load() {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint after the last of 300 commits in 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := fileSize(t, db.path); got <= file {
		t.Fatalf("the database file holds %d bytes after 300 commits and a checkpoint, %d before", got, file)
	}

	// The checkpointer has copied every page: the next commit writes the WAL from its
	// start, and it holds that commit's few pages, not the 300 commits' before it.
	addMerchants(t, db, "M-next", 1)
	var busy, frames, copied int
	if err := db.read.QueryRowContext(t.Context(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	if frames > 20 {
		t.Errorf("the WAL holds %d pages after one commit: it did not start over", frames)
	}
	found := merchantsStored(t, db, "M-first-0299", "M-next-0000")
	if !found["M-first-0299"] || !found["M-next-0000"] {
		t.Fatalf("merchants stored: %v", found)
	}
}

// TestCloseStopsTheCheckpointer: Close returns with the checkpointer stopped and its
// connection closed (and may be called again), and the file opens again with everything
// in it.
func TestCloseStopsTheCheckpointer(t *testing.T) {
	path := t.TempDir() + "/aftersales.db"
	db, err := Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	addMerchants(t, db, "M", 20)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-db.checkpoints.done:
	default:
		t.Fatal("the checkpointer still runs after Close")
	}
	if err := db.checkpoints.conn.Ping(); err == nil {
		t.Fatal("the checkpointer's connection is open after Close")
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
	again, err := Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if found := merchantsStored(t, again, "M-0019"); !found["M-0019"] {
		t.Fatal("a merchant stored before Close is gone")
	}
}
