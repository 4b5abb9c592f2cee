// Command reportbench measures the reports at scale: it generates N synthetic cases over
// the 365 days up to yesterday (with their orders, answers, money, ratings, disputes and
// complaints), derives their facts with the real functions of package analytics
// (CaseFacts, OrderFacts, ComplaintFacts), sums them (analytics.Sum) and writes the cells
// with the store's AddCells — the cells a fold of those records would leave — then times
// every report for the year by day through the application (App.Report), platform-wide,
// for one merchant and for one category, and the return rate and reasons by merchant,
// category, reason and SKU. Beside them, in the same run, the same cases as rows of a
// plain table (bench_cases) scanned by SQL: what a report would cost without aggregates.
// See scripts/reports.sh and docs/PERFORMANCE.md.
//
//	reportbench                                    # SQLite in a temporary folder, 1,000,000 cases
//	reportbench --cases 100000 --data /tmp/rb      # SQLite in /tmp/rb (kept)
//	reportbench --database-url 'postgres://postgres@127.0.0.1:5432/reportbench?sslmode=disable' --create-database
//
// It does not insert the cases through the API (that measures intake, and would take
// hours on SQLite): it writes the cells the fold would write for them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"time"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.Cases, "cases", 1_000_000, "synthetic cases to generate")
	flag.IntVar(&cfg.Merchants, "merchants", 50, "merchants")
	flag.IntVar(&cfg.SKUs, "skus", 5000, "SKUs (each of one merchant and one of 20 categories)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.IntVar(&cfg.Runs, "runs", 5, "timed runs of each report (after one warm-up)")
	flag.IntVar(&cfg.TxCells, "tx-cells", 20_000, "cells per write transaction")
	flag.IntVar(&cfg.BatchDays, "batch-days", 30, "days of cases whose facts are summed in memory before their cells are written")
	flag.StringVar(&cfg.Data, "data", "", "SQLite: the data `DIR` (kept); default a temporary folder, removed at the end")
	flag.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL: the database `URL` (its report tables are reset and bench_cases dropped first)")
	flag.BoolVar(&cfg.CreateDatabase, "create-database", false, "PostgreSQL: drop and create the URL's database first, and drop it at the end (a scratch database)")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the scratch database or temporary folder")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to `FILE`")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if cfg.DatabaseURL == "" && cfg.Data == "" {
		dir, err := os.MkdirTemp("", "reportbench-")
		if err != nil {
			fail(err)
		}
		if !cfg.Keep {
			defer os.RemoveAll(dir)
		} else {
			fmt.Println("data:", dir)
		}
		cfg.Data = dir
	}
	if cfg.Data != "" {
		cfg.Data = filepath.Clean(cfg.Data)
	}
	res, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		fail(err)
	}
	res.print(os.Stdout)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reportbench:", err)
	os.Exit(1)
}

// progress prints a line with the time since start.
type progress struct {
	w     io.Writer
	start time.Time
}

func (p progress) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}
