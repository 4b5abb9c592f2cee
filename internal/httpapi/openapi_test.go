package httpapi_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// concrete fills a path template's parameters.
func concrete(tmpl string) string { return templateParam.ReplaceAllString(tmpl, "probe") }

// The OpenAPI document and the server agree (DESIGN.md: accurate OpenAPI generated from
// the code): every route of the table is documented with its operation id and security,
// every component schema is a valid JSON Schema, and nothing that is not documented
// answers other than 404 or 405. (Every other test checks each status and body it sees
// against the document through apitest.)
func TestOpenAPIMatchesTheServer(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		doc := env.Contract.Doc()
		if doc["openapi"] != "3.1.0" {
			t.Errorf("openapi %v, want 3.1.0", doc["openapi"])
		}
		if err := env.Contract.Schemas(); err != nil {
			t.Fatal(err)
		}
		comps := doc["components"].(map[string]any)
		schemes := comps["securitySchemes"].(map[string]any)
		bearer, _ := schemes["bearerAuth"].(map[string]any)
		if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
			t.Errorf("bearer security scheme: %v", schemes)
		}
		cookie, _ := schemes["sessionCookie"].(map[string]any)
		if cookie["type"] != "apiKey" || cookie["in"] != "cookie" || cookie["name"] != "as_session" {
			t.Errorf("session security scheme: %v", schemes)
		}
		if _, ok := comps["schemas"].(map[string]any)["Problem"]; !ok {
			t.Error("no Problem schema")
		}

		routes := httpapi.Routes()
		documented := 0
		for _, rt := range routes {
			tmpl, op, ok := env.Contract.Operation(rt.Method, concrete(rt.Path))
			if !ok || tmpl != rt.Path {
				t.Errorf("%s %s is not in the document (matched %q)", rt.Method, rt.Path, tmpl)
				continue
			}
			if op["operationId"] != rt.OperationID {
				t.Errorf("%s %s: operationId %v, want %s", rt.Method, rt.Path, op["operationId"], rt.OperationID)
			}
			// API routes take a bearer token or the session cookie; pages the cookie;
			// /metrics nothing from loopback, else the metrics token.
			security, _ := op["security"].([]any)
			metrics := rt.OperationID == "metrics"
			wantSecurity := 0
			switch {
			case rt.Auth && rt.Page:
				wantSecurity = 1
			case rt.Auth, metrics:
				wantSecurity = 2
			}
			if len(security) != wantSecurity {
				t.Errorf("%s %s: security %v, auth %v, page %v", rt.Method, rt.Path, security, rt.Auth, rt.Page)
			}
			responses, _ := op["responses"].(map[string]any)
			if _, ok := responses["401"]; !rt.Page && ok != (rt.Auth || metrics) {
				t.Errorf("%s %s: 401 documented %v, auth %v", rt.Method, rt.Path, ok, rt.Auth)
			}
			if tags, _ := op["tags"].([]any); rt.Page != (len(tags) == 1 && tags[0] == "pages") {
				t.Errorf("%s %s: tags %v, page %v", rt.Method, rt.Path, tags, rt.Page)
			}
			if rt.Method == http.MethodPost && !rt.Page {
				params, _ := op["parameters"].([]any)
				if !slices.ContainsFunc(params, func(p any) bool { return p.(map[string]any)["name"] == "Idempotency-Key" }) {
					t.Errorf("%s %s: no Idempotency-Key parameter", rt.Method, rt.Path)
				}
			}
		}
		for _, item := range doc["paths"].(map[string]any) {
			documented += len(item.(map[string]any))
		}
		if documented != len(routes) {
			t.Errorf("the document has %d operations, the route table %d", documented, len(routes))
		}

		// Probe every method on every documented path, and paths next to them: whatever
		// the document does not list must be 404 or 405 — with a token, so that auth
		// cannot hide a route.
		w := newWorld(t, env)
		paths := []string{"/", "/api", "/api/v1", "/api/v1/", "/api/v2/cases", "/api/v1/case", "/api/v1/cases/probe/history",
			"/api/v1/cases/probe/actions/approve", "/api/v1/orders", "/api/v1/orders/probe/cases", "/api/v1/tokens",
			"/api/v1/policies", "/api/v1/policy", "/api/openapi.yaml", "/api/v1/attachments/probe/raw", "/metrics/probe",
			"/healthz/probe", "/readyz/probe", "/api/v1/openapi.json", "/debug/pprof/", "/web"}
		for tmpl := range doc["paths"].(map[string]any) {
			paths = append(paths, concrete(tmpl))
		}
		for _, path := range paths {
			for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
				if _, _, ok := env.Contract.Operation(method, path); ok {
					continue
				}
				res := env.Do(t, apitest.Request{Method: method, Path: path, Token: w.agent})
				if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
					t.Errorf("%s %s is not documented but answers %d", method, path, res.Status)
					continue
				}
				p := res.Problem(t)
				if p.Status != res.Status || !strings.HasPrefix(p.Type, httpapi.ProblemTypeBase) {
					t.Errorf("%s %s: problem %+v", method, path, p)
				}
				if res.Status == http.StatusMethodNotAllowed && res.Header.Get("Allow") == "" {
					t.Errorf("%s %s: 405 without Allow", method, path)
				}
			}
		}
	})
}
