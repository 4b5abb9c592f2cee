package calendar

import (
	"os"
	"testing"
	"time"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at reads "2006-01-02 15:04" (or with seconds, or a bare date meaning 00:00)
// in Asia/Shanghai.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	layout := map[int]string{10: time.DateOnly, 16: "2006-01-02 15:04", 19: time.DateTime}[len(s)]
	t, err := time.ParseInLocation(layout, s, shanghai)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// MustParse builds a calendar from prc.yaml and the named testdata files.
func MustParse(tb testing.TB, extensions ...string) *Calendar {
	tb.Helper()
	var extra [][]byte
	for _, name := range extensions {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			tb.Fatal(err)
		}
		extra = append(extra, b)
	}
	c, err := Parse(prcYAML, extra...)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return c
}

func mustParseBytes(tb testing.TB, data string, extra ...string) *Calendar {
	tb.Helper()
	var ext [][]byte
	for _, e := range extra {
		ext = append(ext, []byte(e))
	}
	c, err := Parse([]byte(data), ext...)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDefaultIsPRCInShanghaiParsedOnce(t *testing.T) {
	c := Default()
	if c != Default() {
		t.Error("Default returned two different calendars")
	}
	if c.Name() != "prc" || c.Location().String() != "Asia/Shanghai" {
		t.Errorf("Default() = %q in %v, want prc in Asia/Shanghai", c.Name(), c.Location())
	}
}

func TestIsWorkingDayFollowsStateCouncilNotices(t *testing.T) {
	c := Default()
	tests := []struct {
		date    string
		working bool
		source  string
	}{
		{"2025-01-01", false, "国办发明电〔2024〕12号 元旦"},
		{"2025-01-02", true, "ordinary Thursday"},
		{"2025-01-26", true, "国办发明电〔2024〕12号: 1月26日（周日）上班"},
		{"2025-01-27", true, "ordinary Monday before 春节"},
		{"2025-01-28", false, "国办发明电〔2024〕12号 春节 1月28日至2月4日"},
		{"2025-02-04", false, "ibid., last day of 春节"},
		{"2025-02-05", true, "first working day after 春节"},
		{"2025-02-08", true, "国办发明电〔2024〕12号: 2月8日（周六）上班"},
		{"2025-02-09", false, "ordinary Sunday"},
		{"2025-04-27", true, "国办发明电〔2024〕12号: 4月27日（周日）上班"},
		{"2025-05-05", false, "ibid., 劳动节 5月1日至5日"},
		{"2025-06-02", false, "ibid., 端午节 5月31日至6月2日"},
		{"2025-09-28", true, "国办发明电〔2024〕12号: 9月28日（周日）上班"},
		{"2025-10-08", false, "ibid., 国庆节、中秋节 10月1日至8日"},
		{"2025-10-09", true, "first working day after National Day"},
		{"2025-10-11", true, "国办发明电〔2024〕12号: 10月11日（周六）上班"},
		{"2026-01-03", false, "国办发明电〔2025〕7号 元旦 1月1日至3日"},
		{"2026-01-04", true, "ibid.: 1月4日（周日）上班"},
		{"2026-02-14", true, "ibid.: 2月14日（周六）上班"},
		{"2026-02-23", false, "ibid., 春节 2月15日至23日"},
		{"2026-02-28", true, "ibid.: 2月28日（周六）上班"},
		{"2026-05-09", true, "ibid.: 5月9日（周六）上班"},
		{"2026-06-19", false, "ibid., 端午节 6月19日至21日"},
		{"2026-09-20", true, "ibid.: 9月20日（周日）上班"},
		{"2026-09-25", false, "ibid., 中秋节 9月25日至27日"},
		{"2026-10-07", false, "ibid., 国庆节 10月1日至7日"},
		{"2026-10-10", true, "ibid.: 10月10日（周六）上班"},
		{"2027-02-08", false, "《全国年节及纪念日放假办法》春节 除夕至初三 (provisional)"},
		{"2027-02-09", true, "2027 is provisional: no bridging days yet"},
		{"2030-03-04", true, "no data for 2030: a Monday is a working day"},
		{"2030-03-09", false, "no data for 2030: a Saturday is not"},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := c.IsWorkingDay(at(t, tt.date)); got != tt.working {
				t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tt.date, got, tt.working, tt.source)
			}
		})
	}
}

// The date is read in the calendar's location: 2025-09-27 17:00 UTC is
// 2025-09-28 01:00 in Shanghai, a make-up Sunday (国办发明电〔2024〕12号).
func TestIsWorkingDayReadsTheDateInShanghai(t *testing.T) {
	utc := time.Date(2025, 9, 27, 17, 0, 0, 0, time.UTC)
	if !Default().IsWorkingDay(utc) {
		t.Error("2025-09-27 17:00 UTC (09-28 in Shanghai) should be a working day")
	}
}

func TestMakeUpDaysInPRCDataAreWeekendDays(t *testing.T) {
	// State Council notices only ever swap weekend days into working days.
	c := Default()
	for d, k := range c.kinds {
		if k == makeUpWork && !c.weekend[d.weekday()] {
			t.Errorf("make-up day %s is a %s", d, d.weekday())
		}
	}
}

func TestHolidayNamesThePublicHoliday(t *testing.T) {
	c := Default()
	tests := []struct {
		date string
		want Text
		ok   bool
	}{
		{"2025-01-29", Text{"春节", "Spring Festival"}, true}, // 国办发明电〔2024〕12号
		{"2025-02-01", Text{"春节", "Spring Festival"}, true}, // a Saturday inside 春节
		{"2025-10-06", Text{"国庆节、中秋节", "National Day and Mid-Autumn Festival"}, true},
		{"2026-09-26", Text{"中秋节", "Mid-Autumn Festival"}, true}, // 国办发明电〔2025〕7号
		{"2025-09-28", Text{}, false},                            // make-up day
		{"2025-03-08", Text{}, false},                            // ordinary Saturday
	}
	for _, tt := range tests {
		got, ok := c.Holiday(at(t, tt.date))
		if got != tt.want || ok != tt.ok {
			t.Errorf("Holiday(%s) = %v, %v; want %v, %v", tt.date, got, ok, tt.want, tt.ok)
		}
	}
}

func TestProvisionalMarksUnpublishedAndMissingYears(t *testing.T) {
	c := Default()
	for year, want := range map[int]bool{2024: true, 2025: false, 2026: false, 2027: true, 2028: true} {
		if got := c.Provisional(year); got != want {
			t.Errorf("Provisional(%d) = %v, want %v", year, got, want)
		}
	}
}

func TestStartOfDayIsMidnightInShanghai(t *testing.T) {
	got := Default().StartOfDay(time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC)) // 03-11 04:00 +08
	if want := at(t, "2025-03-11"); !got.Equal(want) || got.Location() != Default().Location() {
		t.Errorf("StartOfDay = %v, want %v", got, want)
	}
}

func TestDayConversionsRoundTrip(t *testing.T) {
	for _, d := range []day{-1000000, -1, 0, 1, 20000, dayOf(2025, time.March, 10), lastDay} {
		if got := dayOf(d.date()); got != d {
			t.Errorf("dayOf(%v.date()) = %d, want %d", d, got, d)
		}
		want := time.Unix(int64(d)*86400, 0).UTC().Weekday()
		if d.weekday() != want {
			t.Errorf("%v.weekday() = %v, want %v", d, d.weekday(), want)
		}
	}
	if got := dayOf(2025, time.March, 10).String(); got != "2025-03-10" {
		t.Errorf("String = %q", got)
	}
}
