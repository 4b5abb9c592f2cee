package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// The route table makes one document of everything the server answers. It is served as
// two: the REST API's (/api/openapi.json), and the pages' (/api/openapi-pages.json), which
// documents the pages' addresses and form fields — a contract too, but of HTML, not of the
// API. Each keeps only the components it refers to.

// splitDocument returns the API's document (every operation not tagged pages) and the
// pages' document of full.
func splitDocument(full []byte) (api, pages []byte, err error) {
	api, err = selectOperations(full, func(tags []string) bool { return !slices.Contains(tags, "pages") }, nil)
	if err != nil {
		return nil, nil, err
	}
	pages, err = selectOperations(full, func(tags []string) bool { return slices.Contains(tags, "pages") }, map[string]string{
		"title": "aftersales pages",
		"description": "The server-rendered pages (text/html): their addresses, the query parameters they read and the " +
			"fields of their forms, named as the REST API's (type, reason, note, carrier, tracking_no …; money as a decimal " +
			"amount such as 12.50). A page reads the session cookie of a login and goes to /login without one; every form " +
			"carries the session's CSRF token in csrf_token and is refused (403) without it. The REST API is described at " +
			"/api/openapi.json.",
	})
	return api, pages, err
}

// selectOperations keeps the operations whose tags keep says, the tags and components
// they use, and replaces info's fields with those given.
func selectOperations(full []byte, keep func(tags []string) bool, info map[string]string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(full, &doc); err != nil {
		return nil, err
	}
	paths := doc["paths"].(map[string]any)
	used := map[string]bool{}
	for p, item := range paths {
		ops := item.(map[string]any)
		for m, op := range ops {
			var tags []string
			for _, t := range op.(map[string]any)["tags"].([]any) {
				tags = append(tags, t.(string))
			}
			if !keep(tags) {
				delete(ops, m)
				continue
			}
			for _, t := range tags {
				used[t] = true
			}
		}
		if len(ops) == 0 {
			delete(paths, p)
		}
	}
	var tags []any
	for _, t := range doc["tags"].([]any) {
		if used[t.(map[string]any)["name"].(string)] {
			tags = append(tags, t)
		}
	}
	doc["tags"] = tags
	for k, v := range info {
		doc["info"].(map[string]any)[k] = v
	}
	pruneComponents(doc)
	return json.MarshalIndent(doc, "", "  ")
}

// pruneComponents drops the schemas and security schemes nothing refers to.
func pruneComponents(doc map[string]any) {
	comps := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	reached := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if !reached[name] {
					reached[name] = true
					walk(schemas[name])
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(doc["paths"])
	for _, name := range slices.Collect(maps.Keys(schemas)) {
		if !reached[name] {
			delete(schemas, name)
		}
	}
	if len(schemas) == 0 {
		delete(comps, "schemas")
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	usedSchemes := map[string]bool{}
	for _, item := range doc["paths"].(map[string]any) {
		for _, op := range item.(map[string]any) {
			sec, _ := op.(map[string]any)["security"].([]any)
			for _, req := range sec {
				for name := range req.(map[string]any) {
					usedSchemes[name] = true
				}
			}
		}
	}
	for name := range schemes {
		if !usedSchemes[name] {
			delete(schemes, name)
		}
	}
}

// checkQuery refuses an API request with a query parameter its operation does not read: a
// misspelt filter (?stat=requested) would otherwise be ignored and answer everything.
func (rt *route) checkQuery(raw string) error {
	if raw == "" {
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return errMalformed("the query string cannot be read", "无法解析查询字符串")
	}
	for name := range q {
		if !slices.ContainsFunc(rt.query, func(p queryParam) bool { return p.name == name }) {
			return errInvalidQuery(name, rt.query)
		}
	}
	return nil
}

func errInvalidQuery(name string, known []queryParam) error {
	var names []string
	for _, p := range known {
		names = append(names, p.name)
	}
	en, zh := fmt.Sprintf("the query parameter %q is not one this operation reads", name), fmt.Sprintf("此操作不接受查询参数 %q", name)
	if len(names) > 0 {
		en += " (" + strings.Join(names, ", ") + ")"
		zh += "(可用:" + strings.Join(names, "、") + ")"
	}
	return errMalformed(en, zh)
}
