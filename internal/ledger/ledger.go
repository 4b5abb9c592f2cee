// Package ledger is the money half of after-sales (SPEC §8): every money movement a case
// causes is an entry — who pays whom, how much, by which method, and where it stands —
// written in the same transaction as the transition that causes it, executed through a
// payment gateway exactly once, and reconciled against the gateway's own record.
//
// The package is pure: it turns a transition's money effects into entries, decides the
// retry schedule of a failing payment and compares the ledger with the gateway's record.
// The application writes the entries, the relay executes them, the store keeps the
// invariant that no order item is ever refunded more than was paid for it.
package ledger

import (
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// Kind says why money moves.
type Kind string

// Entry kinds. The first five come from a case's transitions (aftersale.MovementKind);
// advance and recovery are the platform's: it pays the customer first (先行赔付) and
// recovers the money from the merchant afterwards.
const (
	Refund                Kind = "refund"
	Compensation          Kind = "compensation"
	ShippingReimbursement Kind = "shipping_reimbursement"
	PriceDifference       Kind = "price_difference"
	Charge                Kind = "charge"
	Advance               Kind = "advance"
	Recovery              Kind = "recovery"
	// Damages (赔偿金) are what a dispute's ruling awards beyond the price under a
	// compensation standard (refund plus three times the price): they pay back no item.
	Damages Kind = "damages"
)

// Kinds lists every kind.
var Kinds = []Kind{Refund, Compensation, ShippingReimbursement, PriceDifference, Charge, Advance, Recovery, Damages}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// PaysBackItem reports whether entries of this kind pay the customer back money paid for
// an order item: their sum on an item (pending and succeeded) never exceeds what was paid
// for it. An advance pays on the merchant's behalf what a refund would have.
func (k Kind) PaysBackItem() bool {
	return k == Refund || k == Compensation || k == PriceDifference || k == Advance
}

// Party is who pays or is paid.
type Party string

// Parties.
const (
	Customer Party = "customer"
	Merchant Party = "merchant"
	Platform Party = "platform"
	Carrier  Party = "carrier"
)

// Parties returns who pays and who is paid for an entry of kind k.
func Parties(k Kind) (payer, payee Party) {
	switch k {
	case Charge:
		return Customer, Merchant
	case Advance:
		return Platform, Customer
	case Recovery:
		return Merchant, Platform
	default: // refund, compensation, shipping reimbursement, price difference
		return Merchant, Customer
	}
}

// Method is how the money travels: back the way it came, to the customer's balance on the
// platform, or to a bank card.
type Method string

// Methods, the refund methods of SPEC §2.
const (
	Original Method = Method(aftersale.RefundOriginal)
	Balance  Method = Method(aftersale.RefundBalance)
	BankCard Method = Method(aftersale.RefundBankCard)
)

// Methods lists every method.
var Methods = []Method{Original, Balance, BankCard}

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return slices.Contains(Methods, m) }

// State is where an entry stands: pending until the gateway has paid it or it has failed
// for good.
type State string

// Entry states.
const (
	Pending   State = "pending"
	Succeeded State = "succeeded"
	Failed    State = "failed"
)

// States lists every state.
var States = []State{Pending, Succeeded, Failed}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Counts reports whether an entry in state s counts against what an item may pay back.
func (s State) Counts() bool { return s == Pending || s == Succeeded }

// Entry is one money movement.
type Entry struct {
	ID         string `json:"id"`
	CaseID     string `json:"case_id"`
	CaseNumber string `json:"case_number"`
	Merchant   string `json:"merchant"`
	Customer   string `json:"customer"`
	OrderNo    string `json:"order_no"`
	// SKU is the order item the money is for; "" for money not tied to one item (the
	// order's shipping fee, return postage, a charge).
	SKU      string          `json:"sku,omitempty"`
	Kind     Kind            `json:"kind"`
	Amount   int64           `json:"amount"` // minor units, always positive
	Currency money.Currency  `json:"currency"`
	Payer    Party           `json:"payer"`
	Payee    Party           `json:"payee"`
	Method   Method          `json:"method"`
	Actor    aftersale.Actor `json:"actor"` // who caused it
	// Seq is the case event that caused the entry (0 for an entry made outside a
	// transition, such as a retry by another method).
	Seq            int64  `json:"seq,omitempty"`
	State          State  `json:"state"`
	Attempts       int    `json:"attempts"` // calls to the gateway that failed or were made
	GatewayRef     string `json:"gateway_ref,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`
	LastError      string `json:"last_error,omitempty"`
	// Replaces is the failed entry this one pays again by another method.
	Replaces      string     `json:"replaces,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SettledAt     *time.Time `json:"settled_at,omitempty"`
}

// Money is the entry's amount with its currency.
func (e *Entry) Money() money.Amount { return money.New(e.Amount, e.Currency) }

// Transition is a case transition that moved money, as the application saw it.
type Transition struct {
	Case  *aftersale.Case // after the transition
	Event *aftersale.Event
	Moves []aftersale.Movement
	// PaidBack is what the transition paid back for each order item (the change of the
	// holdings' Refunded, by SKU): money of the items. Item money the lines do not hold
	// is the order's shipping fee.
	PaidBack []aftersale.Holding
	// NewID makes entry ids.
	NewID func() string
}

// Plan turns a transition's money movements into pending ledger entries. Money paid back
// for the items (refund, compensation, price difference) is one entry per item, in the
// order of the case's lines, as the holdings attribute it; what is left of it is the
// order's shipping fee, an entry of its own without an item. Each entry's idempotency key
// is derived from the event — case, event seq, movement, item — so that the same
// transition can never make two payments.
func Plan(t Transition) ([]Entry, error) {
	c, ev := t.Case, t.Event
	left := map[string]int64{}
	for _, h := range t.PaidBack {
		left[h.SKU] += h.Refunded.Minor
	}
	var out []Entry
	for i, mv := range t.Moves {
		kind := Kind(mv.Kind)
		if !kind.Valid() {
			return nil, fmt.Errorf("ledger: unknown movement kind %q", mv.Kind)
		}
		if mv.Amount.Minor <= 0 {
			continue
		}
		method := Method(mv.Method)
		if method == "" {
			method = Original
		}
		payer, payee := Parties(kind)
		entry := func(sku string, amount int64) Entry {
			key := fmt.Sprintf("%s:%d:%d", c.ID, ev.Seq, i)
			if sku != "" {
				key += ":" + sku
			}
			return Entry{ID: t.NewID(), CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID,
				OrderNo: c.OrderNo, SKU: sku, Kind: kind, Amount: amount, Currency: mv.Amount.Currency,
				Payer: payer, Payee: payee, Method: method, Actor: ev.Actor, Seq: ev.Seq, State: Pending,
				IdempotencyKey: key, CreatedAt: ev.At}
		}
		rest := mv.Amount.Minor
		if kind.PaysBackItem() {
			for _, it := range c.Items {
				n := min(left[it.SKU], rest)
				if n <= 0 {
					continue
				}
				out = append(out, entry(it.SKU, n))
				left[it.SKU] -= n
				rest -= n
			}
		}
		if rest > 0 {
			out = append(out, entry("", rest))
		}
	}
	return out, nil
}

// Retried is a new pending entry that pays a failed one again by another method, under a
// key of its own: the gateway sees a new payment, and the failed one stays in the ledger
// as it was. A failed entry is paid again once (the store refuses a second entry that
// replaces it), so the key is the failed one's with ":retry".
func Retried(failed Entry, method Method, actor aftersale.Actor, id string, now time.Time) Entry {
	e := failed
	e.ID, e.Method, e.Actor, e.State, e.Attempts = id, method, actor, Pending, 0
	e.GatewayRef, e.LastError, e.NextAttemptAt, e.SettledAt = "", "", nil, nil
	e.IdempotencyKey = failed.IdempotencyKey + ":retry"
	e.Replaces, e.CreatedAt = failed.ID, now
	return e
}
