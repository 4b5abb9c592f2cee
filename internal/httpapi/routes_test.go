package httpapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json from the route table")

// Every row of the route table is what the mux serves for its method and path: the
// table that generates the document is the one that registers the handlers.
func TestRouteTableIsTheMux(t *testing.T) {
	s := New(app.New(app.Config{}), Options{})
	fill := regexp.MustCompile(`\{[^}]+\}`)
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.pattern] {
			t.Errorf("route %s twice", rt.pattern)
		}
		seen[rt.pattern] = true
		method, path := rt.methodPath()
		req := httptest.NewRequest(method, fill.ReplaceAllString(path, "x"), nil)
		if _, pattern := s.mux.Handler(req); pattern != rt.pattern {
			t.Errorf("%s %s is served by %q, want %q", method, req.URL.Path, pattern, rt.pattern)
		}
		if rt.handle == nil && rt.pattern != "GET /metrics" {
			t.Errorf("%s has no handler", rt.pattern)
		}
		if rt.id == "" || rt.summary == "" || rt.tag == "" || len(rt.ok) == 0 {
			t.Errorf("%s lacks an operation id, summary, tag or success answer", rt.pattern)
		}
	}
}

// The generated document is kept in testdata so that a change to the API — a field in a
// view, a new status — shows in review. Run go test ./internal/httpapi -run Golden -update
// after an intended change.
func TestOpenAPIGolden(t *testing.T) {
	got, err := openAPI("v1")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(got) {
		t.Fatal("the document is not JSON")
	}
	path := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("the OpenAPI document differs from %s; run go test ./internal/httpapi -run Golden -update and review the diff", path)
	}
}

// A handler that panics answers a 500 problem with the request id, and the panic is logged
// with it; the server goes on serving.
func TestPanicIsAnInternalProblem(t *testing.T) {
	var logs bytes.Buffer
	s := New(app.New(app.Config{}), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	mux := http.NewServeMux()
	mux.Handle("GET /boom", s.endpoint(route{pattern: "GET /boom", handle: func(*Server, http.ResponseWriter, *http.Request, app.Principal) error {
		panic("kaboom")
	}}))
	h := s.middleware(mux)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusInternalServerError || p.Code != string(app.CodeInternal) || p.RequestID == "" ||
		strings.Contains(rec.Body.String(), "kaboom") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), p.RequestID) {
		t.Errorf("the panic was not logged with the request id:\n%s", logs.String())
	}
}
