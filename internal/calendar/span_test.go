package calendar

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Spans as policies write them (SPEC: "7d", "3wd", "8bh", …).
func TestParseSpanReadsEveryUnit(t *testing.T) {
	tests := map[string]Span{
		"30s": {30, Second}, "15m": {15, Minute}, "24h": {24, Hour}, "7d": {7, Day},
		"3wd": {3, WorkingDay}, "8bh": {8, BusinessHour}, "6mo": {6, Month}, "1y": {1, Year},
		"0d": {0, Day}, "0s": {},
	}
	for in, want := range tests {
		got, err := ParseSpan(in)
		if err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), in)
		}
	}
}

func TestParseSpanRejectsWithAClearMessage(t *testing.T) {
	tests := map[string]string{
		"":                      `empty span: write a whole number and a unit, such as "7d"`,
		"3x":                    `unknown unit "x" in "3x": use s, m, h, d, wd, bh, mo or y`,
		"7D":                    `unknown unit "D" in "7D"`,
		"3":                     `missing unit in "3": use s, m, h, d, wd, bh, mo or y`,
		"d":                     `bad span "d": want a whole number ≥ 0 and a unit`,
		"-3d":                   `bad span "-3d"`,
		"+3d":                   `bad span "+3d"`,
		" 3d":                   `bad span " 3d"`,
		"3d ":                   `bad span "3d "`,
		"3.5d":                  `bad span "3.5d"`,
		"3d4h":                  `bad span "3d4h"`,
		"07d":                   `bad span "07d": the number has a leading zero`,
		"99999999999999999999d": `the number is too large`,
	}
	for in, want := range tests {
		_, err := ParseSpan(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSpan(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestSpanIsZero(t *testing.T) {
	if !(Span{}).IsZero() || !(Span{0, WorkingDay}).IsZero() || (Span{1, Second}).IsZero() {
		t.Error("IsZero should report N == 0")
	}
}

func TestSpanEmbedsInPolicies(t *testing.T) {
	type policy struct {
		Window   Span `yaml:"window" json:"window"`
		Optional Span `yaml:"optional,omitempty" json:"optional,omitzero"`
	}
	var p policy
	if err := yaml.Unmarshal([]byte("window: 3wd\n"), &p); err != nil || p.Window != (Span{3, WorkingDay}) {
		t.Fatalf("yaml.Unmarshal = %v, %v", p, err)
	}
	out, err := yaml.Marshal(p)
	if err != nil || string(out) != "window: 3wd\n" {
		t.Errorf("yaml.Marshal = %q, %v", out, err)
	}
	j, err := json.Marshal(p)
	if err != nil || string(j) != `{"window":"3wd"}` {
		t.Errorf("json.Marshal = %s, %v", j, err)
	}
	var back policy
	if err := json.Unmarshal(j, &back); err != nil || back != p {
		t.Errorf("json round trip = %v, %v", back, err)
	}

	for in, want := range map[string]string{
		"window: 3x\n":   `line 1: unknown unit "x" in "3x"`,
		"window: [3d]\n": `line 1: want a span such as "7d", got a list`,
	} {
		if err := yaml.Unmarshal([]byte(in), &p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("yaml.Unmarshal(%q) error = %v, want %q", in, err, want)
		}
	}
	if err := json.Unmarshal([]byte(`{"window":"7"}`), &p); err == nil || !strings.Contains(err.Error(), "missing unit") {
		t.Errorf("json.Unmarshal error = %v", err)
	}
}

func TestInvalidSpansDoNotMarshal(t *testing.T) {
	for _, s := range []Span{{-1, Day}, {3, Unit(42)}, {3, Unit(-1)}} {
		if _, err := s.MarshalText(); err == nil {
			t.Errorf("%v.MarshalText succeeded", s)
		}
		if _, err := s.MarshalYAML(); err == nil {
			t.Errorf("%v.MarshalYAML succeeded", s)
		}
		if _, err := ParseSpan(s.String()); err == nil {
			t.Errorf("ParseSpan(%q) accepted an invalid span", s)
		}
	}
	if got := (Span{3, Unit(42)}).String(); got != "3(unit 42)" {
		t.Errorf("String = %q", got)
	}
}
