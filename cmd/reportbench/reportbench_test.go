package main

import (
	"context"
	"testing"
)

// TestSmallRun runs the bench on 2,000 cases in a temporary SQLite store: every report
// answers, and the return rate's cases for the year are the cases generated (every case
// is opened within the year, and the cells hold each once).
func TestSmallRun(t *testing.T) {
	res, err := run(context.Background(), config{Cases: 2000, Merchants: 10, SKUs: 500, Seed: 7, Runs: 1,
		TxCells: 20_000, BatchDays: 30, Data: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dirty != 0 || res.CellsStored == 0 {
		t.Errorf("dirty marks %d, cells %d", res.Dirty, res.CellsStored)
	}
	checked := false
	for _, r := range res.Reports {
		if r.Err != nil {
			t.Errorf("%s %s: %v", r.Name, r.Variant, r.Err)
		}
		if r.Rows == 0 {
			t.Errorf("%s %s: no rows", r.Name, r.Variant)
		}
		if r.Name == "return_rate" && r.Variant == "platform by day" {
			checked = true
			if r.TotalCases != 2000 {
				t.Errorf("return_rate total cases = %d, want 2000", r.TotalCases)
			}
		}
	}
	if !checked || len(res.Raw) != len(rawQueries) {
		t.Errorf("return rate checked %v, raw queries %d", checked, len(res.Raw))
	}
}
