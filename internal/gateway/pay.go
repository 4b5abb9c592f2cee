package gateway

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

// MaxKeyLen is the longest idempotency key or gateway reference, in characters, the
// gateway takes and a callback may carry.
const MaxKeyLen = 200

// Pay asks for a payment, as ledger.Gateway says. A key seen before answers its record as
// it now stands (processing, or settled) and pays nothing more; a new key is recorded as
// processing and settles later, its callback sent by Run.
//
// With probability FailureRate the call fails with ErrUnavailable: half the time before
// anything is recorded, half the time after (the reply is lost). Either way the caller
// asks again with the same key. Reusing a key for another amount, currency or method is
// ErrKeyConflict; a malformed request is ErrInvalidRequest.
func (g *Simulated) Pay(ctx context.Context, req ledger.PayRequest) (ledger.Payment, error) {
	if g.closed() {
		return ledger.Payment{}, ErrClosed
	}
	if err := checkRequest(req); err != nil {
		g.stats.invalid.Add(1)
		return ledger.Payment{}, fmt.Errorf("pay %q: %w", req.Key, err)
	}
	if err := g.travel(ctx); err != nil {
		return ledger.Payment{}, fmt.Errorf("pay %s: %w", req.Key, err)
	}
	fail := g.float64() < g.failureRate
	if fail && g.float64() < 0.5 {
		g.stats.refused.Add(1)
		return ledger.Payment{}, fmt.Errorf("pay %s: %w", req.Key, errRefused)
	}
	p, replayed, err := g.record(ctx, req)
	if err != nil {
		if errors.Is(err, ErrKeyConflict) {
			g.stats.conflicts.Add(1)
		}
		return ledger.Payment{}, fmt.Errorf("pay %s: %w", req.Key, err)
	}
	if !replayed {
		g.nudge()
	}
	switch {
	case fail:
		g.stats.lostReplies.Add(1)
		return ledger.Payment{}, fmt.Errorf("pay %s: %w", req.Key, errReplyLost)
	case replayed:
		g.stats.replayed.Add(1)
	default:
		g.stats.ok.Add(1)
	}
	return p, nil
}

// travel waits about Latency (±20%), the time a call to a real provider takes, or until
// ctx ends.
func (g *Simulated) travel(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := g.opts.Latency
	if l <= 0 {
		return nil
	}
	t := time.NewTimer(g.between(l-l/5, l+l/5))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// record answers the payment for req.Key, making it if the key is new. It reports whether
// the key had been recorded before.
func (g *Simulated) record(ctx context.Context, req ledger.PayRequest) (ledger.Payment, bool, error) {
	// The draws are made before the transaction, which they would only lengthen.
	settleIn := g.between(0, 2*g.opts.SettleDelay)
	due := 1
	if g.float64() < g.opts.DuplicateRate {
		due = 2
	}
	ref, err := newRef()
	if err != nil {
		return ledger.Payment{}, false, err
	}
	now := g.now()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return ledger.Payment{}, false, fmt.Errorf("record payment: %w", err)
	}
	defer tx.Rollback()
	if _, err := settleDue(ctx, tx, now); err != nil {
		return ledger.Payment{}, false, err
	}
	r, err := scanRecord(tx.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE idempotency_key = ?`, req.Key))
	switch {
	case err == nil:
		if r.Amount != req.Amount || r.Currency != req.Currency || r.Method != req.Method {
			return ledger.Payment{}, false, fmt.Errorf("%w: recorded as %d %s by %s, asked for %d %s by %s", ErrKeyConflict,
				r.Amount, r.Currency, r.Method, req.Amount, req.Currency, req.Method)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET calls = calls + 1 WHERE idempotency_key = ?`, req.Key); err != nil {
			return ledger.Payment{}, false, fmt.Errorf("record payment: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return ledger.Payment{}, false, fmt.Errorf("record payment: %w", err)
		}
		return r.Payment, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return ledger.Payment{}, false, fmt.Errorf("record payment: %w", err)
	}

	outcome, reason := ledger.Paid, ""
	if slices.Contains(g.opts.DeclineMethods, req.Method) {
		outcome, reason = ledger.Declined, fmt.Sprintf("%s declined: the account is closed (simulated)", req.Method)
	}
	settleAt := now.Add(settleIn)
	_, err = tx.ExecContext(ctx, `INSERT INTO payments (idempotency_key, ref, amount, currency, method, payer, payee,
		reference, status, outcome, reason, calls, created_at, settle_at, callbacks_due, next_callback_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'processing', ?, ?, 1, ?, ?, ?, ?)`,
		req.Key, ref, req.Amount, string(req.Currency), string(req.Method), string(req.Payer), string(req.Payee),
		req.Reference, string(outcome), reason, micros(now), micros(settleAt), due, micros(settleAt))
	if err != nil {
		return ledger.Payment{}, false, fmt.Errorf("record payment: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return ledger.Payment{}, false, fmt.Errorf("record payment: %w", err)
	}
	return ledger.Payment{Key: req.Key, Ref: ref, Amount: req.Amount, Currency: req.Currency, Method: req.Method,
		Status: ledger.Processing, CreatedAt: fromMicros(micros(now))}, false, nil
}

// refEncoding spells references in capitals and digits, as providers' references look.
var refEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRef makes a gateway reference: "SIM" and 16 random characters (80 bits).
func newRef() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make gateway reference: %w", err)
	}
	return "SIM" + refEncoding.EncodeToString(b), nil
}

// checkRequest refuses what no provider would take, and what the gateway could not later
// send in a callback that ParseCallback accepts.
func checkRequest(req ledger.PayRequest) error {
	var problems []string
	if msg := checkKey(req.Key); msg != "" {
		problems = append(problems, "idempotency_key "+msg)
	}
	if req.Amount <= 0 || req.Amount > money.Limit {
		problems = append(problems, fmt.Sprintf("amount %d is not within 1–%d", req.Amount, money.Limit))
	}
	if !validCurrency(req.Currency) {
		problems = append(problems, fmt.Sprintf("currency %q is not three capital letters", req.Currency))
	}
	if !req.Method.Valid() {
		problems = append(problems, fmt.Sprintf("method %q is unknown", req.Method))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, strings.Join(problems, "; "))
	}
	return nil
}

// checkKey returns what is wrong with an idempotency key or a reference, or "".
func checkKey(s string) string {
	switch {
	case s == "":
		return "is required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > MaxKeyLen:
		return fmt.Sprintf("is longer than %d characters", MaxKeyLen)
	}
	return ""
}

// validCurrency reports whether c has the form of an ISO 4217 code. The gateway does not
// judge which currencies exist: a provider takes what its contract says.
func validCurrency(c money.Currency) bool {
	if len(c) != 3 {
		return false
	}
	for i := range len(c) {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// Payments lists the gateway's record of the payments created in [from, to) (a zero
// bound is no bound), in the order they were made, with their status as it now is: the
// other side of reconciliation.
func (g *Simulated) Payments(ctx context.Context, from, to time.Time) ([]ledger.Payment, error) {
	rs, err := g.Records(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Payment, len(rs))
	for i := range rs {
		out[i] = rs[i].Payment
	}
	return out, nil
}

// Records is Payments with everything the gateway keeps about each payment.
func (g *Simulated) Records(ctx context.Context, from, to time.Time) ([]Record, error) {
	if g.closed() {
		return nil, ErrClosed
	}
	q := `SELECT ` + paymentColumns + ` FROM payments WHERE 1 = 1`
	var args []any
	if !from.IsZero() {
		q += ` AND created_at >= ?`
		args = append(args, micros(from))
	}
	if !to.IsZero() {
		q += ` AND created_at < ?`
		args = append(args, micros(to))
	}
	q += ` ORDER BY created_at, id`
	var out []Record
	err := g.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list payments: %w", err)
	}
	return out, nil
}

// Lookup returns the record of the payment for key, or ErrNotFound.
func (g *Simulated) Lookup(ctx context.Context, key string) (Record, error) {
	if g.closed() {
		return Record{}, ErrClosed
	}
	var r Record
	err := g.view(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRecord(tx.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments WHERE idempotency_key = ?`, key))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("look up payment %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("look up payment %s: %w", key, err)
	}
	return r, nil
}

// view runs fn after settling the payments due, in one transaction, so that what it reads
// is the record as it now stands.
func (g *Simulated) view(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := settleDue(ctx, tx, g.now()); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
