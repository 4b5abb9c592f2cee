package calendar

import (
	"testing"
	"time"
)

func BenchmarkParseDefaultData(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(prcYAML); err != nil {
			b.Fatal(err)
		}
	}
}

// A typical policy deadline: 7 working days from a request made in late
// September 2025, crossing National Day (国办发明电〔2024〕12号).
func BenchmarkAddWorkingDays(b *testing.B) {
	c := Default()
	start := at(b, "2025-09-26 15:00")
	for b.Loop() {
		c.AddWorkingDays(start, 7)
	}
}

// 48 business hours from a Friday afternoon before National Day 2025.
func BenchmarkAddBusinessHours(b *testing.B) {
	c := Default()
	start := at(b, "2025-09-26 15:00")
	for b.Loop() {
		c.AddBusinessHours(start, 48*time.Hour)
	}
}

func BenchmarkBusinessDuration(b *testing.B) {
	c := Default()
	from, to := at(b, "2025-09-26 15:00"), at(b, "2025-10-20 11:00")
	for b.Loop() {
		c.BusinessDuration(from, to)
	}
}

// Absurd N stays cheap: weeks are jumped outside the listed dates.
func BenchmarkAddWorkingDaysMillion(b *testing.B) {
	c := Default()
	start := at(b, "2025-09-26 15:00")
	for b.Loop() {
		c.AddWorkingDays(start, 1_000_000)
	}
}
