package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// takeTokensSQL takes a token from each bucket in one statement: the upsert moves the tat
// of the buckets that have a token (a new bucket has Burst) and returns their keys; the
// others are left as they are, and their tat as the statement's snapshot saw it tells how
// long they will be. The update's condition is evaluated on the row it locked, so that
// concurrent takes of one bucket by several replicas are counted one after another.
const takeTokensSQL = `
WITH r AS (
    SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS r(key, step, span)
), took AS (
    INSERT INTO rate_buckets AS b (key, tat, span)
    SELECT key, $1::bigint + step, span FROM r
    ON CONFLICT (key) DO UPDATE
        SET tat = greatest(b.tat, $1::bigint) + (excluded.tat - $1::bigint), span = excluded.span
        WHERE greatest(b.tat, $1::bigint) - $1::bigint <= excluded.span
    RETURNING b.key
)
SELECT r.key, took.key IS NOT NULL, coalesce(b.tat, 0)
FROM r LEFT JOIN took ON took.key = r.key LEFT JOIN rate_buckets b ON b.key = r.key`

// TakeTokens takes a token from each bucket in one round trip (takeTokensSQL). The rows
// are locked in key order, whatever the order of takes, so that two requests that share
// two buckets cannot deadlock.
func (db *DB) TakeTokens(ctx context.Context, now time.Time, takes []store.RateTake) ([]time.Duration, error) {
	if len(takes) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(takes)
	slices.SortFunc(sorted, func(a, b store.RateTake) int { return strings.Compare(a.Key, b.Key) })
	keys := make([]string, len(sorted))
	steps := make([]int64, len(sorted))
	spans := make([]int64, len(sorted))
	for i, t := range sorted {
		if i > 0 && t.Key == sorted[i-1].Key {
			return nil, errors.New("take tokens: a key twice")
		}
		keys[i], steps[i], spans[i] = t.Key, max(t.Interval.Microseconds(), 1), t.Span().Microseconds()
	}
	at := now.UnixMicro()
	rows, err := db.pool.Query(ctx, takeTokensSQL, at, keys, steps, spans)
	if err != nil {
		return nil, wrap(err, "take tokens")
	}
	waits := make(map[string]time.Duration, len(takes))
	var (
		key string
		ok  bool
		tat int64
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &ok, &tat}, func() error {
		if !ok {
			i, _ := slices.BinarySearch(keys, key)
			waits[key] = max(time.Duration(tat-at-spans[i])*time.Microsecond, time.Microsecond)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "take tokens")
	}
	out := make([]time.Duration, len(takes))
	for i, t := range takes {
		out[i] = waits[t.Key]
	}
	return out, nil
}

// TokenWait reads a bucket's tat.
func (db *DB) TokenWait(ctx context.Context, now time.Time, take store.RateTake) (time.Duration, error) {
	var tat int64
	err := db.pool.QueryRow(ctx, `SELECT tat FROM rate_buckets WHERE key = $1`, take.Key).Scan(&tat)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap(err, "token wait")
	}
	return max(time.Duration(tat-now.UnixMicro())*time.Microsecond-take.Span(), 0), nil
}

// SweepRateBuckets deletes the full buckets.
func (db *DB) SweepRateBuckets(ctx context.Context, now time.Time) (int, error) {
	ct, err := db.pool.Exec(ctx, `DELETE FROM rate_buckets WHERE tat <= $1`, now.UnixMicro())
	if err != nil {
		return 0, wrap(err, "sweep rate buckets")
	}
	return int(ct.RowsAffected()), nil
}
