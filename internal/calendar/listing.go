package calendar

import (
	"slices"
	"time"
)

// What a calendar holds, for people to read it (the admin pages): the weekly pattern, the
// working hours, the years with data and the dates each year sets.

// Hours is a stretch of working hours on the wall clock: From and To are the time since
// midnight (To may be 24h).
type Hours struct {
	From, To time.Duration
}

// WorkingHours are the working hours of a working day, in order.
func (c *Calendar) WorkingHours() []Hours {
	out := make([]Hours, len(c.hours))
	for i, iv := range c.hours {
		out[i] = Hours{From: time.Duration(iv.from), To: time.Duration(iv.to)}
	}
	return out
}

// Weekend lists the weekdays that are days off unless the data says otherwise, Monday
// first.
func (c *Calendar) Weekend() []time.Weekday {
	var out []time.Weekday
	for i := 1; i <= 7; i++ {
		if d := time.Weekday(i % 7); c.weekend[d] {
			out = append(out, d)
		}
	}
	return out
}

// Years lists the years the data covers, in order.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Source is the document a year's dates come from ("" for a year without data).
func (c *Calendar) Source(year int) string { return c.years[year].source }

// Override is a date whose status the data sets against the weekly pattern: a public holiday
// (with its name) or a make-up working day (调休上班日).
type Override struct {
	Date    time.Time // 00:00 of the date in the calendar's location
	Holiday bool      // a holiday; else a make-up working day
	Name    Text      // the holiday's name
}

// Overrides lists the holidays and make-up working days of the dates of year (1 January to
// 31 December), in date order. A make-up day of a year's data that falls in the
// December before is listed in that December's year.
func (c *Calendar) Overrides(year int) []Override {
	var out []Override
	for d := dayOf(year, time.January, 1); d <= dayOf(year, time.December, 31); d++ {
		k, ok := c.kinds[d]
		if !ok {
			continue
		}
		day := Override{Date: c.midnight(d), Holiday: k == holiday}
		if day.Holiday {
			day.Name = c.holidays[d]
		}
		out = append(out, day)
	}
	return out
}
