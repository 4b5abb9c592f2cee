package calendar_test

import (
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/calendar"
)

func ExampleCalendar_Add() {
	c := calendar.Default()
	signed := time.Date(2025, 3, 10, 15, 0, 0, 0, c.Location())
	window, _ := calendar.ParseSpan("7d")
	fmt.Println(c.Add(signed, window))

	// 国办发明电〔2025〕7号: Saturday 2026-02-14 is a make-up working day.
	asked := time.Date(2026, 2, 13, 10, 0, 0, 0, c.Location())
	fmt.Println(c.AddWorkingDays(asked, 1))
	// Output:
	// 2025-03-18 00:00:00 +0800 CST
	// 2026-02-15 00:00:00 +0800 CST
}

func ExampleParse() {
	company := []byte(`
working_hours:
  - {from: "09:00", to: "12:00"}
  - {from: "13:00", to: "18:00"}
years:
  2025:
    source: 公司行政通知
    holidays:
      - {name: {zh: 公司年会, en: Company Gala}, from: 2025-05-06}
`)
	c, err := calendar.Parse(calendar.DefaultData(), company)
	if err != nil {
		fmt.Println(err)
		return
	}
	name, _ := c.Holiday(time.Date(2025, 5, 6, 12, 0, 0, 0, c.Location()))
	fmt.Println(name.ZH, name.EN)
	fmt.Println(c.AddBusinessHours(time.Date(2025, 3, 10, 11, 0, 0, 0, c.Location()), 2*time.Hour))
	// Output:
	// 公司年会 Company Gala
	// 2025-03-10 14:00:00 +0800 CST
}
