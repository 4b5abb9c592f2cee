package risk

import (
	"errors"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func drawFeatures(t *rapid.T) Features {
	n := rapid.IntRange(0, 50)
	return Features{
		Orders: n.Draw(t, "orders"), Items: n.Draw(t, "items"), Cases: n.Draw(t, "cases"), Cases90: n.Draw(t, "cases90"),
		RefundedMinor: rapid.Int64Range(0, 10_000_000).Draw(t, "refunded"), RefundOnly: n.Draw(t, "refund_only"),
		NotReceived: n.Draw(t, "not_received"), InspectionFailures: n.Draw(t, "failed"), EmptyBox: n.Draw(t, "empty"),
		Swapped: n.Draw(t, "swapped"), SharedAddress: n.Draw(t, "address"), SharedPhone: n.Draw(t, "phone"),
		SharedDevice: n.Draw(t, "device"), AfterPromotion: n.Draw(t, "promo"), WatchListed: rapid.Bool().Draw(t, "watch"),
	}
}

// TestScoreProperties: the score stays within 0..100, its reasons add up to the raw
// score that the cap bounds, and a worse figure never lowers it.
func TestScoreProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := drawFeatures(t)
		s := DefaultRules.Score(f)
		if s.Value < 0 || s.Value > 100 {
			t.Fatalf("score %d outside 0..100", s.Value)
		}
		sum := 0
		for _, r := range s.Reasons {
			if r.Points <= 0 || r.Text.ZH == "" || r.Text.EN == "" {
				t.Fatalf("reason %+v", r)
			}
			sum += r.Points
		}
		if sum != s.Raw || s.Value != min(s.Raw, 100) {
			t.Fatalf("reasons add up to %d, raw %d, value %d", sum, s.Raw, s.Value)
		}
		worse := f
		switch rapid.IntRange(0, 9).Draw(t, "which") {
		case 0:
			worse.NotReceived++
		case 1:
			worse.Cases90++
		case 2:
			worse.RefundedMinor += 10000
		case 3:
			worse.InspectionFailures++
		case 4:
			worse.EmptyBox++
		case 5:
			worse.SharedAddress++
		case 6:
			worse.SharedPhone++
		case 7:
			worse.SharedDevice++
		case 8:
			worse.AfterPromotion++
		case 9:
			worse.WatchListed = true
		}
		if w := DefaultRules.Score(worse); w.Value < s.Value {
			t.Fatalf("a worse history scored %d below %d", w.Value, s.Value)
		}
		if f.Cases > 0 && f.RefundOnly < f.Cases {
			more := f
			more.RefundOnly++
			if w := DefaultRules.Score(more); w.Value < s.Value {
				t.Fatalf("a larger refund-only share scored %d below %d", w.Value, s.Value)
			}
		}
	})
}

// TestNotReceivedHistoryScoresHigh: three refund-only "not received" claims out of three
// cases make a customer high-risk (the customer.risk >= 70).
func TestNotReceivedHistoryScoresHigh(t *testing.T) {
	f := Features{Orders: 3, Items: 3, Cases: 3, Cases90: 3, RefundOnly: 3, NotReceived: 3, RefundedMinor: 30000}
	s := DefaultRules.Score(f)
	if s.Value < 70 || s.Level() != "high" {
		t.Fatalf("score %d (%s), want high: %+v", s.Value, s.Level(), s.Reasons)
	}
	var codes []string
	for _, r := range s.Reasons {
		codes = append(codes, r.Code)
	}
	if !strings.Contains(strings.Join(codes, ","), NotReceived) {
		t.Fatalf("reasons %v lack not_received", codes)
	}
}

func TestSharedAddressRaisesScore(t *testing.T) {
	f := Features{Orders: 1, Items: 1}
	before := DefaultRules.Score(f)
	f.SharedAddress = 1
	after := DefaultRules.Score(f)
	if after.Value <= before.Value || after.Reasons[0].Code != SharedAddress {
		t.Fatalf("before %d, after %d %+v", before.Value, after.Value, after.Reasons)
	}
}

func TestFreshCustomerScoresZero(t *testing.T) {
	if s := DefaultRules.Score(Features{Orders: 1, Items: 2}); s.Value != 0 || len(s.Reasons) != 0 {
		t.Fatalf("%+v", s)
	}
}

func TestRulesCheckNamesTheField(t *testing.T) {
	if err := DefaultRules.Check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ json, field string }{
		{`{"factors":[{"code":"nope"}]}`, "factors[0].code"},
		{`{"factors":[{"code":"frequency","per_unit":-1}]}`, "factors[0].per_unit"},
		{`{"factors":[{"code":"frequency","cap":101}]}`, "factors[0].cap"},
		{`{"factors":[{"code":"frequency"},{"code":"frequency"}]}`, "factors[1].code"},
		{`{"promotion_days":-1}`, "promotion_days"},
		{`{"x":1}`, "rules"},
	} {
		_, err := ParseRules([]byte(tc.json))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want field %s", tc.json, err, tc.field)
		}
	}
}
