package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// route is one row of the API: it registers the handler and describes the operation in
// the OpenAPI document. Nothing about an operation is written anywhere else.
type route struct {
	pattern string // method and path, as http.ServeMux takes it
	id      string // OpenAPI operationId
	summary string
	tag     string
	auth    bool // needs Authorization: Bearer <token>
	// request is the JSON body's Go type (nil for none); multipart marks the upload.
	request   any
	multipart bool
	// idempotencyNote, for a POST that does not replay answers by Idempotency-Key, says
	// what the key does there instead.
	idempotencyNote string
	query           []queryParam
	// ok are the success answers; errors the problem statuses the operation can answer
	// with besides 401 (auth routes) and 500 (every route).
	ok     []response
	errors []int
	handle handlerFunc
}

// response is a success answer: a status and its body's Go type (or a raw content).
type response struct {
	status      int
	description string
	body        any    // Go value whose type is the JSON body
	contentType string // when the body is not JSON: the media type (range) it has
}

// queryParam is a query string parameter.
type queryParam struct {
	name        string
	kind        string // string | boolean | integer | date-time | array
	enum        func() []string
	description string
}

// Statuses of the problems most operations can answer with.
var (
	jsonBodyErrors = []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}
)

func with(base []int, more ...int) []int { return append(append([]int(nil), base...), more...) }

// routes is the API. The OpenAPI test walks it, and probes that nothing else answers.
var routes = []route{
	{
		pattern: "POST /api/v1/orders", id: "upsertOrder", tag: "orders", auth: true,
		summary: "Create or update an order from the shop system",
		request: app.OrderInput{},
		ok: []response{
			{status: http.StatusCreated, description: "the order was created", body: app.OrderView{}},
			{status: http.StatusOK, description: "the order was updated", body: app.OrderView{}},
		},
		errors: with(jsonBodyErrors, http.StatusForbidden, http.StatusConflict),
		handle: upsertOrder,
	},
	{
		pattern: "GET /api/v1/orders/{order_no}", id: "getOrder", tag: "orders", auth: true,
		summary: "Get an order with what after-sales holds of each line",
		ok:      []response{{status: http.StatusOK, description: "the order", body: app.OrderView{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  getOrder,
	},
	{
		pattern: "POST /api/v1/cases", id: "applyCase", tag: "cases", auth: true,
		summary: "Apply for after-sales: the policy decides and a case opens",
		request: app.ApplyInput{},
		ok:      []response{{status: http.StatusCreated, description: "the case was opened", body: app.CaseView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  applyCase,
	},
	{
		pattern: "GET /api/v1/cases", id: "listCases", tag: "cases", auth: true,
		summary: "List the cases you may see, newest first",
		query: []queryParam{
			{name: "state", kind: "array", enum: stateNames, description: "states to select; repeat the parameter or separate with commas"},
			{name: "type", kind: "array", enum: typeNames, description: "case types to select; repeat the parameter or separate with commas"},
			{name: "merchant", kind: "string", description: "merchant code"},
			{name: "customer", kind: "string", description: "customer id"},
			{name: "order_no", kind: "string", description: "order number"},
			{name: "created_from", kind: "date-time", description: "created at or after (RFC 3339)"},
			{name: "created_to", kind: "date-time", description: "created before (RFC 3339)"},
			{name: "overdue", kind: "boolean", description: "only open cases whose current deadline has passed"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of cases", body: app.CaseList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listCases,
	},
	{
		pattern: "GET /api/v1/cases/{id}", id: "getCase", tag: "cases", auth: true,
		summary: "Get a case with its history, deadlines and the actions you may take",
		ok:      []response{{status: http.StatusOK, description: "the case", body: app.CaseView{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  getCase,
	},
	{
		pattern: "POST /api/v1/cases/{id}/actions", id: "actOnCase", tag: "cases", auth: true,
		summary: "Take an action on a case at the version you saw",
		request: app.ActInput{},
		ok:      []response{{status: http.StatusOK, description: "the case after the action", body: app.CaseView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  actOnCase,
	},
	{
		pattern: "GET /api/v1/cases/{id}/messages", id: "listMessages", tag: "cases", auth: true,
		summary: "Read a case's conversation (internal notes for staff only)",
		ok:      []response{{status: http.StatusOK, description: "the conversation, oldest first", body: app.MessageList{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  listMessages,
	},
	{
		pattern: "POST /api/v1/cases/{id}/messages", id: "postMessage", tag: "cases", auth: true,
		summary: "Reply on a case, or add an internal note (staff)",
		request: app.MessageInput{},
		ok:      []response{{status: http.StatusCreated, description: "the message was added", body: app.MessageView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  postMessage,
	},
	{
		pattern: "GET /api/v1/admin/overdue", id: "adminOverdue", tag: "operations", auth: true,
		summary: "Admins: timers past due and undeliverable outbox messages (dead letters)",
		query: []queryParam{
			{name: "grace", kind: "string", description: "how long past due counts as overdue, a Go duration (default 1m)"},
			{name: "limit", kind: "integer", description: "at most this many of each (1–500, default 100)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the overdue work", body: app.OverdueView{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: adminOverdue,
	},
	{
		pattern: "POST /api/v1/policy/evaluate", id: "evaluatePolicy", tag: "policy", auth: true,
		summary:         "Dry-run the policy on an application: what would be decided, and why",
		request:         app.EvaluateInput{},
		idempotencyNote: "Accepted and not needed: a dry run stores nothing, so repeating it is always safe.",
		ok:              []response{{status: http.StatusOK, description: "the decision", body: app.DecisionView{}}},
		errors:          with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound),
		handle:          evaluatePolicy,
	},
	{
		pattern: "POST /api/v1/attachments", id: "uploadAttachment", tag: "attachments", auth: true,
		summary:   "Upload a photo, video or PDF as evidence (multipart/form-data, field file)",
		multipart: true,
		idempotencyNote: "Accepted, but uploads are not deduplicated: every upload stores a new attachment, " +
			"which is harmless until an application or action links it to a case.",
		ok:     []response{{status: http.StatusCreated, description: "the attachment was stored", body: app.AttachmentView{}}},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity},
		handle: uploadAttachment,
	},
	{
		pattern: "GET /api/v1/attachments/{id}", id: "getAttachment", tag: "attachments", auth: true,
		summary: "Download an attachment you uploaded or that belongs to a case of yours",
		ok: []response{
			{status: http.StatusOK, description: "the file, with the content type judged at upload", contentType: "image/*"},
			{status: http.StatusOK, contentType: "video/*"},
			{status: http.StatusOK, contentType: "application/pdf"},
		},
		errors: []int{http.StatusForbidden, http.StatusNotFound},
		handle: getAttachment,
	},
	{
		pattern: "GET /api/openapi.json", id: "getOpenAPI", tag: "operations",
		summary: "This document",
		ok:      []response{{status: http.StatusOK, description: "the OpenAPI 3.1 document", contentType: "application/json"}},
		handle:  getOpenAPI,
	},
	{
		pattern: "GET /healthz", id: "healthz", tag: "operations",
		summary: "Liveness: the process is up",
		ok:      []response{{status: http.StatusOK, description: "the process is up", body: Health{}}},
		handle:  healthz,
	},
	{
		pattern: "GET /readyz", id: "readyz", tag: "operations",
		summary: "Readiness: the database answers and every migration is applied",
		ok:      []response{{status: http.StatusOK, description: "ready to serve", body: Health{}}},
		errors:  []int{http.StatusServiceUnavailable},
		handle:  readyz,
	},
	{
		pattern: "GET /metrics", id: "metrics", tag: "operations",
		summary: "Prometheus metrics",
		ok:      []response{{status: http.StatusOK, description: "metrics in the Prometheus text format", contentType: "text/plain"}},
		handle:  nil, // set in New: it needs the server's registry
	},
}

// Route describes one operation of the API.
type Route struct {
	Method      string
	Path        string // the path pattern, e.g. /api/v1/cases/{id}
	OperationID string
	Auth        bool // needs a bearer token
}

// Routes lists the API's operations in the order they are registered: the same table
// registers the handlers and generates the OpenAPI document.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		out[i] = Route{Method: method, Path: path, OperationID: rt.id, Auth: rt.auth}
	}
	return out
}

// Health is the answer of /healthz and /readyz.
type Health struct {
	Status  string `json:"status" jsonschema:"enum=ok,enum=ready"`
	Version string `json:"version"`
}

// writeJSON writes v as the JSON body. Replies to write commands are written with
// json.Marshal too, so that a replay is byte for byte the first answer.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writeRaw(w, status, body)
	return nil
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeReply writes a write command's answer; a replay is the stored first answer.
func writeReply[T any](w http.ResponseWriter, rep app.Reply[T]) error {
	if rep.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, rep.Status, rep.Body)
		return nil
	}
	return writeJSON(w, rep.Status, rep.Value)
}

func upsertOrder(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.OrderInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.UpsertOrder(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func getOrder(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetOrder(r.Context(), p, r.PathValue("order_no"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func applyCase(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.ApplyInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.Apply(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func listCases(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, err := listInput(r.URL.Query())
	if err != nil {
		return err
	}
	v, err := s.app.ListCases(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getCase(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetCase(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func actOnCase(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.ActInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.Act(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func listMessages(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Messages(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func postMessage(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.MessageInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.PostMessage(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

func adminOverdue(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	grace := time.Minute
	if g := r.URL.Query().Get("grace"); g != "" {
		d, err := time.ParseDuration(g)
		if err != nil || d < 0 {
			return errInvalidField("grace", "must be a duration such as 1m or 30s", "应为时长,如 1m 或 30s")
		}
		grace = d
	}
	limit := 0
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return errInvalidField("limit", "must be between 1 and 500", "应为 1–500")
		}
		limit = n
	}
	v, err := s.app.Overdue(r.Context(), p, grace, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func evaluatePolicy(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.EvaluateInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.Evaluate(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getOpenAPI(s *Server, w http.ResponseWriter, _ *http.Request, _ app.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.openapi)
	return nil
}

func healthz(s *Server, w http.ResponseWriter, _ *http.Request, _ app.Principal) error {
	return writeJSON(w, http.StatusOK, Health{Status: "ok", Version: s.version})
}

// readyTimeout bounds the readiness check, so that a hung database answers 503 in time
// for the orchestrator.
const readyTimeout = 3 * time.Second

func readyz(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	ctx, cancel := contextWithTimeout(r, readyTimeout)
	defer cancel()
	if err := s.app.Ready(ctx); err != nil {
		// The cause is for the operator's log, not for whoever can reach /readyz.
		s.log.LogAttrs(r.Context(), levelWarn, "not ready", attrRequestID(r), attrError(err))
		writeProblem(w, Problem{Type: ProblemTypeBase + codeUnavailable, Title: "Service unavailable",
			Status: http.StatusServiceUnavailable, Code: codeUnavailable, RequestID: requestID(r.Context()),
			Detail:   "the database does not answer or its migrations are not applied",
			DetailZH: "数据库无法连接或数据库迁移尚未完成"})
		return nil
	}
	return writeJSON(w, http.StatusOK, Health{Status: "ready", Version: s.version})
}
