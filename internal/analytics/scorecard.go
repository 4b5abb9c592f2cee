package analytics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// ScorecardRules say how a merchant's month is scored (商家评分): measures with weights
// and the values that earn all or none of their points, and tiers by score.
type ScorecardRules struct {
	Measures []Measure `json:"measures"`
	Tiers    []Tier    `json:"tiers"` // highest first; the first whose Min the score reaches
	// MinCases is the fewest cases a month needs to be scored: with fewer, the merchant
	// keeps no tier for it (too little to judge).
	MinCases int64 `json:"min_cases"`
}

// Measure is one scored figure: a value at Best or better earns all its points, at Worst
// or worse none, linearly between.
type Measure struct {
	Code   string  `json:"code"`
	Weight float64 `json:"weight"`
	Best   float64 `json:"best"`
	Worst  float64 `json:"worst"`
}

// Tier is a rating band.
type Tier struct {
	Code string  `json:"code"`
	Zh   string  `json:"zh"`
	En   string  `json:"en"`
	Min  float64 `json:"min"`
}

// Measures a scorecard can use.
const (
	MeasureResponse    = "response_hours"    // average first response, hours
	MeasureApproval    = "approval_rate"     // approvals of decisions, 0–1
	MeasureDisputeLoss = "dispute_loss_rate" // disputes lost per case, 0–1
	MeasureCSAT        = "csat"              // average rating, 1–5
	MeasureReturnRate  = "return_rate"       // cases per order item, 0–1
)

var measureTitles = map[string]Text{
	MeasureResponse:    {"平均首次响应（小时）", "Average first response (hours)"},
	MeasureApproval:    {"同意率", "Approval rate"},
	MeasureDisputeLoss: {"纠纷败诉率", "Disputes lost per case"},
	MeasureCSAT:        {"满意度", "Satisfaction"},
	MeasureReturnRate:  {"售后率", "Return rate"},
}

// MeasureTitle names a measure.
func MeasureTitle(code string) Text { return measureTitles[code] }

// DefaultScorecard is the platform's scorecard until an admin sets another.
var DefaultScorecard = ScorecardRules{
	Measures: []Measure{
		{Code: MeasureResponse, Weight: 25, Best: 2, Worst: 48},
		{Code: MeasureApproval, Weight: 20, Best: 0.95, Worst: 0.5},
		{Code: MeasureDisputeLoss, Weight: 20, Best: 0, Worst: 0.05},
		{Code: MeasureCSAT, Weight: 20, Best: 4.8, Worst: 3},
		{Code: MeasureReturnRate, Weight: 15, Best: 0.02, Worst: 0.2},
	},
	Tiers: []Tier{
		{Code: "excellent", Zh: "优秀", En: "Excellent", Min: 85},
		{Code: "good", Zh: "良好", En: "Good", Min: 70},
		{Code: "improve", Zh: "待改进", En: "Needs improvement", Min: 0},
	},
	MinCases: 5,
}

// ParseScorecardRules reads and checks rules.
func ParseScorecardRules(b []byte) (ScorecardRules, error) {
	var r ScorecardRules
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, &FieldError{"rules", "评分规则不是有效的 JSON：" + err.Error(), "the rules are not valid JSON: " + err.Error()}
	}
	return r, r.Check()
}

// Check says what is wrong with the rules, naming the field.
func (r ScorecardRules) Check() error {
	if len(r.Measures) == 0 {
		return &FieldError{"measures", "至少需要一项指标", "at least one measure is needed"}
	}
	var total float64
	var seen []string
	for i, m := range r.Measures {
		f := fmt.Sprintf("measures[%d]", i)
		switch {
		case measureTitles[m.Code] == (Text{}):
			return &FieldError{f + ".code", "未知指标：" + m.Code, "unknown measure: " + m.Code}
		case slices.Contains(seen, m.Code):
			return &FieldError{f + ".code", "指标重复：" + m.Code, "measure listed twice: " + m.Code}
		case m.Weight <= 0 || math.IsNaN(m.Weight) || math.IsInf(m.Weight, 0):
			return &FieldError{f + ".weight", "权重应大于 0", "the weight must be above 0"}
		case m.Best == m.Worst || math.IsNaN(m.Best) || math.IsNaN(m.Worst):
			return &FieldError{f + ".best", "最好值与最差值不能相同", "best and worst must differ"}
		}
		seen = append(seen, m.Code)
		total += m.Weight
	}
	if math.Abs(total-100) > 1e-9 {
		return &FieldError{"measures", fmt.Sprintf("权重之和应为 100（现为 %g）", total), fmt.Sprintf("the weights must add up to 100 (they add up to %g)", total)}
	}
	if len(r.Tiers) == 0 {
		return &FieldError{"tiers", "至少需要一个等级", "at least one tier is needed"}
	}
	var codes []string
	for i, t := range r.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		switch {
		case t.Code == "" || t.Zh == "" || t.En == "":
			return &FieldError{f + ".code", "等级需要代码和中英文名称", "a tier needs a code and names in zh and en"}
		case slices.Contains(codes, t.Code):
			return &FieldError{f + ".code", "等级重复：" + t.Code, "tier listed twice: " + t.Code}
		case i > 0 && t.Min >= r.Tiers[i-1].Min:
			return &FieldError{f + ".min", "等级应按最低分从高到低排列", "tiers go from the highest minimum down"}
		}
		codes = append(codes, t.Code)
	}
	if last := r.Tiers[len(r.Tiers)-1]; last.Min > 0 {
		return &FieldError{fmt.Sprintf("tiers[%d].min", len(r.Tiers)-1), "最后一个等级的最低分应为 0", "the last tier's minimum must be 0"}
	}
	if r.MinCases < 0 {
		return &FieldError{"min_cases", "不能为负数", "cannot be negative"}
	}
	return nil
}

// Tier returns a tier by code.
func (r ScorecardRules) Tier(code string) (Tier, bool) {
	for _, t := range r.Tiers {
		if t.Code == code {
			return t, true
		}
	}
	return Tier{}, false
}

// ScorecardMetrics are the metrics a scorecard reads (cells of dimension "all", grouped
// by merchant, over the month).
var ScorecardMetrics = []string{MFirstResponse, MDecided, MApproved, MCases, MDisputesLost, MSurveys, MItems}

// Figure is one measure of a scorecard: its value, the points it earned (0–100) and its
// weight. Value is nil when the month had nothing to measure (its weight then goes to
// the others).
type Figure struct {
	Code   string   `json:"code"`
	Value  *float64 `json:"value,omitempty"` // absent when nothing was measured
	Points float64  `json:"points"`
	Weight float64  `json:"weight"`
}

// Card is a merchant's scored month.
type Card struct {
	Merchant string   `json:"merchant"`
	Month    string   `json:"month"`
	Score    float64  `json:"score"`
	Tier     string   `json:"tier"` // "" when the month had too few cases
	Cases    int64    `json:"cases"`
	Figures  []Figure `json:"figures"`
}

// Score scores a merchant's month from its sums.
func (r ScorecardRules) Score(merchant, month string, s Sums) Card {
	card := Card{Merchant: merchant, Month: month, Cases: s.N(MCases)}
	val := func(code string) (float64, bool) {
		div := func(a, b int64) (float64, bool) {
			if b == 0 {
				return 0, false
			}
			return float64(a) / float64(b), true
		}
		switch code {
		case MeasureResponse:
			v, ok := div(s.S(MFirstResponse), s.N(MFirstResponse))
			return v / 3600, ok
		case MeasureApproval:
			return div(s.N(MApproved), s.N(MDecided))
		case MeasureDisputeLoss:
			return div(s.N(MDisputesLost), s.N(MCases))
		case MeasureCSAT:
			v, ok := div(s.S(MSurveys), s.N(MSurveys))
			return v / 3, ok
		case MeasureReturnRate:
			return div(s.N(MCases), s.N(MItems))
		}
		return 0, false
	}
	var points, weights float64
	for _, m := range r.Measures {
		f := Figure{Code: m.Code, Weight: m.Weight}
		if v, ok := val(m.Code); ok {
			v = round(v, 4)
			f.Value = &v
			p := (v - m.Worst) / (m.Best - m.Worst)
			f.Points = round(100*math.Max(0, math.Min(1, p)), 2)
			points += f.Points * m.Weight
			weights += m.Weight
		}
		card.Figures = append(card.Figures, f)
	}
	if weights > 0 {
		card.Score = round(points/weights, 2)
	}
	if card.Cases >= r.MinCases && weights > 0 {
		for _, t := range r.Tiers {
			if card.Score >= t.Min {
				card.Tier = t.Code
				break
			}
		}
	}
	return card
}

// Month returns the month of an instant (YYYY-MM, China Standard Time) and its first and
// last days.
func Month(t time.Time) (month, first, last string) {
	t = t.In(Zone)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, Zone)
	return start.Format("2006-01"), start.Format(DayLayout), start.AddDate(0, 1, -1).Format(DayLayout)
}

// ParseMonth reads YYYY-MM and returns its first and last days.
func ParseMonth(s string) (first, last string, err error) {
	t, err := time.ParseInLocation("2006-01", s, Zone)
	if err != nil {
		return "", "", &FieldError{"month", "月份格式应为 2026-11", "use a month such as 2026-11"}
	}
	_, first, last = Month(t)
	return first, last, nil
}

// PreviousMonth returns the month before an instant's month (YYYY-MM).
func PreviousMonth(t time.Time) string {
	t = t.In(Zone)
	m, _, _ := Month(time.Date(t.Year(), t.Month(), 1, 12, 0, 0, 0, Zone).AddDate(0, -1, 0))
	return m
}
