package ledger

import (
	"cmp"
	"fmt"
	"slices"
)

// MismatchKind names what reconciliation found.
type MismatchKind string

// Mismatches between the ledger and the gateway's record.
const (
	// MissingAtGateway: the ledger says paid, the gateway has no such payment.
	MissingAtGateway MismatchKind = "missing_at_gateway"
	// MissingInLedger: the gateway paid a key the ledger has no entry for, or whose entry
	// failed.
	MissingInLedger MismatchKind = "missing_in_ledger"
	// AmountDiffers: both have the payment, for different amounts or currencies.
	AmountDiffers MismatchKind = "amount_differs"
	// PaidTwice: the gateway paid the same key more than once.
	PaidTwice MismatchKind = "paid_twice"
	// StateDiffers: the gateway settled the payment one way, the ledger the other.
	StateDiffers MismatchKind = "state_differs"
	// OverRefunded: the entries paid back for an order item exceed what was paid for it.
	OverRefunded MismatchKind = "over_refunded"
)

// Mismatch is one difference between the ledger and the gateway.
type Mismatch struct {
	Kind    MismatchKind `json:"kind"`
	Key     string       `json:"idempotency_key,omitempty"`
	Entry   *Entry       `json:"entry,omitempty"`
	Payment *Payment     `json:"payment,omitempty"`
	Detail  string       `json:"detail"`
}

func (m Mismatch) String() string { return fmt.Sprintf("%s %s: %s", m.Kind, m.Key, m.Detail) }

// ItemPaid is what was paid for an order item, for the over-refund check.
type ItemPaid struct {
	OrderNo, SKU string
	Amount       int64
}

// Reconcile compares the ledger's entries with the gateway's payments of the same period
// and returns every mismatch, in key order. An entry still pending is not a mismatch (the
// gateway may be processing it); a payment still processing is not either. paid, when
// given, also checks that the succeeded and pending entries paid back for each item stay
// within what was paid for it.
func Reconcile(entries []Entry, payments []Payment, paid []ItemPaid) []Mismatch {
	var out []Mismatch
	byKey := map[string][]Payment{}
	for _, p := range payments {
		byKey[p.Key] = append(byKey[p.Key], p)
	}
	seen := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		seen[e.IdempotencyKey] = true
		ps := byKey[e.IdempotencyKey]
		settled := settledPayments(ps)
		if len(settled) > 1 {
			out = append(out, Mismatch{Kind: PaidTwice, Key: e.IdempotencyKey, Entry: e, Payment: &settled[1],
				Detail: fmt.Sprintf("the gateway paid %d times", len(settled))})
		}
		switch e.State {
		case Succeeded:
			if len(settled) == 0 {
				if len(ps) > 0 && ps[0].Status == Declined {
					out = append(out, Mismatch{Kind: StateDiffers, Key: e.IdempotencyKey, Entry: e, Payment: &ps[0],
						Detail: "succeeded in the ledger, declined at the gateway"})
				} else {
					out = append(out, Mismatch{Kind: MissingAtGateway, Key: e.IdempotencyKey, Entry: e,
						Detail: fmt.Sprintf("the ledger paid %d %s, the gateway has no payment", e.Amount, e.Currency)})
				}
				continue
			}
			if p := settled[0]; p.Amount != e.Amount || p.Currency != e.Currency {
				out = append(out, Mismatch{Kind: AmountDiffers, Key: e.IdempotencyKey, Entry: e, Payment: &p,
					Detail: fmt.Sprintf("ledger %d %s, gateway %d %s", e.Amount, e.Currency, p.Amount, p.Currency)})
			}
		case Failed:
			if len(settled) > 0 {
				out = append(out, Mismatch{Kind: MissingInLedger, Key: e.IdempotencyKey, Entry: e, Payment: &settled[0],
					Detail: fmt.Sprintf("the gateway paid %d %s, the ledger says the entry failed", settled[0].Amount, settled[0].Currency)})
			}
		}
	}
	for key, ps := range byKey {
		if seen[key] {
			continue
		}
		if settled := settledPayments(ps); len(settled) > 0 {
			p := settled[0]
			out = append(out, Mismatch{Kind: MissingInLedger, Key: key, Payment: &p,
				Detail: fmt.Sprintf("the gateway paid %d %s, the ledger has no entry", p.Amount, p.Currency)})
		}
	}
	if paid != nil {
		out = append(out, overRefunded(entries, paid)...)
	}
	slices.SortStableFunc(out, func(a, b Mismatch) int { return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Kind, b.Kind)) })
	return out
}

func settledPayments(ps []Payment) []Payment {
	var out []Payment
	for _, p := range ps {
		if p.Status == Paid {
			out = append(out, p)
		}
	}
	return out
}

func overRefunded(entries []Entry, paid []ItemPaid) []Mismatch {
	type item struct{ order, sku string }
	sum := map[item]int64{}
	for _, e := range entries {
		if e.SKU != "" && e.Kind.PaysBackItem() && e.State.Counts() {
			sum[item{e.OrderNo, e.SKU}] += e.Amount
		}
	}
	var out []Mismatch
	for _, p := range paid {
		if s := sum[item{p.OrderNo, p.SKU}]; s > p.Amount {
			out = append(out, Mismatch{Kind: OverRefunded, Key: p.OrderNo + "/" + p.SKU,
				Detail: fmt.Sprintf("%d paid back for order %s item %s, which was paid %d", s, p.OrderNo, p.SKU, p.Amount)})
		}
	}
	return out
}
