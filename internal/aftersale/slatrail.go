package aftersale

import (
	"slices"
	"time"
)

// SLATrail is a case's history and conversation as far as the service desk's clocks read
// them, folded one activity at a time (sla.FoldEvent, sla.FoldMessage): when the clocks ran,
// where the case stands, the desk's first answer and the last interval in which the
// customer waited for the next one. The package sla says what each field means.
type SLATrail struct {
	Seq     int64      `json:"seq"`            // the case version whose event was folded last
	Runs    []TimeSpan `json:"runs,omitempty"` // closed stretches in which the clocks ran
	State   State      `json:"state"`          // the state the folded history ends in
	Since   time.Time  `json:"since"`          // since when
	End     time.Time  `json:"end,omitzero"`   // when the case reached a terminal state
	First   time.Time  `json:"first,omitzero"` // the desk's first public answer
	From    time.Time  `json:"from,omitzero"`  // the last next-update interval's opening
	Stop    time.Time  `json:"stop,omitzero"`  // and its answer (zero while open)
	Last    time.Time  `json:"last"`           // the latest activity folded
	LastMsg bool       `json:"last_msg,omitempty"`
}

// TimeSpan is the time from From to To.
type TimeSpan struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Mapped is a copy of t with f applied to every time in it (a store's precision).
func (t *SLATrail) Mapped(f func(time.Time) time.Time) *SLATrail {
	if t == nil {
		return nil
	}
	n := *t
	n.Runs = slices.Clone(t.Runs)
	for i := range n.Runs {
		n.Runs[i] = TimeSpan{From: f(n.Runs[i].From), To: f(n.Runs[i].To)}
	}
	n.Since, n.End, n.First, n.From, n.Stop, n.Last = f(t.Since), f(t.End), f(t.First), f(t.From), f(t.Stop), f(t.Last)
	return &n
}
