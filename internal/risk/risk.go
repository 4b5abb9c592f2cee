// Package risk is the abuse risk score (风险评分) of a customer and of a case: the
// customer's history gathered as Features, weighed by Rules that are data, into a
// Score of 0–100 with its reasons in zh and en. It is pure: the store gathers the
// features, the application layer hands the score to the policy (customer.risk).
package risk

import (
	"fmt"
	"math"
)

// Features are what a customer's history says, as the store gathers it.
type Features struct {
	Orders        int   // orders placed
	Items         int   // units bought
	Cases         int   // after-sales cases ever
	Cases90       int   // cases opened in the last 90 days
	RefundedMinor int64 // value refunded, in minor units (分)
	RefundOnly    int   // refund-only cases (仅退款)
	NotReceived   int   // claims of not received or lost parcel (未收到货)
	// InspectionFailures are returns that failed inspection; EmptyBox and Swapped are the
	// findings among them (空包, 调包).
	InspectionFailures int
	EmptyBox           int
	Swapped            int
	SharedAddress      int // other accounts with the same normalised address
	SharedPhone        int // other accounts with the same normalised phone
	SharedDevice       int // other accounts seen on the same device
	AfterPromotion     int // cases opened within days of buying a discounted line
	WatchListed        bool
}

// Reason codes, one per factor of the rules.
const (
	ReturnRate      = "return_rate"       // percent of units bought that came back as cases
	Frequency       = "frequency"         // cases in the last 90 days
	RefundedValue   = "refunded_value"    // yuan refunded
	NotReceived     = "not_received"      // not-received / lost-parcel claims
	RefundOnlyShare = "refund_only_share" // percent of cases that were refund-only
	InspectionFail  = "inspection_failed" // returns that failed inspection
	EmptyBoxSwapped = "empty_box_swapped" // empty box or swapped item found
	SharedAddress   = "shared_address"    // other accounts at the address
	SharedPhone     = "shared_phone"      // other accounts with the phone
	SharedDevice    = "shared_device"     // other accounts on the device
	AfterPromotion  = "after_promotion"   // returns right after a promotion
	WatchList       = "watch_listed"      // on the watch list
)

// Codes lists every factor code in the order reasons are given.
var Codes = []string{ReturnRate, Frequency, RefundedValue, NotReceived, RefundOnlyShare,
	InspectionFail, EmptyBoxSwapped, SharedAddress, SharedPhone, SharedDevice, AfterPromotion, WatchList}

// value is a factor's figure for the features.
func (f Features) value(code string) float64 {
	switch code {
	case ReturnRate:
		if f.Items <= 0 {
			return 0
		}
		return 100 * float64(f.Cases) / float64(f.Items)
	case Frequency:
		return float64(f.Cases90)
	case RefundedValue:
		return float64(f.RefundedMinor) / 100
	case NotReceived:
		return float64(f.NotReceived)
	case RefundOnlyShare:
		if f.Cases <= 0 {
			return 0
		}
		return 100 * float64(f.RefundOnly) / float64(f.Cases)
	case InspectionFail:
		return float64(f.InspectionFailures)
	case EmptyBoxSwapped:
		return float64(f.EmptyBox + f.Swapped)
	case SharedAddress:
		return float64(f.SharedAddress)
	case SharedPhone:
		return float64(f.SharedPhone)
	case SharedDevice:
		return float64(f.SharedDevice)
	case AfterPromotion:
		return float64(f.AfterPromotion)
	case WatchList:
		if f.WatchListed {
			return 1
		}
	}
	return 0
}

// Text is a message in both languages.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// Reason is one factor that raised the score, with its figures.
type Reason struct {
	Code   string `json:"code"`
	Points int    `json:"points"`
	Text   Text   `json:"text"`
}

// Score is a risk score: Value is Raw capped at 100, and the reasons' points add up to Raw.
type Score struct {
	Value   int      `json:"value"`
	Raw     int      `json:"raw"`
	Reasons []Reason `json:"reasons"`
}

// Level is the score's band (low, medium, high), as the policy's customer.risk_level.
func (s Score) Level() string {
	switch {
	case s.Value < 40:
		return "low"
	case s.Value < 70:
		return "medium"
	}
	return "high"
}

// Score weighs the features by the rules. A factor earns PerUnit points for every unit of
// its figure above Free, at most Cap; the score is their sum, at most 100. Every factor
// grows with its figure, so a worse history never scores lower.
func (r Rules) Score(f Features) Score {
	var s Score
	for _, code := range Codes {
		fac, ok := r.factor(code)
		if !ok {
			continue
		}
		v := f.value(code)
		over := v - fac.Free
		if over <= 0 {
			continue
		}
		pts := int(math.Floor(over * fac.PerUnit))
		if pts > fac.Cap {
			pts = fac.Cap
		}
		if pts <= 0 {
			continue
		}
		s.Raw += pts
		s.Reasons = append(s.Reasons, Reason{Code: code, Points: pts, Text: describe(code, f, v)})
	}
	s.Value = min(s.Raw, 100)
	return s
}

func describe(code string, f Features, v float64) Text {
	switch code {
	case ReturnRate:
		return Text{fmt.Sprintf("售后率 %.0f%%（%d 件商品中 %d 次售后）", v, f.Items, f.Cases),
			fmt.Sprintf("return rate %.0f%% (%d cases for %d units bought)", v, f.Cases, f.Items)}
	case Frequency:
		return Text{fmt.Sprintf("近 90 天申请售后 %d 次", f.Cases90), fmt.Sprintf("%d cases in the last 90 days", f.Cases90)}
	case RefundedValue:
		return Text{fmt.Sprintf("累计退款 ¥%.2f", v), fmt.Sprintf("¥%.2f refunded in all", v)}
	case NotReceived:
		return Text{fmt.Sprintf("%d 次声称未收到货或包裹丢失", f.NotReceived), fmt.Sprintf("%d claims of a parcel not received or lost", f.NotReceived)}
	case RefundOnlyShare:
		return Text{fmt.Sprintf("仅退款占 %.0f%%（%d 次中 %d 次）", v, f.Cases, f.RefundOnly),
			fmt.Sprintf("%.0f%% of cases were refund-only (%d of %d)", v, f.RefundOnly, f.Cases)}
	case InspectionFail:
		return Text{fmt.Sprintf("%d 次退货验货不通过", f.InspectionFailures), fmt.Sprintf("%d returns failed inspection", f.InspectionFailures)}
	case EmptyBoxSwapped:
		return Text{fmt.Sprintf("验货发现空包 %d 次、调包 %d 次", f.EmptyBox, f.Swapped), fmt.Sprintf("inspection found %d empty boxes and %d swapped items", f.EmptyBox, f.Swapped)}
	case SharedAddress:
		return Text{fmt.Sprintf("另有 %d 个账号使用相同地址", f.SharedAddress), fmt.Sprintf("%d other accounts share the address", f.SharedAddress)}
	case SharedPhone:
		return Text{fmt.Sprintf("另有 %d 个账号使用相同手机号", f.SharedPhone), fmt.Sprintf("%d other accounts share the phone number", f.SharedPhone)}
	case SharedDevice:
		return Text{fmt.Sprintf("另有 %d 个账号使用相同设备", f.SharedDevice), fmt.Sprintf("%d other accounts used the same device", f.SharedDevice)}
	case AfterPromotion:
		return Text{fmt.Sprintf("%d 次在促销后不久申请售后", f.AfterPromotion), fmt.Sprintf("%d cases opened soon after a promotion", f.AfterPromotion)}
	case WatchList:
		return Text{"在观察名单上", "on the watch list"}
	}
	return Text{code, code}
}
