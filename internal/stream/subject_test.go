package stream

import (
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

func TestSubject(t *testing.T) {
	for _, c := range []struct{ merchant, event, want string }{
		{"m-1", "case.created", "aftersales.m-1.case.created"},
		{"acme_EU", "case.approve", "aftersales.acme_EU.case.approve"},
		{"", "case.created", "aftersales._platform.case.created"},
		{"shop two", "case.approve", "aftersales.shop_two.case.approve"},
		{"a.b", "case.created", "aftersales.a_b.case.created"},
		{"*", "case.created", "aftersales._.case.created"},
		{">", "case.created", "aftersales._.case.created"},
		{"m\t\n", "case.created", "aftersales.m__.case.created"},
		{"Müller", "case.created", "aftersales.M_ller.case.created"},
		{"日本", "case.created", "aftersales.__.case.created"},
		{"m", "", "aftersales.m._"},
		{"m", "case..x", "aftersales.m.case._.x"},
		{"m", ".case.", "aftersales.m._.case._"},
		{"m", "case.*", "aftersales.m.case._"},
		{"m", "case.>", "aftersales.m.case._"},
		{"m", "case created", "aftersales.m.case_created"},
		{"m", "case.refund.issued", "aftersales.m.case.refund.issued"},
	} {
		if got := Subject(c.merchant, c.event); got != c.want {
			t.Errorf("Subject(%q, %q) = %q, want %q", c.merchant, c.event, got, c.want)
		}
	}
}

func FuzzSubject(f *testing.F) {
	for _, s := range [][2]string{{"m-1", "case.created"}, {"", ""}, {"a.b", "case..x"}, {"*", ">"}, {"shop two", " case.approve "}, {"Müller\x00\xff", "é.\t."}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, merchant, event string) {
		s := Subject(merchant, event)
		if !strings.HasPrefix(s, "aftersales.") {
			t.Fatalf("%q does not start with aftersales.", s)
		}
		if !server.IsValidLiteralSubject(s) {
			t.Fatalf("%q is not a valid literal subject", s)
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
				t.Fatalf("%q holds %q", s, c)
			}
		}
		tokens := strings.Split(s, ".")
		for _, tok := range tokens {
			if tok == "" || tok == "*" || tok == ">" {
				t.Fatalf("%q has token %q", s, tok)
			}
		}
		// The merchant is exactly one token, the event keeps its tokens.
		if want := 2 + strings.Count(event, ".") + 1; len(tokens) != want {
			t.Fatalf("%q has %d tokens, want %d", s, len(tokens), want)
		}
		if merchant != "" && len([]rune(merchant)) != len(tokens[1]) {
			t.Fatalf("merchant %q became %q", merchant, tokens[1])
		}
		if Subject(merchant, event) != s {
			t.Fatal("not deterministic")
		}
	})
}
