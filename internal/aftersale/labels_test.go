package aftersale_test

import (
	"slices"
	"testing"
	"unicode"

	as "github.com/aftersales/aftersales/internal/aftersale"
)

func TestTextInPicksTheLocale(t *testing.T) {
	txt := as.Text{ZH: "已完成", EN: "Completed"}
	tests := []struct{ locale, want string }{
		{"zh", "已完成"},
		{"en", "Completed"},
		// Anything else is English (types.go, Text.In).
		{"", "Completed"},
		{"fr", "Completed"},
		{"ZH", "Completed"},
		{"zh-CN", "Completed"},
	}
	for _, tt := range tests {
		if got := txt.In(tt.locale); got != tt.want {
			t.Errorf("In(%q) = %q, want %q", tt.locale, got, tt.want)
		}
	}
}

// checkLabels checks that every value of one list has a label people can read in both
// languages: Chinese in zh, something else in en, and no two values sharing a label.
func checkLabels[T ~string](t *testing.T, what string, values []T, valid func(T) bool, label func(T) as.Text) {
	t.Helper()
	seenZH, seenEN := map[string]T{}, map[string]T{}
	for _, v := range values {
		l := label(v)
		if !valid(v) {
			t.Errorf("%s %q is listed but not Valid", what, v)
		}
		if !slices.ContainsFunc([]rune(l.ZH), func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("%s %q: zh label %q has no Chinese", what, v, l.ZH)
		}
		if l.EN == "" || l.EN == l.ZH {
			t.Errorf("%s %q: en label %q", what, v, l.EN)
		}
		if prev, ok := seenZH[l.ZH]; ok {
			t.Errorf("%s %q and %q share the zh label %q", what, prev, v, l.ZH)
		}
		if prev, ok := seenEN[l.EN]; ok {
			t.Errorf("%s %q and %q share the en label %q", what, prev, v, l.EN)
		}
		seenZH[l.ZH], seenEN[l.EN] = v, v
	}
	var unknown T = "no_such_" + T(what)
	if valid(unknown) || label(unknown) != (as.Text{}) {
		t.Errorf("unknown %s %q is Valid or has a label %+v", what, unknown, label(unknown))
	}
}

func TestEveryTypeStateActionAndDeadlineHasLabels(t *testing.T) {
	checkLabels(t, "type", as.Types, as.Type.Valid, as.Type.Label)
	checkLabels(t, "state", as.States, as.State.Valid, as.State.Label)
	checkLabels(t, "deadline", as.DeadlineKinds(), as.DeadlineKind.Valid, as.DeadlineKind.Label)
	var actions []as.Action
	for _, a := range allActions {
		if a.Valid() {
			actions = append(actions, a)
		}
	}
	checkLabels(t, "action", actions, as.Action.Valid, as.Action.Label)
}

// Every waiting state has a deadline kind, and each kind belongs to one state; Disputed and
// the terminal states have none (state.go, stateDeadline; SPEC §4).
func TestEachWaitingStateHasItsOwnDeadline(t *testing.T) {
	owner := map[as.DeadlineKind]as.State{}
	for _, s := range as.States {
		k, ok := as.DeadlineKindOf(s)
		if s.Terminal() || s == as.Disputed {
			if ok {
				t.Errorf("%s has the deadline %s", s, k)
			}
			continue
		}
		if !ok || !k.Valid() {
			t.Errorf("waiting state %s has no deadline (%q)", s, k)
			continue
		}
		if prev, dup := owner[k]; dup {
			t.Errorf("%s and %s share the deadline %s", prev, s, k)
		}
		owner[k] = s
	}
	if len(owner) != len(as.DeadlineKinds()) {
		t.Errorf("%d states have deadlines, DeadlineKinds lists %d", len(owner), len(as.DeadlineKinds()))
	}
}

// SPEC §2: return and refund, exchange and repair bring goods back; refund only, return
// and refund, and compensation pay money back. Reship does neither.
func TestWhichTypesReturnGoodsAndWhichRefundMoney(t *testing.T) {
	tests := []struct {
		ty                  as.Type
		returns, refundsPay bool
	}{
		{as.RefundOnly, false, true},
		{as.ReturnRefund, true, true},
		{as.Exchange, true, false},
		{as.Repair, true, false},
		{as.Reship, false, false},
		{as.Compensation, false, true},
	}
	if len(tests) != len(as.Types) {
		t.Fatalf("the table has %d types, the package %d", len(tests), len(as.Types))
	}
	for _, tt := range tests {
		if got := tt.ty.ReturnsGoods(); got != tt.returns {
			t.Errorf("%s.ReturnsGoods() = %v, want %v", tt.ty, got, tt.returns)
		}
		if got := tt.ty.RefundsMoney(); got != tt.refundsPay {
			t.Errorf("%s.RefundsMoney() = %v, want %v", tt.ty, got, tt.refundsPay)
		}
	}
}

func TestEveryReasonHasLabelsAndInfo(t *testing.T) {
	reasons := as.Reasons()
	codes := make([]as.Reason, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
		if info := r.Code.Info(); info != r {
			t.Errorf("%s.Info() = %+v, want %+v", r.Code, info, r)
		}
	}
	checkLabels(t, "reason", codes, as.Reason.Valid, func(r as.Reason) as.Text {
		if !r.Valid() {
			return as.Text{}
		}
		return r.Info().Label
	})
	// The merchant pays for the reasons that are the merchant's fault (消保法 第二十四条).
	for _, r := range []as.Reason{as.QualityDefect, as.NotAsDescribed, as.WrongItem, as.DamagedInTransit, as.MissingParts} {
		if !r.Info().MerchantFault {
			t.Errorf("%s is not the merchant's fault", r)
		}
	}
	for _, r := range []as.Reason{as.NoReason, as.SizeFit, as.ChangedMind} {
		if r.Info().MerchantFault {
			t.Errorf("%s is the merchant's fault", r)
		}
	}
}

// Reasons returns a copy: a caller cannot change the package's list through it.
func TestReasonsReturnsACopy(t *testing.T) {
	rs := as.Reasons()
	rs[0].Label = as.Text{ZH: "改", EN: "changed"}
	if as.Reasons()[0].Label == rs[0].Label {
		t.Error("changing the slice Reasons returned changed the package's reasons")
	}
}

// A code the package does not know (a stored case whose admin-defined reason was not
// registered at start-up) still describes itself: its code is its label, and the merchant is
// not at fault (types.go, Reason.Info).
func TestInfoOfAnUnknownReasonUsesTheCode(t *testing.T) {
	r := as.Reason("broken_by_cat")
	want := as.ReasonInfo{Code: r, Label: as.Text{ZH: "broken_by_cat", EN: "broken_by_cat"}}
	if r.Valid() {
		t.Fatalf("%q is a known reason", r)
	}
	if got := r.Info(); got != want {
		t.Errorf("Info() = %+v, want %+v", got, want)
	}
}
