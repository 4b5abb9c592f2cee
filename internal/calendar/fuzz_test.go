package calendar

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// goisms are fragments of Go's own vocabulary that must not leak into an
// error an operator reads, unless the input itself contained them.
var goisms = []string{"calendar.", "map[", "[]calendar", "[]string", "[]uint8", "*calendar", "reflect", "yaml.Node", "!!", "interface {", "%!", "<nil>", "struct {"}

func checkReadable(t *testing.T, input []byte, err error) {
	t.Helper()
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("empty error for %q", input)
	}
	for _, g := range goisms {
		if strings.Contains(msg, g) && !bytes.Contains(input, []byte(g)) {
			t.Fatalf("error for %q leaks %q: %s", input, g, msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(prcYAML)
	for _, name := range []string{"split_hours.yaml", "company_2028.yaml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("name: x\ntime_zone: UTC\nweekend: []\nworking_hours: [{from: \"00:00\", to: \"24:00\"}]\n"))
	f.Add([]byte("years:\n  2025:\n    source: s\n    holidays: [{name: {zh: a, en: b}, from: 2025-01-01, to: 2025-01-03}]\n    make_up_days: [2025-01-02]\n"))
	f.Add([]byte("working_hours: [{from: \"12:00\", to: \"09:00\"}, {from: \"08:00\", to: \"10:00\"}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// As a base file and as an extension of prc.yaml.
		for _, files := range [][][]byte{{data}, {prcYAML, data}} {
			c, err := Parse(files[0], files[1:]...)
			if err != nil {
				checkReadable(t, data, err)
				continue
			}
			// A calendar that parses must count without hanging or panicking.
			start := time.Date(2025, 12, 30, 17, 0, 0, 0, time.UTC)
			c.AddWorkingDays(start, 40)
			end := c.AddBusinessHours(start, 100*time.Hour)
			if got := c.BusinessDuration(start, end); got != 100*time.Hour {
				t.Fatalf("BusinessDuration after AddBusinessHours = %v", got)
			}
		}
	})
}

func FuzzParseSpan(f *testing.F) {
	for _, s := range []string{"30s", "15m", "24h", "7d", "3wd", "8bh", "6mo", "1y", "", "3x", "-1d", "07d", "9223372036854775808d", "3.5wd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		span, err := ParseSpan(s)
		if err != nil {
			checkReadable(t, []byte(s), err)
			return
		}
		if span.String() != s {
			t.Fatalf("ParseSpan(%q).String() = %q", s, span.String())
		}
		if _, err := span.MarshalText(); err != nil {
			t.Fatalf("MarshalText(%q): %v", s, err)
		}
	})
}
