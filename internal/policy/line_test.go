package policy_test

import (
	"errors"
	"testing"

	"github.com/aftersales/aftersales/internal/policy"
)

// Every refusal of a document says at which line the problem is: YAML that does not parse,
// a key in the wrong shape, a value the checks refuse, a condition that does not compile,
// and a layer below the statutory floor.
func TestErrorsSayTheLine(t *testing.T) {
	e := newEngine(t)
	for _, tt := range []struct {
		name, doc string
		line      int
	}{
		{"syntax", shopHead + "colour: red\n  shade: dark\n", 8},
		{"unknown key", shopHead + "colour: red\n", 7},
		{"shape", shopHead + "reapply_limit: [1]\n", 7},
		{"fraction", shopHead + "compensation: {max_bp: 12.5}\n", 7},
		{"check", shopDoc("windows:\n" + aWindow + "  - id: w2\n    name: {zh: 窗口, en: a window}\n    types: [exchange]\n    from: yesterday\n"), 16},
		{"missing key falls back to its section", shopDoc("rules:\n" + "  - id: r\n    explain: {zh: 不行, en: no}\n    types: [reship]\n    effect: refuse\n"), 8},
		{"condition", shopDoc("rules:\n" + "  - id: r\n    explain: {zh: 不行, en: no}\n    types: [reship]\n    when: 'order.nonsense > 1'\n    effect: refuse\n"), 11},
		{"floor", shopDoc("disable: [no_reason_return]\n"), 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Load([]byte(tt.doc))
			var pe *policy.ParseError
			var fe *policy.FloorError
			line := -1
			switch {
			case errors.As(err, &pe):
				line = pe.Line
			case errors.As(err, &fe):
				line = fe.Line
			default:
				t.Fatalf("err = %v", err)
			}
			if line != tt.line {
				t.Errorf("%v: line %d, want %d", err, line, tt.line)
			}
		})
	}
}
