package sla

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// BenchmarkEvaluate evaluates a busy case: a dozen state changes and a long conversation,
// business-hour targets across Spring Festival 2026.
func BenchmarkEvaluate(b *testing.B) {
	s := applied(at(2026, 2, 10, 10, 0))
	when := at(2026, 2, 10, 10, 0)
	for i := range 40 {
		when = when.Add(7 * time.Hour)
		role := customer
		if i%2 == 1 {
			role = merchant
		}
		s.says(when, role, true)
		if i%4 == 3 {
			to := aftersale.InfoRequested
			if i%8 == 7 {
				to = aftersale.Requested
			}
			s.do(when, role, aftersale.RequestInfo, to)
		}
	}
	tg := Target{FirstResponse: mustSpan(b, "8bh"), NextUpdate: mustSpan(b, "4bh"), Resolution: mustSpan(b, "72bh"), WarningBP: 8000}
	acts := Activities(s.events, s.messages)
	now := when.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(&s.c, acts, tg, cal, now)
	}
}
