package aftersale

import "testing"

// The queue's SLA filter reads the gravest notice recorded: a breach outranks warnings, of
// any clock and in any order; warnings alone are at risk; nothing recorded is none.
func TestSLAFlagIsTheGravestNoticeRecorded(t *testing.T) {
	for _, tt := range []struct {
		notices []string
		want    SLAFlag
	}{
		{nil, SLAFlagNone},
		{[]string{"first_response@1741599000:warning"}, SLAFlagAtRisk},
		{[]string{"first_response@1741599000:warning", "first_response@1741599000:breach"}, SLAFlagBreached},
		{[]string{"resolution@1741599000:breach", "next_update@1741600000:warning"}, SLAFlagBreached},
		{[]string{"next_update@1741600000:warning", "resolution@1741599000:warning"}, SLAFlagAtRisk},
		{[]string{"something else"}, SLAFlagNone},
	} {
		c := &Case{SLANotices: tt.notices}
		if got := c.SLAFlag(); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.notices, got, tt.want)
		}
	}
	if SLAFlagNone.Valid() || !SLAFlagAtRisk.Valid() || !SLAFlagBreached.Valid() || SLAFlag("late").Valid() {
		t.Error("Valid: only at_risk and breached are flags a queue selects")
	}
}
