package calendar

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML decoder describes structural mismatches in terms of Go types
// ("cannot unmarshal !!seq into calendar.rawYear"). Operators edit YAML,
// not Go, so readableYAMLError restates them in the file's own terms.

var (
	reCannot  = regexp.MustCompile(`(?s)^line (\d+): cannot unmarshal (\S+).* into ([\w.\[\]*]+)$`)
	reUnknown = regexp.MustCompile(`(?s)^line (\d+): field (.*) not found in type ([\w.\[\]*]+)$`)
	reTwice   = regexp.MustCompile(`(?s)^line (\d+): field (.*) already set in type ([\w.\[\]*]+)$`)
	reLine    = regexp.MustCompile(`^line (\d+):`)
)

// yamlShape tells what a Go type of the schema is, in the file's terms.
type yamlShape struct {
	want  string // what a value of this type looks like
	where string // for a mapping: what it is, in "unknown key … in <where>"
}

var yamlShapes = map[string]yamlShape{
	typeName[rawFile]():            {mappingWith[rawFile](), "the top level"},
	typeName[rawInterval]():        {mappingWith[rawInterval](), "a working_hours interval"},
	typeName[[]rawInterval]():      {`a list of intervals such as {from: "09:00", to: "18:00"}`, ""},
	typeName[map[string]rawYear](): {"a mapping from year (such as 2028) to that year's data", ""},
	typeName[rawYear]():            {mappingWith[rawYear](), "a year"},
	typeName[[]rawHoliday]():       {"a list of holidays", ""},
	typeName[rawHoliday]():         {mappingWith[rawHoliday](), "a holiday"},
	typeName[rawText]():            {mappingWith[rawText](), "a holiday name"},
	typeName[[]scalar]():           {"a list", ""},
	typeName[string]():             {"a single value", ""},
}

var yamlTags = map[string]string{
	"!!map": "a mapping", "!!seq": "a list", "!!str": "text", "!!int": "a number",
	"!!float": "a number", "!!bool": "true or false", "!!null": "nothing",
	"!!timestamp": "a date", "!!binary": "binary data",
}

func typeName[T any]() string { return reflect.TypeFor[T]().String() }

func keysOf[T any]() []string {
	t := reflect.TypeFor[T]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i], _, _ = strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
	}
	return keys
}

func mappingWith[T any]() string {
	return "a mapping with keys " + strings.Join(keysOf[T](), ", ")
}

func readableYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err // a syntax error: the parser's words name no Go types
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = readableTypeError(m)
	}
	return errors.New(strings.Join(msgs, "; "))
}

func readableTypeError(m string) string {
	if g := reCannot.FindStringSubmatch(m); g != nil {
		got, ok := yamlTags[g[2]]
		if !ok {
			got = "a value tagged " + quote(g[2])
		}
		return fmt.Sprintf("line %s: want %s, got %s", g[1], shapeOf(g[3]).want, got)
	}
	if g := reUnknown.FindStringSubmatch(m); g != nil {
		s := shapeOf(g[3])
		return fmt.Sprintf("line %s: unknown key %s in %s (%s)", g[1], quote(g[2]), s.where, s.want)
	}
	if g := reTwice.FindStringSubmatch(m); g != nil {
		return fmt.Sprintf("line %s: key %s appears twice in %s", g[1], quote(g[2]), shapeOf(g[3]).where)
	}
	if strings.Contains(m, "mapping key") { // "mapping key "2025" already defined at line 3"
		return m
	}
	if g := reLine.FindStringSubmatch(m); g != nil {
		return fmt.Sprintf("line %s: this value does not fit the calendar schema", g[1])
	}
	return "the file does not fit the calendar schema"
}

func shapeOf(goType string) yamlShape {
	if s, ok := yamlShapes[goType]; ok {
		return s
	}
	return yamlShape{"another kind of value", "this mapping"}
}
