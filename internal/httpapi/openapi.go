package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
)

// The OpenAPI document is generated from the route table and the Go types of request and
// response bodies, so that it cannot drift from the code: schemas come from
// github.com/invopop/jsonschema and land in components/schemas.

type openAPIDoc struct {
	OpenAPI    string                           `json:"openapi"`
	Info       openAPIInfo                      `json:"info"`
	Servers    []openAPIServer                  `json:"servers"`
	Tags       []openAPITag                     `json:"tags"`
	Paths      map[string]map[string]*operation `json:"paths"`
	Components openAPIComponents                `json:"components"`
}

type openAPIInfo struct {
	Title       string         `json:"title"`
	Version     string         `json:"version"`
	Description string         `json:"description"`
	License     openAPILicense `json:"license"`
}

type openAPILicense struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
}

type openAPIServer struct {
	URL         string `json:"url"`
	Description string `json:"description"`
}

type openAPITag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type openAPIComponents struct {
	Schemas         map[string]*jsonschema.Schema `json:"schemas"`
	SecuritySchemes map[string]securityScheme     `json:"securitySchemes"`
}

type securityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme,omitempty"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description"`
}

type operation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Tags        []string              `json:"tags"`
	Security    []map[string][]string `json:"security"`
	Parameters  []parameter           `json:"parameters,omitempty"`
	RequestBody *requestBody          `json:"requestBody,omitempty"`
	Responses   map[string]*answer    `json:"responses"`
}

type parameter struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Style       string `json:"style,omitempty"`
	Explode     *bool  `json:"explode,omitempty"`
	Schema      any    `json:"schema"`
}

type requestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema any `json:"schema,omitempty"`
}

type answer struct {
	Description string               `json:"description"`
	Headers     map[string]header    `json:"headers,omitempty"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

type header struct {
	Description string `json:"description"`
	Schema      any    `json:"schema"`
}

const (
	bearerScheme  = "bearerAuth"
	sessionScheme = "sessionCookie"
	metricsScheme = "metricsToken"
)

// headerDocs describe the headers that answers document.
var headerDocs = map[string]header{
	"Location":            {Description: "where to go next", Schema: map[string]any{"type": "string"}},
	"Set-Cookie":          {Description: "the session cookie as_session (HttpOnly, SameSite=Lax, Secure behind TLS), or the login form's as_login_csrf", Schema: map[string]any{"type": "string"}},
	"Content-Disposition": {Description: "attachment, with a file name", Schema: map[string]any{"type": "string"}},
	"Retry-After":         {Description: "seconds until the rate limit lets a request through again", Schema: map[string]any{"type": "integer", "minimum": 1}},
}

// openAPI generates the document for the route table.
func openAPI(version string) ([]byte, error) {
	sc := newSchemas()
	problem, err := sc.ref(Problem{})
	if err != nil {
		return nil, err
	}
	doc := openAPIDoc{
		OpenAPI: "3.1.0",
		Info: openAPIInfo{Title: "aftersales REST API", Version: version,
			Description: "After-sales cases (售后单) over HTTP: orders from the shop system, applications decided by " +
				"the policy in force, actions along the case life cycle, evidence uploads. Money is in integer " +
				"minor units with the currency beside it; times are RFC 3339. Errors are RFC 9457 problem " +
				"details (application/problem+json) with the detail in English and Chinese. Clients authenticate " +
				"with an API token, or — browsers — with the session cookie of a login (tag pages), whose writes " +
				"carry the session's CSRF token. Writes are rate-limited per token or session and per address " +
				"(429 with Retry-After); requests whose credentials fail, reads too, count against their address, " +
				"and an address that has spent its limit on them is refused every request until it refills. A query " +
				"parameter an operation does not read is refused (400). The pages are described at /api/openapi-pages.json.",
			License: openAPILicense{Name: "MIT", Identifier: "MIT"}},
		Servers: []openAPIServer{{URL: "/", Description: "the server that serves this document"}},
		Tags: []openAPITag{
			{"orders", "Orders pushed by the shop system"},
			{"cases", "After-sales cases and their life cycle"},
			{"policy", "The after-sales policy"},
			{"attachments", "Evidence: photos, videos and documents"},
			{"admin", "Staff accounts, API tokens and the audit log (admins)"},
			{"operations", "Health, readiness, metrics and this document"},
			{"pages", "Server-rendered pages (text/html): login, customers' login links, home, logout"},
		},
		Paths: map[string]map[string]*operation{},
		Components: openAPIComponents{
			SecuritySchemes: map[string]securityScheme{
				bearerScheme: {Type: "http", Scheme: "bearer", Description: "An API token (ast_…) made with `aftersales token`."},
				sessionScheme: {Type: "apiKey", In: "cookie", Name: sessionCookie,
					Description: "The session of a login (POST /login, or a customer's login link). Writes made with it must " +
						"carry the session's CSRF token in the X-CSRF-Token header (pages: the csrf_token form field)."},
				metricsScheme: {Type: "http", Scheme: "bearer", Description: "The token of `aftersales serve --metrics-token` " +
					"(a Prometheus scrape config's authorization credentials); not needed from a loopback address."},
			},
		},
	}
	ids := map[string]bool{}
	for _, rt := range routes {
		if !strings.Contains(rt.pattern, " ") {
			return nil, fmt.Errorf("route %q has no method", rt.pattern)
		}
		method, path := rt.methodPath()
		if ids[rt.id] {
			return nil, fmt.Errorf("operation id %q is used twice", rt.id)
		}
		ids[rt.id] = true
		op := &operation{OperationID: rt.id, Summary: rt.summary, Tags: []string{rt.tag},
			Security: []map[string][]string{}, Responses: map[string]*answer{}}
		switch {
		case rt.auth && rt.page:
			op.Security = []map[string][]string{{sessionScheme: {}}}
		case rt.auth:
			op.Security = []map[string][]string{{bearerScheme: {}}, {sessionScheme: {}}}
		case rt.pattern == metricsPattern:
			op.Security = []map[string][]string{{}, {metricsScheme: {}}}
		}
		for _, name := range pathParams(path) {
			op.Parameters = append(op.Parameters, parameter{Name: name, In: "path", Required: true, Schema: map[string]any{"type": "string"}})
		}
		for _, q := range rt.query {
			op.Parameters = append(op.Parameters, queryParameter(q))
		}
		if rt.auth && !rt.page && unsafeMethod(method) {
			op.Parameters = append(op.Parameters, parameter{Name: csrfHeader, In: "header",
				Description: "The session's CSRF token: required when the request is made with the session cookie, unused with a bearer token.",
				Schema:      map[string]any{"type": "string"}})
		}
		if method == http.MethodPost && !rt.page {
			desc := "Makes a retry safe: the same key with the same request replays the first answer " +
				"(with Idempotent-Replayed: true); with a different request it is refused (422). A key is " +
				"remembered for a week (the server's --idempotency-retention), then it makes a new request."
			if rt.idempotencyNote != "" {
				desc = rt.idempotencyNote
			}
			op.Parameters = append(op.Parameters, parameter{Name: "Idempotency-Key", In: "header", Description: desc,
				Schema: map[string]any{"type": "string", "minLength": 1, "maxLength": 200}})
		}
		switch {
		case rt.request != nil:
			s, err := sc.ref(rt.request)
			if err != nil {
				return nil, err
			}
			op.RequestBody = &requestBody{Required: true, Content: map[string]mediaType{"application/json": {Schema: s}}}
		case rt.form != nil:
			props, required, files := map[string]any{}, []string{}, false
			for _, f := range rt.form {
				props[f.name] = map[string]any{"type": "string", "description": f.description}
				if f.files {
					files = true
					props[f.name] = map[string]any{"type": "array", "description": f.description,
						"items": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}
				}
				if !f.optional {
					required = append(required, f.name)
				}
			}
			schema := mediaType{Schema: map[string]any{"type": "object", "required": required, "properties": props}}
			content := map[string]mediaType{"application/x-www-form-urlencoded": schema}
			if files { // a form with files is sent as multipart; without them either way
				content["multipart/form-data"] = schema
			}
			op.RequestBody = &requestBody{Required: true, Content: content}
		case rt.rawBody != "":
			op.RequestBody = &requestBody{Required: true, Content: map[string]mediaType{rt.rawBody: {Schema: map[string]any{"type": "string"}}}}
		case rt.multipart:
			op.RequestBody = &requestBody{Required: true, Content: map[string]mediaType{"multipart/form-data": {Schema: map[string]any{
				"type": "object", "required": []string{"file"},
				"properties": map[string]any{"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream",
					"description": "a JPEG, PNG, GIF or WebP photo, an MP4 or WebM video, or a PDF: judged from its bytes, " +
						"which must agree with the part's Content-Type"}},
			}}}}
		}
		for _, resp := range rt.ok {
			key := strconv.Itoa(resp.status)
			a := op.Responses[key]
			if a == nil {
				a = &answer{Description: resp.description, Headers: requestIDHeader(), Content: map[string]mediaType{}}
				op.Responses[key] = a
				for _, h := range resp.headers {
					a.Headers[h] = headerDocs[h]
				}
				if method == http.MethodPost && rt.idempotencyNote == "" && !rt.page {
					a.Headers["Idempotent-Replayed"] = header{Description: "true when this is the stored answer to an earlier request with the same Idempotency-Key",
						Schema: map[string]any{"type": "string", "enum": []string{"true"}}}
				}
			}
			switch {
			case resp.body == nil && resp.contentType == "":
				// no body (204, 303)
			case resp.body != nil:
				s, err := sc.ref(resp.body)
				if err != nil {
					return nil, err
				}
				a.Content["application/json"] = mediaType{Schema: s}
			case resp.contentType == "application/json":
				a.Content[resp.contentType] = mediaType{Schema: map[string]any{"type": "object"}}
			case strings.HasPrefix(resp.contentType, "text/"):
				a.Content[resp.contentType] = mediaType{Schema: map[string]any{"type": "string"}}
			default: // bytes: no schema; downloads of the API are attachments, the pages' files are not
				a.Content[resp.contentType] = mediaType{}
				if !rt.page {
					a.Headers["Content-Disposition"] = header{Description: "attachment, with the uploaded file name", Schema: map[string]any{"type": "string"}}
				}
				a.Headers["X-Content-Type-Options"] = header{Description: "nosniff", Schema: map[string]any{"type": "string", "enum": []string{"nosniff"}}}
			}
		}
		for _, status := range problemStatuses(rt) {
			a := &answer{Description: http.StatusText(status), Headers: requestIDHeader(),
				Content: map[string]mediaType{"application/problem+json": {Schema: problem}}}
			switch {
			case rt.page:
				a.Description += " (a page)"
				a.Content = map[string]mediaType{"text/html": {Schema: map[string]any{"type": "string"}}}
			case status == http.StatusUnauthorized:
				a.Headers["WWW-Authenticate"] = header{Description: "the Bearer challenge", Schema: map[string]any{"type": "string"}}
			}
			if status == http.StatusTooManyRequests {
				a.Headers["Retry-After"] = headerDocs["Retry-After"]
			}
			op.Responses[strconv.Itoa(status)] = a
		}
		if doc.Paths[path] == nil {
			doc.Paths[path] = map[string]*operation{}
		}
		doc.Paths[path][strings.ToLower(method)] = op
	}
	doc.Components.Schemas = sc.defs
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	// The reflector points at $defs; in OpenAPI the schemas live in components.
	return bytes.ReplaceAll(out, []byte(`"#/$defs/`), []byte(`"#/components/schemas/`)), nil
}

// problemStatuses are the problem answers of a route: its own, 401 when it needs a token
// or session, 403 for a missing CSRF token on writes, 429 where rate limits apply (which
// includes every API route that authenticates: failed credentials count against the
// address), and 500 everywhere.
func problemStatuses(rt route) []int {
	out := append([]int(nil), rt.errors...)
	if !rt.page {
		out = append(out, http.StatusBadRequest) // a query parameter the operation does not read
	}
	if rt.auth && !rt.page {
		out = append(out, http.StatusUnauthorized, http.StatusTooManyRequests)
		if method, _ := rt.methodPath(); unsafeMethod(method) {
			out = append(out, http.StatusForbidden)
		}
	}
	if rt.login || rt.limitedPerAddr() {
		out = append(out, http.StatusTooManyRequests)
	}
	out = append(out, http.StatusInternalServerError)
	slices.Sort(out)
	return slices.Compact(out)
}

func requestIDHeader() map[string]header {
	return map[string]header{"X-Request-Id": {Description: "the request's id: the client's when it sent a plain one, else a new one",
		Schema: map[string]any{"type": "string"}}}
}

var pathParam = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?:\.\.\.)?\}`)

func pathParams(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

func queryParameter(q queryParam) parameter {
	p := parameter{Name: q.name, In: "query", Description: q.description}
	switch q.kind {
	case "array":
		items := map[string]any{"type": "string"}
		if q.enum != nil {
			items["enum"] = q.enum()
		}
		explode := true
		p.Style, p.Explode = "form", &explode
		p.Schema = map[string]any{"type": "array", "items": items}
	case "date-time":
		p.Schema = map[string]any{"type": "string", "format": "date-time"}
	case "integer":
		limit := 500
		if q.max > 0 {
			limit = q.max
		}
		p.Schema = map[string]any{"type": "integer", "minimum": 1, "maximum": limit}
	default:
		s := map[string]any{"type": q.kind}
		if q.enum != nil {
			s["enum"] = q.enum()
		}
		p.Schema = s
	}
	return p
}

// schemas reflects Go types into one set of named schemas.
type schemas struct {
	r    *jsonschema.Reflector
	defs map[string]*jsonschema.Schema
	raw  map[string][]byte // to tell two types that want the same name
}

// enums are the string types whose values are known: they become named schemas with an
// enum, so that the document lists every state, action and type.
var enums = map[reflect.Type]struct {
	name   string
	values func() []string
}{
	reflect.TypeFor[aftersale.State]():        {"CaseState", stateNames},
	reflect.TypeFor[aftersale.Type]():         {"CaseType", typeNames},
	reflect.TypeFor[aftersale.Action]():       {"CaseAction", actionNames},
	reflect.TypeFor[aftersale.Role]():         {"ActorRole", roleNames},
	reflect.TypeFor[aftersale.DeadlineKind](): {"DeadlineKind", deadlineKindNames},
	reflect.TypeFor[aftersale.Reason]():       {"Reason", reasonNames},
}

func newSchemas() *schemas {
	sc := &schemas{defs: map[string]*jsonschema.Schema{}, raw: map[string][]byte{}}
	sc.r = &jsonschema.Reflector{
		Anonymous: true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			e, ok := enums[t]
			if !ok {
				return nil
			}
			var values []any
			for _, v := range e.values() {
				values = append(values, v)
			}
			// Added directly, and checked for clashes like the reflected ones.
			_ = sc.add(e.name, &jsonschema.Schema{Type: "string", Enum: values})
			return &jsonschema.Schema{Ref: "#/$defs/" + e.name}
		},
	}
	return sc
}

// ref reflects v's type and returns a reference to its schema.
func (sc *schemas) ref(v any) (*jsonschema.Schema, error) {
	t := reflect.TypeOf(v)
	root := sc.r.ReflectFromType(t)
	for name, d := range root.Definitions {
		if err := sc.add(name, d); err != nil {
			return nil, err
		}
	}
	if _, ok := sc.defs[t.Name()]; !ok {
		return nil, fmt.Errorf("type %s has no schema named %s", t, t.Name())
	}
	return &jsonschema.Schema{Ref: "#/$defs/" + t.Name()}, nil
}

func (sc *schemas) add(name string, s *jsonschema.Schema) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if prev, ok := sc.raw[name]; ok {
		if !bytes.Equal(prev, b) {
			return fmt.Errorf("two different types want the schema name %s", name)
		}
		return nil
	}
	sc.defs[name], sc.raw[name] = s, b
	return nil
}

// actionNames lists every action: apply, the actions of the life-cycle table, and the
// records a case's history also holds (sla_warning, sla_breach, triage_urgent; assign,
// transfer, take).
func actionNames() []string {
	out := []string{string(aftersale.Apply)}
	for _, t := range aftersale.Types {
		for _, e := range aftersale.Edges(t) {
			if !slices.Contains(out, string(e.Action)) {
				out = append(out, string(e.Action))
			}
		}
	}
	out = append(out, string(aftersale.SLAWarning), string(aftersale.SLABreach), string(aftersale.TriageUrgent))
	for _, a := range aftersale.OwnerActions {
		out = append(out, string(a))
	}
	return out
}

func roleNames() []string {
	out := make([]string, len(aftersale.Roles))
	for i, r := range aftersale.Roles {
		out[i] = string(r)
	}
	// Admins act on complaints: they are the managers of the top tier.
	return append(out, string(complaint.Admin))
}

func deadlineKindNames() []string {
	var out []string
	for _, k := range aftersale.DeadlineKinds() {
		out = append(out, string(k))
	}
	// The clocks of disputes (their deadlines are the case's timers) and the timer kind of
	// the service-desk clocks, which admins see among overdue timers.
	return append(out, string(dispute.CustomerEvidence), string(dispute.MerchantEvidence), string(dispute.AdvanceByRule),
		string(app.SLACheck))
}

func reasonNames() []string {
	var out []string
	for _, r := range aftersale.Reasons() {
		out = append(out, string(r.Code))
	}
	return out
}
