package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
)

// maxIdle is the longest Run sleeps without looking at the record, in case the clock was
// moved or a wake-up was missed.
const maxIdle = time.Second

// leaseMargin is added to CallbackTimeout for the lease of a callback in flight: a
// callback whose worker never reported back (its record could not be written) is sent
// again after it.
const leaseMargin = 5 * time.Second

// Run sends the callbacks that are due until ctx ends or the gateway is closed, and then
// returns nil once the callbacks in flight have finished (a callback cut off goes out
// again later). Start it once, in its own goroutine, beside the server that receives the
// callbacks; it never holds up Pay.
//
// Each pass settles the payments whose moment has come and sends their callbacks in the
// order of those moments, so out of order relative to the calls, up to Workers at once. A
// callback answered 2xx is delivered; any other answer, or none, is a failure and the
// callback is sent again after a backoff (CallbackRetry, doubling to CallbackRetryCap). A
// payment drawn to be duplicated has its callback sent once more, at a random moment soon
// after the first was delivered.
func (g *Simulated) Run(ctx context.Context) error {
	if g.opts.CallbackURL == "" {
		return errors.New("run payment gateway: no callback URL")
	}
	g.mu.Lock()
	switch {
	case g.isClosed:
		g.mu.Unlock()
		return ErrClosed
	case g.running:
		g.mu.Unlock()
		return errors.New("run payment gateway: already running")
	}
	g.running = true
	g.runWG.Add(1)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running = false
		g.mu.Unlock()
		g.runWG.Done()
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-g.done:
			cancel()
		case <-ctx.Done():
		}
	}()

	var inflight sync.WaitGroup
	defer inflight.Wait()
	slots := make(chan struct{}, g.opts.Workers)
	// Since Go 1.23 Reset discards a tick not yet received, so the timer needs no draining.
	timer := time.NewTimer(maxIdle)
	defer timer.Stop()
	for {
		wait := maxIdle
		if free := cap(slots) - len(slots); free > 0 {
			due, next, err := g.claim(ctx, free)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				g.log.Error("payment gateway: claim callbacks", "err", err)
			default:
				for _, r := range due {
					slots <- struct{}{}
					inflight.Add(1)
					go func() {
						defer inflight.Done()
						g.deliver(ctx, r)
						<-slots
						g.nudge()
					}()
				}
				if len(due) < free && !next.IsZero() {
					wait = min(max(next.Sub(g.now()), time.Millisecond), maxIdle)
				}
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-g.wake:
		case <-timer.C:
		}
	}
}

// claim settles the payments due and leases up to n callbacks due, in the order they fall
// due. It also returns when the next callback not leased falls due (zero: none is
// waiting).
func (g *Simulated) claim(ctx context.Context, n int) ([]Record, time.Time, error) {
	now := g.now()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer tx.Rollback()
	settled, err := settleDue(ctx, tx, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	if settled > 0 {
		g.log.Debug("payment gateway: payments settled", "count", settled)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE callbacks_due > 0 AND next_callback_at <= ?1 AND settle_at <= ?1 AND (leased_until IS NULL OR leased_until <= ?1)
		ORDER BY next_callback_at, id LIMIT ?2`, micros(now), n)
	if err != nil {
		return nil, time.Time{}, err
	}
	var due []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			rows.Close()
			return nil, time.Time{}, err
		}
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	lease := micros(now.Add(g.opts.CallbackTimeout + leaseMargin))
	for _, r := range due {
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET leased_until = ? WHERE idempotency_key = ?`, lease, r.Key); err != nil {
			return nil, time.Time{}, err
		}
	}
	var next *int64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(MAX(next_callback_at, COALESCE(leased_until, 0))) FROM payments
		WHERE callbacks_due > 0`).Scan(&next); err != nil {
		return nil, time.Time{}, err
	}
	if err := tx.Commit(); err != nil {
		return nil, time.Time{}, err
	}
	if next == nil {
		return due, time.Time{}, nil
	}
	return due, fromMicros(*next), nil
}

// deliver sends one callback and records how it went.
func (g *Simulated) deliver(ctx context.Context, r Record) {
	body, err := json.Marshal(r.Payment)
	if err != nil { // a ledger.Payment always marshals; kept for honesty
		g.log.Error("payment gateway: encode callback", "key", r.Key, "err", err)
		return
	}
	status, err := g.post(ctx, body)
	now := g.now()
	// The outcome is recorded even when ctx has ended: Run waits for it before returning,
	// and Close for Run before closing the database.
	wctx := context.WithoutCancel(ctx)
	switch {
	case err == nil && status/100 == 2:
		next := now.Add(g.between(0, 2*g.opts.SettleDelay)) // the duplicate's moment, if there is one
		_, err = g.db.ExecContext(wctx, `UPDATE payments SET callbacks_due = callbacks_due - 1,
			callbacks_sent = callbacks_sent + 1, callback_failures = 0, leased_until = NULL,
			delivered_at = COALESCE(delivered_at, ?), next_callback_at = ? WHERE idempotency_key = ?`,
			micros(now), micros(next), r.Key)
		g.stats.callbacksSent.Add(1)
		if r.CallbacksSent > 0 {
			g.stats.duplicates.Add(1)
		}
		g.log.Debug("payment gateway: callback delivered", "key", r.Key, "ref", r.Ref, "status", r.Status,
			"duplicate", r.CallbacksSent > 0)
	case ctx.Err() != nil:
		// Cut off by shutdown, not refused by the receiver: free to go again at once.
		_, err = g.db.ExecContext(wctx, `UPDATE payments SET leased_until = NULL WHERE idempotency_key = ?`, r.Key)
	default:
		failures := r.CallbackFailures + 1
		wait := g.backoff(failures)
		_, dbErr := g.db.ExecContext(wctx, `UPDATE payments SET callback_failures = ?, leased_until = NULL,
			next_callback_at = ? WHERE idempotency_key = ?`, failures, micros(now.Add(wait)), r.Key)
		g.stats.callbackFailures.Add(1)
		if err == nil {
			err = fmt.Errorf("receiver answered %d", status)
		}
		g.log.Warn("payment gateway: callback not delivered", "key", r.Key, "ref", r.Ref, "failures", failures,
			"retry_in", wait, "err", err)
		err = dbErr
	}
	if err != nil {
		g.log.Error("payment gateway: record callback", "key", r.Key, "err", err)
	}
}

// post sends a signed callback body and returns the receiver's status code.
func (g *Simulated) post(ctx context.Context, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, g.opts.CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.opts.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "aftersales-simulated-gateway/1")
	req.Header.Set(SignatureHeader, Sign(g.secret, body))
	resp, err := g.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Read a little of the answer so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxCallbackSize))
	return resp.StatusCode, nil
}

// backoff is the wait after the n-th failed attempt to deliver a callback: the ledger's
// retry schedule, with the callback's own first wait and cap.
func (g *Simulated) backoff(n int) time.Duration {
	s := ledger.Schedule{First: g.opts.CallbackRetry, Cap: g.opts.CallbackRetryCap, MaxAttempts: math.MaxInt}
	g.randMu.Lock()
	defer g.randMu.Unlock()
	return s.Delay(n, g.rand)
}
