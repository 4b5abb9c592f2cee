package calendar

import (
	_ "embed"
	"fmt"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without a zoneinfo database.
)

// Text is a name in the two languages the platform speaks.
type Text struct {
	ZH string `yaml:"zh" json:"zh"`
	EN string `yaml:"en" json:"en"`
}

// Calendar is a business calendar: which dates are working days, which are
// public holidays, and when the working hours are. A Calendar is immutable
// and safe for concurrent use. Build one with Default or Parse.
type Calendar struct {
	name            string
	loc             *time.Location
	weekend         [7]bool
	workdaysPerWeek int64
	hours           []interval // wall-clock, sorted, disjoint and not touching
	dailyWork       int64      // sum of hours, in nanoseconds

	kinds    map[day]dayKind // dates whose status the data sets explicitly
	holidays map[day]Text
	// first and last bound the keys of kinds; outside [first, last] every
	// date follows the weekly pattern. With no data, first > last.
	first, last day

	years map[int]yearInfo
	end   time.Time // 10000-01-01 00:00 in loc: the cap on every result
}

type dayKind uint8

const (
	holiday    dayKind = iota + 1 // a day off, whatever its weekday
	makeUpWork                    // 调休上班日: a working day, whatever its weekday
)

// interval is a stretch of working hours, in nanoseconds since midnight.
type interval struct{ from, to int64 }

type yearInfo struct {
	source      string
	provisional bool
}

//go:embed data/prc.yaml
var prcYAML []byte

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Parse(prcYAML)
	if err != nil {
		panic(fmt.Sprintf("calendar: embedded data/prc.yaml is broken: %v", err))
	}
	return c
})

// Default returns the calendar of the People's Republic of China from the
// embedded data/prc.yaml: Asia/Shanghai, Saturday and Sunday off, 09:00–18:00,
// and the public holidays and make-up working days the State Council has
// published. It is parsed once; every call returns the same *Calendar.
func Default() *Calendar {
	return defaultCalendar()
}

// DefaultData returns a copy of the embedded data/prc.yaml, the base to pass
// to Parse when extending the default calendar with a company's own file:
//
//	c, err := calendar.Parse(calendar.DefaultData(), companyYAML)
func DefaultData() []byte {
	return slices.Clone(prcYAML)
}

// Parse builds a calendar from a base file and extension files of the same
// schema (see data/prc.yaml), applied in order. The base must set name,
// time_zone, weekend and working_hours; an extension may set any of them,
// and the last file that does wins. For the years, a later file overrides an
// earlier one date by date: a date it lists as a holiday becomes a holiday, a
// date it lists under make_up_days becomes a working day, whatever earlier
// files said. A year's source and provisional flag are likewise overridden
// when a later file sets them.
//
// Every file is validated on its own; the error names the file, the line
// and the field of every problem found.
func Parse(data []byte, extra ...[]byte) (*Calendar, error) {
	c := &Calendar{
		kinds:    make(map[day]dayKind),
		holidays: make(map[day]Text),
		years:    make(map[int]yearInfo),
	}
	for i, b := range append([][]byte{data}, extra...) {
		label := "calendar base file"
		if i > 0 {
			label = fmt.Sprintf("calendar extension file %d", i)
		}
		f, err := parseFile(b, i == 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		c.apply(f)
	}
	c.finish()
	return c, nil
}

// apply lays f over what c holds so far.
func (c *Calendar) apply(f *file) {
	if f.name != "" {
		c.name = f.name
	}
	if f.loc != nil {
		c.loc = f.loc
	}
	if f.weekend != nil {
		c.weekend = *f.weekend
	}
	if f.hours != nil {
		c.hours = f.hours
	}
	for _, y := range f.years {
		info := c.years[y.year]
		if y.source != "" {
			info.source = y.source
		}
		if y.provisional != nil {
			info.provisional = *y.provisional
		}
		c.years[y.year] = info // a year new to c is not provisional unless it says so
	}
	for d, k := range f.kinds {
		c.kinds[d] = k
		if k == holiday {
			c.holidays[d] = f.holidays[d]
		} else {
			delete(c.holidays, d)
		}
	}
}

// finish derives the fields the counting code relies on.
func (c *Calendar) finish() {
	c.workdaysPerWeek = 0
	for _, off := range c.weekend {
		if !off {
			c.workdaysPerWeek++
		}
	}
	c.dailyWork = 0
	for _, iv := range c.hours {
		c.dailyWork += iv.to - iv.from
	}
	c.first, c.last = 1, 0
	if len(c.kinds) > 0 {
		keys := make([]day, 0, len(c.kinds))
		for d := range c.kinds {
			keys = append(keys, d)
		}
		c.first, c.last = slices.Min(keys), slices.Max(keys)
	}
	c.end = c.midnight(lastDay + 1)
}

// Name returns the calendar's name, such as "prc".
func (c *Calendar) Name() string { return c.name }

// Location returns the time zone in which the calendar's dates are read.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingDay reports whether the date of t in c's location is a working
// day: its weekday is not a weekend day and it is not a holiday, or it is a
// make-up working day (调休上班日).
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d, _ := c.civil(t)
	return c.working(d)
}

// Holiday returns the name of the holiday the date of t in c's location
// falls on. Holidays an extension file adds, such as a company's, count too.
// A make-up working day inside a holiday period is not a holiday.
func (c *Calendar) Holiday(t time.Time) (Text, bool) {
	d, _ := c.civil(t)
	name, ok := c.holidays[d]
	return name, ok
}

// Provisional reports whether the calendar's data for year is provisional
// (derived from the statutory days before the State Council published the
// year's notice) or missing. For a year without data the calendar knows only
// weekends, so deadlines in it may move when the data arrives.
func (c *Calendar) Provisional(year int) bool {
	info, ok := c.years[year]
	return !ok || info.provisional
}

// StartOfDay returns 00:00 of t's date in c's location.
func (c *Calendar) StartOfDay(t time.Time) time.Time {
	d, _ := c.civil(t)
	return c.midnight(d)
}

func (c *Calendar) working(d day) bool {
	if k, ok := c.kinds[d]; ok {
		return k == makeUpWork
	}
	return !c.weekend[d.weekday()]
}
