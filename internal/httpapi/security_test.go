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
