package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// route is one row of the API: it registers the handler and describes the operation in
// the OpenAPI document. Nothing about an operation is written anywhere else.
type route struct {
	pattern string // method and path, as http.ServeMux takes it
	id      string // OpenAPI operationId
	summary string
	tag     string
	// auth: an API route needs a bearer token or the session cookie (401 without); a page
	// reads the session cookie (and redirects to the login page without one).
	auth bool
	// page marks a server-rendered page: text/html answers, errors as pages.
	page bool
	// file marks a page route that serves an embedded file (style sheet, script, icon):
	// it keeps the API's strict Content-Security-Policy.
	file bool
	// login marks a login attempt, limited per address by Limits.Login.
	login bool
	// request is the JSON body's Go type (nil for none); multipart marks the upload; form
	// lists the fields of a page's urlencoded form.
	request   any
	multipart bool
	// rawBody, for a body that is not JSON (an email), is its media type.
	rawBody string
	form    []formField
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
	body        any      // Go value whose type is the JSON body
	contentType string   // when the body is not JSON: the media type (range) it has; "" with no body: none
	headers     []string // headers it always carries (described in headerDocs)
}

// queryParam is a query string parameter.
type queryParam struct {
	name        string
	kind        string // string | boolean | integer | date-time | array
	enum        func() []string
	max         int // the largest integer; 500 when 0
	description string
}

// formField is a field of a page's form.
type formField struct {
	name        string
	description string
	optional    bool
	files       bool // file inputs: the form is sent as multipart/form-data
}

// langField is the forms' language, kept across the form's answers.
var langField = formField{name: "lang", description: "zh or en: the language of the page that answers", optional: true}

// Statuses of the problems most operations can answer with.
var (
	jsonBodyErrors = []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}
)

func with(base []int, more ...int) []int { return append(append([]int(nil), base...), more...) }

// routes is the API. The OpenAPI test walks it, and probes that nothing else answers.
var apiRoutes = []route{
	{
		pattern: "POST /api/v1/orders", id: "upsertOrder", tag: "orders", auth: true,
		summary: "Create or update an order from the shop system",
		request: app.OrderInput{},
		ok: []response{
			{status: http.StatusCreated, description: "the order was created", body: app.OrderView{}},
			{status: http.StatusOK, description: "the order was updated", body: app.OrderView{}},
		},
		errors: with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
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
		pattern: "GET /api/v1/orders", id: "listOrders", tag: "orders", auth: true,
		summary: "List the orders you may see, newest first (paid, then order number), with what after-sales holds of each line",
		query: []queryParam{
			{name: "customer", kind: "string", description: "customer id"},
			{name: "merchant", kind: "string", description: "merchant code"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", description: "page size, 1–500 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of orders", body: app.OrderList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listOrders,
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
		summary: "List the cases you may see, newest first or by deadline, each with the actions you may take",
		query: []queryParam{
			{name: "state", kind: "array", enum: stateNames, description: "states to select; repeat the parameter or separate with commas"},
			{name: "type", kind: "array", enum: typeNames, description: "case types to select; repeat the parameter or separate with commas"},
			{name: "reason", kind: "array", enum: reasonNames, description: "reasons to select; repeat the parameter or separate with commas"},
			{name: "priority", kind: "array", enum: priorityNames, description: "priorities to select; repeat the parameter or separate with commas"},
			{name: "sla", kind: "string", enum: slaNames, description: "on_track: no SLA notice recorded; at_risk: an SLA warning and no breach recorded; breached: an SLA breach recorded"},
			{name: "assignee", kind: "string", description: "the desk's owner (staff only): me, unassigned, or a staff username"},
			{name: "group", kind: "string", description: "a desk group's queue (staff only)"},
			{name: "q", kind: "string", description: "search: an RMA number or an order number (exactly), or the last four digits of the customer's phone"},
			{name: "sort", kind: "string", enum: sortNames, description: "created: newest first (the default); deadline: the current deadline soonest first, cases without one last"},
			{name: "merchant", kind: "string", description: "merchant code"},
			{name: "customer", kind: "string", description: "customer id"},
			{name: "order_no", kind: "string", description: "order number"},
			{name: "created_from", kind: "date-time", description: "created at or after (RFC 3339)"},
			{name: "created_to", kind: "date-time", description: "created before (RFC 3339)"},
			{name: "overdue", kind: "boolean", description: "only open cases whose current deadline has passed"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page (with the same sort)"},
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
		ok:        []response{{status: http.StatusCreated, description: "the attachment was stored (or, with the Idempotency-Key of an earlier upload of the same file, the one stored then)", body: app.AttachmentView{}}},
		errors:    []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity},
		handle:    uploadAttachment,
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
		pattern: "GET /api/v1/admin/audit", id: "adminAudit", tag: "admin", auth: true,
		summary: "Admins: the audit log, newest first, with filters; format=csv exports every matching entry",
		query: []queryParam{
			{name: "actor", kind: "string", description: "the actor's id: a user, token or customer id"},
			{name: "action", kind: "string", description: "an action (login, case.approve, token.revoke, …), or a prefix ending in a dot (case.)"},
			{name: "resource", kind: "string", description: "case, order, attachment, policy, token, user, session or shop"},
			{name: "resource_id", kind: "string", description: "the resource's id"},
			{name: "from", kind: "date-time", description: "at or after (RFC 3339)"},
			{name: "to", kind: "date-time", description: "before (RFC 3339)"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page (JSON), or where an export starts"},
			{name: "limit", kind: "integer", max: 1000, description: "page size, 1–1000 (100 when empty); not for exports"},
			{name: "format", kind: "string", enum: func() []string { return []string{"json", "csv"} },
				description: "csv: every matching entry (at most 100,000; narrow from and to for more) as one CSV file with a header row, streamed"},
		},
		ok: []response{
			{status: http.StatusOK, description: "one page of the audit log, or the CSV export (Content-Disposition: attachment)", body: app.AuditPage{}},
			{status: http.StatusOK, contentType: "text/csv"},
		},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: adminAudit,
	},
	{
		pattern: "GET /api/v1/admin/users", id: "adminListUsers", tag: "admin", auth: true,
		summary: "Admins: the staff accounts",
		ok:      []response{{status: http.StatusOK, description: "the accounts by username", body: UserList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  adminUsers,
	},
	{
		pattern: "POST /api/v1/admin/users", id: "adminCreateUser", tag: "admin", auth: true,
		summary:         "Admins: create a staff account (merchant staff, agent, supervisor or admin)",
		request:         app.UserInput{},
		idempotencyNote: "Accepted, not replayed: creating the same username again is refused (422, the username is taken).",
		ok:              []response{{status: http.StatusCreated, description: "the account was created", body: app.UserView{}}},
		errors:          with(jsonBodyErrors, http.StatusForbidden),
		handle:          adminCreateUser,
	},
	{
		pattern: "POST /api/v1/admin/users/{username}", id: "adminChangeUser", tag: "admin", auth: true,
		summary:         "Admins: set a password, disable or enable an account, or lift its lockout; a new password or disabling ends its sessions",
		request:         app.UserChange{},
		idempotencyNote: "Accepted and not needed: the change sets values, so repeating it changes nothing more.",
		ok:              []response{{status: http.StatusOK, description: "the account after the change", body: app.UserView{}}},
		errors:          with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound),
		handle:          adminChangeUser,
	},
	{
		pattern: "GET /api/v1/admin/tokens", id: "adminListTokens", tag: "admin", auth: true,
		summary: "Admins: the API tokens (never their secrets)",
		ok:      []response{{status: http.StatusOK, description: "the tokens, newest first", body: TokenList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  adminTokens,
	},
	{
		pattern: "POST /api/v1/admin/tokens/{id}/revoke", id: "adminRevokeToken", tag: "admin", auth: true,
		summary:         "Admins: revoke an API token; the next request with it is refused",
		idempotencyNote: "Accepted and not needed: revoking a revoked token keeps its first revocation.",
		ok:              []response{{status: http.StatusNoContent, description: "the token is revoked"}},
		errors:          []int{http.StatusForbidden, http.StatusNotFound},
		handle:          adminRevokeToken,
	},
	{
		pattern: "GET /api/openapi.json", id: "getOpenAPI", tag: "operations",
		summary: "This document",
		ok:      []response{{status: http.StatusOK, description: "the OpenAPI 3.1 document", contentType: "application/json"}},
		handle:  getOpenAPI,
	},
	{
		pattern: "GET /api/openapi-pages.json", id: "getPagesOpenAPI", tag: "operations",
		summary: "The pages' document: their addresses, query parameters and form fields",
		ok:      []response{{status: http.StatusOK, description: "an OpenAPI 3.1 document", contentType: "application/json"}},
		handle:  getPagesOpenAPI,
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
		pattern: metricsPattern, id: "metrics", tag: "operations",
		summary: "Prometheus metrics: for loopback addresses, and others with the bearer token of serve --metrics-token",
		ok:      []response{{status: http.StatusOK, description: "metrics in the Prometheus text format", contentType: "text/plain"}},
		errors:  []int{http.StatusUnauthorized, http.StatusTooManyRequests},
		handle:  nil, // set in New: it needs the server's registry
	},
}

// metricsPattern is the route of /metrics, whose handler New sets.
const metricsPattern = "GET /metrics"

// Route describes one operation of the API or one page.
type Route struct {
	Method      string
	Path        string // the path template, e.g. /api/v1/cases/{id}
	OperationID string
	// Auth: an API route needs a bearer token or the session cookie (401 without); a
	// page needs the session cookie (a redirect to /login without).
	Auth bool
	// Page marks a server-rendered page (text/html; errors are pages too).
	Page bool
}

// Routes lists the API's operations and the pages in the order they are registered: the
// same table registers the handlers and generates the OpenAPI document.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, rt := range routes {
		method, path := rt.methodPath()
		out[i] = Route{Method: method, Path: path, OperationID: rt.id, Auth: rt.auth, Page: rt.page}
	}
	return out
}

// methodPath splits the pattern into its method and its path template: the mux's
// end-of-path marker {$} is not part of the path (GET /{$} is the path /).
func (rt route) methodPath() (method, path string) {
	method, path, _ = strings.Cut(rt.pattern, " ")
	return method, strings.TrimSuffix(path, "{$}")
}

// apiWrite reports whether a route is a write of the REST API: rate-limited per address
// and per principal.
func (rt route) apiWrite() bool {
	method, path := rt.methodPath()
	return unsafeMethod(method) && strings.HasPrefix(path, "/api/v1/")
}

// limitedPerAddr reports whether a route's requests count against Limits.Addr: the API's
// writes and the pages' forms.
func (rt route) limitedPerAddr() bool {
	method, _ := rt.methodPath()
	return rt.apiWrite() || rt.page && unsafeMethod(method)
}

func langs() []string { return []string{string(web.ZH), string(web.EN)} }

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
