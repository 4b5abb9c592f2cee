// Package warning is the early warning's law (预警): a subject's daily rate (return
// cases per order item) against its own baseline, an exponentially weighted moving
// average of its past days; an episode opens on the first breach of the threshold and
// stays open, whatever more cases come, until the rate has been back near the baseline
// for some quiet days. One alert per episode. Pure: no I/O, the day is passed in.
package warning

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Kinds of subject an alert is about.
const (
	KindSKU      = "sku"
	KindCategory = "category"
	KindMerchant = "merchant"
	// KindMerchantComplaints is a merchant's complaint rate: complaints filed per order
	// item sold (complaints are about a shop, not about lines).
	KindMerchantComplaints = "merchant_complaints"
)

// Subject is what a rate belongs to: a SKU, a category or a whole merchant.
type Subject struct {
	Kind     string `json:"kind"`
	Key      string `json:"key"` // the SKU or the category; "" for a merchant
	Merchant string `json:"merchant"`
}

// Day is one day's figures of a subject: Volume order items and Events return cases.
type Day struct {
	Day    string // YYYY-MM-DD
	Volume int64
	Events int64
}

// AlertRules are the early warning's parameters, kept by the admins as data.
type AlertRules struct {
	Alpha       float64  `json:"alpha"`        // the EWMA's weight of each newer day, (0, 1]
	WarmupDays  int      `json:"warmup_days"`  // days with volume before the window needed for a baseline
	HistoryDays int      `json:"history_days"` // days before the window the baseline looks at
	WindowDays  int      `json:"window_days"`  // the current window: the last days, today included
	Threshold   float64  `json:"threshold"`    // alert when rate ≥ Threshold × baseline
	CloseRatio  float64  `json:"close_ratio"`  // the episode is quiet on a day rate < CloseRatio × baseline
	QuietDays   int      `json:"quiet_days"`   // quiet days in a row that close an episode
	MinVolume   int64    `json:"min_volume"`   // order items in the window needed to alert
	MinEvents   int64    `json:"min_events"`   // return cases in the window needed to alert
	Kinds       []string `json:"kinds"`        // the kinds of subject watched
}

// Default are the rules until an admin saves others.
var Default = AlertRules{
	Alpha: 0.2, WarmupDays: 7, HistoryDays: 28, WindowDays: 1,
	Threshold: 2.0, CloseRatio: 1.5, QuietDays: 3, MinVolume: 20, MinEvents: 5,
	Kinds: []string{KindSKU, KindCategory, KindMerchant, KindMerchantComplaints},
}

// FieldError is a rule that is out of range, with the field's path.
type FieldError struct {
	Field  string
	Zh, En string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.En }

// Check validates the rules field by field (the first error, with its path).
func (r AlertRules) Check() error {
	bad := func(f, zh, en string) error { return &FieldError{Field: "rules." + f, Zh: zh, En: en} }
	switch {
	case !(r.Alpha > 0 && r.Alpha <= 1):
		return bad("alpha", "须大于 0 且不大于 1", "must be above 0 and at most 1")
	case r.WarmupDays < 1 || r.WarmupDays > 365:
		return bad("warmup_days", "须在 1 到 365 之间", "must be between 1 and 365")
	case r.HistoryDays < r.WarmupDays || r.HistoryDays > 365:
		return bad("history_days", "须不小于预热天数且不大于 365", "must be at least warmup_days and at most 365")
	case r.WindowDays < 1 || r.WindowDays > 7:
		return bad("window_days", "须在 1 到 7 之间", "must be between 1 and 7")
	case !(r.Threshold > 1) || math.IsInf(r.Threshold, 0):
		return bad("threshold", "须大于 1", "must be above 1")
	case !(r.CloseRatio >= 1 && r.CloseRatio <= r.Threshold):
		return bad("close_ratio", "须在 1 与阈值之间", "must be between 1 and the threshold")
	case r.QuietDays < 1 || r.QuietDays > 60:
		return bad("quiet_days", "须在 1 到 60 之间", "must be between 1 and 60")
	case r.MinVolume < 1:
		return bad("min_volume", "须至少为 1", "must be at least 1")
	case r.MinEvents < 1:
		return bad("min_events", "须至少为 1", "must be at least 1")
	}
	for i, k := range r.Kinds {
		if k != KindSKU && k != KindCategory && k != KindMerchant && k != KindMerchantComplaints {
			return bad(fmt.Sprintf("kinds[%d]", i), "须为 sku、category、merchant 或 merchant_complaints",
				"must be sku, category, merchant or merchant_complaints")
		}
	}
	return nil
}

// Episode is what the warning remembers of a subject between runs: whether an episode is
// open, since when, and the last day its rate was above the close line.
type Episode struct {
	Open      bool
	OpenedDay string
	LoudDay   string // the last day the rate was at or above CloseRatio × baseline
}

// Figures are the window's rate against the baseline.
type Figures struct {
	Rate     float64 `json:"rate"`
	Baseline float64 `json:"baseline"`
	Volume   int64   `json:"volume"`
	Events   int64   `json:"events"`
}

// Decision is what a step does to the episode.
type Decision int

// Decisions of Step.
const (
	None  Decision = iota // nothing changes (no episode, or one still open)
	Open                  // an episode opens: raise one alert
	Close                 // the episode closed after its quiet days
)

// Span returns the first day of the series Step needs for today (the history and the
// window), as YYYY-MM-DD.
func (r AlertRules) Span(today time.Time) string {
	return today.AddDate(0, 0, -(r.HistoryDays + r.WindowDays - 1)).Format(time.DateOnly)
}

// Measure computes the window's figures: the baseline is the EWMA of the daily rates of
// the days with volume before the window (oldest first), ok false while fewer than
// WarmupDays such days exist.
func Measure(series []Day, today time.Time, r AlertRules) (f Figures, ok bool) {
	from := today.AddDate(0, 0, -(r.WindowDays - 1)).Format(time.DateOnly)
	past := today.AddDate(0, 0, -(r.HistoryDays + r.WindowDays - 1)).Format(time.DateOnly)
	end := today.Format(time.DateOnly)
	days := slices.Clone(series)
	slices.SortFunc(days, func(a, b Day) int {
		if a.Day < b.Day {
			return -1
		} else if a.Day > b.Day {
			return 1
		}
		return 0
	})
	n := 0
	ewma := 0.0
	for _, d := range days {
		switch {
		case d.Day > end || d.Day < past:
		case d.Day >= from:
			f.Volume += d.Volume
			f.Events += d.Events
		case d.Volume > 0:
			rate := float64(d.Events) / float64(d.Volume)
			if n == 0 {
				ewma = rate
			} else {
				ewma = r.Alpha*rate + (1-r.Alpha)*ewma
			}
			n++
		}
	}
	if f.Volume > 0 {
		f.Rate = float64(f.Events) / float64(f.Volume)
	}
	f.Baseline = ewma
	return f, n >= r.WarmupDays
}

// Step advances a subject's episode by today's figures: it opens an episode on a breach
// (rate ≥ Threshold × baseline with enough volume and events; a baseline of 0 counts
// any such rate), keeps it open while the rate stays at or above CloseRatio × baseline,
// and closes it after QuietDays quiet days in a row. An open episode never opens again:
// one alert per episode.
func Step(ep Episode, series []Day, today time.Time, r AlertRules) (Episode, Decision, Figures) {
	f, ok := Measure(series, today, r)
	day := today.Format(time.DateOnly)
	if !ep.Open {
		if ok && f.Volume >= r.MinVolume && f.Events >= r.MinEvents && f.Rate > 0 && f.Rate >= r.Threshold*f.Baseline {
			return Episode{Open: true, OpenedDay: day, LoudDay: day}, Open, f
		}
		return ep, None, f
	}
	if f.Volume > 0 && f.Rate >= r.CloseRatio*f.Baseline && f.Events > 0 {
		ep.LoudDay = day
		return ep, None, f
	}
	loud, err := time.Parse(time.DateOnly, ep.LoudDay)
	if err != nil || int(today.Sub(loud).Hours()/24) >= r.QuietDays {
		return Episode{}, Close, f
	}
	return ep, None, f
}
