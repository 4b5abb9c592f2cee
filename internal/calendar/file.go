package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The raw* types mirror the YAML schema of data/prc.yaml. Leaves are kept as
// written (scalar) so that validation can name the field and the line.
type rawFile struct {
	Name         scalar             `yaml:"name"`
	TimeZone     scalar             `yaml:"time_zone"`
	Weekend      *[]scalar          `yaml:"weekend"`
	WorkingHours *[]rawInterval     `yaml:"working_hours"`
	Years        map[string]rawYear `yaml:"years"`
}

type rawInterval struct {
	From scalar `yaml:"from"`
	To   scalar `yaml:"to"`
}

type rawYear struct {
	Source      scalar       `yaml:"source"`
	Provisional scalar       `yaml:"provisional"`
	Holidays    []rawHoliday `yaml:"holidays"`
	MakeUpDays  []scalar     `yaml:"make_up_days"`
}

type rawHoliday struct {
	Name rawText `yaml:"name"`
	From scalar  `yaml:"from"`
	To   scalar  `yaml:"to"`
}

type rawText struct {
	ZH scalar `yaml:"zh"`
	EN scalar `yaml:"en"`
}

// scalar is a YAML leaf as written. A missing or null key leaves it zero.
type scalar struct {
	value string
	line  int
	kind  yaml.Kind
}

// UnmarshalYAML never fails: what is wrong with a value is reported by
// validation, which knows the field's path.
func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	*s = scalar{value: n.Value, line: n.Line, kind: n.Kind}
	return nil
}

func (s scalar) missing() bool { return s.kind == 0 }

// file is one validated calendar file.
type file struct {
	name     string
	loc      *time.Location
	weekend  *[7]bool
	hours    []interval
	years    []fileYear // in ascending order
	kinds    map[day]dayKind
	holidays map[day]Text
}

type fileYear struct {
	year        int
	source      string
	provisional *bool
}

// parseFile decodes and validates one file. The base file must set every
// top-level field but years.
func parseFile(data []byte, base bool) (*file, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var raw rawFile
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, readableYAMLError(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, fmt.Errorf("line %d: a second YAML document starts here; put everything in one document", next.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, readableYAMLError(err)
	}

	v := validator{f: &file{kinds: make(map[day]dayKind), holidays: make(map[day]Text)}, origin: make(map[day]string)}
	v.header(&raw, base)
	v.years(raw.Years)
	if len(v.problems) > 0 {
		return nil, errors.New(strings.Join(v.problems, "; "))
	}
	return v.f, nil
}

type validator struct {
	f        *file
	problems []string
	origin   map[day]string // where in the file a date was listed
}

func (v *validator) report(line int, path, format string, args ...any) {
	msg := path + ": " + fmt.Sprintf(format, args...)
	if line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	v.problems = append(v.problems, msg)
}

// text returns the value of a present scalar; a list or mapping where a
// single value belongs is reported.
func (v *validator) text(s scalar, path string) (string, bool) {
	if s.kind == yaml.ScalarNode {
		return s.value, true
	}
	v.report(s.line, path, "want a single value, got %s", kindName(s.kind))
	return "", false
}

// required returns the value of s, reporting it when missing or empty.
func (v *validator) required(s scalar, path, hint string) (string, bool) {
	if s.missing() {
		v.report(0, path, "missing%s", hint)
		return "", false
	}
	t, ok := v.text(s, path)
	if ok && strings.TrimSpace(t) == "" {
		v.report(s.line, path, "must not be empty")
		return "", false
	}
	return t, ok
}

func (v *validator) header(raw *rawFile, base bool) {
	if base || !raw.Name.missing() {
		if name, ok := v.required(raw.Name, "name", ` (a short name such as "prc")`); ok {
			v.f.name = name
		}
	}
	if base || !raw.TimeZone.missing() {
		if tz, ok := v.required(raw.TimeZone, "time_zone", " (an IANA zone such as Asia/Shanghai)"); ok {
			v.timeZone(raw.TimeZone.line, tz)
		}
	}
	switch {
	case raw.Weekend != nil:
		v.weekend(*raw.Weekend)
	case base:
		v.report(0, "weekend", "missing (write [] for a calendar without weekend days)")
	}
	switch {
	case raw.WorkingHours != nil:
		v.workingHours(*raw.WorkingHours)
	case base:
		v.report(0, "working_hours", `missing (a list such as [{from: "09:00", to: "18:00"}])`)
	}
}

func (v *validator) timeZone(line int, tz string) {
	if tz == "Local" {
		v.report(line, "time_zone", `"Local" depends on the machine; name the zone, such as Asia/Shanghai`)
		return
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		v.report(line, "time_zone", "unknown time zone %s (want an IANA name such as Asia/Shanghai)", quote(tz))
		return
	}
	v.f.loc = loc
}

var weekdays = map[string]time.Weekday{
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
}

func (v *validator) weekend(list []scalar) {
	var w [7]bool
	for i, s := range list {
		path := fmt.Sprintf("weekend[%d]", i)
		name, ok := v.text(s, path)
		if !ok {
			continue
		}
		wd, known := weekdays[name]
		switch {
		case !known:
			v.report(s.line, path, "unknown day %s: want monday, tuesday, wednesday, thursday, friday, saturday or sunday", quote(name))
		case w[wd]:
			v.report(s.line, path, "%s is listed twice", name)
		default:
			w[wd] = true
		}
	}
	if !slices.Contains(w[:], false) {
		v.report(0, "weekend", "every day of the week is a weekend day; at least one must be a working day")
		return
	}
	v.f.weekend = &w
}

func (v *validator) workingHours(list []rawInterval) {
	if len(list) == 0 {
		v.report(0, "working_hours", `empty: list at least one interval, such as {from: "09:00", to: "18:00"}`)
		return
	}
	type span struct {
		interval
		path string
	}
	var spans []span
	for i, raw := range list {
		path := fmt.Sprintf("working_hours[%d]", i)
		from, ok1 := v.clock(raw.From, path+".from")
		to, ok2 := v.clock(raw.To, path+".to")
		if !ok1 || !ok2 {
			continue
		}
		if to <= from {
			v.report(raw.To.line, path, "to %s is not after from %s", raw.To.value, raw.From.value)
			continue
		}
		spans = append(spans, span{interval{from, to}, path})
	}
	if len(spans) < len(list) {
		return
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.from - b.from) })
	hours := []interval{spans[0].interval}
	for i := 1; i < len(spans); i++ {
		prev, cur := spans[i-1], spans[i]
		switch {
		case cur.from < prev.to:
			v.report(0, cur.path, "%s–%s overlaps %s (%s–%s)", clockString(cur.from), clockString(cur.to),
				prev.path, clockString(prev.from), clockString(prev.to))
		case cur.from == hours[len(hours)-1].to: // touching: one stretch
			hours[len(hours)-1].to = cur.to
		default:
			hours = append(hours, cur.interval)
		}
	}
	v.f.hours = hours
}

// clock parses "HH:MM", 00:00 to 24:00, into nanoseconds since midnight.
func (v *validator) clock(s scalar, path string) (int64, bool) {
	if s.missing() {
		v.report(0, path, `missing (a time such as "09:00")`)
		return 0, false
	}
	t, ok := v.text(s, path)
	if !ok {
		return 0, false
	}
	h, m, found := strings.Cut(t, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !found || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil ||
		hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		v.report(s.line, path, "bad time %s: want HH:MM between 00:00 and 24:00", quote(t))
		return 0, false
	}
	return int64(hh*60+mm) * int64(time.Minute), true
}

func clockString(ns int64) string {
	m := ns / int64(time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

func (v *validator) years(raw map[string]rawYear) {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		year, err := strconv.Atoi(k)
		if err != nil || len(k) != 4 || year < 1000 {
			v.report(0, "years", "%s is not a year: want four digits such as 2028", quote(k))
			continue
		}
		v.year(year, raw[k])
	}
}

func (v *validator) year(year int, raw rawYear) {
	path := fmt.Sprintf("years.%d", year)
	fy := fileYear{year: year}
	if src, ok := v.required(raw.Source, path+".source", " (the notice or memo the dates come from)"); ok {
		fy.source = src
	}
	if !raw.Provisional.missing() {
		if t, ok := v.text(raw.Provisional, path+".provisional"); ok {
			if p := t == "true"; p || t == "false" {
				fy.provisional = &p
			} else {
				v.report(raw.Provisional.line, path+".provisional", "want true or false, got %s", quote(t))
			}
		}
	}
	v.f.years = append(v.f.years, fy)

	// A year's dates lie in the year, or in the December before it when New
	// Year's Day is bridged to a weekend (the 2019 notice: 2018-12-30 to
	// 2019-01-01 off, Saturday 2018-12-29 worked).
	lo, hi := dayOf(year-1, time.December, 1), dayOf(year, time.December, 31)
	for i, h := range raw.Holidays {
		hp := fmt.Sprintf("%s.holidays[%d]", path, i)
		name := Text{}
		name.ZH, _ = v.required(h.Name.ZH, hp+".name.zh", " (the holiday's Chinese name)")
		name.EN, _ = v.required(h.Name.EN, hp+".name.en", " (the holiday's English name)")
		from, ok := v.date(h.From, hp+".from", lo, hi, year, true)
		to := from
		if !h.To.missing() {
			var okTo bool
			to, okTo = v.date(h.To, hp+".to", lo, hi, year, false)
			if ok && okTo && to < from {
				v.report(h.To.line, hp+".to", "%s is before from %s", to, from)
				continue
			}
			ok = ok && okTo
		}
		if !ok || name.ZH == "" || name.EN == "" {
			continue
		}
		if d, where, dup := v.listed(from, to); dup {
			v.report(h.From.line, hp, "%s is already listed in %s", d, where)
			continue
		}
		for d := from; d <= to; d++ {
			v.origin[d] = hp
			v.f.kinds[d] = holiday
			v.f.holidays[d] = name
		}
	}
	for i, s := range raw.MakeUpDays {
		mp := fmt.Sprintf("%s.make_up_days[%d]", path, i)
		d, ok := v.date(s, mp, lo, hi, year, true)
		if !ok {
			continue
		}
		if where, dup := v.origin[d]; dup {
			what := "already listed in"
			if v.f.kinds[d] == holiday {
				what = "a make-up working day cannot also be a holiday, but it is listed in"
			}
			v.report(s.line, mp, "%s: %s %s", d, what, where)
			continue
		}
		v.origin[d] = mp
		v.f.kinds[d] = makeUpWork
	}
}

// listed returns the first date in [from, to] listed earlier in the file.
func (v *validator) listed(from, to day) (day, string, bool) {
	for d := from; d <= to; d++ {
		if where, ok := v.origin[d]; ok {
			return d, where, true
		}
	}
	return 0, "", false
}

// date parses a YYYY-MM-DD date that must lie in [lo, hi].
func (v *validator) date(s scalar, path string, lo, hi day, year int, required bool) (day, bool) {
	if s.missing() {
		if required {
			v.report(0, path, "missing (a date such as %d-01-01)", year)
		}
		return 0, false
	}
	t, ok := v.text(s, path)
	if !ok {
		return 0, false
	}
	tm, err := time.Parse(time.DateOnly, t)
	if err != nil {
		v.report(s.line, path, "bad date %s: want YYYY-MM-DD, such as %d-01-01", quote(t), year)
		return 0, false
	}
	d := dayOf(tm.Date())
	if d < lo || d > hi {
		v.report(s.line, path, "%s is outside %d (a year's dates may start in the December before it, no earlier)", d, year)
		return 0, false
	}
	return d, true
}

// quote quotes a value from the file for an error message, shortened if long.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return strconv.Quote(s)
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "a single value"
}
