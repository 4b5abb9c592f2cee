package httpapi_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

func from(addr string) http.Header { return http.Header{"X-Forwarded-For": {"203.0.113.9, " + addr}} }

// wantLimited checks a 429: Retry-After in whole seconds, as a problem or (pages) a page.
func wantLimited(t *testing.T, res *apitest.Response, page bool) {
	t.Helper()
	if page {
		wantPage(t, res, http.StatusTooManyRequests)
	} else {
		wantProblem(t, res, http.StatusTooManyRequests, "rate_limited")
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 3600 {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
}

// Writes are limited per principal and per client address, logins per address; over a
// limit the answer is 429 with Retry-After. Reads are not limited. Behind a trusted
// proxy the address is the last of X-Forwarded-For.
func TestRateLimitsOnWrites(t *testing.T) {
	limits := &httpapi.Limits{
		Principal: httpapi.Rate{Events: 1, Per: time.Hour, Burst: 2},
		Addr:      httpapi.Rate{Events: 1, Per: time.Hour, Burst: 3},
		Login:     httpapi.Rate{Events: 1, Per: time.Hour, Burst: 2},
	}
	apitest.RunWith(t, func(o *httpapi.Options) { o.Limits, o.TrustProxy = limits, true }, func(t *testing.T, env *apitest.Env) {
		evaluate := func(token string, h http.Header) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: token, Header: h,
				JSON: app.EvaluateInput{ApplyInput: returnRefund("NONE", "SKU", 1)}})
		}
		// Per principal: two writes of one token, then 429 — from any address.
		admin := env.Token(t, app.RoleAdmin, "")
		for range 2 {
			if res := evaluate(admin, from("198.51.100.1")); res.Status == http.StatusTooManyRequests {
				t.Fatalf("limited too early: %s", res.Body)
			}
		}
		wantLimited(t, evaluate(admin, from("198.51.100.1")), false)
		wantLimited(t, evaluate(admin, from("198.51.100.99")), false)
		for range 5 { // reads are not limited
			if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: admin, Header: from("198.51.100.1")}); res.Status != http.StatusOK {
				t.Fatalf("a read: %d", res.Status)
			}
		}

		// Per address: three writes from one address whatever the token, then 429; the
		// same token from another address goes through.
		for range 3 {
			if res := evaluate(env.Token(t, app.RoleAgent, ""), from("198.51.100.2")); res.Status == http.StatusTooManyRequests {
				t.Fatalf("limited too early: %s", res.Body)
			}
		}
		agent := env.Token(t, app.RoleAgent, "")
		wantLimited(t, evaluate(agent, from("198.51.100.2")), false)
		if res := evaluate(agent, from("198.51.100.3")); res.Status == http.StatusTooManyRequests {
			t.Errorf("another address is limited: %s", res.Body)
		}

		// Logins: two attempts from an address, then 429 pages — for the login form and
		// the login links alike.
		ua := strings.Repeat("Mozilla/5.0 ", 30)
		h := from("198.51.100.4")
		h.Set("User-Agent", ua)
		for range 2 {
			wantPage(t, loginAttempt(t, env, "nobody.here", "a-password-123", h), http.StatusUnauthorized)
		}
		wantLimited(t, loginAttempt(t, env, "nobody.here", "a-password-123", h), true)
		wantLimited(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login/link?" + env.LoginLink(t, "platform", "cust-1", time.Minute), Header: h}), true)
		wantPage(t, loginAttempt(t, env, "nobody.here", "a-password-123", from("198.51.100.5")), http.StatusUnauthorized)

		// The audit log has the proxy's client address and the User-Agent, cut.
		page, err := env.App.Audit(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "test"}, app.AuditInput{Action: "login"})
		if err != nil {
			t.Fatal(err)
		}
		addrs := map[string]int{}
		for _, e := range page.Items {
			addrs[e.Addr]++
			if e.Addr == "198.51.100.4" && e.Client != ua[:200] {
				t.Errorf("client %q, want the User-Agent cut to 200", e.Client)
			}
		}
		if addrs["198.51.100.4"] != 2 || addrs["198.51.100.5"] != 1 || len(addrs) != 2 {
			t.Errorf("login attempts by address: %v", addrs)
		}
	})
}

// Without TrustProxy, X-Forwarded-For is the client's claim and is ignored.
func TestForwardedForIsIgnoredUnlessTrusted(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		wantPage(t, loginAttempt(t, env, "nobody.here", "a-password-123", from("198.51.100.7")), http.StatusUnauthorized)
		page, err := env.App.Audit(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "test"}, app.AuditInput{Action: "login"})
		if err != nil || len(page.Items) != 1 || page.Items[0].Addr != "127.0.0.1" {
			t.Errorf("audit %v %+v, want the connection's address", err, page)
		}
	})
}

// Every answer carries nosniff, same-origin referrers and no framing; pages have the
// HTML policy (own resources, forms to self), everything else loads nothing; answers to
// authenticated requests are not stored.
// cspPages is the pages' Content-Security-Policy: their own files, blob: previews of chosen photos.
const cspPages = "default-src 'self'; img-src 'self' blob:; media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

func TestSecurityHeaders(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token(t, app.RoleAgent, "")
		sess := env.Login(t, "agent.he", env.User(t, "agent.he", app.RoleAgent, ""))
		for _, tt := range []struct {
			req     apitest.Request
			csp     string
			noStore bool
		}{
			{apitest.Request{Method: http.MethodGet, Path: "/login"}, cspPages, true},
			{apitest.Request{Method: http.MethodGet, Path: "/", Session: sess}, cspPages, true},
			{apitest.Request{Method: http.MethodGet, Path: "/login/link?shop=x"}, cspPages, true},
			{apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: token}, "default-src 'none'; frame-ancestors 'none'", true},
			{apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Session: sess}, "default-src 'none'; frame-ancestors 'none'", true},
			{apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/nope", Token: token}, "default-src 'none'; frame-ancestors 'none'", true},
			{apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases"}, "default-src 'none'; frame-ancestors 'none'", true},
			{apitest.Request{Method: http.MethodGet, Path: "/healthz"}, "default-src 'none'; frame-ancestors 'none'", false},
			{apitest.Request{Method: http.MethodGet, Path: "/nowhere"}, "default-src 'none'; frame-ancestors 'none'", false},
			{apitest.Request{Method: http.MethodGet, Path: "/assets/style.css"}, "default-src 'none'; frame-ancestors 'none'", false},
		} {
			res := env.Do(t, tt.req)
			name := tt.req.Method + " " + tt.req.Path
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
				"X-Frame-Options": "DENY", "Content-Security-Policy": tt.csp} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s (%d): %s %q, want %q", name, res.Status, h, got, want)
				}
			}
			if tt.noStore && res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s (%d): Cache-Control %q", name, res.Status, res.Header.Get("Cache-Control"))
			}
		}
		css := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/assets/style.css"})
		if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
			t.Errorf("style sheet: %d %s", css.Status, css.Header.Get("Content-Type"))
		}
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/assets/layout.html"}), http.StatusNotFound)
	})
}

// An integration token is limited by Limits.Integration alone — a shop system pushes
// orders faster than any person, from one address — while a person's writes and failed
// credentials count against the address.
func TestIntegrationsHaveALimitOfTheirOwn(t *testing.T) {
	limits := &httpapi.Limits{
		Principal:   httpapi.Rate{Events: 1, Per: time.Hour, Burst: 2},
		Integration: httpapi.Rate{Events: 1, Per: time.Hour, Burst: 5},
		Addr:        httpapi.Rate{Events: 1, Per: time.Hour, Burst: 3},
	}
	apitest.RunWith(t, func(o *httpapi.Options) { o.Limits, o.TrustProxy = limits, true }, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		push := func(h http.Header) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, Header: h,
				JSON: w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))})
		}
		for i := range 5 { // more than the address allows
			if res := push(from("198.51.100.6")); res.Status != http.StatusCreated {
				t.Fatalf("order %d: %d %s", i, res.Status, res.Body)
			}
		}
		wantLimited(t, push(from("198.51.100.7")), false)

		// Bad credentials count against the address: 401 three times, then 429.
		for range 3 {
			wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: "ast_guess", Header: from("198.51.100.8"),
				JSON: w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))}), http.StatusUnauthorized, app.CodeUnauthorized)
		}
		wantLimited(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, Header: from("198.51.100.8"),
			JSON: w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))}), false)
	})
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]httpapi.Rate{
		"20/s:40":   {Events: 20, Per: time.Second, Burst: 40},
		"10/m":      {Events: 10, Per: time.Minute, Burst: 10},
		"300/5m:50": {Events: 300, Per: 5 * time.Minute, Burst: 50},
		"1/1h":      {Events: 1, Per: time.Hour, Burst: 1},
		"5/1500ms":  {Events: 5, Per: 1500 * time.Millisecond, Burst: 5},
		"off":       {},
		"0":         {},
	} {
		got, err := httpapi.ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "20", "20/", "/s", "-1/s", "20/-1s", "20/s:0", "20/s:x", "20/xs", "20/48h", "x/s"} {
		if r, err := httpapi.ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", in, r)
		}
	}
}

// What ParseRate accepts, String writes back the same.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"20/s:40", "10/m", "300/5m:50", "off", "0", "5/1500ms", "1/h", "7/s:", "9/ 1s", "1/1e3s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := httpapi.ParseRate(s)
		if err != nil {
			return
		}
		again, err := httpapi.ParseRate(r.String())
		if err != nil || again != r {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, r, r.String(), again, err)
		}
	})
}

// Replicas on one PostgreSQL share the limits (buckets in the database): one token's
// writes spread over two servers get the burst once. On SQLite — one process — each
// server keeps its own. Failed credentials are counted together as well; a replica that
// has seen none of an address's failures reads nothing from the database and lets one
// request through to its credentials, whose failure it then counts and refuses, and from
// then on it refuses the address like the others (ratelimit.go, limiter.wait).
func TestReplicasShareTheRateLimits(t *testing.T) {
	limits := &httpapi.Limits{
		Principal: httpapi.Rate{Events: 1, Per: time.Hour, Burst: 2},
		Addr:      httpapi.Rate{Events: 1, Per: time.Hour, Burst: 3},
	}
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		replicas := make([]http.Handler, 3)
		for i := range replicas {
			replicas[i] = httpapi.New(env.App, httpapi.Options{Limits: limits, TrustProxy: true, Logger: slog.New(slog.DiscardHandler)}).Handler()
		}
		do := func(replica int, method, path, token, addr string, body string) int {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", addr)
			rec := httptest.NewRecorder()
			replicas[replica].ServeHTTP(rec, req)
			if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			return rec.Code
		}
		evaluate := func(replica int, token, addr string) int {
			return do(replica, http.MethodPost, "/api/v1/policy/evaluate", token, addr, `{"order_no":"NONE","type":"return_refund","reason":"no_reason","items":[{"sku":"SKU","quantity":1}]}`)
		}
		shared := env.Backend == "postgres"

		admin := env.Token(t, app.RoleAdmin, "")
		var limited []bool
		for i := range 4 {
			limited = append(limited, evaluate(i%2, admin, fmt.Sprintf("198.51.100.%d", 30+i)) == http.StatusTooManyRequests)
		}
		want := []bool{false, false, true, true}
		if !shared { // a bucket of 2 on each
			want = []bool{false, false, false, false}
		}
		if !slices.Equal(limited, want) {
			t.Errorf("one token's writes alternating over two replicas, limited: %v, want %v", limited, want)
		}
		if !shared {
			return
		}

		// Failed credentials from one address on replicas 0 and 1 spend its bucket of 3.
		const addr = "198.51.100.40"
		for i, replica := range []int{0, 1, 0} {
			if code := do(replica, http.MethodGet, "/api/v1/cases", "ast_guess", addr, ""); code != http.StatusUnauthorized {
				t.Fatalf("bad token %d: %d", i+1, code)
			}
		}
		reader := env.Token(t, app.RoleAgent, "")
		for replica := range 2 {
			if code := do(replica, http.MethodGet, "/api/v1/cases", reader, addr, ""); code != http.StatusTooManyRequests {
				t.Errorf("replica %d, a good token from the spent address: %d, want 429", replica, code)
			}
		}
		// Replica 2 has seen no failure of the address: one request reaches its
		// credentials; a wrong one is counted and refused, and the address is then refused.
		if code := do(2, http.MethodGet, "/api/v1/cases", reader, addr, ""); code != http.StatusOK {
			t.Errorf("replica 2, a good token: %d, want 200", code)
		}
		if code := do(2, http.MethodGet, "/api/v1/cases", "ast_guess", addr, ""); code != http.StatusTooManyRequests {
			t.Errorf("replica 2, a bad token: %d, want 429", code)
		}
		if code := do(2, http.MethodGet, "/api/v1/cases", reader, addr, ""); code != http.StatusTooManyRequests {
			t.Errorf("replica 2 after the failure: %d, want 429", code)
		}
	})
}
