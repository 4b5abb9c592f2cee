package triage

import "sort"

// ClassFigures are one reason's precision and recall on an evaluation set.
type ClassFigures struct {
	Reason    string
	Support   int
	Precision float64
	Recall    float64
}

// Evaluation holds the figures of a model on a labelled set.
type Evaluation struct {
	N               int
	Top1            float64
	UrgentSupport   int
	UrgentRecall    float64
	UrgentPrecision float64
	UrgencyAccuracy float64
	PerReason       []ClassFigures
	// Confusion counts [actual][predicted].
	Confusion map[string]map[string]int
}

// Evaluate measures m on examples: top-1 reason accuracy, per-reason precision and
// recall, urgent recall and precision, and the confusion of reasons.
func Evaluate(m *Model, examples []Example) Evaluation {
	e := Evaluation{N: len(examples), Confusion: map[string]map[string]int{}}
	correct, urgencyOK := 0, 0
	urgentTP, urgentFP, urgentFN := 0, 0, 0
	predicted := map[string]int{}
	support := map[string]int{}
	for _, ex := range examples {
		r := m.Reason(ex.Text)
		u := m.Urgency(ex.Text)
		if e.Confusion[ex.Reason] == nil {
			e.Confusion[ex.Reason] = map[string]int{}
		}
		e.Confusion[ex.Reason][r]++
		predicted[r]++
		support[ex.Reason]++
		if r == ex.Reason {
			correct++
		}
		if u == ex.Urgency {
			urgencyOK++
		}
		switch {
		case ex.Urgency == Urgent && u == Urgent:
			urgentTP++
		case ex.Urgency == Urgent:
			urgentFN++
		case u == Urgent:
			urgentFP++
		}
	}
	if e.N > 0 {
		e.Top1 = float64(correct) / float64(e.N)
		e.UrgencyAccuracy = float64(urgencyOK) / float64(e.N)
	}
	e.UrgentSupport = urgentTP + urgentFN
	if e.UrgentSupport > 0 {
		e.UrgentRecall = float64(urgentTP) / float64(e.UrgentSupport)
	}
	if urgentTP+urgentFP > 0 {
		e.UrgentPrecision = float64(urgentTP) / float64(urgentTP+urgentFP)
	}
	for reason, n := range support {
		tp := e.Confusion[reason][reason]
		f := ClassFigures{Reason: reason, Support: n, Recall: float64(tp) / float64(n)}
		if predicted[reason] > 0 {
			f.Precision = float64(tp) / float64(predicted[reason])
		}
		e.PerReason = append(e.PerReason, f)
	}
	sort.Slice(e.PerReason, func(i, j int) bool { return e.PerReason[i].Reason < e.PerReason[j].Reason })
	return e
}

// Thresholds the issue asks of the held-out set.
const (
	MinTop1         = 0.85
	MinUrgentRecall = 0.95
)

// Passes reports whether e meets the thresholds.
func (e Evaluation) Passes() bool { return e.Top1 >= MinTop1 && e.UrgentRecall >= MinUrgentRecall }
