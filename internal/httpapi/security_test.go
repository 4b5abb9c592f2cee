package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
