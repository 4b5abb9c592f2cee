package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The rhythm of a shop's year and day: when orders come, how long things take, and the
// hours in which people act.

// promotionPeaks are the 大促 days in [first, last]: 618, 双11 and 双12; a run that covers
// none of them gets a shop anniversary sale (店庆) two thirds of the way through.
func promotionPeaks(first, last time.Time) []time.Time {
	var peaks []time.Time
	for y := first.Year(); y <= last.Year(); y++ {
		for _, md := range [][2]int{{6, 18}, {11, 11}, {12, 12}} {
			d := time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, first.Location())
			if !d.Before(first) && !d.After(last) {
				peaks = append(peaks, d)
			}
		}
	}
	if len(peaks) == 0 {
		n := int(last.Sub(first).Hours()/24) + 1
		peaks = append(peaks, first.AddDate(0, 0, n*2/3))
	}
	return peaks
}

func daysBetween(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// dayWeight is how busy a day is: weekends more, the 大促 peak six times a normal day, its
// warm-up and tail in between; the National Day holiday a little less (people travel).
func dayWeight(date time.Time, peaks []time.Time) float64 {
	w := 1.0
	switch date.Weekday() {
	case time.Saturday, time.Sunday:
		w *= 1.3
	case time.Friday:
		w *= 1.1
	}
	if date.Month() == time.October && date.Day() <= 7 {
		w *= 0.85
	}
	for _, p := range peaks {
		switch d := daysBetween(p, date); {
		case d == 0:
			w *= 6
		case d == -1:
			w *= 1.8
		case d >= -10 && d <= -2:
			w *= 1.25
		case d == 1:
			w *= 1.6
		case d == 2:
			w *= 1.2
		}
	}
	return w
}

// promoted reports whether orders of the day get the promotion's discounts (满减).
func promoted(date time.Time, peaks []time.Time) bool {
	for _, p := range peaks {
		if d := daysBetween(p, date); d >= -1 && d <= 1 {
			return true
		}
	}
	return false
}

// hourWeights is when people shop, by hour of the day.
var hourWeights = []float64{3, 1.5, 0.8, 0.4, 0.3, 0.4, 1, 2, 3, 4, 5, 5, 5.5, 5, 4.5, 4.5, 4.5, 4, 4, 5, 6.5, 7, 6.5, 5}

func hourWeight(h int, peak bool) float64 {
	w := hourWeights[h]
	if peak && h == 0 {
		w *= 8 // the midnight rush when the sale opens
	} else if peak && h >= 20 {
		w *= 1.5
	}
	return w
}

// dayElapsed is the share of a day's orders placed before t.
func dayElapsed(t time.Time) float64 {
	var done, all float64
	for h := range 24 {
		w := hourWeight(h, false)
		all += w
		switch {
		case h < t.Hour():
			done += w
		case h == t.Hour():
			done += w * float64(t.Minute()) / 60
		}
	}
	return done / all
}

// apportion splits n into integer parts proportional to weights (largest remainder).
func apportion(n int, weights []float64) []int {
	out := make([]int, len(weights))
	if n <= 0 {
		return out
	}
	var total float64
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		weights = slices.Repeat([]float64{1}, len(weights))
		total = float64(len(weights))
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(n) * w / total
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for k := 0; given < n; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// timeOfDay draws when on date an order is paid, never after the end of the run.
func (s *sim) timeOfDay(r *rand.Rand, date time.Time, peak bool) time.Time {
	last := 23
	if midnight(s.end).Equal(date) {
		last = s.end.Hour()
	}
	ws := make([]int, last+1)
	for h := range ws {
		ws[h] = int(hourWeight(h, peak) * 100)
	}
	h := pickWeighted(r, ws)
	t := date.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	if !t.Before(s.end) {
		t = s.end.Add(-time.Duration(60+r.IntN(1200)) * time.Second)
	}
	return t
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// between draws a duration in [lo, hi] to the second.
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64((hi-lo)/time.Second)+1))*time.Second
}

func hours(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }
func days(n float64) time.Duration  { return time.Duration(n * 24 * float64(time.Hour)) }

// within moves t into the hours [from, to) of its day, or of the next day when it is past.
func within(r *rand.Rand, t time.Time, from, to int) time.Time {
	if h := t.Hour(); h >= from && h < to {
		return t
	}
	day := midnight(t)
	if t.Hour() >= to {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(time.Duration(from)*time.Hour + time.Duration(r.IntN(7200))*time.Second)
}
