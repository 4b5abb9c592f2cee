package policy

import (
	"fmt"
	"regexp"
	"strings"

	"cel.dev/cel-go/cel"
)

// Errors for policy authors name keys, variables and YAML shapes, never Go types.

var (
	yamlUnknownField = regexp.MustCompile(`field (\S+) not found in type (\S+)`)
	yamlInto         = regexp.MustCompile("cannot unmarshal (!!\\w+)(?: `([^`]*)`)? into ([^\\s;]+)")
	timeParse        = regexp.MustCompile(`parsing time "([^"]*)" as "[^"]*"(: .*)?`)
	goTypes          = strings.NewReplacer(
		"policy.DeadlineOrderVars", "order", "policy.DeadlineCaseVars", "case",
		"policy.OrderVars", "order", "policy.ItemVars", "item",
		"policy.CaseVars", "case", "policy.CustomerVars", "customer",
		"google.protobuf.Timestamp", "a timestamp", "google.protobuf.Duration", "a duration",
	)
)

// shapes says what each Go type looks like in a policy document.
func shape(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping (key: value)"
	case goType == "aftersale.Text":
		return "a mapping with zh and en, such as {zh: 中文, en: English}"
	case goType == "int", goType == "int64", strings.HasPrefix(goType, "*int"):
		return "a whole number"
	case goType == "bool", goType == "*bool":
		return "true or false"
	case goType == "time.Time":
		return "an RFC 3339 time such as 2026-01-01T00:00:00+08:00"
	case strings.HasPrefix(goType, "policy."), strings.HasPrefix(goType, "*policy."):
		switch strings.TrimPrefix(strings.TrimPrefix(goType, "*"), "policy.") {
		case "Layer", "Event", "Effect":
			return "a word"
		}
		return "a mapping (key: value)"
	}
	return "text"
}

var yamlKinds = map[string]string{"!!int": "a number", "!!str": "text", "!!seq": "a list", "!!map": "a mapping", "!!bool": "true or false", "!!float": "a number", "!!null": "nothing"}

// readableYAML rewrites a YAML decoding message in the document's own terms.
func readableYAML(msg string) string {
	msg = yamlUnknownField.ReplaceAllStringFunc(msg, func(m string) string {
		p := yamlUnknownField.FindStringSubmatch(m)
		return fmt.Sprintf("unknown key %q (see docs/POLICY.md for the keys of this section)", p[1])
	})
	msg = yamlInto.ReplaceAllStringFunc(msg, func(m string) string {
		p := yamlInto.FindStringSubmatch(m)
		got := yamlKinds[p[1]]
		if got == "" {
			got = strings.TrimPrefix(p[1], "!!")
		}
		if p[2] != "" {
			got += fmt.Sprintf(" (%s)", p[2])
		}
		return fmt.Sprintf("expected %s, found %s", shape(p[3]), got)
	})
	return timeParse.ReplaceAllString(msg, `"$1" is not an RFC 3339 time such as 2026-01-01T00:00:00+08:00`)
}

// celIssues writes at most three compile errors, one line each, with positions in the
// condition and the policy's variable names.
func celIssues(iss *cel.Issues) string {
	errs := iss.Errors()
	var parts []string
	for i, e := range errs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(errs)-3))
			break
		}
		m := []rune(goTypes.Replace(oneLine(e.Message)))
		if len(m) > 200 {
			m = append(m[:200], '…')
		}
		parts = append(parts, fmt.Sprintf("at %d:%d: %s", e.Location.Line(), e.Location.Column()+1, string(m)))
	}
	return strings.Join(parts, "; ")
}
