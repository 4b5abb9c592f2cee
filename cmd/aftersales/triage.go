package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/aftersales/aftersales/internal/triage"
)

// triageCmd evaluates the triage model on a labelled set.
func (m *Main) triageCmd(ctx context.Context, args []string) error {
	fs := m.flagSet("triage", "eval [--data FILE]", `Measures smart triage (issue 16) on a labelled set: the model trained from the
built-in training texts classifies each text of the set (tab-separated reason, urgency,
text; the built-in held-out set by default) and prints top-1 reason accuracy, each
reason's precision and recall, urgent recall and precision and the confusion of reasons.
Exits 1 when top-1 is below 0.85 or urgent recall below 0.95.

评估智能分诊:在标注集(默认内置留出集)上输出原因 top-1 准确率、各原因精确率与召回率、
紧急召回率与精确率及混淆;top-1 低于 0.85 或紧急召回率低于 0.95 时退出码 1。`)
	var data string
	fs.StringVar(&data, "data", "", "a labelled `FILE` (reason<TAB>urgency<TAB>text a line) instead of the built-in held-out set")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "eval" {
		return usageErrorf("triage: give eval")
	}
	set := triage.HeldOut()
	source := "built-in held-out set"
	if data != "" {
		b, err := os.ReadFile(data)
		if err != nil {
			return err
		}
		if set, err = triage.ParseTSV(string(b)); err != nil {
			return fmt.Errorf("triage: %s: %w", data, err)
		}
		source = data
	}
	start := time.Now()
	model := triage.Default()
	trained := time.Since(start)
	start = time.Now()
	ev := triage.Evaluate(model, set)
	took := time.Since(start)
	out := m.Stdout
	fmt.Fprintf(out, "triage eval on %s: %d texts (training %s, evaluation %s)\n", source, ev.N, trained.Round(time.Millisecond), took.Round(time.Millisecond))
	fmt.Fprintf(out, "top-1 reason accuracy  %.3f  (threshold %.2f)\n", ev.Top1, triage.MinTop1)
	fmt.Fprintf(out, "urgent recall          %.3f  (threshold %.2f, %d urgent texts)\n", ev.UrgentRecall, triage.MinUrgentRecall, ev.UrgentSupport)
	fmt.Fprintf(out, "urgent precision       %.3f\n", ev.UrgentPrecision)
	fmt.Fprintf(out, "urgency accuracy       %.3f\n\n", ev.UrgencyAccuracy)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "reason\tsupport\tprecision\trecall")
	for _, f := range ev.PerReason {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\n", f.Reason, f.Support, f.Precision, f.Recall)
	}
	tw.Flush()
	var confused []string
	for actual, row := range ev.Confusion {
		for pred, n := range row {
			if pred != actual {
				confused = append(confused, fmt.Sprintf("  %s → %s: %d", actual, pred, n))
			}
		}
	}
	sort.Strings(confused)
	fmt.Fprintln(out, "\nconfusions (actual → predicted):")
	for _, c := range confused {
		fmt.Fprintln(out, c)
	}
	if !ev.Passes() {
		return &exitCodeError{code: exitError, msg: fmt.Sprintf("triage: top-1 %.3f or urgent recall %.3f below the threshold", ev.Top1, ev.UrgentRecall)}
	}
	return nil
}
