package main

import (
	"context"
	"fmt"
	"time"
)

// reports rebuilds or verifies the report aggregates.
func (m *Main) reports(ctx context.Context, args []string) error {
	fs := m.flagSet("reports", "rebuild|verify|fold|score [--month YYYY-MM] [flags]", `Keeps the reports' aggregates (report cells):
  verify   derive every case's, order's, complaint's and review's facts from scratch and
           compare their sums with the cells; exit 3 when any cell differs
  rebuild  throw the cells away and fold every record again (after an upgrade that
           changes what the reports count)
  fold     fold the records changed since the last fold (the server does it twice a second)
  score    score a month's merchant scorecards now and keep them (--month, last month by default)

维护报表聚合:verify 从源数据重算并与聚合比对(不一致时退出码 3);rebuild 清空聚合并全部重算;
fold 折叠待处理的变更;score 计算并保存某月的商家评分。`)
	var (
		sf    storeFlags
		month string
	)
	sf.register(fs)
	fs.StringVar(&month, "month", "", "the month to score, `YYYY-MM` (score; last month when empty)")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErrorf("reports: give one of rebuild, verify, fold, score")
	}
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	start := time.Now()
	switch rest[0] {
	case "verify":
		diffs, err := st.app.VerifyReports(ctx)
		if err != nil {
			return err
		}
		for _, d := range diffs {
			fmt.Fprintln(m.Stdout, d)
		}
		fmt.Fprintf(m.Stdout, "%d cells differ (%.1f s)\n", len(diffs), time.Since(start).Seconds())
		if len(diffs) > 0 {
			return &exitCodeError{code: exitMismatch, msg: fmt.Sprintf("reports: %d cells differ from the records", len(diffs))}
		}
	case "rebuild":
		n, err := st.app.RebuildReports(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "folded %d records (%.1f s)\n", n, time.Since(start).Seconds())
	case "fold":
		n, err := st.app.FoldReports(ctx, 1<<30)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "folded %d records (%.1f s)\n", n, time.Since(start).Seconds())
	case "score":
		if month == "" {
			_, err := st.app.ScoreLastMonth(ctx)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(m.Stdout, "scored last month")
			return nil
		}
		cards, err := st.app.KeepScorecards(ctx, cliPrincipal, month)
		if err != nil {
			return describe(err)
		}
		for _, c := range cards {
			fmt.Fprintf(m.Stdout, "%s\t%s\t%.2f\t%s\n", c.Month, c.Merchant, c.Score, c.Tier)
		}
	default:
		return usageErrorf("reports: unknown subcommand %q (rebuild, verify, fold, score)", rest[0])
	}
	return nil
}
