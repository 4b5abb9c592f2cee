package warning

import (
	"testing"
	"time"
)

var start = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func day(i int) time.Time { return start.AddDate(0, 0, i) }

// run steps a subject through days 0..len(events)-1 with 100 items a day and returns the
// decisions of each day.
func run(t *testing.T, events []int64, r AlertRules) []Decision {
	t.Helper()
	var series []Day
	var ep Episode
	var out []Decision
	for i, e := range events {
		series = append(series, Day{Day: day(i).Format(time.DateOnly), Volume: 100, Events: e})
		var d Decision
		ep, d, _ = Step(ep, series, day(i), r)
		out = append(out, d)
	}
	return out
}

func count(ds []Decision, want Decision) int {
	n := 0
	for _, d := range ds {
		if d == want {
			n++
		}
	}
	return n
}

func steady(n int, e int64) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = e
	}
	return s
}

// A steady rate never alerts, whatever its level (the issue: above its own baseline).
func TestSteadySeriesNeverAlerts(t *testing.T) {
	for _, e := range []int64{0, 5, 10, 40} {
		if n := count(run(t, steady(90, e), Default), Open); n != 0 {
			t.Errorf("steady %d/100: %d alerts", e, n)
		}
	}
}

// Returns that triple raise one alert, not one per day (or case) while they stay high.
func TestTriplingAlertsOnce(t *testing.T) {
	events := append(steady(28, 5), steady(5, 15)...)
	ds := run(t, events, Default)
	if n := count(ds, Open); n != 1 || ds[28] != Open {
		t.Fatalf("decisions %v: want one Open on day 28", ds)
	}
}

// A second spike after the first episode closed alerts again.
func TestSecondSpikeAfterCloseAlertsAgain(t *testing.T) {
	events := append(steady(28, 5), 15, 15)
	events = append(events, steady(10, 5)...)
	events = append(events, 20)
	ds := run(t, events, Default)
	if count(ds, Open) != 2 || count(ds, Close) != 1 || ds[len(ds)-1] != Open {
		t.Fatalf("decisions %v: want Open, Close, Open", ds)
	}
}

// Too little volume or too few events never alert, however the rate jumps.
func TestMinimumVolumeAndEvents(t *testing.T) {
	r := Default
	r.MinEvents = 50
	if n := count(run(t, append(steady(28, 5), 15), r), Open); n != 0 {
		t.Fatalf("min events 50: %d alerts", n)
	}
	r = Default
	r.MinVolume = 1000
	if n := count(run(t, append(steady(28, 5), 15), r), Open); n != 0 {
		t.Fatalf("min volume 1000: %d alerts", n)
	}
}

// Without warm-up days there is no baseline and no alert.
func TestNoAlertBeforeWarmup(t *testing.T) {
	if n := count(run(t, []int64{1, 1, 30}, Default), Open); n != 0 {
		t.Fatalf("%d alerts before warm-up", n)
	}
}

func TestRulesCheckNamesTheField(t *testing.T) {
	if err := Default.Check(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*AlertRules){
		"rules.alpha":       func(r *AlertRules) { r.Alpha = 0 },
		"rules.threshold":   func(r *AlertRules) { r.Threshold = 1 },
		"rules.close_ratio": func(r *AlertRules) { r.CloseRatio = 3 },
		"rules.min_volume":  func(r *AlertRules) { r.MinVolume = 0 },
		"rules.kinds[1]":    func(r *AlertRules) { r.Kinds = []string{"sku", "shop"} },
	}
	for field, f := range cases {
		r := Default
		f(&r)
		err := r.Check()
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
}

// BenchmarkStep is one subject's step over 29 days of history (what CheckAlerts does per
// SKU, category and merchant).
func BenchmarkStep(b *testing.B) {
	var series []Day
	for i := range 29 {
		series = append(series, Day{Day: day(i).Format(time.DateOnly), Volume: 100, Events: 5})
	}
	for b.Loop() {
		Step(Episode{}, series, day(28), Default)
	}
}
