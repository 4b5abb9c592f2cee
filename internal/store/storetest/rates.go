package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var rateTests = []test{
	{name: "BurstThenOneEveryInterval", run: testRateBurst},
	{name: "EachBucketOnItsOwn", run: testRateEachBucket},
	{name: "ConcurrentTakesCountOnce", run: testRateConcurrent},
	{name: "WaitTakesNothing", run: testRateWait},
	{name: "SweepDeletesFullBuckets", run: testRateSweep},
}

// perSecond is a bucket of 3 that gains a token a second.
func perSecond(key string) store.RateTake {
	return store.RateTake{Key: key, Interval: time.Second, Burst: 3}
}

// take takes one token at now and returns the wait (0: taken).
func take(t *testing.T, s store.Store, now time.Time, rt store.RateTake) time.Duration {
	t.Helper()
	waits, err := s.TakeTokens(t.Context(), now, []store.RateTake{rt})
	if err != nil {
		t.Fatalf("TakeTokens: %v", err)
	}
	if len(waits) != 1 {
		t.Fatalf("TakeTokens: %d waits for 1 take", len(waits))
	}
	return waits[0]
}

// A bucket gives its burst at once, then a token every interval; a refused take says how
// long until the next token and changes nothing.
func testRateBurst(t *testing.T, s store.Store) {
	b := perSecond("principal:agent:tok-1")
	for i := range 3 {
		if w := take(t, s, base, b); w != 0 {
			t.Fatalf("take %d of the burst: wait %v", i+1, w)
		}
	}
	if w := take(t, s, base, b); w != time.Second {
		t.Fatalf("a fourth take at once: wait %v, want 1s", w)
	}
	// Refused takes do not push the next token further away.
	if w := take(t, s, base.Add(400*time.Millisecond), b); w != 600*time.Millisecond {
		t.Fatalf("0.4 s later: wait %v, want 600ms", w)
	}
	if w := take(t, s, base.Add(time.Second), b); w != 0 {
		t.Fatalf("a second later: wait %v, want a token", w)
	}
	if w := take(t, s, base.Add(time.Second), b); w != time.Second {
		t.Fatalf("and then: wait %v, want 1s", w)
	}
	// Ten seconds idle fill the bucket to its burst, no more.
	later := base.Add(11 * time.Second)
	for i := range 3 {
		if w := take(t, s, later, b); w != 0 {
			t.Fatalf("take %d after the bucket filled: wait %v", i+1, w)
		}
	}
	if w := take(t, s, later, b); w != time.Second {
		t.Fatalf("past the refilled burst: wait %v, want 1s", w)
	}
}

// Takes of several buckets in one call are answered in their order, each on its own: an
// empty bucket does not keep the others from giving a token.
func testRateEachBucket(t *testing.T, s store.Store) {
	ctx := t.Context()
	one := store.RateTake{Key: "addr:198.51.100.1", Interval: time.Minute, Burst: 1}
	two := store.RateTake{Key: "principal:admin:a", Interval: time.Second, Burst: 2}
	waits, err := s.TakeTokens(ctx, base, []store.RateTake{two, one})
	if err != nil || len(waits) != 2 || waits[0] != 0 || waits[1] != 0 {
		t.Fatalf("first takes: %v, %v", waits, err)
	}
	waits, err = s.TakeTokens(ctx, base, []store.RateTake{two, one})
	if err != nil || len(waits) != 2 || waits[0] != 0 || waits[1] != time.Minute {
		t.Fatalf("second takes: %v, %v; want a token of two and a minute's wait for one", waits, err)
	}
	waits, err = s.TakeTokens(ctx, base, []store.RateTake{one, two})
	if err != nil || len(waits) != 2 || waits[0] != time.Minute || waits[1] != time.Second {
		t.Fatalf("third takes: %v, %v; want both empty", waits, err)
	}
	if waits, err := s.TakeTokens(ctx, base, nil); err != nil || len(waits) != 0 {
		t.Fatalf("no takes: %v, %v", waits, err)
	}
}

// Takes of one bucket from many goroutines at once (replicas) give exactly its burst.
func testRateConcurrent(t *testing.T, s store.Store) {
	const burst, takers = 5, 24
	b := store.RateTake{Key: "login:203.0.113.7", Interval: time.Hour, Burst: burst}
	var got atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, takers)
	for range takers {
		wg.Go(func() {
			waits, err := s.TakeTokens(t.Context(), base, []store.RateTake{b})
			if err != nil {
				errs <- err
				return
			}
			if waits[0] == 0 {
				got.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("TakeTokens: %v", err)
	}
	if got.Load() != burst {
		t.Fatalf("%d of %d concurrent takes got a token, want the burst %d", got.Load(), takers, burst)
	}
}

// TokenWait tells how long until a bucket has a token, and takes none.
func testRateWait(t *testing.T, s store.Store) {
	ctx := t.Context()
	b := perSecond("fail:198.51.100.2")
	wait := func(now time.Time) time.Duration {
		t.Helper()
		w, err := s.TokenWait(ctx, now, b)
		if err != nil {
			t.Fatalf("TokenWait: %v", err)
		}
		return w
	}
	if w := wait(base); w != 0 {
		t.Fatalf("a bucket never used: wait %v", w)
	}
	for range 3 {
		take(t, s, base, b)
	}
	for range 2 {
		if w := wait(base.Add(250 * time.Millisecond)); w != 750*time.Millisecond {
			t.Fatalf("an empty bucket: wait %v, want 750ms", w)
		}
	}
	if w := wait(base.Add(time.Second)); w != 0 {
		t.Fatalf("a second later: wait %v, want 0", w)
	}
	if w := take(t, s, base.Add(time.Second), b); w != 0 {
		t.Fatalf("the token TokenWait promised: wait %v", w)
	}
}

// SweepRateBuckets deletes the buckets that are full at now and keeps the others, which
// go on as before.
func testRateSweep(t *testing.T, s store.Store) {
	ctx := t.Context()
	full, empty := perSecond("addr:full"), perSecond("addr:empty")
	take(t, s, base, full)
	for range 3 {
		take(t, s, base, empty)
	}
	take(t, s, base.Add(2*time.Second), empty)
	take(t, s, base.Add(2*time.Second), empty)
	n, err := s.SweepRateBuckets(ctx, base.Add(2*time.Second))
	if err != nil || n != 1 {
		t.Fatalf("SweepRateBuckets: %d, %v; want the full bucket deleted", n, err)
	}
	if w := take(t, s, base.Add(2*time.Second), empty); w != time.Second {
		t.Fatalf("the bucket kept: wait %v, want 1s", w)
	}
	if n, err := s.SweepRateBuckets(ctx, base.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("a minute later: %d, %v; want the other deleted", n, err)
	}
}
