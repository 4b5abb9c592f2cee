package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTriageEvalPrintsTheFiguresAndFailsBelowThresholds(t *testing.T) {
	out, _, err := run(t, nil, "triage", "eval")
	if err != nil {
		t.Fatalf("triage eval: %v\n%s", err, out)
	}
	for _, want := range []string{"top-1 reason accuracy", "urgent recall", "quality_defect"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.tsv")
	if err := os.WriteFile(bad, []byte("size_fit\turgent\t充电时起火\nwrong_item\tnormal\t七天无理由退货\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, nil, "triage", "eval", "--data", bad); ExitCode(err) != exitError {
		t.Errorf("a failing set: exit %d %v", ExitCode(err), err)
	}
}
