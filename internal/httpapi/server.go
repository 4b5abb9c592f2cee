// Package httpapi is the REST API v1 over the application layer: standard net/http
// routing with method+path patterns, one route table that both registers the handlers and
// generates the OpenAPI 3.1 document, RFC 9457 problem+json errors mapped from app error
// codes in one place, bearer-token authentication, Idempotency-Key handling, request ids,
// structured request logs and Prometheus metrics.
//
// A handler decodes the request, calls one app command or query, and encodes its answer.
// Authorization and business rules live in package app.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
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
}

// Server is the HTTP API. It is safe for concurrent use.
type Server struct {
	app     *app.App
	log     *slog.Logger
	version string
	metrics *Metrics
	mux     *http.ServeMux
	openapi []byte
	handler http.Handler
}

// New returns the API over a. It panics if the route table cannot be turned into an
// OpenAPI document, which is a programming error that every test run catches.
func New(a *app.App, opts Options) *Server {
	s := &Server{app: a, log: opts.Logger, version: opts.Version, metrics: opts.Metrics, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
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
	doc, err := openAPI(s.version)
	if err != nil {
		panic(fmt.Sprintf("httpapi: OpenAPI document: %v", err))
	}
	s.openapi = doc
	metrics := s.metrics.handler()
	for _, rt := range routes {
		h := rt.handle
		if rt.pattern == "GET /metrics" {
			h = func(_ *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
				metrics.ServeHTTP(w, r)
				return nil
			}
		}
		s.mux.Handle(rt.pattern, s.endpoint(rt.auth, h))
	}
	s.handler = s.middleware(s.mux)
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// OpenAPI returns the OpenAPI 3.1 document (JSON) generated from the route table.
func (s *Server) OpenAPI() []byte { return append([]byte(nil), s.openapi...) }

// handlerFunc is a route's handler: p is the authenticated principal on routes that need
// auth (the zero Principal elsewhere). A returned error is written as a problem.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error

// endpoint authenticates (when the route needs it) and renders a returned error.
func (s *Server) endpoint(auth bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p app.Principal
		if auth {
			var err error
			if p, err = s.authenticate(r); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if err := h(s, w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request) (app.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" {
		return app.Principal{}, errNoToken
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return app.Principal{}, &app.Error{Code: app.CodeUnauthorized, Message: app.Text{
			EN: "the Authorization header must be: Bearer <token>", ZH: "Authorization 头格式应为:Bearer <令牌>"}}
	}
	return s.app.Authenticate(r.Context(), strings.TrimSpace(token))
}

type ctxKey int

const requestIDKey ctxKey = iota

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
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		w := &statusWriter{ResponseWriter: rw}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(r.Context(), slog.LevelError, "panic", slog.String("request_id", id),
					slog.String("route", routeOf(r)), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if w.status == 0 {
					s.writeError(w, r, fmt.Errorf("panic: %v", v))
				}
			}
			d := time.Since(start)
			route := routeOf(r)
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
