package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/store"
)

// The ledger's rows (store.Ledger). The invariant (SPEC §8): what the pending and succeeded
// entries of the kinds that pay back (ledger.Kind.PaysBackItem) pay back for an order item
// never exceeds what was paid for it; without an item, never the order's shipping fee.
// sampleOrder's lines: SKU-A paid 5000, SKU-B paid 18000; its shipping fee is 1000.
var ledgerTests = []test{
	{name: "EveryFieldReadsBack", run: testLedgerRoundTrip},
	{name: "NewEntryDefaults", clocked: testLedgerDefaults},
	{name: "MalformedEntryRefused", run: testLedgerMalformed},
	{name: "ItemCapRefusedAndTransactionVoid", run: testLedgerItemCap},
	{name: "KindsThatPayBackShareTheCap", run: testLedgerKindsShareCap},
	{name: "FailedEntriesDoNotCount", run: testLedgerFailedDoNotCount},
	{name: "ShippingFeeCapsEntriesWithoutItem", run: testLedgerShippingCap},
	{name: "UnknownOrderOrItem", run: testLedgerUnknown},
	{name: "TakenIDOrKeyConflict", run: testLedgerTaken},
	{name: "RefusalLeavesTransactionUsable", run: testLedgerRefusalUsable},
	{name: "FailedEntryReplacedOnce", run: testLedgerReplaced},
	{name: "UpdateStoresExecutionOnly", run: testLedgerUpdate},
	{name: "SettledEntryNeverChanges", run: testLedgerSettled},
	{name: "ConcurrentSettlementsOneWins", run: testLedgerSettleConcurrent},
	{name: "ConcurrentRefundsNeverPassPaid", run: testLedgerRefundsConcurrent},
	{name: "ListFilters", run: testLedgerListFilters},
	{name: "ListPagesStableUnderTies", run: testLedgerPages},
	{name: "ListDefaultAndMaximumLimit", run: testLedgerLimits},
	{name: "ListBadCursor", run: testLedgerBadCursor},
	{name: "Totals", run: testLedgerTotals},
	{name: "Stats", run: testLedgerStats},
	{name: "ItemsPaid", run: testLedgerItemsPaid},
}

// ledgerCase seeds an order of merchant in currency on sampleOrder's lines, and a case on
// it (id, order "O-"+id), and returns the case.
func ledgerCase(t *testing.T, s store.Store, id, merchant string, currency money.Currency) *aftersale.Case {
	t.Helper()
	o := sampleOrder("O-"+id, merchant, "C-1")
	o.Currency = currency
	o.ShippingFee.Currency = currency
	for i := range o.Items {
		o.Items[i].UnitPrice.Currency, o.Items[i].PaidAmount.Currency = currency, currency
	}
	seedOrder(t, s, o)
	c := sampleCase(id, o, base)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(t.Context(), c, sampleDecision) })
	return c
}

// ledgerEntry is a new pending entry of c: amount (CNY) of kind on an item of its order
// (sku "" for money not tied to one), made at base.
func ledgerEntry(c *aftersale.Case, id string, kind ledger.Kind, sku string, amount int64) ledger.Entry {
	payer, payee := ledger.Parties(kind)
	return ledger.Entry{ID: id, CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID,
		OrderNo: c.OrderNo, SKU: sku, Kind: kind, Amount: amount, Currency: money.CNY,
		Payer: payer, Payee: payee, Method: ledger.Original, Actor: aftersale.Actor{Role: aftersale.Merchant, ID: "u-1"},
		Seq: 2, State: ledger.Pending, IdempotencyKey: "key-" + id, CreatedAt: base}
}

// insertEntries runs InsertEntries in its own transaction.
func insertEntries(t *testing.T, s store.Store, es ...ledger.Entry) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertEntries(t.Context(), es...) })
}

// mustInsertEntries is insertEntries that must succeed.
func mustInsertEntries(t *testing.T, s store.Store, es ...ledger.Entry) {
	t.Helper()
	if err := insertEntries(t, s, es...); err != nil {
		t.Fatalf("InsertEntries: %v", err)
	}
}

// settle stores e's execution as state at base+1h (UpdateEntry).
func settle(t *testing.T, s store.Store, e ledger.Entry, state ledger.State) ledger.Entry {
	t.Helper()
	at := base.Add(time.Hour)
	e.State, e.Attempts, e.GatewayRef, e.NextAttemptAt, e.SettledAt = state, e.Attempts+1, "gw-"+e.ID, nil, &at
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateEntry(t.Context(), e) })
	return e
}

// caseEntries returns a case's entries.
func caseEntries(t *testing.T, s store.Store, caseID string) []ledger.Entry {
	t.Helper()
	var es []ledger.Entry
	mustView(t, s, func(tx store.Tx) error {
		var err error
		es, err = tx.CaseEntries(t.Context(), caseID)
		return err
	})
	return es
}

// entryIDs are the ids of entries, in order.
func entryIDs(es []ledger.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testLedgerRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	failed := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 2000)
	mustInsertEntries(t, s, failed)
	settledAt := base.Add(30 * time.Minute)
	failed.State, failed.Attempts, failed.LastError, failed.SettledAt = ledger.Failed, 8, "card closed 卡已注销", &settledAt
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateEntry(ctx, failed) })

	// Every field set, times in another zone and finer than the store keeps.
	next := base.Add(2*time.Hour + 999).In(shanghai)
	full := ledger.Entry{ID: "e-2", CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID,
		OrderNo: c.OrderNo, SKU: "SKU-A", Kind: ledger.Advance, Amount: 2000, Currency: money.CNY,
		Payer: ledger.Platform, Payee: ledger.Customer, Method: ledger.BankCard,
		Actor: aftersale.Actor{Role: aftersale.Agent, ID: "agent-7"}, Seq: 5, State: ledger.Pending, Attempts: 3,
		GatewayRef: "gw-123", IdempotencyKey: "case-1:5:0:SKU-A", LastError: "timeout 超时", Replaces: "e-1",
		NextAttemptAt: &next, CreatedAt: base.Add(90*time.Minute + 999).In(shanghai)}
	shipping := ledgerEntry(c, "e-3", ledger.Compensation, "", 500)
	mustInsertEntries(t, s, full, shipping)

	want := full
	wantNext := base.Add(2 * time.Hour)
	want.NextAttemptAt, want.CreatedAt = &wantNext, base.Add(90*time.Minute)
	mustView(t, s, func(tx store.Tx) error {
		got, err := tx.Entry(ctx, "e-2")
		if err != nil {
			return err
		}
		wantEqual(t, "Entry", got, want)
		got, err = tx.EntryByKey(ctx, "case-1:5:0:SKU-A")
		if err != nil {
			return err
		}
		wantEqual(t, "EntryByKey", got, want)
		_, err = tx.Entry(ctx, "e-none")
		wantErr(t, "Entry of an unknown id", err, store.ErrNotFound)
		_, err = tx.EntryByKey(ctx, "key-none")
		wantErr(t, "EntryByKey of an unknown key", err, store.ErrNotFound)
		return nil
	})
	// Oldest first, then by id.
	wantEqual(t, "CaseEntries", caseEntries(t, s, c.ID), []ledger.Entry{failed, shipping, want})
	if es := caseEntries(t, s, "case-none"); len(es) != 0 {
		t.Fatalf("CaseEntries of an unknown case = %v", es)
	}
}

func testLedgerDefaults(t *testing.T, s store.Store, clk *clock) {
	clk.Set(base.Add(time.Hour))
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	e := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 100)
	e.State, e.CreatedAt = "", time.Time{} // pending, made now
	mustInsertEntries(t, s, e)
	e.State, e.CreatedAt = ledger.Pending, base.Add(time.Hour)
	wantEqual(t, "entry inserted without state and time", caseEntries(t, s, c.ID), []ledger.Entry{e})
}

func testLedgerMalformed(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	for _, m := range []struct {
		name   string
		change func(*ledger.Entry)
	}{
		{"ZeroAmount", func(e *ledger.Entry) { e.Amount = 0 }},
		{"NegativeAmount", func(e *ledger.Entry) { e.Amount = -100 }},
		{"UnknownKind", func(e *ledger.Entry) { e.Kind = "gift" }},
		{"UnknownMethod", func(e *ledger.Entry) { e.Method = "cash" }},
		{"UnknownPayer", func(e *ledger.Entry) { e.Payer = "bank" }},
		{"Settled", func(e *ledger.Entry) { e.State = ledger.Succeeded }},
		{"NoKey", func(e *ledger.Entry) { e.IdempotencyKey = "" }},
		{"OtherCurrencyThanTheOrder", func(e *ledger.Entry) { e.Currency = "USD" }},
	} {
		e := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 100)
		m.change(&e)
		err := insertEntries(t, s, e)
		if err == nil || errors.Is(err, store.ErrExceeded) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: InsertEntries = %v; want an error that is none of the sentinels", m.name, err)
		}
	}
	if es := caseEntries(t, s, c.ID); len(es) != 0 {
		t.Fatalf("malformed entries were stored: %v", es)
	}
}

func testLedgerItemCap(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	first := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 3000)
	mustInsertEntries(t, s, first)

	// The call reports the refusal; the caller's transaction fails with it, and nothing of
	// it stays — not the entry that fitted before either.
	var refused error
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertEntries(ctx, ledgerEntry(c, "e-2", ledger.Refund, "SKU-A", 1500)); err != nil {
			return err
		}
		refused = tx.InsertEntries(ctx, ledgerEntry(c, "e-3", ledger.Refund, "SKU-A", 600))
		return refused
	})
	wantErr(t, "InsertEntries past the paid amount", refused, store.ErrExceeded)
	wantErr(t, "Update whose InsertEntries was refused", err, store.ErrExceeded)
	wantEqual(t, "entries after the refused transaction", entryIDs(caseEntries(t, s, c.ID)), []string{"e-1"})

	// Entries of one call count each other.
	err = insertEntries(t, s, ledgerEntry(c, "e-4", ledger.Refund, "SKU-A", 1000),
		ledgerEntry(c, "e-5", ledger.Refund, "SKU-A", 1001))
	wantErr(t, "two entries that together pass the paid amount", err, store.ErrExceeded)
	wantEqual(t, "entries after the refused pair", entryIDs(caseEntries(t, s, c.ID)), []string{"e-1"})
	// Up to the paid amount exactly; another line is not concerned.
	mustInsertEntries(t, s, ledgerEntry(c, "e-6", ledger.Refund, "SKU-A", 1000),
		ledgerEntry(c, "e-7", ledger.Refund, "SKU-A", 1000), ledgerEntry(c, "e-8", ledger.Refund, "SKU-B", 18000))
	wantErr(t, "one more cent on SKU-A", insertEntries(t, s, ledgerEntry(c, "e-9", ledger.Refund, "SKU-A", 1)), store.ErrExceeded)
	wantErr(t, "one more cent on SKU-B", insertEntries(t, s, ledgerEntry(c, "e-9", ledger.Refund, "SKU-B", 1)), store.ErrExceeded)
}

func testLedgerKindsShareCap(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	mustInsertEntries(t, s, ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 1000),
		ledgerEntry(c, "e-2", ledger.Compensation, "SKU-A", 1000), ledgerEntry(c, "e-3", ledger.PriceDifference, "SKU-A", 1000),
		ledgerEntry(c, "e-4", ledger.Advance, "SKU-A", 1000))
	wantErr(t, "an advance past the paid amount", insertEntries(t, s, ledgerEntry(c, "e-5", ledger.Advance, "SKU-A", 1001)),
		store.ErrExceeded)
	// Postage, charges and recoveries do not pay the item back: no cap.
	mustInsertEntries(t, s, ledgerEntry(c, "e-6", ledger.ShippingReimbursement, "", 100000),
		ledgerEntry(c, "e-7", ledger.Charge, "", 100000), ledgerEntry(c, "e-8", ledger.Recovery, "", 100000),
		ledgerEntry(c, "e-9", ledger.Recovery, "SKU-A", 100000))
	mustInsertEntries(t, s, ledgerEntry(c, "e-10", ledger.Refund, "SKU-A", 1000))
	wantErr(t, "a refund past the paid amount", insertEntries(t, s, ledgerEntry(c, "e-11", ledger.Refund, "SKU-A", 1)),
		store.ErrExceeded)
}

func testLedgerFailedDoNotCount(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	e1 := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 5000)
	mustInsertEntries(t, s, e1)
	wantErr(t, "a refund while one is pending", insertEntries(t, s, ledgerEntry(c, "e-2", ledger.Refund, "SKU-A", 1)), store.ErrExceeded)
	settle(t, s, e1, ledger.Failed)
	e3 := ledgerEntry(c, "e-3", ledger.Refund, "SKU-A", 5000)
	mustInsertEntries(t, s, e3)
	settle(t, s, e3, ledger.Succeeded)
	wantErr(t, "a refund after one succeeded", insertEntries(t, s, ledgerEntry(c, "e-4", ledger.Refund, "SKU-A", 1)), store.ErrExceeded)
}

func testLedgerShippingCap(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY) // shipping fee 1000
	mustInsertEntries(t, s, ledgerEntry(c, "e-1", ledger.Compensation, "", 600))
	wantErr(t, "money without an item past the shipping fee",
		insertEntries(t, s, ledgerEntry(c, "e-2", ledger.Refund, "", 500)), store.ErrExceeded)
	mustInsertEntries(t, s, ledgerEntry(c, "e-3", ledger.Refund, "", 400))
	// The items and the shipping fee are capped apart; return postage is not capped.
	mustInsertEntries(t, s, ledgerEntry(c, "e-4", ledger.Refund, "SKU-A", 5000),
		ledgerEntry(c, "e-5", ledger.ShippingReimbursement, "", 5000))
	wantErr(t, "one more cent without an item", insertEntries(t, s, ledgerEntry(c, "e-6", ledger.Advance, "", 1)), store.ErrExceeded)
}

func testLedgerUnknown(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	other := *c
	other.OrderNo = "O-none"
	for _, e := range []ledger.Entry{
		ledgerEntry(c, "e-1", ledger.Refund, "SKU-Z", 100),
		ledgerEntry(c, "e-2", ledger.Recovery, "SKU-Z", 100),
		ledgerEntry(&other, "e-3", ledger.Refund, "SKU-A", 100),
		ledgerEntry(&other, "e-4", ledger.Refund, "", 100),
		ledgerEntry(&other, "e-5", ledger.Charge, "", 100),
	} {
		wantErr(t, fmt.Sprintf("%s on order %s item %q", e.Kind, e.OrderNo, e.SKU), insertEntries(t, s, e), store.ErrNotFound)
	}
	if es := caseEntries(t, s, c.ID); len(es) != 0 {
		t.Fatalf("entries on unknown items were stored: %v", es)
	}
}

func testLedgerTaken(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	mustInsertEntries(t, s, ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 100))
	sameID := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 100)
	sameID.IdempotencyKey = "key-other"
	sameKey := ledgerEntry(c, "e-2", ledger.Refund, "SKU-A", 100)
	sameKey.IdempotencyKey = "key-e-1"
	twins := ledgerEntry(c, "e-4", ledger.Refund, "SKU-A", 100)
	twins.IdempotencyKey = "key-e-3"
	for _, try := range []struct {
		name string
		es   []ledger.Entry
	}{
		{"SameID", []ledger.Entry{sameID}},
		{"SameKey", []ledger.Entry{sameKey}},
		{"SameKeyInOneCall", []ledger.Entry{ledgerEntry(c, "e-3", ledger.Refund, "SKU-A", 100), twins}},
	} {
		var refused error
		err := s.Update(ctx, func(tx store.Tx) error {
			refused = tx.InsertEntries(ctx, try.es...) // the call itself reports it
			return refused
		})
		wantErr(t, try.name+": InsertEntries", refused, store.ErrConflict)
		wantErr(t, try.name+": Update", err, store.ErrConflict)
	}
	wantEqual(t, "entries", entryIDs(caseEntries(t, s, c.ID)), []string{"e-1"})
}

// A refused InsertEntries writes nothing and leaves the transaction usable: the caller may
// read the entry that holds the key, or store others, and commit.
func testLedgerRefusalUsable(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	mustInsertEntries(t, s, ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 4000))
	taken := ledgerEntry(c, "e-2", ledger.Refund, "SKU-B", 100)
	taken.IdempotencyKey = "key-e-1"
	mustUpdate(t, s, func(tx store.Tx) error {
		wantErr(t, "a taken key", tx.InsertEntries(ctx, ledgerEntry(c, "e-3", ledger.Refund, "SKU-B", 100), taken), store.ErrConflict)
		wantErr(t, "past the paid amount", tx.InsertEntries(ctx, ledgerEntry(c, "e-4", ledger.Refund, "SKU-A", 1001)), store.ErrExceeded)
		wantErr(t, "an unknown item", tx.InsertEntries(ctx, ledgerEntry(c, "e-5", ledger.Refund, "SKU-Z", 1)), store.ErrNotFound)
		if e, err := tx.EntryByKey(ctx, "key-e-1"); err != nil || e.ID != "e-1" {
			t.Fatalf("EntryByKey after the refusals = %s, %v", e.ID, err)
		}
		return tx.InsertEntries(ctx, ledgerEntry(c, "e-6", ledger.Refund, "SKU-A", 1000))
	})
	wantEqual(t, "entries", entryIDs(caseEntries(t, s, c.ID)), []string{"e-1", "e-6"})
}

func testLedgerReplaced(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	e1 := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 2000)
	mustInsertEntries(t, s, e1)
	retry := ledger.Retried(e1, ledger.Balance, aftersale.Actor{Role: aftersale.Agent, ID: "agent-1"}, "e-2", base.Add(time.Hour))
	wantErr(t, "replacing a pending entry", insertEntries(t, s, retry), store.ErrConflict)
	e1 = settle(t, s, e1, ledger.Failed)
	mustInsertEntries(t, s, retry)
	again := ledger.Retried(e1, ledger.BankCard, aftersale.Actor{Role: aftersale.Agent, ID: "agent-1"}, "e-3", base.Add(2*time.Hour))
	again.IdempotencyKey = "key-other" // another key: the entry it replaces decides
	wantErr(t, "a second entry replacing e-1", insertEntries(t, s, again), store.ErrConflict)
	unknown := ledgerEntry(c, "e-4", ledger.Refund, "SKU-A", 100)
	unknown.Replaces = "e-none"
	wantErr(t, "replacing an unknown entry", insertEntries(t, s, unknown), store.ErrNotFound)
	wantEqual(t, "entries", entryIDs(caseEntries(t, s, c.ID)), []string{"e-1", "e-2"})
}

func testLedgerUpdate(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	e := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 2000)
	mustInsertEntries(t, s, e)

	// A failed call, retried later: only the execution changes, whatever else e says.
	next := base.Add(2 * time.Second)
	retry := e
	retry.Attempts, retry.LastError, retry.NextAttemptAt = 1, "gateway timeout", &next
	tampered := retry
	tampered.Amount, tampered.Kind, tampered.SKU, tampered.Method, tampered.Merchant = 1, ledger.Charge, "SKU-B", ledger.Balance, "M-9"
	tampered.IdempotencyKey, tampered.Replaces, tampered.CreatedAt, tampered.Seq = "key-9", "e-9", base.Add(time.Hour), 9
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateEntry(t.Context(), tampered) })
	wantEqual(t, "entry after a retry was scheduled", caseEntries(t, s, c.ID), []ledger.Entry{retry})

	settled := retry
	at := base.Add(time.Minute)
	settled.State, settled.Attempts, settled.GatewayRef, settled.LastError = ledger.Succeeded, 2, "gw-1", ""
	settled.NextAttemptAt, settled.SettledAt = nil, &at
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdateEntry(t.Context(), settled) })
	wantEqual(t, "entry after it succeeded", caseEntries(t, s, c.ID), []ledger.Entry{settled})

	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.UpdateEntry(t.Context(), ledgerEntry(c, "e-none", ledger.Refund, "SKU-A", 1))
	})
	wantErr(t, "UpdateEntry of an unknown entry", err, store.ErrNotFound)
}

func testLedgerSettled(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	e1, e2 := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 100), ledgerEntry(c, "e-2", ledger.Refund, "SKU-B", 100)
	mustInsertEntries(t, s, e1, e2)
	e1, e2 = settle(t, s, e1, ledger.Succeeded), settle(t, s, e2, ledger.Failed)
	for _, e := range []ledger.Entry{e1, e2} {
		for _, state := range ledger.States {
			change := e
			change.State, change.GatewayRef, change.Attempts = state, "gw-other", 7
			var refused error
			err := s.Update(ctx, func(tx store.Tx) error {
				refused = tx.UpdateEntry(ctx, change) // the call itself reports it
				return refused
			})
			wantErr(t, fmt.Sprintf("UpdateEntry of a %s entry to %s", e.State, state), refused, store.ErrConflict)
			wantErr(t, "Update", err, store.ErrConflict)
		}
	}
	wantEqual(t, "settled entries", caseEntries(t, s, c.ID), []ledger.Entry{e1, e2})
}

// runConcurrently runs fn in n goroutines started at once, each in its own Update, and
// returns their errors.
func runConcurrently(t *testing.T, s store.Store, n int, fn func(i int, tx store.Tx) error) []error {
	t.Helper()
	var (
		wg    sync.WaitGroup
		errs  = make([]error, n)
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error { return fn(i, tx) })
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// countErrs counts the nil errors and those that are want, and fails on any other.
func countErrs(t *testing.T, errs []error, want error) (ok, refused int) {
	t.Helper()
	var unexpected []error
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, want):
			refused++
		default:
			unexpected = append(unexpected, err)
		}
	}
	if err := errors.Join(unexpected...); err != nil {
		t.Fatalf("%d transactions failed otherwise than %v: %v", len(unexpected), want, err)
	}
	return ok, refused
}

// A callback and the relay settling one entry at once: one wins, the others find it settled.
func testLedgerSettleConcurrent(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY)
	e := ledgerEntry(c, "e-1", ledger.Refund, "SKU-A", 100)
	mustInsertEntries(t, s, e)
	const workers = 20
	errs := runConcurrently(t, s, workers, func(i int, tx store.Tx) error {
		settled := e
		settled.State, settled.GatewayRef, settled.Attempts = ledger.Succeeded, fmt.Sprint("gw-", i), 1
		return tx.UpdateEntry(t.Context(), settled)
	})
	if ok, refused := countErrs(t, errs, store.ErrConflict); ok != 1 || refused != workers-1 {
		t.Fatalf("%d settlements won and %d were refused; want 1 and %d", ok, refused, workers-1)
	}
	winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	got := caseEntries(t, s, c.ID)[0]
	if got.State != ledger.Succeeded || got.GatewayRef != fmt.Sprint("gw-", winner) {
		t.Fatalf("entry after the race: %s; want the settlement of transaction %d", show(got), winner)
	}
}

// Fifty refunds of a tenth of an item each, at once: ten are paid, forty refused, on both
// stores (PostgreSQL decides them one after the other under the line's lock).
func testLedgerRefundsConcurrent(t *testing.T, s store.Store) {
	c := ledgerCase(t, s, "case-1", "M-1", money.CNY) // SKU-A paid 5000
	const workers = 50
	errs := runConcurrently(t, s, workers, func(i int, tx store.Tx) error {
		return tx.InsertEntries(t.Context(), ledgerEntry(c, fmt.Sprintf("e-%02d", i), ledger.Refund, "SKU-A", 500))
	})
	if ok, refused := countErrs(t, errs, store.ErrExceeded); ok != 10 || refused != workers-10 {
		t.Fatalf("%d refunds stored and %d refused; want 10 and %d", ok, refused, workers-10)
	}
	var sum int64
	for _, e := range caseEntries(t, s, c.ID) {
		sum += e.Amount
	}
	if sum != 5000 {
		t.Fatalf("the refunds stored sum to %d, want the 5000 paid", sum)
	}
}
