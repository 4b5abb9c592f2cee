package ledger

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// Gateway is a payment provider. Real providers are adapters; the product ships a
// simulated one (package gateway). A gateway keeps its own record of payments, separate
// from the ledger, and answers the same payment for the same idempotency key: paying a key
// twice pays once.
type Gateway interface {
	// Pay asks for a payment. It returns the payment as the gateway now has it (processing,
	// or already settled when the key was paid before); an error means the call failed and
	// the payment may or may not exist: the caller asks again with the same key.
	Pay(ctx context.Context, req PayRequest) (Payment, error)
	// Payments lists the gateway's record of payments created in [from, to) (zero: no
	// bound), for reconciliation.
	Payments(ctx context.Context, from, to time.Time) ([]Payment, error)
	// Payment is the gateway's record of one key as it now stands; ErrNoPayment when the
	// gateway has none. Before an entry is given up, or paid again under another key, the
	// gateway is asked: a call that failed may have paid all the same.
	Payment(ctx context.Context, key string) (Payment, error)
}

// ErrNoPayment is the gateway's answer that it has no payment under a key.
var ErrNoPayment = errors.New("no such payment")

// PayRequest is a payment to make.
type PayRequest struct {
	Key      string         `json:"idempotency_key"`
	Amount   int64          `json:"amount"`
	Currency money.Currency `json:"currency"`
	Method   Method         `json:"method"`
	Payer    Party          `json:"payer"`
	Payee    Party          `json:"payee"`
	// Reference is the case number, shown on the customer's statement.
	Reference string `json:"reference"`
}

// PaymentStatus is where a payment stands at the gateway.
type PaymentStatus string

// Payment statuses: a payment is processing until the gateway settles it.
const (
	Processing PaymentStatus = "processing"
	Paid       PaymentStatus = "succeeded"
	Declined   PaymentStatus = "failed"
)

// Payment is the gateway's record of a payment.
type Payment struct {
	Key       string         `json:"idempotency_key"`
	Ref       string         `json:"gateway_ref"`
	Amount    int64          `json:"amount"`
	Currency  money.Currency `json:"currency"`
	Method    Method         `json:"method,omitempty"`
	Status    PaymentStatus  `json:"status"`
	Reason    string         `json:"reason,omitempty"` // why it was declined
	CreatedAt time.Time      `json:"created_at,omitzero"`
	SettledAt *time.Time     `json:"settled_at,omitempty"`
}

// ErrDeclined is a payment the gateway refuses for good (a closed card, a channel that
// does not exist for the order): asking again does not help, another method may.
var ErrDeclined = errors.New("payment declined")

// Schedule is how a failing payment is retried: the first retry within seconds, then
// exponentially longer up to Cap, with jitter; after MaxAttempts failed calls the entry
// fails for good and waits for a person.
type Schedule struct {
	First       time.Duration // 2 s
	Cap         time.Duration // 5 min
	MaxAttempts int           // 8
	// Poll is how long to wait before asking again about a payment the gateway is still
	// processing (its callback usually comes first): 5 s.
	Poll time.Duration
}

// DefaultSchedule is the schedule without configuration.
var DefaultSchedule = Schedule{First: 2 * time.Second, Cap: 5 * time.Minute, MaxAttempts: 8, Poll: 5 * time.Second}

// withDefaults fills the zero fields from DefaultSchedule.
func (s Schedule) withDefaults() Schedule {
	if s.First <= 0 {
		s.First = DefaultSchedule.First
	}
	if s.Cap <= 0 {
		s.Cap = DefaultSchedule.Cap
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = DefaultSchedule.MaxAttempts
	}
	if s.Poll <= 0 {
		s.Poll = DefaultSchedule.Poll
	}
	return s
}

// Normal returns s with its zero fields set to the defaults.
func (s Schedule) Normal() Schedule { return s.withDefaults() }

// Delay is how long to wait after the n-th failed attempt (1, 2, …): First·2^(n−1), at
// most Cap, less up to a fifth at random ("equal jitter") so that retries of many entries
// do not come in step. r may be nil (the global source).
func (s Schedule) Delay(n int, r *rand.Rand) time.Duration {
	s = s.withDefaults()
	d := s.Cap
	if n < 1 {
		n = 1
	}
	if n <= 30 {
		d = min(s.First<<(n-1), s.Cap)
	}
	span := int64(d / 5)
	if span <= 0 {
		return d
	}
	var j int64
	if r != nil {
		j = r.Int64N(span + 1)
	} else {
		j = rand.Int64N(span + 1)
	}
	return d - time.Duration(j)
}

// GivesUp reports whether an entry that has failed attempts times fails for good.
func (s Schedule) GivesUp(attempts int) bool { return attempts >= s.withDefaults().MaxAttempts }
