package sqlite

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// This file is the same in store/postgres (but the package name): what the ledger's
// invariant asks of new entries, apart from how each database reads and locks rows.

// newEntries checks new entries and returns them as they are stored: pending, created at
// now unless they say when, times in UTC to the microsecond. A malformed entry is the
// caller's bug, refused with none of the store's sentinel errors (the table's CHECK
// constraints would refuse it too).
func newEntries(entries []ledger.Entry, now time.Time) ([]ledger.Entry, error) {
	out := make([]ledger.Entry, len(entries))
	for i, e := range entries {
		if e.State == "" {
			e.State = ledger.Pending
		}
		var problem string
		switch {
		case e.ID == "" || e.IdempotencyKey == "" || e.CaseID == "" || e.OrderNo == "":
			problem = "an entry needs an id, an idempotency key, a case and an order"
		case !e.Kind.Valid():
			problem = fmt.Sprintf("unknown kind %q", e.Kind)
		case e.Amount <= 0:
			problem = fmt.Sprintf("the amount must be positive, not %d", e.Amount)
		case e.Currency == "":
			problem = "no currency"
		case !validParty(e.Payer) || !validParty(e.Payee):
			problem = fmt.Sprintf("unknown party (payer %q, payee %q)", e.Payer, e.Payee)
		case !e.Method.Valid():
			problem = fmt.Sprintf("unknown method %q", e.Method)
		case e.State != ledger.Pending:
			problem = fmt.Sprintf("a new entry is pending, not %s", e.State)
		case e.Attempts < 0:
			problem = fmt.Sprintf("%d attempts", e.Attempts)
		}
		if problem != "" {
			return nil, fmt.Errorf("entry %s: %s", e.ID, problem)
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		e.CreatedAt = e.CreatedAt.UTC().Truncate(time.Microsecond)
		e.NextAttemptAt, e.SettledAt = utcPtr(e.NextAttemptAt), utcPtr(e.SettledAt)
		out[i] = e
	}
	return out, nil
}

func validParty(p ledger.Party) bool {
	return p == ledger.Customer || p == ledger.Merchant || p == ledger.Platform || p == ledger.Carrier
}

// utcPtr is a copy of the time p points to, in UTC to the microsecond; nil for nil.
func utcPtr(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := p.UTC().Truncate(time.Microsecond)
	return &t
}

// itemKey is an order item, or with sku "" the order's shipping fee.
type itemKey struct{ order, sku string }

func compareKeys(a, b itemKey) int {
	return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.sku, b.sku))
}

// caps is what new entries ask of the ledger: the order lines they name (each must exist;
// they are locked first), the orders whose shipping fee they pay back (locked next), and
// the entries they replace (each must exist and have failed).
type caps struct {
	entries  []ledger.Entry
	items    []itemKey // sorted, the order in which they are locked
	shipping []itemKey // sku "", sorted
	adds     map[itemKey]int64
	replaced []string
}

func newCaps(es []ledger.Entry) *caps {
	c := &caps{entries: es, adds: map[itemKey]int64{}}
	seen := map[itemKey]bool{}
	for _, e := range es {
		k := itemKey{e.OrderNo, e.SKU}
		if e.Kind.PaysBackItem() {
			c.adds[k] += e.Amount
		}
		switch {
		case seen[k]:
		case e.SKU != "":
			c.items, seen[k] = append(c.items, k), true
		case e.Kind.PaysBackItem():
			c.shipping, seen[k] = append(c.shipping, k), true
		}
		if e.Replaces != "" {
			c.replaced = append(c.replaced, e.Replaces)
		}
	}
	slices.SortFunc(c.items, compareKeys)
	slices.SortFunc(c.shipping, compareKeys)
	return c
}

// capped lists the items and shipping fees that the new entries pay back, sorted.
func (c *caps) capped() []itemKey {
	var ks []itemKey
	for k := range c.adds {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, compareKeys)
	return ks
}

// found is what the database answered about the rows that new entries name.
type found struct {
	paidFor  map[itemKey]int64          // what was paid for an item, or the order's shipping fee
	currency map[itemKey]money.Currency // the order's currency
	paidBack map[itemKey]int64          // what entries that count pay back of it already
	replaced map[string]ledger.State    // the state of a replaced entry
}

func newFound() *found {
	return &found{paidFor: map[itemKey]int64{}, currency: map[itemKey]money.Currency{},
		paidBack: map[itemKey]int64{}, replaced: map[string]ledger.State{}}
}

// check decides whether the new entries may be stored, given what the database found.
func (c *caps) check(f *found) error {
	for _, k := range c.items {
		if _, ok := f.paidFor[k]; !ok {
			return fmt.Errorf("order %s item %s: %w", k.order, k.sku, store.ErrNotFound)
		}
	}
	for _, k := range c.shipping {
		if _, ok := f.paidFor[k]; !ok {
			return fmt.Errorf("order %s: %w", k.order, store.ErrNotFound)
		}
	}
	for _, e := range c.entries {
		k := itemKey{e.OrderNo, e.SKU}
		if e.Kind.PaysBackItem() && e.Currency != f.currency[k] {
			return fmt.Errorf("entry %s: %s is not the currency of order %s (%s)", e.ID, e.Currency, k.order, f.currency[k])
		}
	}
	for _, k := range c.capped() {
		what := fmt.Sprintf("order %s item %s", k.order, k.sku)
		if k.sku == "" {
			what = fmt.Sprintf("order %s shipping fee", k.order)
		}
		if paid, before := f.paidFor[k], f.paidBack[k]; before+c.adds[k] > paid {
			return fmt.Errorf("%s: %d paid, %d paid back or pending, %d more: %w",
				what, paid, before, c.adds[k], store.ErrExceeded)
		}
	}
	for _, id := range c.replaced {
		switch s, ok := f.replaced[id]; {
		case !ok:
			return fmt.Errorf("replaced entry %s: %w", id, store.ErrNotFound)
		case s != ledger.Failed:
			return fmt.Errorf("replaced entry %s is %s, not failed: %w", id, s, store.ErrConflict)
		}
	}
	return nil
}
