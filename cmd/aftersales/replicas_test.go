package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// caseNumberBlock is how many RMA numbers a PostgreSQL replica takes from the sequence at
// a time (internal/store/postgres/cases.go): the unused rest of a replica's block is the
// largest gap it can leave.
const caseNumberBlock = 32

// TestThreeReplicasBehaveAsOne starts three serve replicas — each with its own folder, its
// own connections and its own policy engine, as on three machines — on one fresh
// PostgreSQL schema, and shows (issue 18, scale-out):
//
//  1. a policy version installed through the admin page of replica 1 is live on replicas
//     2 and 3 within a second (the admin page's chain of each; then an evaluation on each
//     decides under it);
//  2. the rate limits are shared: with --rate-principal 10/m:5, fifteen writes of one
//     token spread over the three replicas get 5 answers and 10 429s, not 15 answers;
//  3. applications spread over the replicas get RMA numbers that never collide, and the
//     numbers left out are at most the unused rest of each replica's block (31 each while
//     they run, and 31 more for a replica restarted).
func TestThreeReplicasBehaveAsOne(t *testing.T) {
	t.Parallel()
	db := MustDatabaseURL(t)
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"AFTERSALES_DATABASE_URL": db, "AFTERSALES_DATA": filepath.Join(dir, "cli")}
	const customers = 150

	// The store: orders of shop-a, each of its own customer, delivered yesterday.
	if _, _, err := run(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	day := func(d time.Duration) string { return time.Now().Add(d).In(cst).Format(time.DateTime) }
	var csv strings.Builder
	csv.WriteString(header())
	for i := range customers {
		fmt.Fprintf(&csv, "R%04d,shop-a,c%04d,,online,,,%s,%s,%s,,MUG,Mug,,1,59.90,59.90,\n", i, i, day(-72*time.Hour), day(-48*time.Hour), day(-24*time.Hour))
	}
	orders := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(orders, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, env, "import", "orders", orders); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	// Tokens (a customer's each) and an admin account, made through the application.
	setup := newProgram(env)
	st, err := setup.openStack(ctx, stackConfig{store: storeFlags{data: env["AFTERSALES_DATA"], databaseURL: db}})
	if err != nil {
		t.Fatal(err)
	}
	token := func(spec app.TokenSpec) string {
		t.Helper()
		secret, _, err := st.app.CreateToken(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	customerTokens := make([]string, customers)
	for i := range customerTokens {
		customerTokens[i] = token(app.TokenSpec{Role: app.RoleCustomer, Customer: fmt.Sprintf("c%04d", i)})
	}
	limited, checkers := token(app.TokenSpec{Role: app.RoleAdmin, Name: "limited"}), []string{}
	for range 3 {
		checkers = append(checkers, token(app.TokenSpec{Role: app.RoleAdmin}))
	}
	const password = "replica-admin-password"
	if _, err := st.app.CreateUser(ctx, cliPrincipal, app.UserInput{Username: "admin.one", Role: app.RoleAdmin, Password: password}); err != nil {
		t.Fatal(err)
	}
	if err := setup.Close(); err != nil {
		t.Fatal(err)
	}

	// The replicas. --rate-addr off: every request comes from 127.0.0.1.
	replica := func(t *testing.T, i int) *server {
		t.Helper()
		return MustServe(t, env, "", "--data", filepath.Join(dir, fmt.Sprintf("replica-%d", i)),
			"--rate-principal", "10/m:5", "--rate-addr", "off")
	}
	replicas := make([]*server, 3)
	var starting sync.WaitGroup
	start := time.Now()
	for i := range replicas {
		starting.Go(func() { replicas[i] = replica(t, i+1) })
	}
	starting.Wait()
	if slices.Contains(replicas, nil) {
		t.FailNow()
	}
	t.Logf("three replicas started in %v", time.Since(start).Round(time.Millisecond))

	t.Run("PolicyIsLiveEverywhereWithinASecond", func(t *testing.T) {
		const key = "shop-a-rules@1"
		doc := "schema: aftersales.policy/v1\nid: shop-a-rules\nversion: 1\nlayer: merchant\nmerchant: shop-a\n" +
			"name: {zh: 甲店政策, en: Shop A's rules}\n"
		cookie, status := replicas[0].login(t, "admin.one", password)
		if cookie == "" {
			t.Fatalf("login: %d", status)
		}
		for i, r := range replicas {
			if r.livePolicy(t, cookie, key) {
				t.Fatalf("replica %d has %s live before it is installed", i+1, key)
			}
		}
		installed := replicas[0].installPolicy(t, cookie, doc)
		if !replicas[0].livePolicy(t, cookie, key) {
			t.Fatalf("replica 1 does not show %s live after installing it", key)
		}
		// Each replica's page is read until it shows the version live: it became live after
		// the last read that did not show it began, and before the first that did ended.
		var wg sync.WaitGroup
		after, by := make([]time.Duration, len(replicas)), make([]time.Duration, len(replicas))
		for i, r := range replicas[1:] {
			wg.Go(func() {
				for {
					asked := time.Since(installed)
					if r.livePolicy(t, cookie, key) {
						by[i+1] = time.Since(installed)
						return
					}
					after[i+1] = asked
					if asked > 5*time.Second {
						by[i+1] = -1
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		for i := 1; i < len(replicas); i++ {
			t.Logf("replica %d: %s live between %v and %v after the install on replica 1 returned", i+1, key,
				after[i].Round(time.Millisecond), by[i].Round(time.Millisecond))
			if by[i] < 0 || by[i] > time.Second {
				t.Errorf("replica %d: %s live after %v, want within 1s", i+1, key, by[i])
			}
		}
		// An evaluation on each replica decides under the new version.
		for i, r := range replicas {
			var d struct {
				PolicyVersion string `json:"policy_version"`
			}
			code := r.post(t, "/api/v1/policy/evaluate", checkers[i], map[string]any{"order_no": "R0000", "type": "return_refund",
				"reason": "no_reason", "items": []map[string]any{{"sku": "MUG", "quantity": 1}}}, &d)
			if code != http.StatusOK || !strings.HasSuffix(d.PolicyVersion, "+"+key) {
				t.Errorf("replica %d evaluates under %q (%d), want the chain to end in %s", i+1, d.PolicyVersion, code, key)
			}
		}
	})

	t.Run("RateLimitsAreShared", func(t *testing.T) {
		answered, refused := make([]int, len(replicas)), make([]int, len(replicas))
		for i := range 15 {
			r := i % len(replicas)
			code, retry := replicas[r].postRaw(t, "/api/v1/policy/evaluate", limited, map[string]any{"order_no": "R0001",
				"type": "return_refund", "reason": "no_reason", "items": []map[string]any{{"sku": "MUG", "quantity": 1}}})
			switch {
			case code == http.StatusTooManyRequests && retry != "":
				refused[r]++
			case code == http.StatusTooManyRequests:
				t.Errorf("a 429 without Retry-After")
			default:
				answered[r]++
			}
		}
		t.Logf("15 writes of one token, 5 a replica, burst 5: answered %v, 429 %v (by replica)", answered, refused)
		if sum(answered) != 5 || sum(refused) != 10 {
			t.Errorf("answered %d and refused %d of 15, want 5 and 10: the burst once, not once a replica", sum(answered), sum(refused))
		}
	})

	t.Run("RMANumbersNeverCollide", func(t *testing.T) {
		var mu sync.Mutex
		var numbers []int64
		byReplica := make([][]int64, len(replicas))
		apply := func(from, to int) {
			t.Helper()
			var wg sync.WaitGroup
			next := make(chan int)
			for range 9 {
				wg.Go(func() {
					for i := range next {
						r := i % len(replicas)
						var c struct{ Number string }
						code := replicas[r].post(t, "/api/v1/cases", customerTokens[i], map[string]any{"order_no": fmt.Sprintf("R%04d", i),
							"type": "return_refund", "reason": "no_reason", "items": []map[string]any{{"sku": "MUG", "quantity": 1}},
							"description": "不想要了 / no longer needed"}, &c)
						// AS, the day (yymmdd), then the sequence's number.
						n, err := strconv.ParseInt(c.Number[min(8, len(c.Number)):], 10, 64)
						if code != http.StatusCreated || !strings.HasPrefix(c.Number, "AS") || err != nil {
							t.Errorf("application %d on replica %d: %d, number %q", i, r+1, code, c.Number)
							continue
						}
						mu.Lock()
						numbers = append(numbers, n)
						byReplica[r] = append(byReplica[r], n)
						mu.Unlock()
					}
				})
			}
			for i := from; i < to; i++ {
				next <- i
			}
			close(next)
			wg.Wait()
		}
		// gaps counts the numbers left out from 1 (the sequence's first) to the highest.
		gaps := func() (int64, int64) {
			s := slices.Clone(numbers)
			slices.Sort(s)
			if len(s) == 0 || s[0] < 1 {
				t.Fatalf("numbers %v", s)
			}
			if len(slices.Compact(slices.Clone(s))) != len(s) {
				t.Fatalf("an RMA number was given twice: %v", s)
			}
			return s[len(s)-1] - int64(len(s)), s[len(s)-1]
		}
		apply(2, 122) // 40 a replica: each takes a second block
		missing, highest := gaps()
		bound := int64(len(replicas) * (caseNumberBlock - 1))
		t.Logf("120 applications over 3 replicas: numbers 1…%d, %d left out (bound %d: %d replicas × %d); by replica %v",
			highest, missing, bound, len(replicas), caseNumberBlock-1, ranges(byReplica))
		if missing > bound {
			t.Errorf("%d numbers left out, more than %d", missing, bound)
		}

		// Replica 3 restarts: the rest of its block is lost, once.
		replicas[2].stop(t)
		replicas[2] = replica(t, 3)
		byReplica = make([][]int64, len(replicas))
		apply(122, customers)
		missing, highest = gaps()
		bound += caseNumberBlock - 1
		t.Logf("after replica 3 restarted, %d applications more: numbers 1…%d, %d left out (bound %d); by replica %v",
			customers-122, highest, missing, bound, ranges(byReplica))
		if missing > bound {
			t.Errorf("%d numbers left out after a restart, more than %d", missing, bound)
		}
	})
}

func sum(xs []int) (n int) {
	for _, x := range xs {
		n += x
	}
	return n
}

// ranges shows each replica's numbers as lowest…highest (count).
func ranges(byReplica [][]int64) []string {
	var out []string
	for _, ns := range byReplica {
		if len(ns) == 0 {
			out = append(out, "none")
			continue
		}
		out = append(out, fmt.Sprintf("%d…%d (%d)", slices.Min(ns), slices.Max(ns), len(ns)))
	}
	return out
}

// post sends a JSON write with a bearer token and decodes a 2xx answer into v.
func (s *server) post(t *testing.T, path, token string, body, v any) int {
	t.Helper()
	code, _, answer := s.send(t, path, token, body)
	if v != nil && code < 300 {
		if err := json.Unmarshal(answer, v); err != nil {
			t.Errorf("POST %s: %v: %s", path, err, answer)
		}
	}
	return code
}

// postRaw sends a JSON write and returns the status and Retry-After.
func (s *server) postRaw(t *testing.T, path, token string, body any) (int, string) {
	t.Helper()
	code, retry, _ := s.send(t, path, token, body)
	return code, retry
}

func (s *server) send(t *testing.T, path, token string, body any) (int, string, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", nil
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Retry-After"), answer
}

var (
	csrfField   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	liveSection = regexp.MustCompile(`(?s)id="live-h".*?id="versions-h"`)
)

// policiesPage reads /admin/policies with a session.
func (s *server) policiesPage(t *testing.T, cookie string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/admin/policies?lang=en", nil)
	req.AddCookie(&http.Cookie{Name: "as_session", Value: cookie})
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /admin/policies: %d", res.StatusCode)
	}
	return page
}

// livePolicy reports whether the admin page shows key in a chain in force on s.
func (s *server) livePolicy(t *testing.T, cookie, key string) bool {
	t.Helper()
	return bytes.Contains(liveSection.Find(s.policiesPage(t, cookie)), []byte("<code>"+key+"</code>"))
}

// installPolicy posts a policy document through the admin page's form and returns when
// the answer came.
func (s *server) installPolicy(t *testing.T, cookie, doc string) time.Time {
	t.Helper()
	m := csrfField.FindSubmatch(s.policiesPage(t, cookie))
	if m == nil {
		t.Fatal("no CSRF token on /admin/policies")
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf_token": string(m[1]), "lang": "en", "policy": doc} {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/admin/policies", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "as_session", Value: cookie})
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /admin/policies: %d\n%s", res.StatusCode, answer)
	}
	return time.Now()
}
