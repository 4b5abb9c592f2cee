// Package apitest builds the whole stack for HTTP API tests — a real store (SQLite in a
// temporary folder always, PostgreSQL in a fresh schema when AFTERSALES_TEST_DATABASE_URL
// is set), the policy engine, the blob store, the app and the HTTP server on a real port —
// and a client that checks every request and response against the OpenAPI document the
// server serves, so that the document cannot drift from the code.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/blob"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/postgres"
	"github.com/aftersales/aftersales/internal/store/sqlite"
)

// DatabaseURLEnv names the PostgreSQL server the tests may use; each test gets a schema
// of its own there, dropped at the end.
const DatabaseURLEnv = "AFTERSALES_TEST_DATABASE_URL"

// Backend opens a fresh, migrated store for one test, and a way to count a table's rows
// behind the app's back.
type Backend struct {
	Name string
	Open func(t testing.TB, now func() time.Time) (store.Store, func(table string) (int, error))
}

// Backends are the stores every API test runs on: SQLite, and PostgreSQL, which skips
// with a message when AFTERSALES_TEST_DATABASE_URL is not set.
func Backends() []Backend {
	return []Backend{{Name: "sqlite", Open: openSQLite}, {Name: "postgres", Open: openPostgres}}
}

// Run runs fn once per backend, each in a subtest with a fresh stack.
func Run(t *testing.T, fn func(t *testing.T, env *Env)) {
	t.Helper()
	RunWith(t, nil, fn)
}

// RunWith is Run with the server's options changed by configure (rate limits, a trusted
// proxy).
func RunWith(t *testing.T, configure func(*httpapi.Options), fn func(t *testing.T, env *Env)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, NewWith(t, b, configure))
		})
	}
}

func openSQLite(t testing.TB, now func() time.Time) (store.Store, func(string) (int, error)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aftersales.db")
	db, err := sqlite.Open(context.Background(), path, store.Options{Now: now})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatalf("open sqlite for counting: %v", err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return db, func(table string) (n int, err error) {
		err = raw.QueryRow("SELECT count(*) FROM " + table).Scan(&n)
		return n, err
	}
}

func openPostgres(t testing.TB, now func() time.Time) (store.Store, func(string) (int, error)) {
	t.Helper()
	base := os.Getenv(DatabaseURLEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", DatabaseURLEnv)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", DatabaseURLEnv, err)
	}
	schema := "apitest_" + randomHex(8)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close(ctx)
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, u, store.Options{Now: now})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, func(table string) (n int, err error) {
		err = admin.QueryRow(context.Background(), "SELECT count(*) FROM "+schema+"."+table).Scan(&n)
		return n, err
	}
}

// withSearchPath puts the schema first on the connection's search path, in either form of
// connection string.
func withSearchPath(base, schema string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("%s: %w", DatabaseURLEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return base + " search_path=" + schema, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Env is one test's stack.
type Env struct {
	Backend  string
	Store    store.Store
	App      *app.App
	Server   *httptest.Server
	API      *httpapi.Server
	Metrics  *httpapi.Metrics
	Clock    *clock.Clock
	BlobDir  string
	Contract *Contract

	count  func(string) (int, error)
	logs   *lockedBuffer
	client *http.Client
}

// New builds the stack on backend b. Its server has no rate limits: every test client is
// one address (NewWith sets them).
func New(t *testing.T, b Backend) *Env {
	t.Helper()
	return NewWith(t, b, nil)
}

// NewWith builds the stack on backend b with the server's options changed by configure.
func NewWith(t *testing.T, b Backend, configure func(*httpapi.Options)) *Env {
	t.Helper()
	return NewWithApp(t, b, nil, configure)
}

// RunWithApp is RunWith with the app's configuration changed by configureApp too (an
// upload quota).
func RunWithApp(t *testing.T, configureApp func(*app.Config), configure func(*httpapi.Options), fn func(t *testing.T, env *Env)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, NewWithApp(t, b, configureApp, configure))
		})
	}
}

// NewWithApp builds the stack on backend b with the app's configuration changed by
// configureApp and the server's options by configure; either may be nil.
func NewWithApp(t *testing.T, b Backend, configureApp func(*app.Config), configure func(*httpapi.Options)) *Env {
	t.Helper()
	ctx := context.Background()
	env := &Env{Backend: b.Name, Clock: &clock.Clock{}, logs: &lockedBuffer{}}
	env.Store, env.count = b.Open(t, env.Clock.Now)
	engine, err := policy.New(calendar.Default())
	if err != nil {
		t.Fatalf("policy engine: %v", err)
	}
	env.BlobDir = filepath.Join(t.TempDir(), "blobs")
	blobs, err := blob.NewDir(env.BlobDir)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env.Metrics = httpapi.NewMetrics()
	cfg := app.Config{Store: env.Store, Engine: engine, Blobs: blobs, Now: env.Clock.Now,
		Logger: logger, Observer: env.Metrics, Gateway: &PayingGateway{}}
	if configureApp != nil {
		configureApp(&cfg)
	}
	env.App = app.New(cfg)
	if err := env.App.LoadPolicies(ctx); err != nil {
		t.Fatalf("load policies: %v", err)
	}
	opts := httpapi.Options{Logger: logger, Version: "test", Metrics: env.Metrics, Limits: &httpapi.Limits{}}
	if configure != nil {
		configure(&opts)
	}
	env.API = httpapi.New(env.App, opts)
	env.Server = httptest.NewServer(env.API.Handler())
	t.Cleanup(env.Server.Close)
	// Redirects are answers to check, not to follow; cookies are the test's to send.
	env.client = env.Server.Client()
	env.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", env.Logs())
		}
	})
	env.Contract, err = NewContract(env.API.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	// The served document is the one the contract is read from.
	res := env.Do(t, Request{Method: http.MethodGet, Path: "/api/openapi.json"})
	if res.Status != http.StatusOK || !bytes.Equal(res.Body, env.API.APIDocument()) {
		t.Fatalf("GET /api/openapi.json: %d, not the server's document", res.Status)
	}
	return env
}

// Logs is everything the server logged so far.
func (e *Env) Logs() string { return e.logs.String() }

// Rows counts the rows of a table, read directly from the database.
func (e *Env) Rows(t testing.TB, table string) int {
	t.Helper()
	n, err := e.count(table)
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// Blobs counts the files in the blob folder.
func (e *Env) Blobs(t testing.TB) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(e.BlobDir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Token makes an API token for the role (merchant and customer tokens name theirs).
func (e *Env) Token(t testing.TB, role app.Role, merchantOrCustomer string) string {
	t.Helper()
	spec := app.TokenSpec{Role: role, Name: "test " + string(role)}
	switch role {
	case app.RoleMerchant:
		spec.Merchant = merchantOrCustomer
	case app.RoleCustomer:
		spec.Customer = merchantOrCustomer
	case app.RoleIntegration:
		spec.Merchant = merchantOrCustomer
	}
	secret, _, err := e.App.CreateToken(context.Background(), spec)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return secret
}

// Request is one HTTP request. JSON, when set, is marshalled as the body with
// Content-Type application/json; Form is sent urlencoded; otherwise Body and ContentType
// are sent as they are.
type Request struct {
	Method      string
	Path        string // with the query string
	Token       string
	JSON        any
	Form        url.Values
	Body        []byte
	ContentType string
	Header      http.Header
	Cookies     []*http.Cookie
	// Session sends a login's cookie, and its CSRF token (X-CSRF-Token) on writes unless
	// Header sets one.
	Session *Session
}

// Response is a response read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends the request and checks the exchange against the OpenAPI document: the status
// must be documented for the operation, the body must match its schema, and a JSON body
// sent with a successful request must match the request schema. It may be called from
// several goroutines: it reports with t.Errorf, never t.Fatal, and a transport failure
// gives Status 0.
func (e *Env) Do(t testing.TB, r Request) *Response {
	t.Helper()
	body, ct := r.Body, r.ContentType
	if r.JSON != nil {
		b, err := json.Marshal(r.JSON)
		if err != nil {
			t.Errorf("marshal request: %v", err)
			return &Response{}
		}
		body, ct = b, "application/json"
	}
	if r.Form != nil {
		body, ct = []byte(r.Form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(r.Method, e.Server.URL+r.Path, bytes.NewReader(body))
	if err != nil {
		t.Errorf("new request: %v", err)
		return &Response{}
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for _, c := range r.Cookies {
		req.AddCookie(c)
	}
	if r.Session != nil {
		req.AddCookie(r.Session.Cookie)
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
		if unsafe && req.Header.Get("X-CSRF-Token") == "" {
			req.Header.Set("X-CSRF-Token", r.Session.CSRF)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", r.Method, r.Path, err)
		return &Response{}
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", r.Method, r.Path, err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: rb}
	path := req.URL.Path
	if err := e.Contract.CheckResponse(r.Method, path, out.Status, out.Header, out.Body); err != nil {
		t.Errorf("OpenAPI contract: %v", err)
	}
	if strings.HasPrefix(out.Header.Get("Content-Type"), "application/problem+json") {
		if err := checkChinese(out.Body); err != nil {
			t.Errorf("%s %s (%d): %v", r.Method, path, out.Status, err)
		}
	}
	if out.Status < 300 && len(body) > 0 && isJSON(strings.Split(ct, ";")[0]) {
		if err := e.Contract.CheckRequest(r.Method, path, ct, body); err != nil {
			t.Errorf("OpenAPI contract: %s %s: %v", r.Method, path, err)
		}
	}
	return out
}

// checkChinese holds every problem the tests meet to its Chinese: the detail and every
// field's message in Chinese are Chinese — not the English text under a Chinese prefix, as
// "订单字段无效:must be between 1 and 100000" once was.
func checkChinese(body []byte) error {
	var p struct {
		DetailZH string `json:"detail_zh"`
		Errors   []struct {
			Field   string `json:"field"`
			Message struct {
				ZH string `json:"zh"`
				EN string `json:"en"`
			} `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("problem: %w", err)
	}
	texts := map[string]string{"detail_zh": p.DetailZH}
	for _, f := range p.Errors {
		texts["errors."+f.Field+".zh"] = f.Message.ZH
		if f.Message.EN != "" && len(f.Message.EN) > 12 && strings.Contains(f.Message.ZH, f.Message.EN) {
			return fmt.Errorf("problem %s: the Chinese message %q carries the English one", f.Field, f.Message.ZH)
		}
	}
	for k, s := range texts {
		if !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			return fmt.Errorf("problem %s %q is not Chinese", k, s)
		}
		if englishWords.MatchString(s) {
			return fmt.Errorf("problem %s %q has English in it", k, s)
		}
	}
	return nil
}

// englishWords are three lower-case English words in a row: a sentence, not a code or a name.
var englishWords = regexp.MustCompile(`\b[a-z]{2,}\s+[a-z]{2,}\s+[a-z]{2,}\b`)

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d response: %v: %s", r.Status, err, r.Body)
	}
}

// Cookie is the cookie the answer sets by that name, nil when it sets none.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Problem decodes a problem+json body.
func (r *Response) Problem(t testing.TB) httpapi.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.Status, ct, r.Body)
	}
	var p httpapi.Problem
	r.JSON(t, &p)
	return p
}

// Multipart builds a multipart/form-data body with one file part.
func Multipart(field, filename, contentType string, content []byte) (body []byte, formContentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	part, _ := w.CreatePart(h)
	_, _ = part.Write(content)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
