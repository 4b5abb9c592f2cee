package storetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var auditTests = []test{
	{name: "AppendAssignsIDAndTime", clocked: testAuditAppend},
	{name: "ListNewestFirstTiesByID", run: testAuditOrder},
	{name: "Filters", run: testAuditFilters},
	{name: "PagesStableAndCompleteUnderTies", run: testAuditPages},
	{name: "DefaultAndMaximumLimit", run: testAuditLimits},
	{name: "BadCursor", run: testAuditBadCursor},
}

// auditEntry is an entry with every field set; ResourceID is its key in the tests that
// check order.
func auditEntry(key string, at time.Time) store.AuditEntry {
	return store.AuditEntry{At: at, ActorRole: "merchant", ActorID: "u-1", Action: "case.approve",
		Resource: "case", ResourceID: key, Outcome: "ok", Addr: "203.0.113.7", Client: "aftersales-cli/1.0",
		Detail: json.RawMessage(`{"from":"requested","to":"approved","note":"同意退货"}`)}
}

// appendAudit appends entries in one transaction, in order.
func appendAudit(t *testing.T, s store.Store, es ...store.AuditEntry) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, e := range es {
			if err := tx.AppendAudit(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
}

// auditPage runs one ListAudit.
func auditPage(t *testing.T, s store.Store, q store.AuditQuery) (es []store.AuditEntry, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		es, next, err = tx.ListAudit(t.Context(), q)
		return err
	})
	return es, next
}

// auditAll follows the cursor to the end and returns every entry, checking that each
// page is full but the last.
func auditAll(t *testing.T, s store.Store, q store.AuditQuery) []store.AuditEntry {
	t.Helper()
	var all []store.AuditEntry
	for page := 0; ; page++ {
		if page > 2000 {
			t.Fatal("ListAudit: more than 2000 pages; the cursor does not advance")
		}
		es, next := auditPage(t, s, q)
		all = append(all, es...)
		if next == "" {
			return all
		}
		if q.Limit > 0 && len(es) != q.Limit {
			t.Fatalf("ListAudit: page %d has %d entries and a next cursor; want %d", page, len(es), q.Limit)
		}
		q.Cursor = next
	}
}

// keys are the ResourceIDs of entries, in order.
func keys(es []store.AuditEntry) []string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = e.ResourceID
	}
	return ks
}

// auditIDs are the IDs of entries, in order.
func auditIDs(es []store.AuditEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testAuditAppend(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	clk.Set(base)
	e1 := auditEntry("case-1", time.Time{}) // a zero At becomes Now
	e2 := auditEntry("case-2", time.Date(2025, 3, 10, 16, 30, 0, 123456789, shanghai))
	e2.ActorRole, e2.ActorID, e2.Action, e2.Resource, e2.ResourceID = "agent", "u-2", "login", "session", ""
	e2.Outcome, e2.Addr, e2.Client, e2.Detail = "failed", "", "", nil
	e3 := auditEntry("case-3", time.Time{})
	e3.ID = 999999 // the store's to assign
	appendAudit(t, s, e1, e2, e3)
	clk.Advance(time.Minute)
	e4 := auditEntry("case-4", time.Time{})
	e4.Detail = json.RawMessage(`[1, 2, {"a": null}]`)
	appendAudit(t, s, e4)

	err := s.Update(ctx, func(tx store.Tx) error {
		e := auditEntry("case-5", time.Time{})
		e.Detail = json.RawMessage(`{"broken":`)
		return tx.AppendAudit(ctx, e)
	})
	if err == nil {
		t.Fatal("AppendAudit with a detail that is not JSON: no error")
	}

	got, next := auditPage(t, s, store.AuditQuery{})
	if next != "" || len(got) != 4 {
		t.Fatalf("ListAudit gave %d entries and next %q; want 4 and none", len(got), next)
	}
	// Appended in the order e1, e2, e3, e4: the ids increase in that order.
	byKey := map[string]store.AuditEntry{}
	for _, e := range got {
		byKey[e.ResourceID] = e
	}
	appended := []int64{byKey["case-1"].ID, byKey[""].ID, byKey["case-3"].ID, byKey["case-4"].ID}
	if appended[0] <= 0 || !slices.IsSorted(appended) || len(slices.Compact(slices.Clone(appended))) != 4 {
		t.Fatalf("ids in the order appended: %v; want positive and increasing", appended)
	}
	if byKey["case-3"].ID == 999999 {
		t.Fatal("AppendAudit kept the caller's id")
	}

	e1.At, e3.At, e4.At = base, base, base.Add(time.Minute)
	e2.At = time.Date(2025, 3, 10, 8, 30, 0, 123456000, time.UTC)
	want := []store.AuditEntry{e4, e3, e1, e2} // newest first; e3 and e1 share a time: higher id first
	for i := range want {
		want[i].ID = got[i].ID
		wantSameJSON(t, "detail of "+want[i].ResourceID, orNull(got[i].Detail), orNull(want[i].Detail))
		if (got[i].Detail == nil) != (want[i].Detail == nil) {
			t.Fatalf("detail of %s: got %s, want %s", want[i].ResourceID, got[i].Detail, want[i].Detail)
		}
		got[i].Detail, want[i].Detail = nil, nil
	}
	wantEqual(t, "audit entries", got, want)
}

// orNull is b, or the JSON null for nil.
func orNull(b json.RawMessage) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}

// scrambledAudit appends n entries keyed a-000…, spread over times times, in a scrambled
// order (7 is coprime to every n used), in batches of one transaction each, and returns
// the keys newest first: by time, then by append order (later first).
func scrambledAudit(t *testing.T, s store.Store, n, times int) []string {
	t.Helper()
	type appended struct {
		key string
		at  time.Time
		seq int
	}
	var all []appended
	var batch []store.AuditEntry
	for seq := range n {
		i := (seq * 7) % n
		key := fmt.Sprintf("a-%03d", i)
		at := base.Add(time.Duration(i%times) * time.Second)
		all = append(all, appended{key, at, seq})
		batch = append(batch, auditEntry(key, at))
		if len(batch) == 100 {
			appendAudit(t, s, batch...)
			batch = nil
		}
	}
	if len(batch) > 0 {
		appendAudit(t, s, batch...)
	}
	slices.SortFunc(all, func(a, b appended) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return b.seq - a.seq
	})
	out := make([]string, n)
	for i, a := range all {
		out[i] = a.key
	}
	return out
}

func testAuditOrder(t *testing.T, s store.Store) {
	es, next := auditPage(t, s, store.AuditQuery{})
	if len(es) != 0 || next != "" {
		t.Fatalf("ListAudit of an empty log: %d entries, next %q", len(es), next)
	}
	want := scrambledAudit(t, s, 12, 3)
	es, next = auditPage(t, s, store.AuditQuery{})
	if next != "" {
		t.Fatalf("next %q after the only page", next)
	}
	wantEqual(t, "entries newest first, ties by id descending", keys(es), want)
	for i := 1; i < len(es); i++ {
		if es[i].At.Equal(es[i-1].At) && es[i].ID >= es[i-1].ID {
			t.Fatalf("entries %d and %d share a time and are not by id descending: %v", i-1, i, auditIDs(es))
		}
	}
}

func testAuditFilters(t *testing.T, s store.Store) {
	actors := []string{"u-1", "u-2", "C-1"}
	actions := []string{"case.approve", "case.reject", "case", "cases.export", "order.upsert", "login", "case.note.add"}
	resources := map[string]string{"case.approve": "case", "case.reject": "case", "case": "case",
		"cases.export": "export", "order.upsert": "order", "login": "session", "case.note.add": "case"}
	var es []store.AuditEntry
	for i := range 60 {
		action := actions[i%len(actions)]
		e := auditEntry("", base.Add(time.Duration(i%10)*time.Minute)) // many share a time
		e.ActorID, e.Action, e.Resource = actors[i%len(actors)], action, resources[action]
		e.ResourceID = fmt.Sprintf("%s-%d", e.Resource, i%4)
		e.Detail = json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))
		es = append(es, e)
	}
	appendAudit(t, s, es...)
	all := auditAll(t, s, store.AuditQuery{Limit: 1000})
	if len(all) != len(es) {
		t.Fatalf("ListAudit gave %d entries, want %d", len(all), len(es))
	}
	at := func(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }
	for _, f := range []struct {
		name string
		q    store.AuditQuery
		keep func(store.AuditEntry) bool
	}{
		{"Actor", store.AuditQuery{ActorID: "u-2"},
			func(e store.AuditEntry) bool { return e.ActorID == "u-2" }},
		{"ActionExact", store.AuditQuery{Action: "case.approve"},
			func(e store.AuditEntry) bool { return e.Action == "case.approve" }},
		{"ActionExactWithoutDot", store.AuditQuery{Action: "case"},
			func(e store.AuditEntry) bool { return e.Action == "case" }},
		// A prefix ending in "." takes every action under it, and neither "case" itself nor
		// "cases.export".
		{"ActionPrefix", store.AuditQuery{Action: "case."},
			func(e store.AuditEntry) bool { return strings.HasPrefix(e.Action, "case.") }},
		{"ActionPrefixTwoLevels", store.AuditQuery{Action: "case.note."},
			func(e store.AuditEntry) bool { return e.Action == "case.note.add" }},
		{"Resource", store.AuditQuery{Resource: "case"},
			func(e store.AuditEntry) bool { return e.Resource == "case" }},
		{"ResourceAndID", store.AuditQuery{Resource: "case", ResourceID: "case-1"},
			func(e store.AuditEntry) bool { return e.Resource == "case" && e.ResourceID == "case-1" }},
		{"ResourceIDAlone", store.AuditQuery{ResourceID: "order-2"},
			func(e store.AuditEntry) bool { return e.ResourceID == "order-2" }},
		{"FromInclusiveToExclusive", store.AuditQuery{From: at(3), To: at(7)},
			func(e store.AuditEntry) bool { return !e.At.Before(at(3)) && e.At.Before(at(7)) }},
		{"FromOnly", store.AuditQuery{From: at(8)},
			func(e store.AuditEntry) bool { return !e.At.Before(at(8)) }},
		{"ToOnly", store.AuditQuery{To: at(2).In(shanghai)},
			func(e store.AuditEntry) bool { return e.At.Before(at(2)) }},
		{"Combined", store.AuditQuery{ActorID: "u-1", Action: "case.", From: at(2), To: at(9)},
			func(e store.AuditEntry) bool {
				return e.ActorID == "u-1" && strings.HasPrefix(e.Action, "case.") &&
					!e.At.Before(at(2)) && e.At.Before(at(9))
			}},
	} {
		t.Run(f.name, func(t *testing.T) {
			var want []int64
			for _, e := range all {
				if f.keep(e) {
					want = append(want, e.ID)
				}
			}
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("the filter selects %d of %d entries: the test proves nothing", len(want), len(all))
			}
			wantEqual(t, "entries on one page", auditIDs(auditAll(t, s, withLimit(f.q, 1000))), want)
			wantEqual(t, "entries over pages of 4", auditIDs(auditAll(t, s, withLimit(f.q, 4))), want)
		})
	}
	es, next := auditPage(t, s, store.AuditQuery{ActorID: "nobody"})
	if len(es) != 0 || next != "" {
		t.Fatalf("a filter that matches nothing gave %d entries and next %q", len(es), next)
	}
}

func withLimit(q store.AuditQuery, limit int) store.AuditQuery {
	q.Limit = limit
	return q
}

func testAuditPages(t *testing.T, s store.Store) {
	want := scrambledAudit(t, s, 250, 5) // 50 entries at each of 5 times
	for _, limit := range []int{1, 7, 50, 99, 249, 250, 251, 1000} {
		t.Run(fmt.Sprint("Limit", limit), func(t *testing.T) {
			wantEqual(t, "entries over all pages", keys(auditAll(t, s, store.AuditQuery{Limit: limit})), want)
		})
	}
	// A cursor can be used again and gives the same page.
	first, next := auditPage(t, s, store.AuditQuery{Limit: 30})
	p1, n1 := auditPage(t, s, store.AuditQuery{Limit: 30, Cursor: next})
	p2, n2 := auditPage(t, s, store.AuditQuery{Limit: 30, Cursor: next})
	wantEqual(t, "the same cursor again", keys(p2), keys(p1))
	wantEqual(t, "the next cursor of the same page", n2, n1)

	// Entries appended between pages sort before the cursor — newer, or as new as the
	// page's last entry with a higher id — and neither show up later nor shift the pages.
	last := first[len(first)-1]
	appendAudit(t, s, auditEntry("new-newer", base.Add(time.Hour)), auditEntry("new-tied", last.At))
	got := append(keys(first), keys(auditAll(t, s, store.AuditQuery{Limit: 30, Cursor: next}))...)
	wantEqual(t, "entries over pages with new entries arriving", got, want)
}

func testAuditLimits(t *testing.T, s store.Store) {
	es := make([]store.AuditEntry, 1005)
	for i := range es {
		es[i] = auditEntry(fmt.Sprintf("a-%04d", i), base.Add(time.Duration(i%3)*time.Second))
	}
	appendAudit(t, s, es...)
	page, next := auditPage(t, s, store.AuditQuery{})
	if len(page) != 100 || next == "" {
		t.Fatalf("ListAudit with Limit 0 gave %d entries and next %q; want 100 and a cursor", len(page), next)
	}
	page, next = auditPage(t, s, store.AuditQuery{Limit: 5000})
	if len(page) != 1000 || next == "" {
		t.Fatalf("ListAudit with Limit 5000 gave %d entries and next %q; want 1000 and a cursor", len(page), next)
	}
	rest, end := auditPage(t, s, store.AuditQuery{Limit: 5000, Cursor: next})
	if len(rest) != 5 || end != "" {
		t.Fatalf("the page after 1000 gave %d entries and next %q; want 5 and none", len(rest), end)
	}
	seen := map[string]bool{}
	for _, e := range append(page, rest...) {
		seen[e.ResourceID] = true
	}
	if len(seen) != len(es) {
		t.Fatalf("two pages hold %d distinct entries, want %d", len(seen), len(es))
	}
}

func testAuditBadCursor(t *testing.T, s store.Store) {
	scrambledAudit(t, s, 3, 1)
	for _, cursor := range []string{
		"not a cursor!",
		"%%%",
		base64.RawURLEncoding.EncodeToString([]byte("garbage")),
		base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00}),
		// The shapes of a ListCases cursor: a time and a case id.
		base64.RawURLEncoding.EncodeToString([]byte("1741599000123456|case-1")),
		base64.RawURLEncoding.EncodeToString([]byte("1741599000123456/case-1")),
	} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListAudit(t.Context(), store.AuditQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListAudit with cursor %q", cursor), err, store.ErrBadCursor)
	}
}
