package sla_test

import (
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/sla"
)

// A case applied for on Friday evening under the seed's "first feedback within 24 hours"
// (S001 三.1) and a resolution target of 24 business hours.
func ExampleEvaluate() {
	cal := calendar.Default()
	fri := time.Date(2025, 3, 14, 20, 0, 0, 0, cal.Location())
	c := aftersale.Case{State: aftersale.Requested, CreatedAt: fri, UpdatedAt: fri}
	events := []aftersale.Event{{Seq: 1, Action: aftersale.Apply, Actor: aftersale.Actor{Role: aftersale.Customer},
		To: aftersale.Requested, At: fri}}
	messages := []sla.Message{
		{At: fri.Add(30 * time.Minute), Role: aftersale.Agent, Public: false}, // an internal note
		{At: fri.Add(13 * time.Hour), Role: aftersale.Agent, Public: true},    // Saturday 09:00
	}
	target := sla.Target{FirstResponse: calendar.Span{N: 24, Unit: calendar.Hour},
		Resolution: calendar.Span{N: 24, Unit: calendar.BusinessHour}, WarningBP: 8000}

	r := sla.Evaluate(&c, sla.Activities(events, messages), target, cal, fri.Add(14*time.Hour))
	for _, k := range r.Clocks {
		if k.StoppedAt.IsZero() {
			fmt.Println(k.Kind, k.Status, k.Elapsed, "due", k.DueAt.Format(time.DateTime))
		} else {
			fmt.Println(k.Kind, k.Status, k.Elapsed, "stopped", k.StoppedAt.Format(time.DateTime))
		}
	}
	next, _ := r.Next()
	fmt.Println("next:", next.Format(time.DateTime))
	// Output:
	// first_response met 13h0m0s stopped 2025-03-15 09:00:00
	// resolution on_track 0s due 2025-03-19 15:00:00
	// next: 2025-03-19 10:12:00
}
