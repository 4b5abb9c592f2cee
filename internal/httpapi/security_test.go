package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// hsts is the Strict-Transport-Security of a server whose cookies are Secure.
const hsts = "max-age=31536000; includeSubDomains"

// Where cookies are Secure — over TLS, or with SecureCookies behind a proxy that ends
// TLS — every answer tells browsers to come back over HTTPS only (HSTS), so that a
// network attacker cannot downgrade the next visit and read the session cookie's
// neighbours. On plain HTTP without SecureCookies it would be ignored by browsers and
// would only mislead, so it is not sent. (Issue 17, item 8.)
func TestHSTSWhereCookiesAreSecure(t *testing.T) {
	paths := []string{"/login", "/api/v1/cases", "/healthz", "/nowhere"}
	t.Run("TLS", func(t *testing.T) {
		apitest.Run(t, func(t *testing.T, env *apitest.Env) {
			srv := httptest.NewTLSServer(env.API.Handler())
			defer srv.Close()
			for _, path := range paths {
				res, err := srv.Client().Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if got := res.Header.Get("Strict-Transport-Security"); got != hsts {
					t.Errorf("GET %s over TLS (%d): Strict-Transport-Security %q, want %q", path, res.StatusCode, got, hsts)
				}
			}
		})
	})
	t.Run("behind a proxy", func(t *testing.T) {
		apitest.RunWith(t, func(o *httpapi.Options) { o.SecureCookies = true }, func(t *testing.T, env *apitest.Env) {
			for _, path := range paths {
				res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: path})
				if got := res.Header.Get("Strict-Transport-Security"); got != hsts {
					t.Errorf("GET %s with SecureCookies (%d): Strict-Transport-Security %q, want %q", path, res.Status, got, hsts)
				}
			}
		})
	})
	t.Run("plain HTTP", func(t *testing.T) {
		apitest.Run(t, func(t *testing.T, env *apitest.Env) {
			for _, path := range paths {
				if got := env.Do(t, apitest.Request{Method: http.MethodGet, Path: path}).Header.Get("Strict-Transport-Security"); got != "" {
					t.Errorf("GET %s on plain HTTP: Strict-Transport-Security %q", path, got)
				}
			}
		})
	})
}

// Failed credentials count against the client address on reads as on writes
// (docs/SECURITY.md): a wrong bearer token or a dead session cookie, again and again from
// one address, is answered 429 once the address's bucket is empty — and then so is
// everything that address asks with credentials until it refills, a right token too, or
// guessing would go on at full speed behind the 429s. Other addresses are not affected,
// and good reads do not count. (Issue 17, item 9: 700 bad GETs, no 429.)
func TestFailedCredentialsOnReadsCountAgainstTheAddress(t *testing.T) {
	limits := &httpapi.Limits{Addr: httpapi.Rate{Events: 1, Per: time.Hour, Burst: 3}}
	apitest.RunWith(t, func(o *httpapi.Options) { o.Limits, o.TrustProxy = limits, true }, func(t *testing.T, env *apitest.Env) {
		admin := env.Token(t, app.RoleAdmin, "")
		get := func(r apitest.Request, addr string) *apitest.Response {
			r.Method, r.Header = http.MethodGet, from(addr)
			return env.Do(t, r)
		}
		for range 10 { // good reads do not count
			if res := get(apitest.Request{Path: "/api/v1/cases", Token: admin}, "198.51.100.20"); res.Status != http.StatusOK {
				t.Fatalf("a good read: %d %s", res.Status, res.Body)
			}
		}
		deadCookie := &http.Cookie{Name: "as_session", Value: "ass_" + strings.Repeat("x", 43)}
		for name, tt := range map[string]struct {
			addr string
			bad  apitest.Request
		}{
			"a wrong bearer token":  {"198.51.100.21", apitest.Request{Path: "/api/v1/cases", Token: "ast_guess"}},
			"a dead session cookie": {"198.51.100.22", apitest.Request{Path: "/api/v1/cases/x", Cookies: []*http.Cookie{deadCookie}}},
			"an empty bearer token": {"198.51.100.23", apitest.Request{Path: "/api/v1/admin/users", Token: " "}},
		} {
			for i := range 3 {
				if res := get(tt.bad, tt.addr); res.Status != http.StatusUnauthorized {
					t.Fatalf("%s, try %d: %d %s", name, i+1, res.Status, res.Body)
				}
			}
			wantLimited(t, get(tt.bad, tt.addr), false)
			wantLimited(t, get(apitest.Request{Path: "/api/v1/cases", Token: admin}, tt.addr), false)
		}
		if res := get(apitest.Request{Path: "/api/v1/cases", Token: admin}, "198.51.100.24"); res.Status != http.StatusOK {
			t.Errorf("another address: %d %s", res.Status, res.Body)
		}
	})
}

// The API's CSRF refusal names what the API reads — the X-CSRF-Token header — and not
// the pages' csrf_token form field, which an API client would send in vain. (Issue 17,
// item 10.)
func TestTheAPIsCSRFRefusalNamesTheHeader(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		sess := env.Login(t, "agent.csrf", env.User(t, "agent.csrf", app.RoleAgent, ""))
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Cookies: []*http.Cookie{sess.Cookie},
			JSON: app.EvaluateInput{ApplyInput: returnRefund("NONE", "SKU", 1)}})
		p := wantProblem(t, res, http.StatusForbidden, "csrf")
		for lang, detail := range map[string]string{"en": p.Detail, "zh": p.DetailZH} {
			if !strings.Contains(detail, "X-CSRF-Token") || strings.Contains(detail, "csrf_token") {
				t.Errorf("detail (%s) %q: want the X-CSRF-Token header named, and no form field", lang, detail)
			}
		}
	})
}

// /metrics (request rates, refunds, SLA breaches, backlogs) answers the loopback
// addresses — a scraper on the same host — and whoever sends the bearer token of
// Options.MetricsToken, as Prometheus does with authorization credentials; anyone else
// gets 401 with a Bearer challenge. A request a proxy forwarded is not loopback, whatever
// its connection and X-Forwarded-For say. Failed tokens count against the address.
// (Issue 17, item 11: /metrics was public.)
func TestMetricsAreForLoopbackOrTheToken(t *testing.T) {
	const token = "prometheus-scrape-token-0123456789"
	metricsOf := func(env *apitest.Env, h http.Header) *apitest.Response {
		return env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/metrics", Header: h})
	}
	bearer := func(tok string, h http.Header) http.Header {
		if h == nil {
			h = http.Header{}
		}
		h.Set("Authorization", "Bearer "+tok)
		return h
	}
	wantMetrics := func(t *testing.T, res *apitest.Response, name string) {
		t.Helper()
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "http_request_duration_seconds") {
			t.Errorf("%s: %d, want the metrics", name, res.Status)
		}
	}
	wantRefused := func(t *testing.T, res *apitest.Response, name string) {
		t.Helper()
		if res.Status != http.StatusUnauthorized || strings.Contains(string(res.Body), "aftersales_") ||
			!strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d %q %s, want 401 with a Bearer challenge", name, res.Status, res.Header.Get("WWW-Authenticate"), res.Body)
		}
	}
	// directly asks the handler as a client at addr would, without a proxy or a loopback
	// connection in between.
	directly := func(env *apitest.Env, addr string, h http.Header) int {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.RemoteAddr = addr + ":40000"
		for k, v := range h {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		env.API.Handler().ServeHTTP(w, r)
		return w.Code
	}

	t.Run("without a token", func(t *testing.T) {
		apitest.Run(t, func(t *testing.T, env *apitest.Env) {
			wantMetrics(t, metricsOf(env, nil), "from loopback")
			if code := directly(env, "[::1]", nil); code != http.StatusOK {
				t.Errorf("from ::1: %d", code)
			}
			wantRefused(t, metricsOf(env, http.Header{"X-Forwarded-For": {"127.0.0.1"}}), "forwarded by a proxy on this host")
			wantRefused(t, metricsOf(env, http.Header{"Forwarded": {"for=127.0.0.1"}}), "Forwarded by a proxy on this host")
			wantRefused(t, metricsOf(env, bearer("anything", http.Header{"X-Forwarded-For": {"192.0.2.9"}})), "with a token when none is set")
			for _, addr := range []string{"192.0.2.10", "10.0.0.5", "[2001:db8::1]"} {
				if code := directly(env, addr, nil); code != http.StatusUnauthorized {
					t.Errorf("from %s: %d, want 401", addr, code)
				}
			}
		})
	})
	t.Run("with a token behind a trusted proxy", func(t *testing.T) {
		limits := &httpapi.Limits{Addr: httpapi.Rate{Events: 1, Per: time.Hour, Burst: 3}}
		apitest.RunWith(t, func(o *httpapi.Options) { o.MetricsToken, o.TrustProxy, o.Limits = token, true, limits }, func(t *testing.T, env *apitest.Env) {
			wantMetrics(t, metricsOf(env, nil), "from loopback")
			wantMetrics(t, metricsOf(env, bearer(token, from("192.0.2.30"))), "with the token")
			wantMetrics(t, metricsOf(env, http.Header{"Authorization": {"bearer " + token}}), "with the token, scheme in lower case")
			if code := directly(env, "192.0.2.31", bearer(token, nil)); code != http.StatusOK {
				t.Errorf("with the token from 192.0.2.31: %d", code)
			}
			if code := directly(env, "192.0.2.31", nil); code != http.StatusUnauthorized {
				t.Errorf("without the token from 192.0.2.31: %d", code)
			}
			// The proxy's X-Forwarded-For names the client; a client's own claim to be
			// 127.0.0.1 is no loopback.
			wantRefused(t, metricsOf(env, http.Header{"X-Forwarded-For": {"127.0.0.1"}}), "a spoofed X-Forwarded-For")
			wantRefused(t, metricsOf(env, from("127.0.0.1")), "X-Forwarded-For ending in 127.0.0.1")
			wantRefused(t, metricsOf(env, from("192.0.2.32")), "without the token")
			wantRefused(t, metricsOf(env, bearer(token+"x", from("192.0.2.32"))), "a longer token")
			wantRefused(t, metricsOf(env, bearer(token[:len(token)-1], from("192.0.2.32"))), "a shorter token")
			wantLimited(t, metricsOf(env, bearer(token, from("192.0.2.32"))), false)
		})
	})
}
