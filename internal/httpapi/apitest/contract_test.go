package apitest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
)

// The contract check is what makes drift fail the tests, so it is tested too: each kind of
// departure from the document is caught.
func TestContractCatchesDrift(t *testing.T) {
	s := httpapi.New(app.New(app.Config{}), httpapi.Options{})
	c, err := NewContract(s.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Schemas(); err != nil {
		t.Fatal(err)
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}}
	problemHeader := http.Header{"Content-Type": {"application/problem+json"}, "X-Request-Id": {"r1"}}
	health := `{"status":"ok","version":"v"}`
	problem := `{"type":"https://aftersales.dev/problems/not_found","title":"Not found","status":404,"detail":"x","detail_zh":"x","code":"not_found"}`
	tests := []struct {
		name         string
		method, path string
		status       int
		header       http.Header
		body         string
		wantErr      string // "" for a valid exchange
	}{
		{"valid", "GET", "/healthz", 200, jsonHeader, health, ""},
		{"valid problem", "GET", "/api/v1/cases/x", 404, problemHeader, problem, ""},
		{"unrouted 404 problem", "GET", "/nowhere", 404, problemHeader, problem, ""},
		{"an undocumented field", "GET", "/healthz", 200, jsonHeader, `{"status":"ok","version":"v","uptime":3}`, "does not match"},
		{"a missing field", "GET", "/healthz", 200, jsonHeader, `{"status":"ok"}`, "does not match"},
		{"a wrong type", "GET", "/healthz", 200, jsonHeader, `{"status":"ok","version":1}`, "does not match"},
		{"a value outside the enum", "GET", "/healthz", 200, jsonHeader, `{"status":"fine","version":"v"}`, "does not match"},
		{"an undocumented status", "GET", "/healthz", 418, jsonHeader, health, "does not list"},
		{"an undocumented content type", "GET", "/healthz", 200, http.Header{"Content-Type": {"text/html"}, "X-Request-Id": {"r"}}, health, "not among"},
		{"no request id", "GET", "/healthz", 200, http.Header{"Content-Type": {"application/json"}}, health, "X-Request-Id"},
		{"an undocumented operation that answers", "DELETE", "/api/v1/cases/x", 200, jsonHeader, `{}`, "not in the OpenAPI document"},
		{"401 without a challenge", "GET", "/api/v1/cases/x", 401, problemHeader, strings.Replace(problem, "404", "401", 1), "WWW-Authenticate"},
		{"a failed login page", "POST", "/login", 401, http.Header{"Content-Type": {"text/html; charset=utf-8"}, "X-Request-Id": {"r"}}, "<p>", ""},
		{"a redirect without its Location", "GET", "/", 303, http.Header{"X-Request-Id": {"r"}}, "", "Location"},
		{"a redirect with a body", "GET", "/", 303, http.Header{"Location": {"/login"}, "X-Request-Id": {"r"}}, "<a>", "a body"},
		{"a case with a bad state", "GET", "/api/v1/cases", 200, jsonHeader, `{"items":[{"state":"lost"}]}`, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.CheckResponse(tt.method, tt.path, tt.status, tt.header, []byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("valid exchange refused: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("drift not caught")
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error %q, want one about %q", err, tt.wantErr)
			}
		})
	}
	if err := c.CheckRequest("POST", "/api/v1/cases", "application/json", []byte(`{"order_no":"x","bogus":1}`)); err == nil {
		t.Error("a request body with an undocumented field passed")
	}
}
