package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// check decides the run: every refund issued, the ledger settled, reconcile clean, and
// every case paid exactly its refund, once.
func (r *report) check() {
	add := func(ok bool, name string, evidence ...string) {
		r.checks = append(r.checks, checkResult{ok: ok, name: name, evidence: evidence})
	}
	n := r.cfg.refunds
	add(len(r.cases) == n && len(r.refundErrors) == 0, fmt.Sprintf("every refund issued (%d of %d)", len(r.cases), n), first(r.refundErrors, 5)...)
	add(len(r.kills) == r.cfg.kills, fmt.Sprintf("the server was killed %d times and served again each time (%d)", r.cfg.kills, len(r.kills)))
	var crashes []string
	panics := 0
	for _, l := range r.logs {
		panics += l.panics
	}
	crashes = append(crashes, r.crashes...)
	add(len(r.crashes) == 0 && panics == 0, fmt.Sprintf("no server exited on its own or panicked (%d exits, %d panics)", len(r.crashes), panics), crashes...)
	r.api.stats.mu.Lock()
	internal, internalN := slices.Clone(r.api.stats.internal), r.api.stats.internalN
	r.api.stats.mu.Unlock()
	add(internalN == 0, fmt.Sprintf("no request answered 500 (%d)", internalN), internal...)

	var stuck []string
	for _, e := range first(r.stuck, 10) {
		next := ""
		if e.NextAttemptAt != nil {
			next = ", next try " + e.NextAttemptAt.Format(time.RFC3339)
		}
		stuck = append(stuck, fmt.Sprintf("%s case %s %s %d: %d attempts%s %s", e.ID, e.CaseNumber, e.SKU, e.Amount, e.Attempts, next, e.LastError))
	}
	add(r.settled, fmt.Sprintf("no entry pending within %v of the last refund (%d pending)", r.cfg.settleTimeout, len(r.stuck)), stuck...)
	add(r.stopError == "", "the last server stopped cleanly on SIGTERM", r.stopError)
	add(r.reconcileCode == 0, fmt.Sprintf("aftersales reconcile exits 0 (%d)", r.reconcileCode))

	// The ledger against the cases.
	want := expectedEntries()
	total := expectedRefund()
	byCase := map[string][]entry{}
	keys := map[string]int{}
	for _, e := range r.entries {
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
		keys[e.IdempotencyKey]++
	}
	var wrong, foreign, dupKeys []string
	for _, c := range r.cases {
		got := map[string][]int64{}
		var sum int64
		for _, e := range byCase[c.id] {
			if e.State == "succeeded" && e.Kind == "refund" {
				got[e.SKU] = append(got[e.SKU], e.Amount)
				sum += e.Amount
			}
		}
		var bad []string
		for sku, amount := range want {
			if a := got[sku]; len(a) != 1 || a[0] != amount {
				bad = append(bad, fmt.Sprintf("%s: paid %v, want [%d]", skuName(sku), a, amount))
			}
		}
		for _, sku := range slices.Sorted(maps.Keys(got)) {
			if _, ok := want[sku]; !ok {
				bad = append(bad, fmt.Sprintf("%s: paid %v, want nothing", skuName(sku), got[sku]))
			}
		}
		if sum != c.refunded || c.refunded != total {
			bad = append(bad, fmt.Sprintf("succeeded entries sum to %d, the case's refunded_amount is %d, the order's refund is %d", sum, c.refunded, total))
		}
		if len(bad) > 0 {
			wrong = append(wrong, fmt.Sprintf("case %s (%s): %s", c.number, c.id, strings.Join(bad, "; ")))
		}
		delete(byCase, c.id)
	}
	for id, es := range byCase {
		foreign = append(foreign, fmt.Sprintf("case %s: %d entries", id, len(es)))
	}
	for k, c := range keys {
		if c > 1 {
			dupKeys = append(dupKeys, fmt.Sprintf("%s: %d entries", k, c))
		}
	}
	add(len(wrong) == 0, fmt.Sprintf("the ledger paid each case exactly once: one succeeded refund entry per order line and one for the shipping fee, summing to its refund (%d cases wrong)", len(wrong)), first(wrong, 10)...)
	// The gateway's record against the cases: the money that left.
	var overpaid, underpaid []string
	var over int64
	for _, c := range r.cases {
		pc := r.gatewayRecord.paid[c.number]
		switch {
		case pc.amount > total:
			over += pc.amount - total
			overpaid = append(overpaid, fmt.Sprintf("case %s: the gateway paid %d for a refund of %d: %s", c.number, pc.amount, total, strings.Join(pc.keys, ", ")))
		case pc.amount < total:
			underpaid = append(underpaid, fmt.Sprintf("case %s: the gateway paid %d for a refund of %d: %s", c.number, pc.amount, total, strings.Join(pc.keys, ", ")))
		}
	}
	gwName := fmt.Sprintf("the gateway paid each case exactly its refund, by its own record (%d cases paid more, %d less; %d paid too much in all)", len(overpaid), len(underpaid), over)
	if r.gatewayRecord.err != "" {
		gwName = "the gateway paid each case exactly its refund, by its own record: " + r.gatewayRecord.err
	}
	add(r.gatewayRecord.err == "" && len(overpaid) == 0 && len(underpaid) == 0, gwName, first(append(overpaid, underpaid...), 10)...)
	add(len(foreign) == 0 && len(dupKeys) == 0, "no entry of another case, no idempotency key twice in the ledger", first(append(foreign, dupKeys...), 10)...)

	failed, replacements := 0, map[string]int{}
	for _, e := range r.entries {
		if e.State == "failed" {
			failed++
		}
		if e.Replaces != "" {
			replacements[e.Replaces]++
		}
	}
	var unreplaced []string
	for _, e := range r.entries {
		if e.State == "failed" && replacements[e.ID] != 1 {
			unreplaced = append(unreplaced, fmt.Sprintf("%s paid again %d times", e.ID, replacements[e.ID]))
		}
	}
	expected := len(r.cases)*len(want) + len(replacements)
	add(len(r.entries) == expected && len(unreplaced) == 0 && failed == len(replacements),
		fmt.Sprintf("%d entries = %d cases × %d + %d paid again for %d failed", len(r.entries), len(r.cases), len(want), len(replacements), failed),
		first(unreplaced, 10)...)
}
