package webhook

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute,
		8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	for _, n := range []int{0, -5} {
		if got := Backoff(n); got != 30*time.Second {
			t.Errorf("Backoff(%d) = %v, want 30s", n, got)
		}
	}
	prev := time.Duration(0)
	for n := 1; n < 10000; n++ {
		d := Backoff(n)
		if d < prev || d > time.Hour || d <= 0 {
			t.Fatalf("Backoff(%d) = %v after %v", n, d, prev)
		}
		prev = d
	}
	for _, n := range []int{63, 64, 65, 1 << 30, int(^uint(0) >> 1)} {
		if got := Backoff(n); got != time.Hour {
			t.Errorf("Backoff(%d) = %v, want 1h", n, got)
		}
	}
}

func TestBackoffJitter(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 12; n++ {
		base := Backoff(n)
		lo, hi := base, base
		for range 2000 {
			d := BackoffJitter(n, rnd)
			if d < base-base/10 || d > base+base/10 {
				t.Fatalf("BackoffJitter(%d) = %v, outside %v ± 10%%", n, d, base)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo == hi || hi-lo < base/10 {
			t.Errorf("BackoffJitter(%d) spread %v..%v: too little jitter", n, lo, hi)
		}
		if d := BackoffJitter(n, nil); d < base-base/10 || d > base+base/10 {
			t.Errorf("BackoffJitter(%d, nil) = %v", n, d)
		}
	}
	// Deterministic for a seeded source.
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for n := 1; n < 20; n++ {
		if x, y := BackoffJitter(n, a), BackoffJitter(n, b); x != y {
			t.Fatalf("BackoffJitter(%d) with equal seeds: %v != %v", n, x, y)
		}
	}
}

func TestGiveUp(t *testing.T) {
	first := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	if RetryFor < 24*time.Hour {
		t.Fatalf("RetryFor = %v, under 24h", RetryFor)
	}
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{
		{0, false}, {time.Hour, false}, {24 * time.Hour, false}, {RetryFor - time.Nanosecond, false},
		{RetryFor, true}, {RetryFor + time.Minute, true}, {72 * time.Hour, true},
	} {
		if got := GiveUp(first, first.Add(tc.after)); got != tc.want {
			t.Errorf("GiveUp(first, first+%v) = %v, want %v", tc.after, got, tc.want)
		}
	}
}

// TestRetrySchedule plays a delivery that always fails: attempt at first, then after each
// failure give up or wait the backoff. It must retry for at least 24 hours and stop after
// a finite number of attempts — with the shortest, the longest and no jitter.
func TestRetrySchedule(t *testing.T) {
	first := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		wait func(n int) time.Duration
	}{
		{"no jitter", Backoff},
		{"shortest", func(n int) time.Duration { d := Backoff(n); return d - d/10 }},
		{"longest", func(n int) time.Duration { d := Backoff(n); return d + d/10 }},
		{"random", func() func(int) time.Duration {
			rnd := rand.New(rand.NewPCG(3, 4))
			return func(n int) time.Duration { return BackoffJitter(n, rnd) }
		}()},
	} {
		now, attempts := first, 0
		for {
			attempts++ // an attempt at now, which fails
			if attempts > 1000 {
				t.Fatalf("%s: still retrying after %d attempts", tc.name, attempts)
			}
			if GiveUp(first, now) {
				break
			}
			now = now.Add(tc.wait(attempts))
		}
		span := now.Sub(first)
		t.Logf("%s: %d attempts over %v, then marked failed", tc.name, attempts, span)
		if span < 24*time.Hour {
			t.Errorf("%s: retried for %v only", tc.name, span)
		}
		if span > RetryFor+2*time.Hour {
			t.Errorf("%s: retried for %v, well past RetryFor", tc.name, span)
		}
	}
}
