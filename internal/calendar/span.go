package calendar

import (
	"errors"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Unit is the unit of a Span.
type Unit int

// The units of a Span, with their suffixes in policies.
const (
	Second       Unit = iota // "s"
	Minute                   // "m"
	Hour                     // "h"
	Day                      // "d": calendar days
	WorkingDay               // "wd": working days (工作日)
	BusinessHour             // "bh": hours within working hours on working days
	Month                    // "mo"
	Year                     // "y"
)

var unitSuffixes = [...]string{
	Second: "s", Minute: "m", Hour: "h", Day: "d",
	WorkingDay: "wd", BusinessHour: "bh", Month: "mo", Year: "y",
}

const unitHelp = "use s, m, h, d, wd, bh, mo or y"

func (u Unit) valid() bool { return u >= 0 && int(u) < len(unitSuffixes) }

// Span is a length of time as written in policies: "30s", "15m", "24h",
// "7d", "3wd" (working days), "8bh" (business hours), "6mo", "1y". N is at
// least 0. The zero Span is "0s", a period that ends where it starts.
type Span struct {
	N    int
	Unit Unit
}

// ParseSpan parses a span: a whole number without sign or leading zeros,
// then a unit suffix, with nothing around them.
func ParseSpan(s string) (Span, error) {
	if s == "" {
		return Span{}, errors.New(`empty span: write a whole number and a unit, such as "7d"`)
	}
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	num, suffix := s[:i], s[i:]
	if num == "" || !isLetters(suffix) {
		return Span{}, fmt.Errorf(`bad span %s: want a whole number ≥ 0 and a unit, such as "7d"`, quote(s))
	}
	if len(num) > 1 && num[0] == '0' {
		return Span{}, fmt.Errorf(`bad span %s: the number has a leading zero`, quote(s))
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return Span{}, fmt.Errorf("bad span %s: the number is too large", quote(s))
	}
	if suffix == "" {
		return Span{}, fmt.Errorf("missing unit in %s: %s", quote(s), unitHelp)
	}
	for u, suf := range unitSuffixes {
		if suf == suffix {
			return Span{N: n, Unit: Unit(u)}, nil
		}
	}
	return Span{}, fmt.Errorf("unknown unit %s in %s: %s", quote(suffix), quote(s), unitHelp)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// String formats s as ParseSpan reads it, such as "3wd". A span ParseSpan
// would reject (N < 0, or a Unit that is not one of the constants) is
// formatted so that it is recognisably broken, such as "-1d" or "3(unit 42)".
func (s Span) String() string {
	if !s.Unit.valid() {
		return fmt.Sprintf("%d(unit %d)", s.N, int(s.Unit))
	}
	return strconv.Itoa(s.N) + unitSuffixes[s.Unit]
}

// IsZero reports whether s is a period of no length (N is 0, whatever the
// unit). YAML's omitempty uses it.
func (s Span) IsZero() bool { return s.N == 0 }

func (s Span) check() error {
	if s.N < 0 || !s.Unit.valid() {
		return fmt.Errorf("invalid span %s: want N ≥ 0 and a known unit", s)
	}
	return nil
}

// MarshalText formats s as String does; it fails for a span ParseSpan would
// reject.
func (s Span) MarshalText() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return []byte(s.String()), nil
}

// UnmarshalText parses text with ParseSpan.
func (s *Span) UnmarshalText(text []byte) error {
	v, err := ParseSpan(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalYAML writes s as a plain string such as "3wd".
func (s Span) MarshalYAML() (any, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.String(), nil
}

// UnmarshalYAML reads a span written as a string such as "3wd"; errors name
// the line.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf(`line %d: want a span such as "7d", got %s`, n.Line, kindName(n.Kind))
	}
	v, err := ParseSpan(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = v
	return nil
}
