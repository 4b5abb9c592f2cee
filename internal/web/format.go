package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// Formats of the pages per language (SPEC §14): money as ¥1,299.00, times in the platform's
// time zone as 2026年12月5日 14:30 or 5 Dec 2026, 14:30, what is left of a deadline as
// 2天3小时 or 2 d 3 h.

// FormatMoney is an amount of minor units of currency cur.
func FormatMoney(l Lang, minor int64, cur money.Currency) string {
	return money.New(minor, cur).Format(string(l))
}

// FormatTime is t in zone loc, to the minute.
func FormatTime(l Lang, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if l == EN {
		return t.Format("2 Jan 2006, 15:04")
	}
	return fmt.Sprintf("%d年%d月%d日 %s", t.Year(), t.Month(), t.Day(), t.Format("15:04"))
}

// FormatDate is the day of t in zone loc.
func FormatDate(l Lang, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if l == EN {
		return t.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// FormatSpan is a length of time to the minute in its two largest units: 2天3小时, 2 d 3 h,
// 45分钟, 45 min. A negative span is formatted as its length.
func FormatSpan(l Lang, d time.Duration) string {
	d = d.Abs()
	units := []struct {
		n      int64
		zh, en string
	}{
		{int64(d / (24 * time.Hour)), "天", "d"},
		{int64(d % (24 * time.Hour) / time.Hour), "小时", "h"},
		{int64(d % time.Hour / time.Minute), "分钟", "min"},
	}
	first := 0
	for first < len(units) && units[first].n == 0 {
		first++
	}
	if first == len(units) {
		if l == EN {
			return "under a minute"
		}
		return "不到 1 分钟"
	}
	var b strings.Builder
	for i := first; i < len(units) && i < first+2 && units[i].n > 0; i++ {
		if l == EN {
			if i > first {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%d %s", units[i].n, units[i].en)
		} else {
			fmt.Fprintf(&b, "%d%s", units[i].n, units[i].zh)
		}
	}
	return b.String()
}
