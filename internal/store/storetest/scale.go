package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Scale times the reads of the queue page and of the case page on a store that holds
// real data (a demo seeded at scale), one after another, as the page would ask for them:
// the store's methods, and beside them, when raw is given, the same SQL through the same
// driver with the rows read and thrown away — what the database itself takes. It is not
// part of the conformance suite: the stores call it from tests that run only when an
// environment variable names such a store (docs/PERFORMANCE.md, scripts/pages.sh).
type Scale struct {
	Store    store.Store
	Merchant string // whose queue (merchant staff); the platform's queue too
	Runs     int    // of each query (default 300)
	// RawList runs ListCases's SQL for q (a page of 50); RawCase the case page's reads
	// of a case (the case, its events). Either may be nil.
	RawList func(ctx context.Context, q store.CaseQuery) error
	RawCase func(ctx context.Context, id string) error
}

// scaleQuery is one read the pages make.
type scaleQuery struct {
	name string
	list *store.CaseQuery // nil: the case page's reads of the i-th sampled case
}

// Run samples cases over the whole store, times each read and logs a table of p50, p95
// and p99 in milliseconds.
func (s Scale) Run(t *testing.T) {
	ctx := t.Context()
	runs := cmp.Or(s.Runs, 300)
	r := rand.New(rand.NewPCG(1, 2))
	cases := s.sample(t, r, 1000)
	if len(cases) == 0 {
		t.Fatal("the store holds no case")
	}
	now := time.Now()
	deadline := store.CaseQuery{Merchant: s.Merchant, Sort: store.SortDeadline, Limit: 50}
	with := func(f func(q *store.CaseQuery)) *store.CaseQuery { q := deadline; f(&q); return &q }
	var second store.CaseQuery
	if err := s.Store.View(ctx, func(tx store.Tx) error {
		_, next, err := tx.ListCases(ctx, deadline)
		second = deadline
		second.Cursor = next
		return err
	}); err != nil {
		t.Fatal(err)
	}
	queries := []scaleQuery{
		{"queue: merchant, by deadline", &deadline},
		{"queue: state=requested", with(func(q *store.CaseQuery) { q.States = []aftersale.State{aftersale.Requested} })},
		{"queue: state=disputed", with(func(q *store.CaseQuery) { q.States = []aftersale.State{aftersale.Disputed} })},
		{"queue: overdue", with(func(q *store.CaseQuery) { q.OverdueAt = now })},
		{"queue: q=RMA number", nil},
		{"queue: q=phone last4", nil},
		{"queue: page 2", &second},
		{"queue: platform (agent)", with(func(q *store.CaseQuery) { q.Merchant = "" })},
		{"case: case + events", nil},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d runs each, %d sampled cases; ms p50 / p95 / p99\n%-30s %-22s %-22s\n", runs, len(cases), "read", "store method", "raw SQL")
	for _, q := range queries {
		list := func(i int) *store.CaseQuery {
			switch q.name {
			case "queue: q=RMA number":
				return with(func(l *store.CaseQuery) { l.Search = cases[i%len(cases)].Case.Number })
			case "queue: q=phone last4":
				return with(func(l *store.CaseQuery) { l.Search = fmt.Sprintf("%04d", (i*7919)%10000) })
			}
			return q.list
		}
		isCase := strings.HasPrefix(q.name, "case:")
		method := func(i int) error {
			return s.Store.View(ctx, func(tx store.Tx) error {
				if isCase {
					id := cases[i%len(cases)].Case.ID
					if _, err := tx.Case(ctx, id); err != nil {
						return err
					}
					_, err := tx.Events(ctx, id)
					return err
				}
				_, _, err := tx.ListCases(ctx, *list(i))
				return err
			})
		}
		var raw func(i int) error
		switch {
		case isCase && s.RawCase != nil:
			raw = func(i int) error { return s.RawCase(ctx, cases[i%len(cases)].Case.ID) }
		case !isCase && s.RawList != nil:
			raw = func(i int) error { return s.RawList(ctx, *list(i)) }
		}
		m := timeRuns(t, runs, method)
		line := fmt.Sprintf("%-30s %-22s", q.name, m)
		if raw != nil {
			line += fmt.Sprintf(" %-22s", timeRuns(t, runs, raw))
		}
		b.WriteString(line + "\n")
	}
	t.Log("\n" + b.String())
}

// sample returns about n cases spread over the last 100 days, with the store's merchant
// among them.
func (s Scale) sample(t *testing.T, r *rand.Rand, n int) []store.CaseRecord {
	ctx := t.Context()
	seen := map[string]bool{}
	var out []store.CaseRecord
	now := time.Now()
	for tries := 0; len(out) < n && tries < n; tries++ {
		q := store.CaseQuery{CreatedTo: now.Add(-time.Duration(r.Int64N(int64(100 * 24 * time.Hour)))), Limit: 20}
		if tries%2 == 0 {
			q.Merchant = s.Merchant
		}
		if err := s.Store.View(ctx, func(tx store.Tx) error {
			recs, _, err := tx.ListCases(ctx, q)
			for _, rec := range recs {
				if !seen[rec.Case.ID] {
					seen[rec.Case.ID] = true
					out = append(out, rec)
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:min(n, len(out))]
}

// timing is the percentiles of one read.
type timing struct{ p50, p95, p99 time.Duration }

func (x timing) String() string {
	f := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	return f(x.p50) + " / " + f(x.p95) + " / " + f(x.p99)
}

// timeRuns runs fn runs times after a few unmeasured runs (caches, prepared statements).
func timeRuns(t *testing.T, runs int, fn func(i int) error) timing {
	for i := range 10 {
		if err := fn(i); err != nil {
			t.Fatal(err)
		}
	}
	ds := make([]time.Duration, runs)
	for i := range ds {
		t0 := time.Now()
		if err := fn(i); err != nil {
			t.Fatal(err)
		}
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[max(0, int(math.Ceil(p*float64(runs)))-1)] }
	return timing{at(0.50), at(0.95), at(0.99)}
}
