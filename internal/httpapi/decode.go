package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// MaxJSONBody is the largest JSON request body accepted.
const MaxJSONBody = 1 << 20

// decodeJSON reads a JSON request body strictly: Content-Type application/json, at most
// MaxJSONBody bytes, exactly one JSON object, no unknown fields, every value of its
// field's type. It returns the raw body too, for the idempotency hash.
func decodeJSON[T any](w http.ResponseWriter, r *http.Request) (T, []byte, error) {
	var v T
	if err := requireJSON(r); err != nil {
		return v, nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, nil, errTooLarge(fmt.Sprintf("the request body is larger than %d bytes", MaxJSONBody),
				fmt.Sprintf("请求内容超过 %d 字节", MaxJSONBody))
		}
		return v, nil, errMalformed("the request body could not be read", "无法读取请求内容")
	}
	return v, body, unmarshalStrict(body, &v)
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return errUnsupported(fmt.Sprintf("the request body must be application/json, not %q", ct),
			fmt.Sprintf("请求内容类型应为 application/json,而不是 %q", ct))
	}
	return nil
}

// unmarshalStrict decodes body into v (a pointer to a struct) and explains what is wrong.
func unmarshalStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformed("the request body is empty; a JSON object is expected", "请求内容为空,应为 JSON 对象")
	}
	if !json.Valid(body) {
		// Tell a syntax error from a body that holds several values.
		dec := json.NewDecoder(bytes.NewReader(body))
		var first json.RawMessage
		if dec.Decode(&first) == nil {
			return errMalformed("the request body must hold exactly one JSON value", "请求内容应只包含一个 JSON 值")
		}
		return errMalformed("the request body is not valid JSON", "请求内容不是有效的 JSON")
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errInvalidField("", "the request body must be a JSON object", "请求内容应为 JSON 对象")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	// The decoder names an unknown field without its path and a bad time without its
	// field at all: find the first offending value by walking the body beside the type.
	var doc any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	_ = d.Decode(&doc)
	if field, en, zh, ok := locate(reflect.TypeOf(v).Elem(), doc, ""); ok {
		return errInvalidField(field, en, zh)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return errInvalidField(te.Field, "the value has the wrong type: "+te.Value+" where "+jsonKind(te.Type).EN+" is expected",
			"字段类型错误:应为"+jsonKind(te.Type).ZH)
	}
	return errInvalidField("", "the request body does not match the expected fields", "请求内容与所需字段不符")
}

// locate finds the first value in doc (decoded with UseNumber) that does not fit t: an
// unknown field, or a value of the wrong type. path is the field path so far, like
// items[0].quantity.
func locate(t reflect.Type, doc any, path string) (field, en, zh string, found bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if doc == nil {
		return "", "", "", false // null leaves the zero value
	}
	wrong := func() (string, string, string, bool) {
		return path, "the value has the wrong type: " + jsonKind(t).EN + " is expected", "字段类型错误:应为" + jsonKind(t).ZH, true
	}
	if t == reflect.TypeFor[time.Time]() {
		s, ok := doc.(string)
		if !ok {
			return wrong()
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return path, "the time must be in RFC 3339 format, like 2026-01-02T15:04:05+08:00", "时间格式应为 RFC 3339,例如 2026-01-02T15:04:05+08:00", true
		}
		return "", "", "", false
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return "", "", "", false // its own format; trust the decoder's verdict
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return wrong()
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(obj) {
			f, ok := fields[strings.ToLower(k)]
			if !ok {
				return join(path, k), "unknown field " + strconv.Quote(k), "未知字段 " + strconv.Quote(k), true
			}
			if field, en, zh, found := locate(f, obj[k], join(path, k)); found {
				return field, en, zh, true
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := doc.([]any)
		if !ok {
			return wrong()
		}
		for i, e := range arr {
			if field, en, zh, found := locate(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i)); found {
				return field, en, zh, true
			}
		}
	case reflect.Map:
		obj, ok := doc.(map[string]any)
		if !ok {
			return wrong()
		}
		for _, k := range sortedKeys(obj) {
			if field, en, zh, found := locate(t.Elem(), obj[k], join(path, k)); found {
				return field, en, zh, true
			}
		}
	case reflect.String:
		if _, ok := doc.(string); !ok {
			return wrong()
		}
	case reflect.Bool:
		if _, ok := doc.(bool); !ok {
			return wrong()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := doc.(json.Number)
		if !ok {
			return wrong()
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return path, "the value must be a whole number in range", "应为范围内的整数", true
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := doc.(json.Number)
		if !ok {
			return wrong()
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return path, "the value must be a whole number, zero or more, in range", "应为范围内的非负整数", true
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := doc.(json.Number); !ok {
			return wrong()
		}
	}
	return "", "", "", false
}

// jsonFields maps the lower-cased JSON names of t's fields (embedded structs flattened) to
// their types; encoding/json matches names case-insensitively.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[strings.ToLower(name)] = f.Type
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	// Sorted for a stable answer when several fields are wrong.
	return slices.Sorted(maps.Keys(m))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonKind names, in both languages, the kind of JSON value a Go type reads.
func jsonKind(t reflect.Type) app.Text {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return app.Text{ZH: "其他类型", EN: "a value"}
	case t == reflect.TypeFor[time.Time]():
		return app.Text{ZH: "RFC 3339 时间字符串", EN: "an RFC 3339 time string"}
	}
	switch t.Kind() {
	case reflect.String:
		return app.Text{ZH: "字符串", EN: "a string"}
	case reflect.Bool:
		return app.Text{ZH: "布尔值", EN: "true or false"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return app.Text{ZH: "整数", EN: "a whole number"}
	case reflect.Float32, reflect.Float64:
		return app.Text{ZH: "数字", EN: "a number"}
	case reflect.Slice, reflect.Array:
		return app.Text{ZH: "数组", EN: "an array"}
	case reflect.Struct, reflect.Map:
		return app.Text{ZH: "对象", EN: "an object"}
	}
	return app.Text{ZH: "其他类型", EN: "a value"}
}

// idempotency returns the request's Idempotency-Key with the hash of what it asks: the
// method, the path and the body. No key, no idempotency.
func idempotency(r *http.Request, body []byte) *app.Idempotency {
	key, ok := r.Header["Idempotency-Key"]
	if !ok {
		return nil
	}
	return &app.Idempotency{Key: strings.Join(key, ","),
		RequestHash: app.RequestHash([]byte(r.Method), []byte(r.URL.Path), body)}
}
