package policy_test

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/policy"
)

// A document of the wrong shape is refused with the line, the shape the key wants and what
// was found, in the words of docs/POLICY.md (errors.go, readableYAML and shape), never the
// Go types the document is decoded into.
func TestYAMLErrorsDescribeShapesInWords(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		// lists
		{"a number for a list", shopDoc("windows: 5\n"), "line 7: expected a list, found a number (5)"},
		{"a decimal for a list", shopDoc("disable: 1.5\n"), "expected a list, found a number (1.5)"},
		{"a mapping for a deadline's alternatives", shopDoc("deadlines: {merchant_response: {span: 1d}}\n"), "expected a list, found a mapping"},
		// mappings
		{"a number for a map", shopDoc("deadlines: 5\n"), "expected a mapping (key: value), found a number (5)"},
		{"a number for a section", shopDoc("refund: 5\n"), "expected a mapping (key: value), found a number (5)"},
		{"a number for a window", shopDoc("windows: [5]\n"), "expected a mapping (key: value), found a number (5)"},
		{"a number for a document", "5\n", "line 1: expected a mapping (key: value), found a number (5)"},
		// Text
		{"text for zh and en", shopDoc("rules: [{id: r, explain: hello}]\n"), "expected a mapping with zh and en, such as {zh: 中文, en: English}, found text (hello)"},
		// spans: calendar.Span reads itself and says what a span looks like
		{"a list for a span", shopDoc("windows: [{length: [7]}]\n"), `line 7: want a span such as "7d", got a list`},
		{"an unknown unit", shopDoc("windows: [{length: 7x}]\n"), `unknown unit "x" in "7x"`},
		{"a bare number for a deadline", shopDoc("deadlines: {merchant_response: 48}\n"), `missing unit in "48"`},
		{"an empty deadline", shopDoc("deadlines: {merchant_response: ''}\n"), "empty span"},
		// numbers
		{"text for the version", "version: x\n", "line 1: expected a whole number, found text (x)"},
		{"text for a limit", shopDoc("reapply_limit: many\n"), "expected a whole number, found text (many)"},
		{"text for a rate", shopDoc("refund: {deductions: [{rate_bp: half}]}\n"), "expected a whole number, found text (half)"},
		{"text for a cap", shopDoc("refund: {max_inspection_deduction_bp: all}\n"), "expected a whole number, found text (all)"},
		{"true for a number", "version: true\n", "expected a whole number, found true or false (true)"},
		{"a date for a number", "version: 2026-01-01\n", "expected a whole number, found timestamp (2026-01-01)"},
		// booleans
		{"text for locked", shopDoc("windows: [{locked: yes please}]\n"), "expected true or false, found text (yes please)"},
		{"text for on_merchant_silence", shopDoc("auto_approve: {on_merchant_silence: sometimes}\n"), "expected true or false, found text (sometimes)"},
		// times
		{"a list for a time", shopDoc("effective_from: [2026]\n"), "expected an RFC 3339 time such as 2026-01-01T00:00:00+08:00, found a list"},
		{"a word for a time", shopDoc("effective_from: tomorrow\n"), `"tomorrow" is not an RFC 3339 time such as 2026-01-01T00:00:00+08:00`},
		{"a number for a time", shopDoc("effective_from: 20260101\n"), `"20260101" is not an RFC 3339 time`},
		// words
		{"a list for the layer", "layer: [merchant]\n", "line 1: expected a word, found a list"},
		{"a mapping for a window's start", shopDoc("windows: [{from: {event: signed}}]\n"), "expected a word, found a mapping"},
		{"a list for an effect", shopDoc("rules: [{effect: [refuse]}]\n"), "expected a word, found a list"},
		// text
		{"a list for the id", "id: [a, b]\n", "line 1: expected text, found a list"},
		{"a mapping for the source", shopDoc("source: {law: 消保法}\n"), "expected text, found a mapping"},
		// keys
		{"an unknown key", shopDoc("colour: red\n"), `line 7: unknown key "colour" (see docs/POLICY.md for the keys of this section)`},
		{"an unknown key in a section", shopDoc("windows: [{id: w, colour: red}]\n"), `unknown key "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.Parse([]byte(tt.doc))
			if err == nil {
				t.Fatal("Parse accepted the document")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err.Error(), tt.want)
			}
			if why := unreadable(err.Error()); why != "" {
				t.Errorf("error %q: %s", err.Error(), why)
			}
			if strings.Contains(err.Error(), "!!") || strings.Contains(err.Error(), "unmarshal") {
				t.Errorf("error %q shows YAML's internals", err.Error())
			}
		})
	}
}

// A condition that does not compile is refused on the key that holds it, with at most three
// issues, each with its position, naming the policy's variables and not Go types
// (errors.go, celIssues; cel.go, compileIn).
func TestConditionErrorsNameTheKeyThePositionAndTheVariables(t *testing.T) {
	tests := []struct {
		name, doc, field string
		want             []string
	}{
		{"five unknown names", conditionDoc("a + b + c + d + e"), "rules[0].when",
			[]string{"condition does not compile: at 1:1: undeclared reference to 'a'; at 1:5: undeclared reference to 'b'; at 1:9: undeclared reference to 'c'; and 2 more"}},
		// An issue longer than 200 bytes is cut short: the condition is the author's own, and
		// the error quotes it.
		{"a name of 300 letters", conditionDoc(strings.Repeat("n", 300) + " == 1"), "rules[0].when", []string{"at 1:1: undeclared reference to 'nnnn", "…"}},
		{"comparing the order with a number", conditionDoc("order > 1"), "rules[0].when", []string{"at 1:7:", "'(order, int)'"}},
		{"comparing the case with the customer", conditionDoc("case == customer"), "rules[0].when", []string{"'(case, customer)'"}},
		{"an item key that does not exist", conditionDoc("item.colour == 'red'"), "rules[0].when", []string{"at 1:5: undefined field 'colour'"}},
		{"a syntax error", conditionDoc("order.total >"), "rules[0].when", []string{"at 1:14: Syntax error"}},
		{"a number, not true or false", conditionDoc("order.total + 1"), "rules[0].when", []string{"condition must be true or false, not int"}},
		{"the order, not true or false", conditionDoc("order"), "rules[0].when", []string{"condition must be true or false, not order"}},
		{"tags, not true or false", conditionDoc("item.tags"), "rules[0].when", []string{"not list(string)"}},
		{"a window's condition", shopDoc("windows: [{id: w, name: {zh: 窗, en: w}, types: [exchange], from: signed, when: 'order.colour'}]\n"), "windows[0].when", []string{"undefined field 'colour'"}},
		{"a shipping rule's condition", shopDoc("return_shipping: [{id: s, payer: merchant, when: 'x'}]\n"), "return_shipping[0].when", []string{"undeclared reference to 'x'"}},
		{"the shipping fee condition", shopDoc("refund: {shipping_fee_when: 'order.shipped == 1'}\n"), "refund.shipping_fee_when", []string{"'(bool, int)'"}},
		{"a deduction's condition", shopDoc("refund: {deductions: [{id: d, explain: {zh: 扣, en: fee}, when: 'case.amount', rate_bp: 100}]}\n"), "refund.deductions[0].when", []string{"must be true or false, not int"}},
		{"an instant approval's condition", shopDoc("auto_approve: {instant: [{id: i, when: 'customer.risk_level'}]}\n"), "auto_approve.instant[0].when", []string{"not string"}},
		// Deadlines are decided from what a stored case keeps: no item, no customer.
		{"a deadline reading the item", shopDoc("deadlines: {merchant_response: [{when: 'item.category == \"fresh\"', span: 1d}, {span: 2d}]}\n"), "deadlines.merchant_response[0].when", []string{"undeclared reference to 'item'"}},
		{"a deadline reading the customer", shopDoc("deadlines: {merchant_response: [{when: 'customer.risk == \"high\"', span: 1d}, {span: 2d}]}\n"), "deadlines.merchant_response[0].when", []string{"undeclared reference to 'customer'"}},
		{"a deadline reading what a case does not keep", shopDoc("deadlines: {merchant_response: [{when: 'order.total > 100', span: 1d}, {span: 2d}]}\n"), "deadlines.merchant_response[0].when", []string{"undefined field 'total'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newEngine(t).Load([]byte(tt.doc))
			checkParseError(t, err, tt.field, "condition")
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want %q", err.Error(), w)
				}
			}
			if n := strings.Count(err.Error(), "; at "); n > 2 {
				t.Errorf("error %q lists %d issues, want at most three", err.Error(), n+1)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
			if !strings.Contains(err.Error(), "shop-rules@1") && !strings.Contains(err.Error(), "m@1") {
				t.Errorf("error %q does not name the document", err.Error())
			}
		})
	}
}
