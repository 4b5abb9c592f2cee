package scenario_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/policy"
)

// seedPlatformV2 is the seed platform rules revised to review in 3 working days (the other
// seed's figure, S001《电商平台售后服务规定》三.2), in force from 1 April 2025.
func seedPlatformV2(t *testing.T) string {
	t.Helper()
	seed, err := policy.Preset("seed-platform")
	if err != nil {
		t.Fatal(err)
	}
	v := presetDoc("seed-platform").Version
	v2 := strings.Replace(string(seed), fmt.Sprintf("version: %d\n", v), fmt.Sprintf("version: %d\neffective_from: 2025-04-01T00:00:00+08:00\n", v+1), 1)
	v2 = strings.Replace(v2, "merchant_response: 1wd", "merchant_response: 3wd", 1)
	if v2 == string(seed) || !strings.Contains(v2, "merchant_response: 3wd") {
		t.Fatal("could not derive version 2 from the preset")
	}
	return v2
}

// nextPlatform is the policy version under seedPlatformV2.
func nextPlatform() string {
	d := presetDoc("seed-platform")
	return fmt.Sprintf("%s+%s@%d", presetDoc("statutory").Key(), d.ID, d.Version+1)
}

// SPEC §3 (each case stores the policy version it was decided under): an application is
// judged by the version in force when it is made, and the case keeps that version's rules
// after a newer one takes effect.
func TestPolicyVersionInForceAtApplication(t *testing.T) {
	e := MustEngine(t, seedPlatformV2(t))
	tests := []struct {
		name    string
		source  string
		apply   [5]int // y, m, d, h, min
		version string
		due     [3]int // merchant_response due (00:00 of y, m, d)
	}{
		{"the day before v2: 1 working day", "S001《电商售后服务流程规定》二.2", [5]int{2025, 3, 31, 23, 59}, platform(), [3]int{2025, 4, 2}},
		{"from v2's first instant: 3 working days over Qingming", "S001《电商平台售后服务规定》三.2; 国办发明电〔2024〕12号 清明节", [5]int{2025, 4, 1, 0, 0}, nextPlatform(), [3]int{2025, 4, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			when := at(tt.apply[0], time.Month(tt.apply[1]), tt.apply[2], tt.apply[3], tt.apply[4])
			o := MustOrder(t, signedAt(when.AddDate(0, 0, -1)))
			l, d := MustOpen(t, e, Apply(o, aftersale.ReturnRefund, aftersale.QualityDefect, when))
			if d.PolicyVersion != tt.version || l.Case.PolicyVersion != tt.version || l.Policy.Version() != tt.version {
				t.Fatalf("version %q (case %q, policy %q), want %q", d.PolicyVersion, l.Case.PolicyVersion, l.Policy.Version(), tt.version)
			}
			want := at(tt.due[0], time.Month(tt.due[1]), tt.due[2], 0, 0)
			if due := l.Deadline(aftersale.MerchantResponse); !due.Equal(want) {
				t.Errorf("merchant to answer by %v, want %v", due, want)
			}
		})
	}
}

// A case opened under version 1 keeps version 1's rules when it comes back to the merchant
// after version 2 took effect: ResolveVersion of the stored version still works.
func TestCaseKeepsItsPolicyVersionAfterNewerVersionTakesEffect(t *testing.T) {
	e := MustEngine(t, seedPlatformV2(t))
	o := MustOrder(t, signedAt(at(2025, 3, 28, 10, 0)))
	l, _ := MustOpen(t, e, Apply(o, aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 31, 10, 0)))
	stored := l.Case.PolicyVersion

	p, err := e.ResolveVersion(stored)
	if err != nil {
		t.Fatalf("ResolveVersion(%q) after v2: %v", stored, err)
	}
	if p.Version() != stored {
		t.Fatalf("resolved %q, want %q", p.Version(), stored)
	}
	l.Policy = p
	l.Do(at(2025, 4, 1, 10, 0), reject(shop, "请补充视频"))
	l.Do(at(2025, 4, 2, 9, 0), aftersale.Command{Action: aftersale.Reapply, Actor: buyer, Note: "已补充视频"})
	// Version 1: one working day from Wed 2 April, so by the end of Thursday 3 April.
	if due := l.Deadline(aftersale.MerchantResponse); !due.Equal(at(2025, 4, 4, 0, 0)) {
		t.Errorf("merchant to answer by %v, want 2025-04-04 00:00 under version 1", due)
	}
	for _, ev := range l.History {
		if ev.PolicyVersion != stored {
			t.Errorf("event %d under %q, want %q", ev.Seq, ev.PolicyVersion, stored)
		}
	}
	// A new application on the same day is judged by version 2.
	d := MustEligible(t, e, Apply(o, aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 4, 2, 9, 0)))
	if d.PolicyVersion != nextPlatform() {
		t.Errorf("new application under %q, want version 2", d.PolicyVersion)
	}
}

// Versions are immutable: loading the same id and version again is harmless only when the
// content is identical; a version that was never loaded cannot be resolved.
func TestPolicyVersionsAreImmutable(t *testing.T) {
	e := MustEngine(t)
	seed, _ := policy.Preset("seed-platform")
	if _, err := e.Load(seed); err != nil {
		t.Errorf("reloading the identical version: %v", err)
	}
	changed := strings.Replace(string(seed), "reapply_limit: 2", "reapply_limit: 5", 1)
	if changed == string(seed) {
		t.Fatal("the preset no longer says reapply_limit: 2; update this test")
	}
	_, err := e.Load([]byte(changed))
	var pe *policy.ParseError
	if !errors.As(err, &pe) || pe.Field != "version" {
		t.Errorf("changed content under the same version: %v, want a ParseError on version", err)
	}
	if _, err := e.ResolveVersion(platform() + "9"); err == nil {
		t.Error("resolving a version never loaded succeeded")
	}
}
