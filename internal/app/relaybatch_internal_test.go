package app

import (
	"context"
	"errors"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
)

// A batch keeps a value and a "there is none", reads again after any other error, and
// without a batch every call reads.
func TestRememberedKeepsWhatABatchMayShare(t *testing.T) {
	reads := map[string]int{}
	read := func(key string, v int, err error) func() (int, error) {
		return func() (int, error) { reads[key]++; return v, err }
	}
	ctx := RelayBatch(context.Background())
	broken := errors.New("connection reset")
	for range 3 {
		if v, err := remembered(ctx, "found", read("found", 7, nil)); v != 7 || err != nil {
			t.Fatalf("found: %d %v", v, err)
		}
		if _, err := remembered(ctx, "none", read("none", 0, store.ErrNotFound)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("none: %v", err)
		}
		if _, err := remembered(ctx, "broken", read("broken", 0, broken)); !errors.Is(err, broken) {
			t.Fatalf("broken: %v", err)
		}
		if _, err := remembered(context.Background(), "unbatched", read("unbatched", 1, nil)); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{"found": 1, "none": 1, "broken": 3, "unbatched": 3}
	for k, n := range want {
		if reads[k] != n {
			t.Errorf("%s read %d times, want %d", k, reads[k], n)
		}
	}
	if _, err := remembered(RelayBatch(context.Background()), "found", read("found", 7, nil)); err != nil || reads["found"] != 2 {
		t.Errorf("a new batch did not read again: %d reads", reads["found"])
	}
}
