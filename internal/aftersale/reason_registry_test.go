package aftersale

import (
	"maps"
	"slices"
	"testing"
)

// restoreReasons puts the reason registry back as it was when the test ends: RegisterReason
// changes package state that the life-cycle walk draws reasons from.
func restoreReasons(t *testing.T) {
	t.Helper()
	saved, savedIndex := slices.Clone(reasons), maps.Clone(reasonIndex)
	t.Cleanup(func() { reasons, reasonIndex = saved, savedIndex })
}

// SPEC §2: reasons are a fixed code list with localized labels, extensible by admins
// (types.go, RegisterReason).
func TestRegisterReasonAddsACodeAfterTheBuiltIns(t *testing.T) {
	restoreReasons(t)
	n := len(Reasons())
	info := ReasonInfo{Code: "pet_damage", Label: Text{ZH: "宠物损坏", EN: "Damaged by a pet"}}
	if info.Code.Valid() {
		t.Fatalf("%s is known before it is registered", info.Code)
	}
	if err := RegisterReason(info); err != nil {
		t.Fatalf("RegisterReason: %v", err)
	}
	if !info.Code.Valid() || info.Code.Info() != info {
		t.Errorf("after registering, Valid() = %v, Info() = %+v", info.Code.Valid(), info.Code.Info())
	}
	all := Reasons()
	if len(all) != n+1 || all[n] != info {
		t.Errorf("Reasons() does not end with the new code: %v", all[max(0, len(all)-2):])
	}
	if QualityDefect.Info().Label.EN != "Quality defect" {
		t.Errorf("registering moved a built-in reason: %+v", QualityDefect.Info())
	}
}

func TestRegisterReasonRefusesDuplicatesAndMissingLabels(t *testing.T) {
	restoreReasons(t)
	label := Text{ZH: "其它原因", EN: "Another reason"}
	if err := RegisterReason(ReasonInfo{Code: "store_credit", Label: label}); err != nil {
		t.Fatal(err)
	}
	n := len(Reasons())
	tests := []struct {
		name string
		info ReasonInfo
	}{
		{"a built-in code", ReasonInfo{Code: QualityDefect, Label: label}},
		{"a code registered before", ReasonInfo{Code: "store_credit", Label: label}},
		{"no code", ReasonInfo{Label: label}},
		{"no zh label", ReasonInfo{Code: "no_zh", Label: Text{EN: "No Chinese"}}},
		{"no en label", ReasonInfo{Code: "no_en", Label: Text{ZH: "无英文"}}},
	}
	for _, tt := range tests {
		if err := RegisterReason(tt.info); err == nil {
			t.Errorf("%s: RegisterReason(%+v) succeeded", tt.name, tt.info)
		}
		if tt.info.Code != "" && tt.info.Code != QualityDefect && tt.info.Code != "store_credit" && tt.info.Code.Valid() {
			t.Errorf("%s: the refused code %q became valid", tt.name, tt.info.Code)
		}
	}
	if len(Reasons()) != n {
		t.Errorf("refused registrations changed the list: %d reasons, want %d", len(Reasons()), n)
	}
	if QualityDefect.Info().Label.ZH != "质量问题" {
		t.Errorf("a refused duplicate replaced the built-in label: %+v", QualityDefect.Info())
	}
}
