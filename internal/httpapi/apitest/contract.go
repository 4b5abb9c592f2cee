package apitest

import (
	"bytes"
	"cmp"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is where the OpenAPI document is registered with the schema compiler; its
// components' $refs resolve against it.
const docURL = "https://aftersales.dev/openapi.json"

// Contract checks requests and responses against the OpenAPI document the server serves,
// so that the document and the code cannot drift apart while the tests pass.
type Contract struct {
	doc   map[string]any
	mu    sync.Mutex
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
	n     int
}

// NewContract parses an OpenAPI 3.1 document.
func NewContract(doc []byte) (*Contract, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi document is not an object")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, m); err != nil {
		return nil, err
	}
	return &Contract{doc: m, c: c, cache: map[string]*jsonschema.Schema{}}, nil
}

// Doc is the parsed document.
func (c *Contract) Doc() map[string]any { return c.doc }

// Operation finds the operation that serves method and path (a concrete path, like
// /api/v1/cases/0190…): its path template and the operation object.
func (c *Contract) Operation(method, path string) (template string, op map[string]any, ok bool) {
	paths, _ := c.doc["paths"].(map[string]any)
	// As in the mux, the most specific template that serves the method wins: POST
	// /reviews/sample before /reviews/{id}, GET /reviews/sample by GET /reviews/{id}.
	var matches []string
	for tmpl := range paths {
		if matchTemplate(tmpl, path) {
			matches = append(matches, tmpl)
		}
	}
	if len(matches) == 0 {
		return "", nil, false
	}
	slices.SortFunc(matches, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.Count(a, "{"), strings.Count(b, "{")), cmp.Compare(a, b))
	})
	m := strings.ToLower(method)
	if m == "head" {
		m = "get" // the mux answers HEAD with the GET handler
	}
	for _, tmpl := range matches {
		ops, _ := paths[tmpl].(map[string]any)
		if o, found := ops[m].(map[string]any); found {
			return tmpl, o, true
		}
	}
	return matches[0], nil, false
}

func matchTemplate(tmpl, path string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// CheckResponse reports how a response departs from the document: a status the operation
// does not list, a content type it does not offer, a body its schema refuses, a missing
// header. A request that no operation serves must be a 404 or 405 problem.
func (c *Contract) CheckResponse(method, path string, status int, h http.Header, body []byte) error {
	if h.Get("X-Request-Id") == "" {
		return fmt.Errorf("%s %s: no X-Request-Id", method, path)
	}
	_, op, ok := c.Operation(method, path)
	if !ok {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s is not in the OpenAPI document but answered %d", method, path, status)
		}
		return c.validate("#/components/schemas/Problem", body, method, path, status)
	}
	responses, _ := op["responses"].(map[string]any)
	resp, ok := responses[fmt.Sprint(status)].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document does not list for %s", method, path, status, op["operationId"])
	}
	if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); status == http.StatusUnauthorized && mt == "application/problem+json" && h.Get("WWW-Authenticate") == "" {
		// API answers challenge; a page (the login form again) has nothing to offer but itself.
		return fmt.Errorf("%s %s: 401 without WWW-Authenticate", method, path)
	}
	headers, _ := resp["headers"].(map[string]any)
	for name := range headers {
		if name == "Idempotent-Replayed" {
			continue // only on replays
		}
		if h.Get(name) == "" {
			return fmt.Errorf("%s %s %d: header %s is documented but missing", method, path, status, name)
		}
	}
	if method == http.MethodHead {
		return nil
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 {
			return fmt.Errorf("%s %s %d: a body where the document has none", method, path, status)
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("%s %s %d: bad Content-Type %q", method, path, status, h.Get("Content-Type"))
	}
	media, ok := lookupMedia(content, mt)
	if !ok {
		return fmt.Errorf("%s %s %d: Content-Type %s is not among the documented %v", method, path, status, mt, keys(content))
	}
	schema, ok := media["schema"]
	if !ok || !isJSON(mt) {
		return nil
	}
	return c.validateNode(schema, body, method, path, status)
}

// CheckRequest validates a JSON request body against the operation's request schema.
func (c *Contract) CheckRequest(method, path, contentType string, body []byte) error {
	_, op, ok := c.Operation(method, path)
	if !ok {
		return fmt.Errorf("%s %s is not in the OpenAPI document", method, path)
	}
	rb, _ := op["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	mt, _, _ := mime.ParseMediaType(contentType)
	media, ok := lookupMedia(content, mt)
	if !ok {
		return fmt.Errorf("%s %s: request Content-Type %q is not documented", method, path, contentType)
	}
	schema, ok := media["schema"]
	if !ok || !isJSON(mt) {
		return nil
	}
	if err := c.validateNode(schema, body, method, path, 0); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

func lookupMedia(content map[string]any, mt string) (map[string]any, bool) {
	if m, ok := content[mt].(map[string]any); ok {
		return m, true
	}
	typ, _, _ := strings.Cut(mt, "/")
	if m, ok := content[typ+"/*"].(map[string]any); ok {
		return m, true
	}
	m, ok := content["*/*"].(map[string]any)
	return m, ok
}

func isJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// validateNode validates body against a schema object of the document: a $ref into the
// components, or an inline schema (registered as a resource of its own whose local
// references point back into the document).
func (c *Contract) validateNode(node any, body []byte, method, path string, status int) error {
	if m, ok := node.(map[string]any); ok && len(m) == 1 {
		if ref, ok := m["$ref"].(string); ok {
			return c.validate(ref, body, method, path, status)
		}
	}
	c.mu.Lock()
	c.n++
	url := fmt.Sprintf("https://aftersales.dev/inline/%d.json", c.n)
	err := c.c.AddResource(url, absolute(node))
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.validateURL(url, body, method, path, status)
}

func (c *Contract) validate(ref string, body []byte, method, path string, status int) error {
	return c.validateURL(docURL+ref, body, method, path, status)
}

func (c *Contract) validateURL(url string, body []byte, method, path string, status int) error {
	c.mu.Lock()
	sch, ok := c.cache[url]
	if !ok {
		var err error
		if sch, err = c.c.Compile(url); err != nil {
			c.mu.Unlock()
			return fmt.Errorf("compile %s: %w", url, err)
		}
		c.cache[url] = sch
	}
	c.mu.Unlock()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s %d: the body is not JSON: %v: %.200q", method, path, status, err, body)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %s %d: the body does not match the OpenAPI schema %s:\n%v\nbody: %.2000s", method, path, status, url, err, body)
	}
	return nil
}

// absolute copies a schema node with its document-local references made absolute.
func absolute(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if s, ok := e.(string); ok && k == "$ref" && strings.HasPrefix(s, "#") {
				out[k] = docURL + s
				continue
			}
			out[k] = absolute(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = absolute(e)
		}
		return out
	}
	return v
}

// Schemas compiles every component schema: each must be a valid JSON Schema.
func (c *Contract) Schemas() error {
	comps, _ := c.doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name := range schemas {
		c.mu.Lock()
		_, err := c.c.Compile(docURL + "#/components/schemas/" + name)
		c.mu.Unlock()
		if err != nil {
			return fmt.Errorf("schema %s: %w", name, err)
		}
	}
	return nil
}
