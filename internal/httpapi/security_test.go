package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

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
