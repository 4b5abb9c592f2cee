package app

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// RateTake is a token asked of a rate limit's bucket: Key names the bucket (the limit's
// kind and whose it is), which gains a token every Interval up to Burst.
type RateTake = store.RateTake

// SharedRateLimits reports whether the rate limits' buckets belong in the store: on
// PostgreSQL, where several replicas serve and must count one client's requests together.
// SQLite has one process, which keeps its buckets in memory.
func (a *App) SharedRateLimits() bool { return a.store != nil && a.store.Kind() == "postgres" }

// TakeTokens takes a token from each bucket at now, in one statement: 0 for each take
// that got one, else how long until its bucket has one. Each bucket answers on its own.
func (a *App) TakeTokens(ctx context.Context, now time.Time, takes []RateTake) ([]time.Duration, error) {
	return a.store.TakeTokens(ctx, now, takes)
}

// TokenWait is how long until a bucket has a token, taking none.
func (a *App) TokenWait(ctx context.Context, now time.Time, take RateTake) (time.Duration, error) {
	return a.store.TokenWait(ctx, now, take)
}

// SweepRateBuckets deletes the stored buckets that are full again at now (they are the
// same as none); every replica may run it. now is the clock the takes are made with (the
// HTTP server's: the wall clock).
func (a *App) SweepRateBuckets(ctx context.Context, now time.Time) (int, error) {
	return a.store.SweepRateBuckets(ctx, now)
}
