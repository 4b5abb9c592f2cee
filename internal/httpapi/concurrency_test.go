package httpapi_test

import (
	"bytes"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// together runs fn n times at once, released by one signal so that the requests overlap.
func together(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// Two approvals of the same case at the same version (optimistic concurrency, DESIGN.md
// principle 4): exactly one wins; the other is a conflict that says what the merchant may
// do now and at which version the case is.
func TestConcurrentApprovalsOneWins(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for round := range 3 {
			order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
			c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))
			res := make([]*apitest.Response, 2)
			together(2, func(i int) {
				res[i] = w.act(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
			})
			statuses := []int{res[0].Status, res[1].Status}
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{http.StatusOK, http.StatusConflict}) {
				t.Fatalf("round %d: statuses %v, want one 200 and one 409: %s / %s", round, statuses, res[0].Body, res[1].Body)
			}
			loser := res[0]
			if loser.Status == http.StatusOK {
				loser = res[1]
			}
			p := wantProblem(t, loser, http.StatusConflict, app.CodeConflict)
			if p.AllowedActions == nil || p.Version == nil {
				t.Fatalf("round %d: the conflict lacks allowed_actions or version: %s", round, loser.Body)
			}
			// Approved: the merchant now waits for the parcel; nothing is theirs to do.
			if *p.Version != 2 || len(*p.AllowedActions) != 0 {
				t.Errorf("round %d: conflict says version %d, allowed %v; want 2 and none", round, *p.Version, *p.AllowedActions)
			}
			got := w.getCase(t, w.merchantA, c.ID)
			if got.State != aftersale.Approved || got.Version != 2 || len(got.History) != 2 {
				t.Errorf("round %d: case is %s v%d with %d events, want approved v2 with 2", round, got.State, got.Version, len(got.History))
			}
		}
	})
}

// Fifty customers' clicks for the last unit of a line (the store bounds holdings by the
// order, DESIGN.md "Money"): exactly one case opens; every other answer is a clear
// problem, and the line is never over-claimed.
func TestConcurrentApplicationsForLastUnit(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("LAMP", 2, 25900)))
		w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "LAMP", 1)) // one of two units is claimed
		casesBefore := env.Rows(t, "cases")

		const n = 50
		res := make([]*apitest.Response, n)
		together(n, func(i int) {
			res[i] = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1,
				JSON: returnRefund(order.OrderNo, "LAMP", 1)})
		})
		created := 0
		for _, r := range res {
			switch r.Status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				wantProblem(t, r, http.StatusConflict, app.CodeConflict)
			case http.StatusUnprocessableEntity:
				p := r.Problem(t)
				if p.Code != string(app.CodeRefused) && p.Code != string(app.CodeInvalid) || p.Detail == "" || p.DetailZH == "" {
					t.Errorf("422 is not a clear refusal: %s", r.Body)
				}
			default:
				t.Errorf("unexpected answer %d: %s", r.Status, r.Body)
			}
		}
		if created != 1 {
			t.Fatalf("%d applications were created for the last unit, want exactly 1", created)
		}
		if got := env.Rows(t, "cases"); got != casesBefore+1 {
			t.Errorf("cases in the store: %d, want %d", got, casesBefore+1)
		}
		res1 := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + order.OrderNo, Token: w.customer1})
		var o app.OrderView
		res1.JSON(t, &o)
		if o.Items[0].Claimed != 2 {
			t.Errorf("line claims %d units, want 2 (of 2)", o.Items[0].Claimed)
		}
	})
}

// A POST retried with the same Idempotency-Key gets the first answer byte for byte and
// opens nothing more; the same key with a different body is refused. Concurrent retries
// with one key open one case too.
func TestIdempotencyKey(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 3, 29900)))
		apply := func(key string, in app.ApplyInput) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: in,
				Header: http.Header{"Idempotency-Key": {key}}})
		}
		first := apply("retry-1", returnRefund(order.OrderNo, "JACKET", 1))
		if first.Status != http.StatusCreated || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first: %d replayed=%q %s", first.Status, first.Header.Get("Idempotent-Replayed"), first.Body)
		}
		again := apply("retry-1", returnRefund(order.OrderNo, "JACKET", 1))
		if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d replayed=%q %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		if !bytes.Equal(first.Body, again.Body) {
			t.Errorf("the replay differs from the first answer:\n%s\n%s", first.Body, again.Body)
		}
		if n := env.Rows(t, "cases"); n != 1 {
			t.Errorf("%d cases after a retried application, want 1", n)
		}

		other := apply("retry-1", returnRefund(order.OrderNo, "JACKET", 2))
		wantProblem(t, other, http.StatusUnprocessableEntity, app.CodeInvalid, "Idempotency-Key")
		if n := env.Rows(t, "cases"); n != 1 {
			t.Errorf("%d cases after a reused key, want 1", n)
		}

		// Five clients retrying at once with one key: one case, five identical answers.
		res := make([]*apitest.Response, 5)
		together(len(res), func(i int) { res[i] = apply("burst-1", returnRefund(order.OrderNo, "JACKET", 1)) })
		for i, r := range res {
			if r.Status != http.StatusCreated || !bytes.Equal(r.Body, res[0].Body) {
				t.Errorf("burst answer %d: %d %s", i, r.Status, r.Body)
			}
		}
		if n := env.Rows(t, "cases"); n != 2 {
			t.Errorf("%d cases after a burst of retries, want 2", n)
		}

		// Actions too: a retried approval replays, it does not conflict with itself.
		var c app.CaseView
		first.JSON(t, &c)
		approve := app.ActInput{Action: aftersale.Approve, Version: c.Version}
		a1 := w.act(t, w.merchantA, c.ID, approve, "Idempotency-Key", "approve-1")
		a2 := w.act(t, w.merchantA, c.ID, approve, "Idempotency-Key", "approve-1")
		if a1.Status != http.StatusOK || a2.Status != http.StatusOK || !bytes.Equal(a1.Body, a2.Body) || a2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retried approval: %d then %d (replayed %q)", a1.Status, a2.Status, a2.Header.Get("Idempotent-Replayed"))
		}
		a3 := w.act(t, w.merchantA, c.ID, approve, "Idempotency-Key", "approve-2")
		wantProblem(t, a3, http.StatusConflict, app.CodeConflict)

		// An empty key is no key at all: refused rather than silently ignored.
		empty := apply("", returnRefund(order.OrderNo, "JACKET", 1))
		wantProblem(t, empty, http.StatusUnprocessableEntity, app.CodeInvalid, "Idempotency-Key")
	})
}
