package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestExtensionAddsAYear(t *testing.T) {
	c := MustParse(t, "company_2028.yaml")
	if c.Name() != "acme" {
		t.Errorf("Name = %q, want the extension's acme", c.Name())
	}
	if c.Provisional(2028) {
		t.Error("2028 has data now: not provisional")
	}
	tests := []struct {
		date    string
		working bool
	}{
		{"2027-12-31", false}, // a holiday starting in the December before its year
		{"2028-01-03", true},
		{"2028-01-22", true}, // make-up Saturday
		{"2028-01-25", false},
		{"2028-02-01", true},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(at(t, tt.date)); got != tt.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.date, got, tt.working)
		}
	}
	// 2028-01-24 Mon + 1wd: 01-25..01-31 off → 02-01.
	if got := c.AddWorkingDays(at(t, "2028-01-24 10:00"), 1); !got.Equal(at(t, "2028-02-02")) {
		t.Errorf("AddWorkingDays over the 2028 Spring Festival = %v", got)
	}
}

func TestExtensionOverridesADay(t *testing.T) {
	c := MustParse(t, "company_2028.yaml")
	if c.IsWorkingDay(at(t, "2025-05-06")) {
		t.Error("the company gala (an ordinary Tuesday) should be a day off")
	}
	if name, ok := c.Holiday(at(t, "2025-05-06")); !ok || name.EN != "Company Gala" {
		t.Errorf("Holiday(2025-05-06) = %v, %v", name, ok)
	}
	// The published 2027 notice extends 春节 beyond the statutory days.
	if c.Provisional(2027) || c.IsWorkingDay(at(t, "2027-02-10")) || !c.IsWorkingDay(at(t, "2027-02-20")) {
		t.Error("the extension's 2027 notice should replace the provisional statutory days")
	}
	if !Default().Provisional(2027) {
		t.Error("Default must not change when another calendar is parsed")
	}
}

func TestExtensionRemovesAHolidayByMakeUpDay(t *testing.T) {
	c := MustParse(t, "company_2028.yaml")
	d := at(t, "2025-10-08") // 国办发明电〔2024〕12号: a day of 国庆节、中秋节
	if !c.IsWorkingDay(d) {
		t.Error("2025-10-08 listed as a make-up day should be a working day")
	}
	if _, ok := c.Holiday(d); ok {
		t.Error("2025-10-08 should no longer be a holiday")
	}
	if _, ok := c.Holiday(at(t, "2025-10-07")); !ok {
		t.Error("the rest of the holiday stays")
	}
}

func TestLaterExtensionsOverrideEarlierOnes(t *testing.T) {
	first := "years:\n  2025:\n    source: a\n    make_up_days: [2025-03-15]\n"
	second := "years:\n  2025:\n    source: b\n    provisional: true\n    holidays: [{name: {zh: 休, en: Off}, from: 2025-03-15}]\n"
	c := mustParseBytes(t, string(prcYAML), first, second)
	if c.IsWorkingDay(at(t, "2025-03-15")) || !c.Provisional(2025) || c.years[2025].source != "b" {
		t.Error("the second extension should win for 2025-03-15")
	}
	c = mustParseBytes(t, string(prcYAML), second, first)
	if !c.IsWorkingDay(at(t, "2025-03-15")) || !c.Provisional(2025) || c.years[2025].source != "a" {
		t.Error("the first extension, applied last, should win for 2025-03-15")
	}
}

func TestExtensionChangesZoneWeekendAndHours(t *testing.T) {
	ext := "time_zone: Europe/Berlin\nweekend: [sunday]\nworking_hours: [{from: \"08:00\", to: \"12:00\"}, {from: \"12:00\", to: \"16:00\"}]\n"
	c := mustParseBytes(t, string(prcYAML), ext)
	if c.Location().String() != "Europe/Berlin" || c.Name() != "prc" {
		t.Errorf("got %v %q", c.Location(), c.Name())
	}
	if !c.IsWorkingDay(time.Date(2030, 3, 9, 12, 0, 0, 0, c.Location())) { // a Saturday
		t.Error("Saturday should work with weekend [sunday]")
	}
	if len(c.hours) != 1 || c.dailyWork != int64(8*time.Hour) {
		t.Errorf("touching intervals should merge: %v", c.hours)
	}
}

func TestValidationErrorsNameTheField(t *testing.T) {
	const head = "name: x\ntime_zone: Asia/Shanghai\nweekend: [saturday, sunday]\nworking_hours: [{from: \"09:00\", to: \"18:00\"}]\n"
	year := func(body string) string { return head + "years:\n  2025:\n    source: s\n" + body }
	tests := []struct {
		name string
		base string
		ext  string // when set, the base is head and this is the extension
		want []string
	}{
		{"empty file", "", "", []string{"calendar base file: the file is empty"}},
		{"two documents", head + "---\nname: y\n", "", []string{"line 5: a second YAML document"}},
		{"syntax error", "name: [x\n", "", []string{"calendar base file: yaml: line"}},
		{"missing everything", "years: {}\n", "", []string{"name: missing", "time_zone: missing", "weekend: missing", "working_hours: missing"}},
		{"empty name", strings.Replace(head, "name: x", `name: ""`, 1), "", []string{`line 1: name: must not be empty`}},
		{"list for a name", strings.Replace(head, "name: x", `name: [a]`, 1), "", []string{`line 1: name: want a single value, got a list`}},
		{"unknown time zone", strings.Replace(head, "Asia/Shanghai", "Mars/Olympus", 1), "", []string{`line 2: time_zone: unknown time zone "Mars/Olympus"`}},
		{"Local time zone", strings.Replace(head, "Asia/Shanghai", "Local", 1), "", []string{`time_zone: "Local" depends on the machine`}},
		{"unknown weekday", strings.Replace(head, "saturday,", "sat,", 1), "", []string{`line 3: weekend[0]: unknown day "sat"`}},
		{"weekday twice", strings.Replace(head, "saturday,", "sunday,", 1), "", []string{`weekend[1]: sunday is listed twice`}},
		{"mapping as weekday", strings.Replace(head, "saturday,", "{a: b},", 1), "", []string{`weekend[0]: want a single value, got a mapping`}},
		{"no working day", strings.Replace(head, "[saturday, sunday]", "[monday, tuesday, wednesday, thursday, friday, saturday, sunday]", 1), "", []string{`weekend: every day of the week`}},
		{"no working hours", strings.Replace(head, `[{from: "09:00", to: "18:00"}]`, "[]", 1), "", []string{`working_hours: empty`}},
		{"inverted hours", strings.Replace(head, `to: "18:00"`, `to: "08:00"`, 1), "", []string{`working_hours[0]: to 08:00 is not after from 09:00`}},
		{"overlapping hours", strings.Replace(head, `[{from: "09:00", to: "18:00"}]`, `[{from: "13:00", to: "18:00"}, {from: "09:00", to: "13:30"}]`, 1), "",
			[]string{`working_hours[0]: 13:00–18:00 overlaps working_hours[1] (09:00–13:30)`}},
		{"bad clock", strings.Replace(head, `"09:00"`, `"9:00"`, 1), "", []string{`line 4: working_hours[0].from: bad time "9:00"`}},
		{"24:30", strings.Replace(head, `"18:00"`, `"24:30"`, 1), "", []string{`working_hours[0].to: bad time "24:30"`}},
		{"missing clock", strings.Replace(head, `, to: "18:00"`, ``, 1), "", []string{`working_hours[0].to: missing`}},
		{"list as clock", strings.Replace(head, `"18:00"`, `[18]`, 1), "", []string{`working_hours[0].to: want a single value, got a list`}},
		{"bad year key", head + "years:\n  20x5:\n    source: s\n", "", []string{`years: "20x5" is not a year`}},
		{"missing source", head + "years:\n  2025:\n    holidays: []\n", "", []string{`years.2025.source: missing`}},
		{"bad provisional", year("    provisional: maybe\n"), "", []string{`line 8: years.2025.provisional: want true or false, got "maybe"`}},
		{"yes is not a boolean", year("    provisional: yes\n"), "", []string{`years.2025.provisional: want true or false, got "yes"`}},
		{"list as provisional", year("    provisional: [true]\n"), "", []string{`years.2025.provisional: want a single value`}},
		{"bad date", year("    holidays: [{name: {zh: 休, en: Off}, from: 2025-02-30}]\n"), "", []string{`line 8: years.2025.holidays[0].from: bad date "2025-02-30": want YYYY-MM-DD`}},
		{"missing from", year("    holidays: [{name: {zh: 休, en: Off}}]\n"), "", []string{`years.2025.holidays[0].from: missing`}},
		{"missing names", year("    holidays: [{from: 2025-03-03}]\n"), "", []string{`years.2025.holidays[0].name.zh: missing`, `years.2025.holidays[0].name.en: missing`}},
		{"to before from", year("    holidays: [{name: {zh: 休, en: Off}, from: 2025-03-05, to: 2025-03-03}]\n"), "", []string{`years.2025.holidays[0].to: 2025-03-03 is before from 2025-03-05`}},
		{"bad to", year("    holidays: [{name: {zh: 休, en: Off}, from: 2025-03-05, to: March}]\n"), "", []string{`years.2025.holidays[0].to: bad date "March"`}},
		{"date outside the year", year("    holidays: [{name: {zh: 休, en: Off}, from: 2026-01-01}]\n"), "", []string{`years.2025.holidays[0].from: 2026-01-01 is outside 2025`}},
		{"holiday overlaps holiday", year("    holidays:\n      - {name: {zh: 休, en: Off}, from: 2025-03-03, to: 2025-03-05}\n      - {name: {zh: 休, en: Off}, from: 2025-03-05}\n"), "",
			[]string{`years.2025.holidays[1]: 2025-03-05 is already listed in years.2025.holidays[0]`}},
		{"holiday and make-up day", year("    holidays: [{name: {zh: 休, en: Off}, from: 2025-03-03, to: 2025-03-05}]\n    make_up_days: [2025-03-04]\n"), "",
			[]string{`years.2025.make_up_days[0]: 2025-03-04: a make-up working day cannot also be a holiday, but it is listed in years.2025.holidays[0]`}},
		{"make-up day twice", year("    make_up_days: [2025-03-08, 2025-03-08]\n"), "", []string{`years.2025.make_up_days[1]: 2025-03-08: already listed in years.2025.make_up_days[0]`}},
		{"bad make-up day", year("    make_up_days: [tomorrow]\n"), "", []string{`years.2025.make_up_days[0]: bad date "tomorrow"`}},
		{"unknown top-level key", head + "holidays: []\n", "", []string{`line 5: unknown key "holidays" in the top level (a mapping with keys name, time_zone, weekend, working_hours, years)`}},
		{"unknown year key", year("    notes: x\n"), "", []string{`line 8: unknown key "notes" in a year (a mapping with keys source, provisional, holidays, make_up_days)`}},
		{"unknown holiday key", year("    holidays: [{name: {zh: 休, en: Off}, from: 2025-03-03, until: 2025-03-04}]\n"), "", []string{`unknown key "until" in a holiday`}},
		{"unknown name key", year("    holidays: [{name: {zh: 休, fr: Congé}, from: 2025-03-03}]\n"), "", []string{`unknown key "fr" in a holiday name (a mapping with keys zh, en)`}},
		{"unknown hours key", strings.Replace(head, `to: "18:00"`, `until: "18:00"`, 1), "", []string{`unknown key "until" in a working_hours interval`}},
		{"key twice", year("    source: t\n"), "", []string{`line 8: mapping key "source" already defined at line 7`}},
		{"year twice", head + "years:\n  2025: {source: a}\n  2025: {source: b}\n", "", []string{`mapping key "2025" already defined`}},
		{"scalar file", "hello\n", "", []string{`line 1: want a mapping with keys name, time_zone, weekend, working_hours, years, got text`}},
		{"list of years", head + "years: [2025]\n", "", []string{`line 5: want a mapping from year (such as 2028) to that year's data, got a list`}},
		{"holidays as mapping", year("    holidays: {a: b}\n"), "", []string{`want a list of holidays, got a mapping`}},
		{"hours as mapping", strings.Replace(head, `[{from: "09:00", to: "18:00"}]`, `{from: "09:00"}`, 1), "", []string{`line 4: want a list of intervals`}},
		{"weekend as text", strings.Replace(head, `[saturday, sunday]`, `saturday`, 1), "", []string{`line 3: want a list, got text`}},
		{"name as text", year("    holidays: [{name: 休, from: 2025-03-03}]\n"), "", []string{`want a mapping with keys zh, en, got text`}},
		{"custom tag", head + "years: !foo [1]\n", "", []string{`got a value tagged "!foo"`}},
		{"extension is checked too", head, "time_zone: Nowhere/Land\n", []string{`calendar extension file 1: line 1: time_zone: unknown time zone "Nowhere/Land"`}},
		{"extension without header is fine but checked", head, "years:\n  2025: {}\n", []string{`calendar extension file 1: years.2025.source: missing`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.ext != "" {
				_, err = Parse([]byte(tt.base), []byte(tt.ext))
			} else {
				_, err = Parse([]byte(tt.base))
			}
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "calendar.raw") || strings.Contains(err.Error(), "!!") {
				t.Errorf("error %q mentions Go types or YAML tags", err)
			}
		})
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("name: x\ntime_zone: Nowhere\nweekend: [caturday]\nworking_hours: [{from: \"9\", to: \"18:00\"}]\n"))
	if err == nil || strings.Count(err.Error(), "; ") != 2 {
		t.Errorf("want three problems, got %v", err)
	}
}

func TestReadableTypeErrorFallbacks(t *testing.T) {
	tests := map[string]string{
		"line 3: cannot unmarshal !!str `x` into main.Other":         "line 3: want another kind of value, got text",
		"line 4: something new in yaml":                              "line 4: this value does not fit the calendar schema",
		"no line at all":                                             "the file does not fit the calendar schema",
		"line 5: field from already set in type calendar.rawHoliday": `line 5: key "from" appears twice in a holiday`,
	}
	for in, want := range tests {
		if got := readableTypeError(in); got != want {
			t.Errorf("readableTypeError(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuoteShortensLongValues(t *testing.T) {
	if got := quote(strings.Repeat("长", 50)); got != `"`+strings.Repeat("长", 40)+`…"` {
		t.Errorf("quote = %s", got)
	}
}

func TestDefaultPanicsOnlyIfTheEmbeddedFileIsBroken(t *testing.T) {
	if _, err := Parse(prcYAML); err != nil {
		t.Fatalf("embedded prc.yaml: %v", err)
	}
}
