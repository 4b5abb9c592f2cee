package desk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Survey is a customer's rating of a completed case (满意度): attitude, speed and
// result, each 1–5, and a comment.
type Survey struct {
	Attitude int    `json:"attitude"`
	Speed    int    `json:"speed"`
	Result   int    `json:"result"`
	Comment  string `json:"comment,omitempty"`
}

// MaxComment bounds a survey's comment.
const MaxComment = 2000

// Check validates a survey.
func (s *Survey) Check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"attitude", s.Attitude}, {"speed", s.Speed}, {"result", s.Result}} {
		if f.v < 1 || f.v > 5 {
			return fieldErr(f.name, "评分应为 1–5", "a score is 1–5")
		}
	}
	if utf8.RuneCountInString(s.Comment) > MaxComment {
		return fieldErr("comment", fmt.Sprintf("评价不能超过 %d 字", MaxComment), fmt.Sprintf("the comment is longer than %d characters", MaxComment))
	}
	return nil
}

// LowScore is the score at or below which a survey opens a follow-up (回访).
const LowScore = 2

// Low reports whether any score is LowScore or less.
func (s *Survey) Low() bool {
	return min(s.Attitude, s.Speed, s.Result) <= LowScore
}

// Mean is the average of the three scores.
func (s *Survey) Mean() float64 { return float64(s.Attitude+s.Speed+s.Result) / 3 }

// Criterion is one line of the quality review's rubric.
type Criterion struct {
	Code   string `json:"code"`
	Name   Text   `json:"name"`
	Max    int    `json:"max"`    // the best score, 1–10
	Weight int    `json:"weight"` // its share of the total, in points of 100
}

// Rubric is what a quality review scores (质检标准), kept as data.
type Rubric struct {
	Criteria []Criterion `json:"criteria"`
}

// DefaultRubric is the standard rubric: courtesy, accuracy, compliance with the rules,
// speed, resolution.
func DefaultRubric() Rubric {
	return Rubric{Criteria: []Criterion{
		{Code: "courtesy", Name: Text{ZH: "服务态度", EN: "Courtesy"}, Max: 5, Weight: 20},
		{Code: "accuracy", Name: Text{ZH: "答复准确", EN: "Accuracy"}, Max: 5, Weight: 25},
		{Code: "compliance", Name: Text{ZH: "合规(政策与时限)", EN: "Compliance (policy and deadlines)"}, Max: 5, Weight: 25},
		{Code: "speed", Name: Text{ZH: "处理及时", EN: "Timeliness"}, Max: 5, Weight: 15},
		{Code: "resolution", Name: Text{ZH: "问题解决", EN: "Resolution"}, Max: 5, Weight: 15},
	}}
}

// Check validates the rubric: criteria with codes, maxima 1–10 and weights summing to 100.
func (r *Rubric) Check() error {
	if len(r.Criteria) == 0 || len(r.Criteria) > 30 {
		return fieldErr("rubric.criteria", "质检标准应有 1–30 项", "a rubric has 1–30 criteria")
	}
	sum, seen := 0, map[string]bool{}
	for i, c := range r.Criteria {
		at := func(f string) string { return fmt.Sprintf("rubric.criteria[%d].%s", i, f) }
		switch {
		case !validCode(c.Code) || seen[c.Code]:
			return fieldErr(at("code"), "代码应唯一,为小写字母、数字、- 或 _", "a unique code of lower-case letters, digits, - or _")
		case c.Max < 1 || c.Max > 10:
			return fieldErr(at("max"), "满分应为 1–10", "max is 1–10")
		case c.Weight < 0 || c.Weight > 100:
			return fieldErr(at("weight"), "权重应为 0–100", "weight is 0–100")
		}
		seen[c.Code] = true
		sum += c.Weight
	}
	if sum != 100 {
		return fieldErr("rubric.criteria", fmt.Sprintf("权重之和应为 100(现为 %d)", sum), fmt.Sprintf("the weights add up to %d, not 100", sum))
	}
	return nil
}

// Score is a review's total, 0–100 (rounded to a tenth), from a score per criterion: every
// criterion must be scored, 0 to its max.
func (r *Rubric) Score(scores map[string]int) (float64, error) {
	total := 0.0
	for _, c := range r.Criteria {
		v, ok := scores[c.Code]
		if !ok {
			return 0, fieldErr("scores."+c.Code, "请为“"+c.Name.ZH+"”打分", "score "+c.Name.EN)
		}
		if v < 0 || v > c.Max {
			return 0, fieldErr("scores."+c.Code, fmt.Sprintf("应为 0–%d", c.Max), fmt.Sprintf("must be 0–%d", c.Max))
		}
		total += float64(c.Weight) * float64(v) / float64(c.Max)
	}
	for code := range scores {
		if !slices.ContainsFunc(r.Criteria, func(c Criterion) bool { return c.Code == code }) {
			return 0, fieldErr("scores."+code, "质检标准中没有这一项", "not a criterion of the rubric")
		}
	}
	return float64(int(total*10+0.5)) / 10, nil
}

// SampleRule is how a supervisor picks closed cases to review.
type SampleRule string

// Sampling rules.
const (
	SampleRandom   SampleRule = "random"
	SampleLowCSAT  SampleRule = "low_csat"      // a survey with a low score
	SampleComplain SampleRule = "complaint"     // a complaint was filed about it
	SampleLong     SampleRule = "long_handling" // open longer than the rules' long handling time
)

// SampleRules lists the rules.
var SampleRules = []SampleRule{SampleRandom, SampleLowCSAT, SampleComplain, SampleLong}

// Valid reports whether r is known.
func (r SampleRule) Valid() bool { return slices.Contains(SampleRules, r) }

// Label names the rule.
func (r SampleRule) Label() Text {
	switch r {
	case SampleRandom:
		return Text{ZH: "随机抽检", EN: "Random"}
	case SampleLowCSAT:
		return Text{ZH: "低满意度", EN: "Low satisfaction"}
	case SampleComplain:
		return Text{ZH: "有投诉", EN: "Complained about"}
	case SampleLong:
		return Text{ZH: "处理时间长", EN: "Long handling"}
	}
	return Text{ZH: string(r), EN: string(r)}
}

// Candidate is a closed case that may be reviewed.
type Candidate struct {
	CaseID     string
	Assignee   string
	Handling   time.Duration // opened to closed
	LowCSAT    bool
	Complained bool
}

// Sample picks up to n candidates by rule: the ones the rule selects, in a random order
// drawn from seed (the same seed, the same sample).
func Sample(rule SampleRule, cands []Candidate, n int, long time.Duration, seed uint64) []Candidate {
	var pool []Candidate
	for _, c := range cands {
		ok := true
		switch rule {
		case SampleLowCSAT:
			ok = c.LowCSAT
		case SampleComplain:
			ok = c.Complained
		case SampleLong:
			ok = c.Handling > long
		}
		if ok {
			pool = append(pool, c)
		}
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	if len(pool) > n {
		pool = pool[:n]
	}
	return pool
}

// Variables a canned reply may use, each rendered per case and locale.
var Variables = []string{"customer_name", "rma", "order_no", "deadline", "refund_amount", "state", "merchant", "agent_name"}

// CheckTemplate reports the first unknown variable or unclosed brace of a canned reply's
// body as a field error on field.
func CheckTemplate(field, body string) error {
	rest := body
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return nil
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return fieldErr(field, "变量缺少 }}", "a variable is missing its }}")
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		if !slices.Contains(Variables, name) {
			return fieldErr(field, "未知变量 {{"+name+"}},可用:"+strings.Join(Variables, "、"),
				"unknown variable {{"+name+"}}; use "+strings.Join(Variables, ", "))
		}
		rest = rest[i+j+2:]
	}
}

// Render fills a canned reply's variables from vars; a variable without a value is left
// as "—" so that nobody sends a half-filled reply unknowingly.
func Render(body string, vars map[string]string) string {
	var b strings.Builder
	rest := body
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		name := strings.TrimSpace(rest[i+2 : i+j])
		if v, ok := vars[name]; ok && v != "" {
			b.WriteString(v)
		} else {
			b.WriteString("—")
		}
		rest = rest[i+j+2:]
	}
}
