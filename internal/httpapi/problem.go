package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// ProblemTypeBase is the prefix of every problem type URI; the code follows it.
const ProblemTypeBase = "https://aftersales.dev/problems/"

// Problem is an RFC 9457 problem details body (application/problem+json) with the
// product's extensions: the detail in Chinese, field errors, the actions still allowed after
// a conflict and the policy decision behind a refusal.
type Problem struct {
	Type      string `json:"type" jsonschema:"format=uri,description=stable URI naming the kind of problem"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail" jsonschema:"description=what went wrong\\, in English"`
	DetailZH  string `json:"detail_zh" jsonschema:"description=what went wrong\\, in Chinese"`
	Code      string `json:"code" jsonschema:"description=machine-readable code: the last segment of type"`
	RequestID string `json:"request_id,omitempty" jsonschema:"description=the X-Request-Id of the request\\, to quote to support"`
	// Errors lists the fields that are missing or wrong (code invalid).
	Errors []app.FieldError `json:"errors,omitempty"`
	// AllowedActions and Version describe the case (or dispute, or complaint) now, after a
	// conflict on it.
	AllowedActions *[]string `json:"allowed_actions,omitempty" jsonschema:"description=what the caller may do now to the case or dispute or complaint (conflicts on a versioned resource)"`
	Version        *int64    `json:"version,omitempty" jsonschema:"description=the resource's current version (conflicts on a case or dispute or complaint)"`
	// Decision is the policy's decision when it refused an application (code refused).
	Decision *app.DecisionView `json:"decision,omitempty"`
}

// codeStatus is the one mapping from application error codes to HTTP statuses.
var codeStatus = map[app.Code]int{
	app.CodeInvalid:      http.StatusUnprocessableEntity,
	app.CodeMalformed:    http.StatusBadRequest,
	app.CodeRefused:      http.StatusUnprocessableEntity,
	app.CodeNotFound:     http.StatusNotFound,
	app.CodeConflict:     http.StatusConflict,
	app.CodeForbidden:    http.StatusForbidden,
	app.CodeUnauthorized: http.StatusUnauthorized,
	app.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	app.CodeUnsupported:  http.StatusUnsupportedMediaType,
	app.CodeQuota:        http.StatusTooManyRequests, // with Retry-After (app.Error.RetryAfter)
	app.CodeInternal:     http.StatusInternalServerError,
}

// codeTitle is the short English summary of each kind of problem (RFC 9457 "title").
var codeTitle = map[app.Code]string{
	app.CodeInvalid:      "Invalid request",
	app.CodeMalformed:    "Malformed request",
	app.CodeRefused:      "Refused by policy",
	app.CodeNotFound:     "Not found",
	app.CodeConflict:     "Conflict",
	app.CodeForbidden:    "Forbidden",
	app.CodeUnauthorized: "Unauthorized",
	app.CodeTooLarge:     "Too large",
	app.CodeUnsupported:  "Unsupported media type",
	app.CodeQuota:        "Quota used up",
	app.CodeInternal:     "Internal error",
}

// Problem codes that are not application codes: they come from routing, readiness and
// the request checks of the HTTP layer.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeUnavailable      = "unavailable"
	codeCSRF             = "csrf"
	codeRateLimited      = "rate_limited"
)

// httpError is a refusal of the HTTP layer's own, before any application command: a
// missing CSRF token, a rate limit.
type httpError struct {
	status     int
	code       string
	title      string
	message    app.Text
	retryAfter int // seconds, for 429
}

func (e *httpError) Error() string { return e.code + ": " + e.message.EN }

// errCSRF refuses an API write made with the session cookie without its CSRF token. The
// API reads the token from the header only; pages read their forms' csrf_token field and
// refuse with errFormCSRF.
var errCSRF = &httpError{status: http.StatusForbidden, code: codeCSRF, title: "CSRF token missing or wrong",
	message: app.Text{
		EN: "a write made with the session cookie must carry the session's CSRF token in the X-CSRF-Token header; reload the page and try again",
		ZH: "使用登录会话的写操作须在 X-CSRF-Token 头中携带会话的 CSRF 令牌,请刷新页面后重试"}}

// errFormCSRF refuses a page's form that came without the session's CSRF token (its
// csrf_token field): an old page, or another site's form.
var errFormCSRF = &httpError{status: http.StatusForbidden, code: codeCSRF, title: "CSRF token missing or wrong",
	message: app.Text{
		EN: "the form did not carry the session's CSRF token (it may come from an old page, or from another site); reload the page and try again",
		ZH: "表单未携带本次会话的 CSRF 令牌(可能来自旧页面或其他网站),请刷新页面后重试"}}

func errRateLimited(wait time.Duration) error {
	s := retryAfter(wait)
	return &httpError{status: http.StatusTooManyRequests, code: codeRateLimited, title: "Too many requests", retryAfter: s,
		message: app.Text{EN: fmt.Sprintf("too many requests: try again in %d seconds", s),
			ZH: fmt.Sprintf("请求过于频繁,请 %d 秒后再试", s)}}
}

// StatusOf returns the HTTP status of an application error code.
func StatusOf(c app.Code) int {
	if s, ok := codeStatus[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problemOf renders err as a problem. Errors that are not *app.Error, and internal ones,
// become a generic internal problem: their text never reaches the client.
func problemOf(err error, requestID string) (Problem, bool) {
	var he *httpError
	if errors.As(err, &he) {
		return Problem{Type: ProblemTypeBase + he.code, Title: he.title, Status: he.status, Code: he.code,
			Detail: he.message.EN, DetailZH: he.message.ZH, RequestID: requestID}, false
	}
	var e *app.Error
	if !errors.As(err, &e) || e.Code == app.CodeInternal || codeStatus[e.Code] == 0 {
		return Problem{
			Type: ProblemTypeBase + string(app.CodeInternal), Title: codeTitle[app.CodeInternal],
			Status: http.StatusInternalServerError, Code: string(app.CodeInternal), RequestID: requestID,
			Detail:   "Something went wrong on our side. Quote the request id when you contact support.",
			DetailZH: "服务器内部错误,请联系客服并提供请求编号。",
		}, true
	}
	p := Problem{
		Type: ProblemTypeBase + string(e.Code), Title: codeTitle[e.Code], Status: codeStatus[e.Code],
		Detail: e.Message.EN, DetailZH: e.Message.ZH, Code: string(e.Code), RequestID: requestID,
		Errors: e.Fields,
	}
	if e.Code == app.CodeConflict && e.Version > 0 {
		allowed := make([]string, len(e.Allowed))
		for i, a := range e.Allowed {
			allowed[i] = string(a)
		}
		v := e.Version
		p.AllowedActions, p.Version = &allowed, &v
	}
	if e.Decision != nil {
		d := app.NewDecisionView(e.Decision)
		p.Decision = &d
	}
	return p, false
}

// StatusClientClosedRequest is the status a request whose client went away is logged with.
const StatusClientClosedRequest = 499

// writeError renders err as problem+json, or as an error page on a page route. Internal
// errors are logged with their cause (they are never shown); the others are the client's
// business and are not logged here.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away mid-request: nobody reads the answer, and nothing went wrong
		// here. The request log and the metrics count it as 499 (as nginx does), not as
		// an internal error (a load generator stopping used to log a 500 per open request).
		w.WriteHeader(StatusClientClosedRequest)
		return
	}
	id := requestID(r.Context())
	p, internal := problemOf(err, id)
	if internal {
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("route", routeOf(r)), slog.Any("error", err))
	}
	var he *httpError
	var ae *app.Error
	switch {
	case errors.As(err, &he) && he.retryAfter > 0:
		w.Header().Set("Retry-After", strconv.Itoa(he.retryAfter))
	case errors.As(err, &ae) && ae.RetryAfter > 0 && p.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(ae.RetryAfter)))
	}
	if s.pages[r.Pattern] {
		s.renderError(w, r, p)
		return
	}
	if p.Status == http.StatusUnauthorized {
		writeUnauthorizedHeader(w, r)
	}
	writeProblem(w, p)
}

func writeUnauthorizedHeader(w http.ResponseWriter, r *http.Request) {
	v := `Bearer realm="aftersales"`
	if r.Header.Get("Authorization") != "" {
		v += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", v)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	body, err := json.Marshal(p)
	if err != nil { // cannot happen: Problem has only plain fields
		body = []byte(`{"type":"` + ProblemTypeBase + `internal","title":"Internal error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// Errors the HTTP layer finds itself, before any application command runs.

func errMalformed(en, zh string) error {
	return &app.Error{Code: app.CodeMalformed, Message: app.Text{EN: en, ZH: zh}}
}

func errInvalidField(field, en, zh string) error {
	return &app.Error{Code: app.CodeInvalid, Message: app.Text{EN: "the request has invalid fields", ZH: "请求内容有误"},
		Fields: []app.FieldError{{Field: field, Message: app.Text{EN: en, ZH: zh}}}}
}

func errUnsupported(en, zh string) error {
	return &app.Error{Code: app.CodeUnsupported, Message: app.Text{EN: en, ZH: zh}}
}

func errTooLarge(en, zh string) error {
	return &app.Error{Code: app.CodeTooLarge, Message: app.Text{EN: en, ZH: zh}}
}

var errNoToken = &app.Error{Code: app.CodeUnauthorized, Message: app.Text{
	EN: "an Authorization: Bearer token (or the session cookie of a login) is required",
	ZH: "请在 Authorization 头中提供 Bearer 令牌(或先登录,使用会话 Cookie)"}}
