package calendar

import (
	"fmt"
	"math"
	"time"
)

// Add returns the instant at which a period of s starting at t ends. The
// end is exclusive: an act at an instant before Add(t, s) is in time. The
// result is in c's location; for s.N ≤ 0 it is t itself. The counting rules
// per unit are in the package documentation.
//
// Results are capped at 10000-01-01 00:00 in c's location (the end of year
// 9999), so absurd spans return promptly; an instant t at or after that cap
// is returned unchanged. Add panics if s.Unit is not one of the Unit
// constants: a deadline computed from a corrupt span must not pass silently.
func (c *Calendar) Add(t time.Time, s Span) time.Time {
	if !s.Unit.valid() {
		panic(fmt.Sprintf("calendar: Add with invalid span unit %d", int(s.Unit)))
	}
	if s.N <= 0 || !t.Before(c.end) {
		return t.In(c.loc)
	}
	n := int64(s.N)
	switch s.Unit {
	case Second, Minute, Hour:
		per := [...]time.Duration{Second: time.Second, Minute: time.Minute, Hour: time.Hour}[s.Unit]
		if n > int64(c.end.Sub(t)/per) {
			return c.end
		}
		return t.Add(time.Duration(n) * per).In(c.loc)
	case Day:
		d, _ := c.civil(t)
		if n > int64(lastDay-d) {
			return c.end
		}
		return c.midnight(d + day(n) + 1)
	case WorkingDay:
		d, _ := c.civil(t)
		last, ok := c.nthWorkingDayAfter(d, n)
		if !ok {
			return c.end
		}
		return c.midnight(last + 1)
	case BusinessHour:
		if n > math.MaxInt64/int64(time.Hour) {
			return c.end
		}
		return c.AddBusinessHours(t, time.Duration(n)*time.Hour)
	}
	// Month or Year (民法典 第二百零二条): the corresponding date, or the last
	// day of the month when there is none.
	months := n
	if s.Unit == Year {
		if n > math.MaxInt64/12 {
			return c.end
		}
		months = n * 12
	}
	y, m, dd := t.In(c.loc).Date()
	from := int64(y)*12 + int64(m-1)
	if months > 9999*12+11-from {
		return c.end
	}
	to := from + months
	ty := floorDiv(to, 12)
	tm := time.Month(to - ty*12 + 1)
	dd = min(dd, daysIn(int(ty), tm))
	return c.midnight(dayOf(int(ty), tm, dd) + 1)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// AddWorkingDays returns Add(t, Span{n, WorkingDay}): 00:00 of the day after
// the n-th working day after t's date, or t itself for n ≤ 0.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	return c.Add(t, Span{N: n, Unit: WorkingDay})
}

// AddBusinessHours returns the earliest instant by which d of working time
// has passed since t, counting only working hours on working days. Starting
// outside working hours, counting starts at the next opening; a period that
// runs out exactly at a closing time ends at that closing time. For d ≤ 0 it
// returns t. Working time is measured on the wall clock of c's location.
// Results are capped like Add's. The cost grows with the number of dates
// the calendar's data lists, not with d.
func (c *Calendar) AddBusinessHours(t time.Time, d time.Duration) time.Time {
	if d <= 0 || !t.Before(c.end) {
		return t.In(c.loc)
	}
	date, ns := c.civil(t)
	rem := int64(d)
	if c.working(date) {
		for _, iv := range c.hours {
			if ns >= iv.to {
				continue
			}
			start := max(ns, iv.from)
			if rem <= iv.to-start {
				return c.instant(date, start+rem)
			}
			rem -= iv.to - start
		}
	}
	// The rest takes whole working days and then part of one more.
	days := (rem-1)/c.dailyWork + 1
	last, ok := c.nthWorkingDayAfter(date, days)
	if !ok {
		return c.end
	}
	rem -= (days - 1) * c.dailyWork
	for _, iv := range c.hours {
		if rem <= iv.to-iv.from {
			return c.instant(last, iv.from+rem)
		}
		rem -= iv.to - iv.from
	}
	panic("calendar: unreachable: rem exceeds a working day")
}

// BusinessDuration returns the working time between from and to: the time
// within working hours on working days, measured on the wall clock of c's
// location. It is 0 if to is not after from, and saturates at the largest
// time.Duration. For any t and d ≥ 0 with a result before the cap,
// BusinessDuration(t, AddBusinessHours(t, d)) == d.
func (c *Calendar) BusinessDuration(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	df, nf := c.civil(from)
	dt, nt := c.civil(to)
	if dt <= df { // the same date (or a zone shift crossing midnight backwards)
		return time.Duration(c.workWithin(df, nf, max(nf, nt)))
	}
	total := c.workWithin(df, nf, nsPerDay) + c.workWithin(dt, 0, nt)
	between := c.countWorking(df, dt-1)
	if between > (math.MaxInt64-total)/c.dailyWork {
		return math.MaxInt64
	}
	return time.Duration(total + between*c.dailyWork)
}

// workWithin is the working time between wall-clock times a and b on d.
func (c *Calendar) workWithin(d day, a, b int64) int64 {
	if !c.working(d) {
		return 0
	}
	var sum int64
	for _, iv := range c.hours {
		sum += max(0, min(b, iv.to)-max(a, iv.from))
	}
	return sum
}

// WorkingDaysBetween returns the number of working days d with
// date(from) < d ≤ date(to), dates read in c's location; 0 if to's date is
// not after from's.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	df, _ := c.civil(from)
	dt, _ := c.civil(to)
	return int(c.countWorking(df, dt))
}

// Outside [c.first, c.last] every date follows the weekly pattern, so the
// two functions below jump whole weeks there and step day by day only
// through the dates the data lists (and at most a week either side). That
// keeps them O(listed dates), whatever n or the distance.

// nthWorkingDayAfter returns the n-th working day after d (n ≥ 1); false if
// it would fall after lastDay.
func (c *Calendar) nthWorkingDayAfter(d day, n int64) (day, bool) {
	for n > 0 {
		end := d // the last date of the patterned stretch after d
		switch {
		case d >= c.last:
			end = lastDay
		case d+1 < c.first:
			end = c.first - 1
		}
		if end > d {
			weeks := min((n-1)/c.workdaysPerWeek, int64(end-d)/7)
			d += day(7 * weeks)
			n -= weeks * c.workdaysPerWeek
		}
		if d >= lastDay {
			return lastDay, false
		}
		d++
		if c.working(d) {
			n--
		}
	}
	return d, true
}

// countWorking returns the number of working days in (a, b].
func (c *Calendar) countWorking(a, b day) int64 {
	if b <= a {
		return 0
	}
	var n int64
	if a < c.first-1 { // patterned stretch before the data
		stop := min(b, c.first-1)
		n += c.patternCount(a, stop)
		a = stop
	}
	for a < b && a < c.last {
		a++
		if c.working(a) {
			n++
		}
	}
	if a < b {
		n += c.patternCount(a, b)
	}
	return n
}

// patternCount counts the working days in (a, b] by the weekly pattern alone.
func (c *Calendar) patternCount(a, b day) int64 {
	weeks := int64(b-a) / 7
	n := weeks * c.workdaysPerWeek
	for d := a + day(7*weeks) + 1; d <= b; d++ {
		if !c.weekend[d.weekday()] {
			n++
		}
	}
	return n
}
