package calendar

import (
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

type addCase struct {
	name  string
	start string
	span  Span
	want  string
}

func runAddCases(t *testing.T, c *Calendar, tests []addCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Add(at(t, tt.start), tt.span)
			if want := at(t, tt.want); !got.Equal(want) || got.Location() != c.Location() {
				t.Errorf("Add(%s, %v) = %v, want %v", tt.start, tt.span, got, want)
			}
		})
	}
}

// 民法典 第二百零一条: the starting day is not counted; 第二百零三条: the last day
// ends at 24:00.
func TestSevenDaysCountFromTheNextDayWhateverTheHour(t *testing.T) {
	runAddCases(t, Default(), []addCase{
		{"signed at 15:00", "2025-03-10 15:00", Span{7, Day}, "2025-03-18"},
		{"signed at 23:59", "2025-03-10 23:59", Span{7, Day}, "2025-03-18"},
		{"signed at 00:00", "2025-03-10 00:00", Span{7, Day}, "2025-03-18"},
		{"signed a minute later, next day", "2025-03-11 00:00", Span{7, Day}, "2025-03-19"},
		{"holidays count as days", "2025-09-30 10:00", Span{7, Day}, "2025-10-08"},
		{"zero days is the start itself", "2025-03-10 15:00", Span{0, Day}, "2025-03-10 15:00"},
	})
}

func TestDaysReadTheDateInTheCalendarsLocation(t *testing.T) {
	// 2025-03-10 16:30 UTC is 03-11 00:30 in Shanghai: the period starts on 03-11.
	got := Default().Add(time.Date(2025, 3, 10, 16, 30, 0, 0, time.UTC), Span{7, Day})
	if want := at(t, "2025-03-19"); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// 民法典 第二百零一条: periods in hours run from the stated instant.
func TestSecondsMinutesHoursAreExact(t *testing.T) {
	runAddCases(t, Default(), []addCase{
		{"30s", "2025-03-10 15:00", Span{30, Second}, "2025-03-10 15:00:30"},
		{"15m", "2025-03-10 15:00", Span{15, Minute}, "2025-03-10 15:15"},
		{"48h over a holiday", "2025-09-30 15:00", Span{48, Hour}, "2025-10-02 15:00"},
	})
}

// 民法典 第二百零二条: the corresponding date, or the month's last day.
func TestMonthsAndYearsClampToTheMonthEnd(t *testing.T) {
	runAddCases(t, Default(), []addCase{
		{"corresponding date", "2025-01-15 10:00", Span{1, Month}, "2025-02-16"},
		{"Jan 31 + 1mo ends Feb 28", "2025-01-31 10:00", Span{1, Month}, "2025-03-01"},
		{"leap year Feb 29", "2024-01-31 10:00", Span{1, Month}, "2024-03-01"},
		{"Mar 31 + 1mo ends Apr 30", "2025-03-31 10:00", Span{1, Month}, "2025-05-01"},
		{"6mo across a year", "2025-08-31 10:00", Span{6, Month}, "2026-03-01"},
		{"12mo", "2025-12-15 10:00", Span{12, Month}, "2026-12-16"},
		{"Feb 29 + 1y ends Feb 28", "2024-02-29 10:00", Span{1, Year}, "2025-03-01"},
		{"1y", "2025-06-18 10:00", Span{1, Year}, "2026-06-19"},
	})
}

// 国办发明电〔2024〕12号 and 〔2025〕7号: 春节 and its make-up working days.
func TestWorkingDaysAcrossSpringFestival(t *testing.T) {
	runAddCases(t, Default(), []addCase{
		// 2025: 01-26 Sun works, 01-28..02-04 off, 02-08 Sat works.
		{"2025: make-up Sunday, Monday, then after the holiday", "2025-01-24 10:00", Span{3, WorkingDay}, "2025-02-06"},
		{"2025: started on the eve", "2025-01-27 18:00", Span{1, WorkingDay}, "2025-02-06"},
		{"2025: make-up Saturday after the holiday", "2025-02-07 10:00", Span{1, WorkingDay}, "2025-02-09"},
		// 2026: 02-14 Sat works, 02-15..02-23 off, 02-28 Sat works.
		{"2026: make-up Saturday counts", "2026-02-13 10:00", Span{1, WorkingDay}, "2026-02-15"},
		{"2026: 3wd from Friday lands after the holiday", "2026-02-13 10:00", Span{3, WorkingDay}, "2026-02-26"},
		{"2026: 3wd from Thursday", "2026-02-12 10:00", Span{3, WorkingDay}, "2026-02-25"},
		{"2026: second make-up Saturday", "2026-02-27 10:00", Span{1, WorkingDay}, "2026-03-01"},
	})
}

// 国办发明电〔2024〕12号: 国庆节、中秋节 10-01..10-08; 09-28 Sun and 10-11 Sat work.
func TestWorkingDaysAcrossNationalDay2025(t *testing.T) {
	runAddCases(t, Default(), []addCase{
		{"make-up Sunday counts", "2025-09-26 10:00", Span{3, WorkingDay}, "2025-10-01"},
		{"1wd from the eve", "2025-09-30 10:00", Span{1, WorkingDay}, "2025-10-10"},
		{"2wd from the eve", "2025-09-30 10:00", Span{2, WorkingDay}, "2025-10-11"},
		{"3wd reaches the make-up Saturday", "2025-09-30 10:00", Span{3, WorkingDay}, "2025-10-12"},
		{"4wd skips the Sunday after", "2025-09-30 10:00", Span{4, WorkingDay}, "2025-10-14"},
		{"started inside the holiday", "2025-10-03 10:00", Span{1, WorkingDay}, "2025-10-10"},
		{"zero working days is the start itself", "2025-10-03 10:00", Span{0, WorkingDay}, "2025-10-03 10:00"},
	})
}

func TestMakeUpSundayCountsAsAWorkingDay(t *testing.T) {
	// 国办发明电〔2024〕12号: 9月28日（周日）上班. From Saturday 09-27, 1wd ends with 09-28.
	c := Default()
	if got, want := c.AddWorkingDays(at(t, "2025-09-27 12:00"), 1), at(t, "2025-09-29"); !got.Equal(want) {
		t.Errorf("AddWorkingDays = %v, want %v", got, want)
	}
	if n := c.WorkingDaysBetween(at(t, "2025-09-27 12:00"), at(t, "2025-09-28 08:00")); n != 1 {
		t.Errorf("WorkingDaysBetween Sat..make-up Sun = %d, want 1", n)
	}
}

func TestYearWithoutDataFallsBackToWeekends(t *testing.T) {
	runAddCases(t, Default(), []addCase{
		{"Friday + 1wd is Monday", "2030-03-08 10:00", Span{1, WorkingDay}, "2030-03-12"},
		{"Friday + 6wd", "2030-03-08 10:00", Span{6, WorkingDay}, "2030-03-19"},
		{"before all data", "2020-01-03 10:00", Span{1, WorkingDay}, "2020-01-07"},
		{"from before the data into it", "2024-12-27 10:00", Span{3, WorkingDay}, "2025-01-03"},
	})
}

func TestBusinessHours(t *testing.T) {
	c := Default()
	split := MustParse(t, "split_hours.yaml")
	tests := []struct {
		name  string
		c     *Calendar
		start string
		d     time.Duration
		want  string
	}{
		{"within a day", c, "2025-03-10 10:00", 2 * time.Hour, "2025-03-10 12:00"},
		{"ends exactly at closing", c, "2025-03-10 17:00", time.Hour, "2025-03-10 18:00"},
		{"across the night", c, "2025-03-10 17:00", 2 * time.Hour, "2025-03-11 10:00"},
		{"across a weekend", c, "2025-03-14 17:00", 2 * time.Hour, "2025-03-17 10:00"},
		{"before opening starts at opening", c, "2025-03-10 07:00", time.Hour, "2025-03-10 10:00"},
		{"at closing starts next morning", c, "2025-03-10 18:00", time.Hour, "2025-03-11 10:00"},
		{"on Saturday starts Monday", c, "2025-03-15 10:00", time.Hour, "2025-03-17 10:00"},
		// 国办发明电〔2024〕12号: 10-01..10-08 off.
		{"across National Day", c, "2025-09-30 17:00", 2 * time.Hour, "2025-10-09 10:00"},
		{"on a make-up Sunday", c, "2025-09-28 09:00", 9 * time.Hour, "2025-09-28 18:00"},
		{"several days", c, "2025-03-10 09:00", 27 * time.Hour, "2025-03-12 18:00"},
		{"zero is the start itself", c, "2025-03-15 03:00", 0, "2025-03-15 03:00"},
		{"split: across lunch", split, "2025-03-10 11:00", 2 * time.Hour, "2025-03-10 14:00"},
		{"split: starts in the lunch gap", split, "2025-03-10 12:30", time.Hour, "2025-03-10 14:00"},
		{"split: ends at the lunch break", split, "2025-03-10 11:00", time.Hour, "2025-03-10 12:00"},
		{"split: 8 hours is a working day", split, "2025-03-10 09:00", 8 * time.Hour, "2025-03-10 18:00"},
		{"split: next morning then lunch", split, "2025-03-10 17:00", 5 * time.Hour, "2025-03-11 14:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := at(t, tt.start)
			got := tt.c.AddBusinessHours(start, tt.d)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Errorf("AddBusinessHours(%s, %v) = %v, want %v", tt.start, tt.d, got, want)
			}
			if back := tt.c.BusinessDuration(start, got); back != tt.d {
				t.Errorf("BusinessDuration back = %v, want %v", back, tt.d)
			}
		})
	}
	if got := c.Add(at(t, "2025-03-14 17:00"), Span{2, BusinessHour}); !got.Equal(at(t, "2025-03-17 10:00")) {
		t.Errorf("Add 2bh = %v", got)
	}
}

func TestBusinessDuration(t *testing.T) {
	c := Default()
	tests := []struct {
		from, to string
		want     time.Duration
	}{
		{"2025-03-10 10:00", "2025-03-10 09:00", 0},
		{"2025-03-10 10:00", "2025-03-10 10:00", 0},
		{"2025-03-10 07:00", "2025-03-10 20:00", 9 * time.Hour},
		{"2025-03-14 17:00", "2025-03-17 10:00", 2 * time.Hour},
		{"2025-09-30 00:00", "2025-10-10 00:00", 18 * time.Hour}, // 09-30 and 10-09 only
		{"2025-03-15 10:00", "2025-03-16 10:00", 0},              // a weekend
		{"2025-03-03 09:00", "2025-03-08 09:00", 45 * time.Hour},
	}
	for _, tt := range tests {
		if got := c.BusinessDuration(at(t, tt.from), at(t, tt.to)); got != tt.want {
			t.Errorf("BusinessDuration(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := Default()
	tests := []struct {
		from, to string
		want     int
	}{
		{"2025-03-10 10:00", "2025-03-10 23:00", 0},
		{"2025-03-10 10:00", "2025-03-09 10:00", 0},
		{"2025-03-10 23:00", "2025-03-11 00:01", 1},
		{"2025-03-07 10:00", "2025-03-14 10:00", 5},
		{"2025-09-26 10:00", "2025-10-12 10:00", 6}, // 09-28, 29, 30, 10-09, 10, 11
		{"2024-01-01 10:00", "2024-12-31 10:00", 261},
		{"2030-01-01 10:00", "2031-01-01 10:00", 261},
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(at(t, tt.from), at(t, tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

// naiveNth steps day by day: the reference for the week-jumping version.
func naiveNth(c *Calendar, d day, n int64) day {
	for n > 0 {
		d++
		if c.working(d) {
			n--
		}
	}
	return d
}

func naiveCount(c *Calendar, a, b day) int64 {
	var n int64
	for d := a + 1; d <= b; d++ {
		if c.working(d) {
			n++
		}
	}
	return n
}

func TestWeekJumpsAgreeWithSteppingDayByDay(t *testing.T) {
	cals := []*Calendar{Default(), MustParse(t, "company_2028.yaml"), mustParseBytes(t, "name: x\ntime_zone: UTC\nweekend: [friday]\nworking_hours: [{from: \"00:00\", to: \"24:00\"}]\n")}
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom(cals).Draw(t, "calendar")
		d := day(rapid.Int64Range(int64(dayOf(2015, 1, 1)), int64(dayOf(2035, 1, 1))).Draw(t, "day"))
		n := rapid.Int64Range(1, 3000).Draw(t, "n")
		got, ok := c.nthWorkingDayAfter(d, n)
		if want := naiveNth(c, d, n); !ok || got != want {
			t.Fatalf("nthWorkingDayAfter(%v, %d) = %v, %v; want %v", d, n, got, ok, want)
		}
		e := day(rapid.Int64Range(int64(d), int64(d)+5000).Draw(t, "end"))
		if got, want := c.countWorking(d, e), naiveCount(c, d, e); got != want {
			t.Fatalf("countWorking(%v, %v) = %d, want %d", d, e, got, want)
		}
	})
}

// The brief's inverse property: BusinessDuration undoes AddBusinessHours.
func TestBusinessDurationInvertsAddBusinessHours(t *testing.T) {
	cals := []*Calendar{Default(), MustParse(t, "split_hours.yaml")}
	lo, hi := at(t, "2024-12-01").Unix(), at(t, "2028-12-31").Unix()
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom(cals).Draw(t, "calendar")
		start := time.Unix(rapid.Int64Range(lo, hi).Draw(t, "start"), rapid.Int64Range(0, 999999999).Draw(t, "ns"))
		d := time.Duration(rapid.Int64Range(0, int64(3000*time.Hour)).Draw(t, "d"))
		end := c.AddBusinessHours(start, d)
		if got := c.BusinessDuration(start, end); got != d {
			t.Fatalf("BusinessDuration(%v, AddBusinessHours(%v, %v) = %v) = %v", start, start, d, end, got)
		}
		if end.Before(start) {
			t.Fatalf("AddBusinessHours went backwards: %v < %v", end, start)
		}
		// Earliest: a nanosecond less of working time ends earlier.
		if d > 0 && !c.AddBusinessHours(start, d-1).Before(end) {
			t.Fatalf("AddBusinessHours(%v, %v) is not the earliest instant", start, d)
		}
	})
}

func TestWorkingDayDeadlinesMatchWorkingDaysBetween(t *testing.T) {
	c := Default()
	lo, hi := at(t, "2024-12-01").Unix(), at(t, "2028-12-31").Unix()
	rapid.Check(t, func(t *rapid.T) {
		start := time.Unix(rapid.Int64Range(lo, hi).Draw(t, "start"), 0)
		n := rapid.IntRange(1, 400).Draw(t, "n")
		end := c.AddWorkingDays(start, n)
		lastInstant := end.Add(-time.Nanosecond)
		if !c.IsWorkingDay(lastInstant) || c.WorkingDaysBetween(start, lastInstant) != n {
			t.Fatalf("AddWorkingDays(%v, %d) = %v: last day not the %d-th working day", start, n, end, n)
		}
	})
}

func TestAbsurdSpansTerminateAtTheCap(t *testing.T) {
	c := Default()
	end := time.Date(10000, 1, 1, 0, 0, 0, 0, shanghai)
	start := at(t, "2025-03-10 10:00")
	for _, s := range []Span{
		{math.MaxInt, Second}, {math.MaxInt, Minute}, {math.MaxInt, Hour}, {math.MaxInt, Day},
		{math.MaxInt, WorkingDay}, {math.MaxInt, BusinessHour}, {math.MaxInt, Month},
		{math.MaxInt, Year}, {math.MaxInt / 2, Year}, {3_000_000, Day}, {200_000, Month},
		{10_000_000, WorkingDay},
	} {
		if got := c.Add(start, s); !got.Equal(end) {
			t.Errorf("Add(%v, %v) = %v, want the cap %v", start, s, got, end)
		}
	}
	if got := c.AddBusinessHours(start, math.MaxInt64); !got.Before(end) {
		t.Errorf("AddBusinessHours(MaxInt64) = %v, want ~292 years of working time before the cap", got)
	}
	if got := c.AddBusinessHours(at(t, "9999-12-31 10:00"), 24*time.Hour); !got.Equal(end) {
		t.Errorf("AddBusinessHours near the cap = %v, want %v", got, end)
	}
	beyond := end.Add(time.Hour)
	if got := c.Add(beyond, Span{1, Day}); !got.Equal(beyond) {
		t.Errorf("Add beyond the cap = %v, want it unchanged", got)
	}
	if got := c.BusinessDuration(time.Time{}, end); got != math.MaxInt64 {
		t.Errorf("BusinessDuration over 10000 years = %v, want saturation", got)
	}
	if got := c.WorkingDaysBetween(time.Time{}, end); got < 2_600_000 {
		t.Errorf("WorkingDaysBetween year 1..10000 = %d", got)
	}
}

func TestNegativeCountsAreZero(t *testing.T) {
	c := Default()
	start := at(t, "2025-03-10 10:00")
	if !c.AddWorkingDays(start, -3).Equal(start) || !c.AddBusinessHours(start, -time.Hour).Equal(start) ||
		!c.Add(start, Span{-1, Month}).Equal(start) {
		t.Error("negative spans should return the start")
	}
}

func TestMonthsBeforeYearZero(t *testing.T) {
	// Proleptic Gregorian dates far in the past still count correctly.
	c := Default()
	got := c.Add(time.Date(-5, time.January, 31, 10, 0, 0, 0, shanghai), Span{1, Month})
	if want := time.Date(-5, time.March, 1, 0, 0, 0, 0, shanghai); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestAddPanicsOnAnInvalidUnit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add with Unit(42) did not panic")
		}
	}()
	Default().Add(time.Now(), Span{1, Unit(42)})
}
