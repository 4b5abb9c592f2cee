package calendar

import "time"

// day is a civil date (no time zone) counted in days since 1970-01-01 in the
// proleptic Gregorian calendar. Counting rules work on dates, so almost all
// arithmetic in this package is on days; instants appear only at the edges.
type day int64

// nsPerDay is the length of a civil day on the wall clock.
const nsPerDay = int64(24 * time.Hour)

// lastDay is the last date a result may fall on: 9999-12-31. Results that
// would lie later are capped at the end of that day (see Calendar.Add).
var lastDay = dayOf(9999, time.December, 31)

func dayOf(y int, m time.Month, d int) day {
	return day(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400))
}

func (d day) date() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func (d day) weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday(((int64(d)+4)%7 + 7) % 7)
}

func (d day) String() string {
	y, m, dd := d.date()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// civil splits t into its date and its wall-clock time of day (in
// nanoseconds since midnight) in c's location.
func (c *Calendar) civil(t time.Time) (day, int64) {
	t = t.In(c.loc)
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	ns := (int64(h)*3600+int64(mi)*60+int64(s))*int64(time.Second) + int64(t.Nanosecond())
	return dayOf(y, m, d), ns
}

// instant is the inverse of civil: the instant at wall-clock time ns (which
// may be 24:00) on date d in c's location.
func (c *Calendar) instant(d day, ns int64) time.Time {
	y, m, dd := d.date()
	return time.Date(y, m, dd, 0, 0, 0, int(ns), c.loc)
}

// midnight is 00:00 of date d in c's location.
func (c *Calendar) midnight(d day) time.Time {
	return c.instant(d, 0)
}
