package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

// The business calendar (/admin/calendar): what the engine counts deadlines and service
// clocks on — the public holidays and make-up working days (调休) of a year, the weekend
// and the working hours — with a switch between years.

// CalendarData is the calendar page's data.
type CalendarData struct {
	Name, Zone  string
	Year        int
	Years       []int // the years with data
	Prev, Next  int
	Source      string
	Provisional bool // the year's data is provisional, or there is none (weekends only)
	Weekend     []int
	Hours       []string // 09:00–18:00
	Holidays    []HolidayPeriod
	MakeUp      []time.Time
	WorkingDays int // in the year
}

// HolidayPeriod is consecutive days off of one holiday.
type HolidayPeriod struct {
	Name     aftersale.Text
	From, To time.Time
	Days     int
}

// AdminCalendar shows a year of the engine's calendar (?year=, this year by default).
func (pg *Pages) AdminCalendar(w http.ResponseWriter, r *http.Request, v *Visit) error {
	cal, err := pg.app.BusinessCalendar(v.Principal)
	if err != nil {
		return err
	}
	year := pg.now().In(cal.Location()).Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 1970 && y <= 9998 {
		year = y
	}
	years := cal.Years()
	if i, found := slices.BinarySearch(years, year); !found {
		years = slices.Insert(years, i, year)
	}
	d := &CalendarData{Name: cal.Name(), Zone: cal.Location().String(), Year: year, Years: years,
		Prev: year - 1, Next: year + 1, Source: cal.Source(year), Provisional: cal.Provisional(year)}
	for _, wd := range cal.Weekend() {
		d.Weekend = append(d.Weekend, int(wd))
	}
	for _, h := range cal.WorkingHours() {
		d.Hours = append(d.Hours, clock(h.From)+"–"+clock(h.To))
	}
	for _, o := range cal.Overrides(year) {
		if !o.Holiday {
			d.MakeUp = append(d.MakeUp, o.Date)
			continue
		}
		name := aftersale.Text{ZH: o.Name.ZH, EN: o.Name.EN}
		if n := len(d.Holidays); n > 0 && d.Holidays[n-1].Name == name && d.Holidays[n-1].To.AddDate(0, 0, 1).Equal(o.Date) {
			d.Holidays[n-1].To = o.Date
			d.Holidays[n-1].Days++
			continue
		}
		d.Holidays = append(d.Holidays, HolidayPeriod{Name: name, From: o.Date, To: o.Date, Days: 1})
	}
	d.WorkingDays = workingDays(cal, year)
	p := pg.page(r, v, "admin.calendar.title", year)
	p.Data = d
	pg.render(w, r, http.StatusOK, "admin_calendar", p)
	return nil
}

// clock is a time of day as 09:00 (24:00 for the end of the day).
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// workingDays counts the working days of year.
func workingDays(cal *calendar.Calendar, year int) int {
	n := 0
	for t := time.Date(year, time.January, 1, 12, 0, 0, 0, cal.Location()); t.Year() == year; t = t.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(t) {
			n++
		}
	}
	return n
}
