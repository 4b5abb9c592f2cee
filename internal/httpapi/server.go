// Package httpapi is the REST API v1 over the application layer: standard net/http
// routing with method+path patterns, one route table that both registers the handlers and
// generates the OpenAPI 3.1 document, RFC 9457 problem+json errors mapped from app error
// codes in one place, bearer-token authentication, Idempotency-Key handling, request ids,
// structured request logs and Prometheus metrics. Browsers log in on a few server-rendered
// pages (pages.go) and then use the API with the session cookie and its CSRF token;
// writes are rate-limited per principal and per address, and every answer carries the
// security headers (security.go).
//
// A handler decodes the request, calls one app command or query, and encodes its answer.
// Authorization and business rules live in package app.
package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// Options configure a Server.
type Options struct {
	// Logger receives one line per request and the causes of internal errors;
	// slog.Default() when nil.
	Logger *slog.Logger
	// Version is the product version, shown in /healthz and the OpenAPI document.
	Version string
	// Metrics is where the server records; pass the same value to app.Config.Observer to
	// count transitions. A fresh one when nil.
	Metrics *Metrics
	// TrustProxy takes the client address from X-Forwarded-For (the address the proxy in
	// front of the server saw: the header's last entry) instead of the connection's. Set it
	// only behind a proxy that sets the header, or clients can pick their address.
	TrustProxy bool
	// SecureCookies marks cookies Secure even on plain-HTTP requests: for a server behind
	// a proxy that terminates TLS. Requests that came over TLS get Secure cookies anyway.
	SecureCookies bool
	// Limits are the rate limits on writes; DefaultLimits when nil.
	Limits *Limits
	// MetricsToken is the bearer token that opens /metrics to other addresses than the
	// loopback ones (a Prometheus scrape config's authorization credentials); "" for none.
	MetricsToken string
	// PaymentSecret is the key the payment gateway signs its callbacks with
	// (HMAC-SHA256); without one, callbacks are refused.
	PaymentSecret []byte
}

// Server is the HTTP API. It is safe for concurrent use.
type Server struct {
	app           *app.App
	log           *slog.Logger
	version       string
	metrics       *Metrics
	mux           *http.ServeMux
	openapi       []byte // every route: what tests hold exchanges to
	apiDoc        []byte // the REST API's, served at /api/openapi.json
	pagesDoc      []byte // the pages', served at /api/openapi-pages.json
	handler       http.Handler
	trustProxy    bool
	secureCookies bool
	pages         map[string]bool // the patterns of page routes, whose errors are pages
	web           *web.Pages
	// metricsToken is the SHA-256 of Options.MetricsToken, nil for none.
	metricsToken []byte
	// paymentSecret checks the gateway's callbacks (Options.PaymentSecret).
	paymentSecret []byte
	// Rate limits: per principal and per address on writes, per address on logins and
	// on failed credentials.
	principalLimit, integrationLimit, addrLimit, loginLimit, failLimit *limiter
}

// New returns the API over a. It panics if the route table cannot be turned into an
// OpenAPI document, which is a programming error that every test run catches.
func New(a *app.App, opts Options) *Server {
	s := &Server{app: a, log: opts.Logger, version: opts.Version, metrics: opts.Metrics, mux: http.NewServeMux(),
		trustProxy: opts.TrustProxy, secureCookies: opts.SecureCookies, pages: map[string]bool{}, paymentSecret: opts.PaymentSecret}
	limits := DefaultLimits
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	if opts.MetricsToken != "" {
		sum := sha256.Sum256([]byte(opts.MetricsToken))
		s.metricsToken = sum[:]
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var shared *sharedBuckets
	if a.SharedRateLimits() {
		shared = &sharedBuckets{app: a, log: s.log}
	}
	s.principalLimit, s.integrationLimit = newLimiter("principal", limits.Principal, shared), newLimiter("integration", limits.Integration, shared)
	s.addrLimit, s.loginLimit = newLimiter("addr", limits.Addr, shared), newLimiter("login", limits.Login, shared)
	s.failLimit = newLimiter("fail", limits.Addr, shared)
	if s.version == "" {
		s.version = "dev"
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if err := s.metrics.watchOutbox(a); err != nil {
		panic(fmt.Sprintf("httpapi: outbox gauge: %v", err))
	}
	if err := s.metrics.watchTimers(a); err != nil {
		panic(fmt.Sprintf("httpapi: timer gauges: %v", err))
	}
	if err := s.metrics.watchLedger(a); err != nil {
		panic(fmt.Sprintf("httpapi: ledger gauges: %v", err))
	}
	pages, err := web.New(a, web.Options{Logger: s.log})
	if err != nil {
		panic(fmt.Sprintf("httpapi: pages: %v", err))
	}
	s.web = pages
	doc, err := openAPI(s.version)
	if err != nil {
		panic(fmt.Sprintf("httpapi: OpenAPI document: %v", err))
	}
	s.openapi = doc
	if s.apiDoc, s.pagesDoc, err = splitDocument(doc); err != nil {
		panic(fmt.Sprintf("httpapi: OpenAPI documents: %v", err))
	}
	metrics := s.metrics.handler()
	for _, rt := range routes {
		if rt.pattern == metricsPattern {
			rt.handle = func(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
				if err := s.mayScrape(r); err != nil {
					return err
				}
				metrics.ServeHTTP(w, r)
				return nil
			}
		}
		s.pages[rt.pattern] = rt.page
		s.mux.Handle(rt.pattern, s.endpoint(rt))
	}
	s.handler = s.middleware(s.mux)
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// OpenAPI returns the OpenAPI 3.1 document (JSON) of every route of the route table, the
// API's and the pages'.
func (s *Server) OpenAPI() []byte { return append([]byte(nil), s.openapi...) }

// APIDocument returns the REST API's document, as /api/openapi.json serves it.
func (s *Server) APIDocument() []byte { return append([]byte(nil), s.apiDoc...) }

// PagesDocument returns the pages' document, as /api/openapi-pages.json serves it.
func (s *Server) PagesDocument() []byte { return append([]byte(nil), s.pagesDoc...) }

// handlerFunc is a route's handler: p is the authenticated principal on API routes that
// need auth (the zero Principal elsewhere). A returned error is written as a problem, or
// as an error page on page routes.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error

// endpoint wraps a route's handler: it notes where the request comes from, applies the
// rate limits, authenticates (API routes that need it: a bearer token, or the session
// cookie with the CSRF token on writes) and renders a returned error.
func (s *Server) endpoint(rt route) http.Handler {
	method, _ := rt.methodPath()
	unsafe := unsafeMethod(method)
	apiWrite := rt.apiWrite() && rt.auth
	h := rt.handle
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.page && !rt.file {
			w.Header().Set("Content-Security-Policy", cspHTML)
		}
		if !rt.page {
			if err := rt.checkQuery(r.URL.RawQuery); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		addr, client := s.clientOf(r)
		r = r.WithContext(context.WithValue(r.Context(), clientKey, clientInfo{addr: addr, client: client}))
		now, ctx := time.Now(), r.Context()
		limit := func(checks ...check) bool {
			ok, wait := allow(ctx, now, checks...)
			if !ok {
				s.writeError(w, r, errRateLimited(wait))
			}
			return ok
		}
		// Forms count against the address before anything else; API writes once it is
		// known who makes them.
		if rt.limitedPerAddr() && !apiWrite && !limit(check{s.addrLimit, addr}) {
			return
		}
		if rt.login && !limit(check{s.loginLimit, addr}) {
			return
		}
		var p app.Principal
		if rt.auth && !rt.page {
			// Failed credentials, on reads and writes, count against the address in a
			// bucket of their own. An address that has spent it is refused before its
			// credentials are looked at: otherwise guessing would go on behind the 429s,
			// a right guess answered as usual.
			if wait := s.failLimit.wait(ctx, addr, now); wait > 0 {
				s.writeError(w, r, errRateLimited(wait))
				return
			}
			var err error
			p, err = s.authenticate(r, unsafe)
			if err != nil {
				if limit(check{s.failLimit, addr}) {
					s.writeError(w, r, err)
				}
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			switch {
			case !apiWrite:
			case p.Role == app.RoleIntegration:
				if !limit(check{s.integrationLimit, p.ID}) {
					return
				}
			case !limit(check{s.addrLimit, addr}, check{s.principalLimit, string(p.Role) + ":" + p.ID}):
				return
			}
		}
		if err := h(s, w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// authenticate finds who makes an API request: the bearer token when there is an
// Authorization header, else the session cookie. A write with the session cookie must
// carry the session's CSRF token in X-CSRF-Token (a bearer token is no ambient
// credential: a page on another site cannot make the browser send it).
func (s *Server) authenticate(r *http.Request, unsafe bool) (app.Principal, error) {
	ci := clientFrom(r.Context())
	h := r.Header.Get("Authorization")
	if h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return app.Principal{}, &app.Error{Code: app.CodeUnauthorized, Message: app.Text{
				EN: "the Authorization header must be: Bearer <token>", ZH: "Authorization 头格式应为:Bearer <令牌>"}}
		}
		p, err := s.app.Authenticate(r.Context(), strings.TrimSpace(token))
		p.Addr, p.Client = ci.addr, ci.client
		return p, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return app.Principal{}, errNoToken
	}
	p, csrf, err := s.app.SessionPrincipal(r.Context(), c.Value, ci.addr, ci.client)
	if err != nil {
		return app.Principal{}, err
	}
	if unsafe && !sameToken(r.Header.Get(csrfHeader), csrf) {
		return app.Principal{}, errCSRF
	}
	return p, nil
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	clientKey
)

// requestID is the request's id (X-Request-Id), "" outside a request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// A client's X-Request-Id is kept when it is short and plain, so that it cannot forge
// log lines; otherwise the server makes one.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// routeOf is the pattern that matched r without its method ("unmatched" for none), the
// label of metrics and logs: bounded, unlike paths.
func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(r.Pattern, " "); ok {
		return path
	}
	return r.Pattern
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware gives every request an id, recovers panics, answers unrouted requests with
// problems, logs one line and records the duration.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !clientRequestID.MatchString(id) {
			id = newRequestID()
		}
		rw.Header().Set("X-Request-Id", id)
		s.setSecurityHeaders(rw.Header(), r)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		w := &statusWriter{ResponseWriter: rw}
		defer func() {
			d := time.Since(start)
			route := routeOf(r)
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					// A handler gave up on an answer it had begun (a broken export): the
					// client sees the connection cut, the log sees the request.
					s.log.LogAttrs(r.Context(), slog.LevelWarn, "http request aborted",
						slog.String("method", r.Method), slog.String("route", route), slog.Int("status", w.status),
						slog.Duration("duration", d), slog.Int64("bytes", w.bytes), slog.String("request_id", id))
					panic(v)
				}
				s.log.LogAttrs(r.Context(), slog.LevelError, "panic", slog.String("request_id", id),
					slog.String("route", routeOf(r)), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if w.status == 0 {
					s.writeError(w, r, fmt.Errorf("panic: %v", v))
				}
			}
			s.metrics.observe(route, r.Method, w.status, d)
			level := slog.LevelInfo
			if w.status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method), slog.String("route", route), slog.Int("status", w.status),
				slog.Duration("duration", d), slog.Int64("bytes", w.bytes), slog.String("request_id", id))
		}()
		if _, pattern := mux.Handler(r); pattern == "" {
			s.unrouted(w, r, mux)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// unrouted answers a request that no route matches as the mux would (404, or 405 with
// Allow), but as a problem.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	rec := &headerRecorder{header: http.Header{}}
	mux.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		writeProblem(w, Problem{Type: ProblemTypeBase + codeMethodNotAllowed, Title: "Method not allowed",
			Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed, RequestID: requestID(r.Context()),
			Detail:   r.Method + " is not allowed here; see the Allow header",
			DetailZH: "此地址不支持 " + r.Method + " 方法,请查看 Allow 头"})
		return
	}
	writeProblem(w, Problem{Type: ProblemTypeBase + string(app.CodeNotFound), Title: codeTitle[app.CodeNotFound],
		Status: http.StatusNotFound, Code: string(app.CodeNotFound), RequestID: requestID(r.Context()),
		Detail: "there is nothing at " + r.URL.Path, DetailZH: "请求的地址不存在"})
}

// headerRecorder keeps what the mux's own 404/405 answer would have been.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(code int)        { h.status = code }

// Small helpers for handlers.

const levelWarn = slog.LevelWarn

func attrRequestID(r *http.Request) slog.Attr {
	return slog.String("request_id", requestID(r.Context()))
}

func attrError(err error) slog.Attr { return slog.Any("error", err) }

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
