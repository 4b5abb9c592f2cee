package webhook

import (
	"math/rand/v2"
	"time"
)

// The retry schedule: the wait after the n-th failed attempt starts at FirstWait and
// doubles up to MaxWait; retrying goes on for RetryFor after the first attempt.
const (
	FirstWait = 30 * time.Second
	MaxWait   = time.Hour
	RetryFor  = 25 * time.Hour // the contract says "at least 24 hours"
)

// Backoff is the wait after the n-th failed attempt of a delivery (n ≥ 1; less counts as
// 1): 30 s, 1 min, 2 min, 4 min, … doubling, capped at 1 h. It has no jitter;
// BackoffJitter adds it.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 8 { // 30 s << 7 is already past the cap
		return MaxWait
	}
	return min(FirstWait<<(n-1), MaxWait)
}

// BackoffJitter is Backoff(n) moved by up to ±10 % at random, from rnd (the package's
// source when nil), so that deliveries that failed together do not all come back at once.
func BackoffJitter(n int, rnd *rand.Rand) time.Duration {
	d := Backoff(n)
	span := int64(d) / 5 // ±10 %
	var j int64
	if rnd != nil {
		j = rnd.Int64N(span + 1)
	} else {
		j = rand.Int64N(span + 1)
	}
	return d + time.Duration(j-span/2)
}

// GiveUp reports whether a delivery first attempted at first has been retried long enough
// at now (RetryFor: more than the 24 hours the contract promises) and is to be marked
// failed instead of tried again.
func GiveUp(first, now time.Time) bool {
	return now.Sub(first) >= RetryFor
}
