package calendar

import (
	"slices"
	"testing"
	"time"
)

// The default calendar reads back as data/prc.yaml says: weekend, hours, the years, and
// 2025's holidays and make-up days in date order.
func TestListingReadsBackTheData(t *testing.T) {
	c := Default()
	if got := c.Weekend(); !slices.Equal(got, []time.Weekday{time.Saturday, time.Sunday}) {
		t.Errorf("weekend %v", got)
	}
	if got := c.WorkingHours(); !slices.Equal(got, []Hours{{9 * time.Hour, 18 * time.Hour}}) {
		t.Errorf("hours %v", got)
	}
	if ys := c.Years(); !slices.Contains(ys, 2025) || !slices.IsSorted(ys) {
		t.Errorf("years %v", ys)
	}
	if src := c.Source(2025); src == "" || c.Source(1900) != "" {
		t.Errorf("source of 2025 %q, of 1900 %q", src, c.Source(1900))
	}
	days := c.Overrides(2025)
	var holidays, makeUp int
	for i, d := range days {
		if i > 0 && !days[i-1].Date.Before(d.Date) {
			t.Errorf("not in date order at %v", d.Date)
		}
		if d.Date.Year() != 2025 || d.Date.Location() != c.Location() {
			t.Errorf("date %v", d.Date)
		}
		if d.Holiday {
			holidays++
			if d.Name.ZH == "" || d.Name.EN == "" {
				t.Errorf("%v has no name", d.Date)
			}
		} else {
			makeUp++
			if !c.IsWorkingDay(d.Date) {
				t.Errorf("make-up day %v is not a working day", d.Date)
			}
		}
	}
	// 1 + 8 + 3 + 5 + 3 + 8 holidays; five make-up days (2025-01-26 … 2025-10-11).
	if holidays != 28 || makeUp != 5 {
		t.Errorf("%d holidays and %d make-up days, want 28 and 5", holidays, makeUp)
	}
	if !days[0].Date.Equal(at(t, "2025-01-01")) || days[0].Name.EN != "New Year's Day" {
		t.Errorf("first day %+v", days[0])
	}
	if n := len(c.Overrides(1900)); n != 0 {
		t.Errorf("1900 has %d days", n)
	}
}
