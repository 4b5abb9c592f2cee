package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aftersales/aftersales/internal/analytics"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/postgres"
	"github.com/aftersales/aftersales/internal/store/sqlite"
)

// config is what a run measures.
type config struct {
	Cases, Merchants, SKUs int
	Seed                   uint64
	Runs                   int
	TxCells                int
	BatchDays              int
	Data                   string // SQLite folder
	DatabaseURL            string // PostgreSQL
	CreateDatabase         bool
	Keep                   bool
}

// timing is one report's (or raw query's) times.
type timing struct {
	Name, Variant string
	Query         url.Values
	Rows          int
	Median, Max   time.Duration
	Raw           string // the raw query it compares with
	Err           error
	// TotalCases is the result's cases total when the report has one (return_rate).
	TotalCases int64
}

// result is what a run found.
type result struct {
	Store                     string
	Cases, Facts              int
	CellsWritten, CellsStored int64
	Generate, RawInsert       time.Duration
	DBSize, CellsSize         int64
	RawSize                   int64
	Dirty                     int
	From, To                  string
	Merchant, Category        string
	Reports                   []timing
	Raw                       map[string]timing
	RawOrder                  []string
}

func run(ctx context.Context, cfg config, logw io.Writer) (*result, error) {
	p := progress{w: logw, start: time.Now()}
	if cfg.Cases < 1 || cfg.Merchants < 1 || cfg.SKUs < cfg.Merchants || cfg.Runs < 1 || cfg.BatchDays < 1 || cfg.TxCells < 1 {
		return nil, errors.New("--cases, --runs, --batch-days, --tx-cells ≥ 1, --skus ≥ --merchants ≥ 1")
	}
	today := time.Now().In(analytics.Zone)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, analytics.Zone)
	w := newWorld(cfg.Merchants, cfg.SKUs, today.AddDate(0, 0, -1))
	res := &result{Cases: cfg.Cases, From: w.first.Format(analytics.DayLayout), To: w.last.Format(analytics.DayLayout), Raw: map[string]timing{}}

	// The store, fresh.
	var (
		st interface {
			store.Store
			Close() error
		}
		raw rawDB
		err error
	)
	if cfg.DatabaseURL != "" {
		res.Store = "PostgreSQL"
		if cfg.CreateDatabase {
			if err := recreateDatabase(ctx, cfg.DatabaseURL); err != nil {
				return nil, fmt.Errorf("create database: %w", err)
			}
			if !cfg.Keep {
				defer func() {
					if err := dropDatabase(context.Background(), cfg.DatabaseURL); err != nil {
						fmt.Fprintln(logw, "drop database:", err)
					}
				}()
			}
		}
		db, err := postgres.Open(ctx, cfg.DatabaseURL, store.Options{})
		if err != nil {
			return nil, err
		}
		st = db
		if raw, err = openPGRaw(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	} else {
		res.Store = "SQLite"
		path := filepath.Join(cfg.Data, "aftersales.db")
		db, err := sqlite.Open(ctx, path, store.Options{})
		if err != nil {
			return nil, err
		}
		st = db
		if raw, err = openSQLiteRaw(path); err != nil {
			return nil, err
		}
	}
	defer st.Close()
	defer raw.close()
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.ResetReports(ctx) }); err != nil {
		return nil, err
	}
	if err := raw.exec(ctx, `DROP TABLE IF EXISTS bench_cases`); err != nil {
		return nil, err
	}
	p.printf("%s store open; generating %d cases over %s … %s", res.Store, cfg.Cases, res.From, res.To)

	// Generate and write: one goroutine derives and sums the facts of a batch of cases, the
	// other writes the previous batch's cells.
	start := time.Now()
	rows := make([]rawRow, 0, cfg.Cases)
	batches := make(chan []store.Cell, 2)
	genErr := make(chan error, 1)
	merchantCases, categoryCases := map[string]int{}, map[string]int{}
	go func() {
		defer close(batches)
		g := newGenerator(w, cfg.Seed)
		var facts []analytics.Fact
		batchDay := 0
		flush := func() bool {
			cells := analytics.Sum(facts)
			out := make([]store.Cell, len(cells))
			for i, c := range cells {
				out[i] = store.Cell(c)
			}
			facts = facts[:0]
			select {
			case batches <- out:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for i := range cfg.Cases {
			d := int(int64(i) * 365 / int64(cfg.Cases))
			if d >= batchDay+cfg.BatchDays && len(facts) > 0 {
				if !flush() {
					genErr <- ctx.Err()
					return
				}
				batchDay = d
			}
			rec := g.next(w.first.AddDate(0, 0, d))
			facts = append(facts, rec.facts...)
			res.Facts += len(rec.facts)
			rows = append(rows, rec.raw)
			merchantCases[rec.raw.merchant]++
			categoryCases[rec.raw.category]++
		}
		if len(facts) > 0 {
			flush()
		}
		genErr <- nil
	}()
	nextReport := 0
	for cells := range batches {
		for chunk := range slices.Chunk(cells, cfg.TxCells) {
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.AddCells(ctx, chunk) }); err != nil {
				return nil, fmt.Errorf("add cells: %w", err)
			}
			res.CellsWritten += int64(len(chunk))
		}
		if res.CellsWritten >= int64(nextReport) {
			p.printf("%d cells written", res.CellsWritten)
			nextReport += 2_000_000
		}
	}
	if err := <-genErr; err != nil {
		return nil, err
	}
	res.Generate = time.Since(start)
	res.Merchant, res.Category = top(merchantCases), top(categoryCases)
	p.printf("generated and written in %s: %d facts, %d cells written", res.Generate.Round(time.Millisecond), res.Facts, res.CellsWritten)

	// The raw table, in bulk.
	start = time.Now()
	if err := raw.exec(ctx, createRaw); err != nil {
		return nil, err
	}
	if err := raw.insert(ctx, rows); err != nil {
		return nil, fmt.Errorf("insert bench_cases: %w", err)
	}
	if err := raw.exec(ctx, `CREATE INDEX bench_cases_day ON bench_cases (day)`); err != nil {
		return nil, err
	}
	res.RawInsert = time.Since(start)
	rows = nil
	runtime.GC()
	p.printf("bench_cases: %d rows inserted and indexed in %s", cfg.Cases, res.RawInsert.Round(time.Millisecond))

	// Statistics, as a live database has them (PostgreSQL's autovacuum, the SQLite store's
	// PRAGMA optimize every 1,000 commits).
	if res.Store == "PostgreSQL" {
		err = raw.exec(ctx, `VACUUM ANALYZE`)
	} else {
		err = raw.exec(ctx, `ANALYZE`)
	}
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	if res.DBSize, res.CellsSize, res.RawSize, err = raw.sizes(ctx); err != nil {
		return nil, fmt.Errorf("sizes: %w", err)
	}
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		res.Dirty, err = tx.CountDirty(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if res.CellsStored, err = countCells(ctx, raw); err != nil {
		return nil, err
	}
	p.printf("%d cells stored, database %s (cells %s, bench_cases %s), %d dirty marks", res.CellsStored,
		mib(res.DBSize), mib(res.CellsSize), mib(res.RawSize), res.Dirty)

	// The reports, through the application.
	engine, err := policy.New(calendar.Default())
	if err != nil {
		return nil, err
	}
	a := app.New(app.Config{Store: st, Engine: engine, Now: func() time.Time { return w.now }})
	admin := app.Principal{Role: app.RoleAdmin, ID: "reportbench"}
	for _, v := range variants(res) {
		t := v
		var rowsN int
		var total int64
		t.Median, t.Max, t.Err = timeIt(cfg.Runs, func() error {
			r, err := a.Report(ctx, admin, v.Name, v.Query)
			if err != nil {
				return err
			}
			rowsN = len(r.Rows)
			if v.Name == "return_rate" && len(r.Totals) > 1 {
				total, _ = r.Totals[1].(int64)
			}
			return nil
		})
		t.Rows, t.TotalCases = rowsN, total
		res.Reports = append(res.Reports, t)
		p.printf("%-14s %-22s %5d rows  median %8.1f ms  max %8.1f ms", v.Name, v.Variant, rowsN, ms(t.Median), ms(t.Max))
		if t.Err != nil {
			p.printf("  error: %v", t.Err)
		}
	}

	// The raw scans.
	for _, q := range rawQueries {
		args := []any{res.From, res.To}
		switch q.name {
		case "merchant by day":
			args = append(args, res.Merchant)
		case "category by day":
			args = append(args, res.Category)
		}
		t := timing{Name: "raw", Variant: q.name}
		t.Median, t.Max, t.Err = timeIt(cfg.Runs, func() error {
			n, err := raw.scan(ctx, rawSQL(q.where, q.group), args...)
			t.Rows = n
			return err
		})
		if t.Err != nil {
			return nil, fmt.Errorf("raw %s: %w", q.name, t.Err)
		}
		res.Raw[q.name] = t
		res.RawOrder = append(res.RawOrder, q.name)
		p.printf("raw %-22s %5d rows  median %8.1f ms  max %8.1f ms", q.name, t.Rows, ms(t.Median), ms(t.Max))
	}
	return res, nil
}

func countCells(ctx context.Context, raw rawDB) (int64, error) {
	switch r := raw.(type) {
	case *sqliteRaw:
		var n int64
		err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM report_cells`).Scan(&n)
		return n, err
	case *pgRaw:
		var n int64
		err := r.conn.QueryRow(ctx, `SELECT count(*) FROM report_cells`).Scan(&n)
		return n, err
	}
	return 0, nil
}

// variants are the reports timed: every report for the year by day platform-wide, for the
// largest merchant and for the largest category (the agents' and themes' reports take no
// category); the return rate and reasons by merchant, category, reason and SKU; the return
// rate by day compared with the year before.
func variants(res *result) []timing {
	q := func(kv ...string) url.Values {
		v := url.Values{"from": {res.From}, "to": {res.To}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	var out []timing
	for _, name := range analytics.Names() {
		out = append(out,
			timing{Name: name, Variant: "platform by day", Query: q("group_by", "day"), Raw: "platform by day"},
			timing{Name: name, Variant: "merchant by day", Query: q("group_by", "day", "merchant", res.Merchant), Raw: "merchant by day"})
		if name != "agents" && name != "themes" {
			out = append(out, timing{Name: name, Variant: "category by day", Query: q("group_by", "day", "category", res.Category), Raw: "category by day"})
		}
	}
	for _, name := range []string{"return_rate", "reasons"} {
		for _, g := range []string{"merchant", "category", "reason", "sku"} {
			out = append(out, timing{Name: name, Variant: "by " + g, Query: q("group_by", g), Raw: "by " + g})
		}
	}
	out = append(out, timing{Name: "return_rate", Variant: "by day, compare", Query: q("group_by", "day", "compare", "previous"), Raw: "platform by day"})
	return out
}

// timeIt runs f once to warm up, then runs times, and returns the median and the longest.
func timeIt(runs int, f func() error) (median, longest time.Duration, err error) {
	if err := f(); err != nil {
		return 0, 0, err
	}
	ds := make([]time.Duration, runs)
	for i := range ds {
		start := time.Now()
		if err := f(); err != nil {
			return 0, 0, err
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)-1], nil
}

func top(m map[string]int) string {
	best, n := "", -1
	for k, v := range m {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(b int64) string {
	if b <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "\n== %s: %d cases, %s … %s; %d facts; %d cells written, %d stored; generated and written in %s\n",
		r.Store, r.Cases, r.From, r.To, r.Facts, r.CellsWritten, r.CellsStored, r.Generate.Round(time.Second))
	fmt.Fprintf(w, "database %s (cells with their indexes %s, bench_cases %s); bench_cases inserted in %s; dirty marks %d\n",
		mib(r.DBSize), mib(r.CellsSize), mib(r.RawSize), r.RawInsert.Round(time.Millisecond), r.Dirty)
	fmt.Fprintf(w, "merchant filter %s, category filter %s\n\n", r.Merchant, r.Category)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "report\tvariant\trows\tmedian ms\tmax ms\traw scan ms\tratio\t")
	over := 0
	for _, t := range r.Reports {
		if t.Err != nil {
			fmt.Fprintf(tw, "%s\t%s\t\terror: %s\t\t\t\t\n", t.Name, t.Variant, strings.ReplaceAll(t.Err.Error(), "\t", " "))
			continue
		}
		rawMs, ratio := "", ""
		if rt, ok := r.Raw[t.Raw]; ok && rt.Median > 0 {
			rawMs = fmt.Sprintf("%.1f", ms(rt.Median))
			ratio = fmt.Sprintf("%.2f", float64(t.Median)/float64(rt.Median))
		}
		if t.Max >= time.Second {
			over++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%s\t%s\t\n", t.Name, t.Variant, t.Rows, ms(t.Median), ms(t.Max), rawMs, ratio)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "raw scan of bench_cases\trows\tmedian ms\tmax ms\t")
	for _, name := range r.RawOrder {
		t := r.Raw[name]
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t\n", name, t.Rows, ms(t.Median), ms(t.Max))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nreports whose slowest run took 1 s or more: %d of %d\n", over, len(r.Reports))
}
