// Package gateway is the simulated payment gateway that ships with the product and is its
// default (SPEC §8), and the signature of the callbacks any gateway sends.
//
// The simulation is meant to be honest rather than convenient, so that the ledger, its
// relay and the callback handler are tested against the troubles a real provider causes:
// calls that fail before anything happened and calls whose reply is lost after the payment
// was made, latency, callbacks that come late, out of order, twice, or again after the
// receiver was down, and methods that are declined. Like a real provider it keeps its own
// record in a database of its own (a SQLite file, separate from the ledger), which
// survives the process being killed: payments made stay made, and callbacks not yet
// delivered are sent once it runs again.
//
// A payment is recorded as processing when Pay first sees its idempotency key, and settles
// (succeeded, or failed when its method is declined) at a random moment after; Run then
// POSTs the settled payment, signed, to the callback URL until the receiver answers 2xx.
package gateway

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
)

// Defaults of the Options left zero.
const (
	// DefaultSettleDelay is the mean time a payment takes to settle.
	DefaultSettleDelay = 200 * time.Millisecond
	// DefaultCallbackRetry is how long the gateway waits before sending a callback again
	// after the receiver failed to take it; the wait doubles with each failure, up to
	// DefaultCallbackRetryCap.
	DefaultCallbackRetry    = time.Second
	DefaultCallbackRetryCap = time.Minute
	// DefaultCallbackTimeout bounds one callback request.
	DefaultCallbackTimeout = 10 * time.Second
	// DefaultWorkers is how many callbacks may be in flight at once.
	DefaultWorkers = 4
)

// Options configure the simulated gateway. Only Path is required; every rate is 0 and
// every delay its default when left zero.
type Options struct {
	// Path is the gateway's own SQLite database file: its record of payments, separate
	// from the ledger's store as a real provider's is.
	Path string
	// CallbackURL is where callbacks are POSTed, for example
	// http://127.0.0.1:8080/api/v1/payments/callback. Run needs it.
	CallbackURL string
	// Secret is the HMAC-SHA256 key callbacks are signed with. When empty, a random key is
	// made on first open and kept in the database, so that it stays the same across
	// restarts; Secret() returns it for the receiver.
	Secret []byte
	// FailureRate (0–1) is the share of Pay calls that fail. Half of the failures happen
	// before anything is recorded (a refused connection), half after the payment was
	// recorded (a lost reply): the caller cannot tell which and must ask again with the
	// same key.
	FailureRate float64
	// Latency is about how long each Pay call takes (±20%); the wait ends early when the
	// call's context does.
	Latency time.Duration
	// DuplicateRate (0–1) is the share of callbacks sent a second time, soon after the
	// first was delivered.
	DuplicateRate float64
	// SettleDelay is the mean time a payment takes to settle: each settles after a random
	// delay in [0, 2×SettleDelay], so callbacks come late and out of order. Zero means
	// DefaultSettleDelay; a negative delay settles every payment at once.
	SettleDelay time.Duration
	// DeclineMethods are methods whose payments are declined (they settle as failed, with
	// a reason), to simulate for example a closed bank card.
	DeclineMethods []ledger.Method
	// CallbackRetry is the wait before a callback the receiver did not take is sent again;
	// it doubles with each failure, with jitter, up to CallbackRetryCap. Zero means
	// DefaultCallbackRetry and DefaultCallbackRetryCap.
	CallbackRetry    time.Duration
	CallbackRetryCap time.Duration
	// CallbackTimeout bounds one callback request (DefaultCallbackTimeout).
	CallbackTimeout time.Duration
	// Workers is how many callbacks may be in flight at once (DefaultWorkers).
	Workers int
	// Now is the clock (time.Now).
	Now func() time.Time
	// Rand draws the failures, delays and duplicates; a seeded one makes a run repeatable.
	// Nil means a randomly seeded source. Gateway references and the secret always come
	// from crypto/rand, so that a reopened gateway with the same seed makes no duplicates.
	Rand *mrand.Rand
	// HTTPClient sends the callbacks (a client with CallbackTimeout).
	HTTPClient *http.Client
	// Logger receives a warning per callback attempt that fails, and debug lines about
	// settling and delivery (nil: discarded).
	Logger *slog.Logger
}

// Errors of the gateway. A caller tells a call to retry from a request to fix by
// errors.Is(err, ErrUnavailable).
var (
	// ErrUnavailable is a failed call: the payment may or may not have been made, and
	// asking again with the same key answers it without paying twice.
	ErrUnavailable = errors.New("payment gateway unavailable")
	// ErrKeyConflict is a key already paid for another amount, currency or method: a bug
	// in the caller, which must never reuse a key for another payment.
	ErrKeyConflict = errors.New("idempotency key already used for another payment")
	// ErrInvalidRequest is a payment request the gateway cannot take (no key, an amount
	// not above zero, an unknown currency form or method).
	ErrInvalidRequest = errors.New("invalid payment request")
	// ErrNotFound is a key the gateway has no payment for.
	ErrNotFound = errors.New("no such payment")
	// ErrClosed is a call after Close.
	ErrClosed = errors.New("payment gateway closed")
)

// The two simulated failures. Both are ErrUnavailable to the caller, which cannot tell
// them apart; tests can.
var (
	errRefused   = fmt.Errorf("connection refused (simulated): %w", ErrUnavailable)
	errReplyLost = fmt.Errorf("reply lost after the payment was recorded (simulated): %w", ErrUnavailable)
)

// Simulated is the simulated payment gateway. It implements ledger.Gateway and is safe for
// concurrent use.
type Simulated struct {
	db     *sql.DB
	opts   Options // with defaults filled in
	secret []byte
	now    func() time.Time
	log    *slog.Logger
	http   *http.Client

	randMu sync.Mutex
	rand   *mrand.Rand

	// failureRate is opts.FailureRate; a field of its own so that a test can make a
	// gateway reliable again between calls.
	failureRate float64

	wake chan struct{} // nudges Run: a payment was made or a callback finished

	mu       sync.Mutex // guards isClosed, running and runWG.Add against Close
	isClosed bool
	running  bool
	done     chan struct{} // closed by Close
	runWG    sync.WaitGroup

	stats counters
}

var _ ledger.Gateway = (*Simulated)(nil)

// Open opens the gateway's database at o.Path, creating the file, its folder and its
// tables if needed. Callbacks a previous process left undelivered are sent by Run: those
// it was sending when it stopped (even killed) at once, the others at their moment.
func Open(ctx context.Context, o Options) (*Simulated, error) {
	if o.Path == "" || strings.ContainsRune(o.Path, '?') {
		return nil, fmt.Errorf("open payment gateway: invalid path %q", o.Path)
	}
	if o.FailureRate < 0 || o.FailureRate > 1 || o.DuplicateRate < 0 || o.DuplicateRate > 1 {
		return nil, fmt.Errorf("open payment gateway: rates must be within 0–1 (failure %v, duplicate %v)", o.FailureRate, o.DuplicateRate)
	}
	if o.CallbackURL != "" {
		if u, err := url.Parse(o.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("open payment gateway: callback URL %q is not an http(s) URL", o.CallbackURL)
		}
	}
	o = o.withDefaults()
	if dir := filepath.Dir(o.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open payment gateway: %w", err)
		}
	}
	db, err := openDB(ctx, o.Path)
	if err != nil {
		return nil, err
	}
	g := &Simulated{db: db, opts: o, now: o.Now, log: o.Logger, http: o.HTTPClient, rand: o.Rand,
		failureRate: o.FailureRate, wake: make(chan struct{}, 1), done: make(chan struct{})}
	g.secret = slices.Clone(o.Secret)
	if len(g.secret) == 0 {
		if g.secret, err = loadSecret(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	// Callbacks in flight when the last process stopped are free to go again now rather
	// than when their lease would have ended: that process is gone.
	if _, err := db.ExecContext(ctx, `UPDATE payments SET leased_until = NULL WHERE leased_until IS NOT NULL`); err != nil {
		db.Close()
		return nil, fmt.Errorf("open payment gateway: release callbacks: %w", err)
	}
	return g, nil
}

func (o Options) withDefaults() Options {
	if o.SettleDelay == 0 {
		o.SettleDelay = DefaultSettleDelay
	}
	if o.SettleDelay < 0 {
		o.SettleDelay = 0
	}
	if o.CallbackRetry <= 0 {
		o.CallbackRetry = DefaultCallbackRetry
	}
	if o.CallbackRetryCap <= 0 {
		o.CallbackRetryCap = max(DefaultCallbackRetryCap, o.CallbackRetry)
	}
	if o.CallbackTimeout <= 0 {
		o.CallbackTimeout = DefaultCallbackTimeout
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Latency < 0 {
		o.Latency = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.CallbackTimeout}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.DeclineMethods = slices.Clone(o.DeclineMethods)
	return o
}

// loadSecret returns the secret kept in the database, making and keeping one on first
// open.
func loadSecret(ctx context.Context, db *sql.DB) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("open payment gateway: make secret: %w", err)
	}
	// INSERT OR IGNORE then SELECT: the first open's secret wins, whoever else opens.
	if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO meta (name, value) VALUES ('secret', ?)`, fresh); err != nil {
		return nil, fmt.Errorf("open payment gateway: keep secret: %w", err)
	}
	var secret []byte
	if err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'secret'`).Scan(&secret); err != nil {
		return nil, fmt.Errorf("open payment gateway: read secret: %w", err)
	}
	return secret, nil
}

// Secret is the key callbacks are signed with: the receiver verifies them with it.
func (g *Simulated) Secret() []byte { return slices.Clone(g.secret) }

// Close stops Run, waiting for the callbacks in flight, and closes the database. A
// callback cut off by Close is sent again by the next process.
func (g *Simulated) Close() error {
	g.mu.Lock()
	if g.isClosed {
		g.mu.Unlock()
		return nil
	}
	g.isClosed = true
	close(g.done)
	g.mu.Unlock()
	g.runWG.Wait()
	return g.db.Close()
}

func (g *Simulated) closed() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// nudge wakes Run without ever waiting for it.
func (g *Simulated) nudge() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// float64, int64n and the other draws share one source, which is not safe for concurrent
// use on its own.
func (g *Simulated) float64() float64 {
	g.randMu.Lock()
	defer g.randMu.Unlock()
	return g.rand.Float64()
}

// between returns a random duration in [lo, hi].
func (g *Simulated) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	g.randMu.Lock()
	defer g.randMu.Unlock()
	return lo + time.Duration(g.rand.Int64N(int64(hi-lo)+1))
}

// Stats counts what the gateway did since it was opened. Every Pay call counts once in
// OK, Replayed, Failed, Conflicts or Invalid (a call whose context ended while it waited
// counts in none).
type Stats struct {
	OK       int64 `json:"ok"`       // calls that made a new payment and answered it
	Replayed int64 `json:"replayed"` // calls for a key already recorded, answered with its record
	Failed   int64 `json:"failed"`   // calls that failed: Refused + LostReplies
	// Refused are failed calls that recorded nothing; LostReplies are failed calls whose
	// payment was recorded (new or replayed) but whose answer the caller never got.
	Refused     int64 `json:"refused"`
	LostReplies int64 `json:"lost_replies"`
	Conflicts   int64 `json:"conflicts"` // calls reusing a key for another payment
	Invalid     int64 `json:"invalid"`   // calls refused as invalid requests

	CallbacksSent    int64 `json:"callbacks_sent"`    // callbacks the receiver took (2xx), duplicates included
	Duplicates       int64 `json:"duplicates"`        // of those, second copies of a callback already delivered
	CallbackFailures int64 `json:"callback_failures"` // callback attempts not answered 2xx
}

type counters struct {
	ok, replayed, refused, lostReplies, conflicts, invalid atomic.Int64
	callbacksSent, duplicates, callbackFailures            atomic.Int64
}

// Stats returns the counts so far.
func (g *Simulated) Stats() Stats {
	c := &g.stats
	s := Stats{OK: c.ok.Load(), Replayed: c.replayed.Load(), Refused: c.refused.Load(), LostReplies: c.lostReplies.Load(),
		Conflicts: c.conflicts.Load(), Invalid: c.invalid.Load(), CallbacksSent: c.callbacksSent.Load(),
		Duplicates: c.duplicates.Load(), CallbackFailures: c.callbackFailures.Load()}
	s.Failed = s.Refused + s.LostReplies
	return s
}
