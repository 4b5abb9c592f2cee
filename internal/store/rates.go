package store

import (
	"context"
	"time"
)

// RateBuckets are token buckets kept in the database, so that every process using it
// shares them: the rate limits of several replicas on one PostgreSQL (httpapi). Each
// bucket is one row holding its theoretical arrival time (GCRA: the time at which the
// bucket will be full again, plus one interval), and each method is a single statement
// outside any transaction, so that a check costs one round trip.
//
// A bucket with Burst tokens that gains one every Interval: a take at now succeeds when
// max(tat, now) − now ≤ (Burst − 1) × Interval, and moves tat to max(tat, now) + Interval;
// a refused take changes nothing. A bucket that is full again (tat ≤ now) is the same as
// none, and SweepRateBuckets may delete it.
type RateBuckets interface {
	// TakeTokens takes one token from each bucket at now, each bucket on its own: one
	// without a token does not stop the others from giving theirs. It returns, for each
	// take in order, 0 when it got a token, else how long until the bucket has one.
	// Keys must differ.
	TakeTokens(ctx context.Context, now time.Time, takes []RateTake) ([]time.Duration, error)
	// TokenWait is how long until the bucket has a token at now, without taking one: 0
	// when it has one.
	TokenWait(ctx context.Context, now time.Time, take RateTake) (time.Duration, error)
	// SweepRateBuckets deletes the buckets that are full again at now, and says how many.
	SweepRateBuckets(ctx context.Context, now time.Time) (int, error)
}

// RateTake is a token asked of one bucket and the bucket's rate: a token every Interval
// (at least a microsecond), at most Burst (at least 1) at once.
type RateTake struct {
	Key      string
	Interval time.Duration
	Burst    int
}

// Span is how far ahead of now a bucket's tat may be for a take to succeed:
// (Burst − 1) × Interval.
func (r RateTake) Span() time.Duration { return time.Duration(max(r.Burst, 1)-1) * r.Interval }
