package assistant

import (
	"os"
	"testing"
)

// TestHeldOutShareAnsweredRight is the measure (issue 16, item 5): the share of
// a held-out set of questions, half 简体 and half English, answered right — the intent
// and the fact of the fixture case the answer must state.
func TestHeldOutShareAnsweredRight(t *testing.T) {
	f, err := os.Open("testdata/heldout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := ParseQuestions(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 150 {
		t.Fatalf("held-out set has %d questions, want at least 150", len(qs))
	}
	s := Evaluate(qs)
	for _, m := range s.Misses {
		t.Logf("miss: %q want %s got %s: %s", m.Text, m.Intent, m.Got, m.Answer)
	}
	t.Logf("answered right: %d/%d = %.1f%%", s.Right, s.Total, 100*s.Share())
	if s.Share() < 0.85 {
		t.Errorf("share answered right %.3f, want at least 0.85", s.Share())
	}
}
