package risk

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Rules weigh the factors of the score; they are data an admin may change.
type Rules struct {
	Factors []Factor `json:"factors"`
	// PromotionDays is how soon after buying a discounted line a case counts as "right
	// after a promotion".
	PromotionDays int `json:"promotion_days"`
}

// Factor says what one figure is worth: PerUnit points for every unit above Free, at most Cap.
type Factor struct {
	Code    string  `json:"code"`
	Free    float64 `json:"free"`
	PerUnit float64 `json:"per_unit"`
	Cap     int     `json:"cap"`
}

// DefaultRules are the platform's rules until an admin sets others: one not-received claim
// is forgiven, three make a customer high-risk together with their refund-only share; an
// address shared with another account is worth 20.
var DefaultRules = Rules{
	Factors: []Factor{
		{Code: ReturnRate, Free: 20, PerUnit: 0.5, Cap: 20},
		{Code: Frequency, Free: 3, PerUnit: 3, Cap: 15},
		{Code: RefundedValue, Free: 500, PerUnit: 0.01, Cap: 10},
		{Code: NotReceived, Free: 1, PerUnit: 15, Cap: 45},
		{Code: RefundOnlyShare, Free: 30, PerUnit: 0.4, Cap: 25},
		{Code: InspectionFail, Free: 0, PerUnit: 10, Cap: 20},
		{Code: EmptyBoxSwapped, Free: 0, PerUnit: 30, Cap: 60},
		{Code: SharedAddress, Free: 0, PerUnit: 20, Cap: 40},
		{Code: SharedPhone, Free: 0, PerUnit: 20, Cap: 40},
		{Code: SharedDevice, Free: 0, PerUnit: 15, Cap: 30},
		{Code: AfterPromotion, Free: 1, PerUnit: 5, Cap: 15},
		{Code: WatchList, Free: 0, PerUnit: 30, Cap: 30},
	},
	PromotionDays: 7,
}

func (r Rules) factor(code string) (Factor, bool) {
	for _, f := range r.Factors {
		if f.Code == code {
			return f, true
		}
	}
	return Factor{}, false
}

// FieldError is a field of the rules that cannot be used, with the reason in both languages.
type FieldError struct {
	Field  string
	ZH, EN string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.EN }

// ParseRules reads and checks rules.
func ParseRules(b []byte) (Rules, error) {
	var r Rules
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, &FieldError{"rules", "规则不是有效的 JSON：" + err.Error(), "the rules are not valid JSON: " + err.Error()}
	}
	return r, r.Check()
}

// Check says what is wrong with the rules, naming the field.
func (r Rules) Check() error {
	var seen []string
	for i, f := range r.Factors {
		p := fmt.Sprintf("factors[%d]", i)
		switch {
		case !slices.Contains(Codes, f.Code):
			return &FieldError{p + ".code", "未知因素：" + f.Code, "unknown factor: " + f.Code}
		case slices.Contains(seen, f.Code):
			return &FieldError{p + ".code", "因素重复：" + f.Code, "factor listed twice: " + f.Code}
		case f.Free < 0 || math.IsNaN(f.Free) || math.IsInf(f.Free, 0):
			return &FieldError{p + ".free", "不能为负数", "cannot be negative"}
		case f.PerUnit < 0 || math.IsNaN(f.PerUnit) || math.IsInf(f.PerUnit, 0):
			return &FieldError{p + ".per_unit", "不能为负数", "cannot be negative"}
		case f.Cap < 0 || f.Cap > 100:
			return &FieldError{p + ".cap", "上限应在 0 到 100 之间", "the cap must be between 0 and 100"}
		}
		seen = append(seen, f.Code)
	}
	if r.PromotionDays < 0 || r.PromotionDays > 90 {
		return &FieldError{"promotion_days", "应在 0 到 90 天之间", "must be between 0 and 90 days"}
	}
	return nil
}
