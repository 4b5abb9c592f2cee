package store

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

// Ledger is the part of a transaction that keeps the money ledger (SPEC §8, package
// ledger): entries written with the transition that causes them, settled by the gateway's
// answers.
type Ledger interface {
	// InsertEntries stores new entries (state pending). It enforces, in the transaction,
	// the invariant of the ledger: for each order item, the amounts of the entries that pay
	// it back (kind.PaysBackItem) and are pending or succeeded never exceed what was paid
	// for the item (the order line's paid amount); for the entries without an item that pay
	// back (the order's shipping fee), never the order's shipping fee. The order line (or
	// order) is locked first, so that concurrent transactions are decided one after the
	// other on both stores. ErrExceeded when an entry would pass it, ErrNotFound when the
	// order or item is unknown, ErrConflict when an id or idempotency key is taken or a
	// failed entry is already replaced by another (Replaces is unique). Replaces must name a
	// failed entry: ErrNotFound when there is none, ErrConflict when it is not failed. An
	// unknown case is ErrNotFound too, and every order line an entry names must exist.
	//
	// An entry's State must be pending ("" is taken for pending) and a zero CreatedAt is
	// Now(); a malformed entry (unknown kind, method or party, an amount not positive, a
	// currency other than the order's for money that pays back) is refused with none of the
	// sentinels. Refusals come back from the call itself, never with a later statement, and
	// none of the entries is written; the transaction stays usable.
	InsertEntries(ctx context.Context, entries ...ledger.Entry) error
	// Entry returns an entry by id; EntryByKey by its idempotency key. ErrNotFound.
	Entry(ctx context.Context, id string) (ledger.Entry, error)
	EntryByKey(ctx context.Context, key string) (ledger.Entry, error)
	// UpdateEntry stores an entry's execution: State, Attempts, GatewayRef, LastError,
	// NextAttemptAt and SettledAt (the other fields never change). It is refused
	// (ErrConflict) unless the stored entry is pending: a settled entry never changes again.
	// The row stays locked until the transaction ends, so that a callback and the relay
	// settling the same entry at once are decided one after the other. ErrNotFound for an
	// unknown id; either refusal comes back from the call itself.
	UpdateEntry(ctx context.Context, e ledger.Entry) error
	// CaseEntries lists a case's entries, oldest first (created_at, then id).
	CaseEntries(ctx context.Context, caseID string) ([]ledger.Entry, error)
	// ListEntries returns one page of entries, newest first (created_at, then id,
	// descending), and the cursor of the next page ("" at the end). ErrBadCursor.
	ListEntries(ctx context.Context, q LedgerQuery) (entries []ledger.Entry, next string, err error)
	// LedgerTotals sums the entries q selects (its cursor and limit ignored) by merchant,
	// kind, state and currency, ordered by those.
	LedgerTotals(ctx context.Context, q LedgerQuery) ([]LedgerTotal, error)
	// LedgerStats counts all entries by kind and state, and gives the creation time of the
	// oldest pending entry (zero when none): the metrics of the ledger.
	LedgerStats(ctx context.Context) (LedgerStats, error)
	// ItemsPaid returns what was paid for each item of the orders that entries in
	// [from, to) belong to (zero bounds: all), for reconciliation.
	ItemsPaid(ctx context.Context, from, to time.Time) ([]ledger.ItemPaid, error)
}

// LedgerQuery selects ledger entries. Zero fields select everything.
type LedgerQuery struct {
	Merchant  string
	Merchants []string // any of these (a scoped agent); nil: no restriction; empty, not nil: none
	CaseID    string
	Kind      ledger.Kind
	State     ledger.State
	From, To  time.Time // created_at in [From, To)
	Cursor    string
	Limit     int // default 50, at most 500
}

// LedgerTotal is the sum of the entries of one merchant, kind, state and currency.
type LedgerTotal struct {
	Merchant string         `json:"merchant"`
	Kind     ledger.Kind    `json:"kind"`
	State    ledger.State   `json:"state"`
	Currency money.Currency `json:"currency"`
	Count    int            `json:"count"`
	Amount   int64          `json:"amount"`
}

// LedgerStats is what the metrics say of the ledger.
type LedgerStats struct {
	Counts []LedgerCount
	// OldestPending is when the oldest pending entry was made; zero when none is.
	OldestPending time.Time
}

// LedgerCount is how many entries have one kind and state.
type LedgerCount struct {
	Kind  ledger.Kind
	State ledger.State
	Count int
}
