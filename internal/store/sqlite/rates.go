package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// takeTokenSQL takes a token from one bucket: the upsert moves the tat of a bucket that has
// a token (a new one has Burst) and returns it; a bucket without one is left as it is and
// returns no row.
const takeTokenSQL = `
INSERT INTO rate_buckets (key, tat, span) VALUES (?1, ?2 + ?3, ?4)
ON CONFLICT (key) DO UPDATE
    SET tat = max(tat, ?2) + ?3, span = excluded.span
    WHERE max(tat, ?2) - ?2 <= excluded.span
RETURNING tat`

// TakeTokens takes a token from each bucket in one write transaction.
func (db *DB) TakeTokens(ctx context.Context, now time.Time, takes []store.RateTake) ([]time.Duration, error) {
	waits := make([]time.Duration, len(takes))
	at := now.UnixMicro()
	err := db.Update(ctx, func(stx store.Tx) error {
		tx := stx.(*Tx)
		for i, t := range takes {
			for _, other := range takes[:i] {
				if other.Key == t.Key {
					return errors.New("a key twice")
				}
			}
			span := t.Span().Microseconds()
			var tat int64
			err := tx.queryRow(ctx, takeTokenSQL, t.Key, at, max(t.Interval.Microseconds(), 1), span).Scan(&tat)
			if err == nil {
				waits[i] = 0
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := tx.queryRow(ctx, `SELECT tat FROM rate_buckets WHERE key = ?`, t.Key).Scan(&tat); err != nil {
				return err
			}
			waits[i] = max(time.Duration(tat-at-span)*time.Microsecond, time.Microsecond)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("take tokens: %w", dbErr(err))
	}
	return waits, nil
}

// TokenWait reads a bucket's tat.
func (db *DB) TokenWait(ctx context.Context, now time.Time, take store.RateTake) (time.Duration, error) {
	var tat int64
	err := db.View(ctx, func(stx store.Tx) error {
		return stx.(*Tx).queryRow(ctx, `SELECT tat FROM rate_buckets WHERE key = ?`, take.Key).Scan(&tat)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("token wait: %w", dbErr(err))
	}
	return max(time.Duration(tat-now.UnixMicro())*time.Microsecond-take.Span(), 0), nil
}

// SweepRateBuckets deletes the full buckets.
func (db *DB) SweepRateBuckets(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.Update(ctx, func(stx store.Tx) error {
		res, err := stx.(*Tx).exec(ctx, `DELETE FROM rate_buckets WHERE tat <= ?`, now.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sweep rate buckets: %w", dbErr(err))
	}
	return int(n), nil
}
