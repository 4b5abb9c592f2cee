package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the gateway's record is a SQLite file
)

// scrapedFamilies are the metrics the report reads, scraped before each kill and before
// the final stop: a process's counters die with it.
var scrapedFamilies = []string{"aftersales_gateway_calls_total", "aftersales_ledger_entries", "aftersales_outbox_deliveries_total"}

// report is what a run found.
type report struct {
	cfg      config
	started  time.Time
	store    string
	data     string
	work     string
	merchant string
	srv      *server
	api      *client

	ordersTook, issueTook, settleTook time.Duration
	cases                             []issuedCase
	refundErrors                      []string
	kills                             []killRecord
	crashes                           []string
	scrapes                           []metrics // one per process, just before it was killed or stopped
	scrapeErrors                      int
	settled                           bool
	pendingCurve                      []pendingPoint
	stuck                             []entry  // pending when the settle wait timed out
	paidAgain                         []string // entries that failed for good, paid again by balance
	entries                           []entry
	stopError                         string
	reconcileOut                      string
	reconcileCode                     int
	gatewayRecord                     gatewayRecord
	logs                              []logSummary

	checks []checkResult
}

// killRecord is one SIGKILL.
type killRecord struct {
	issued  int64         // refunds issued when it came
	pending int           // entries pending just before it (-1: not scraped)
	down    time.Duration // until the next process served
}

// pendingPoint is a change of the number of pending entries while the run waits for them
// to settle.
type pendingPoint struct {
	at      time.Duration // since the last refund was issued
	pending int
}

type checkResult struct {
	ok       bool
	name     string
	evidence []string
}

// logSummary is what one process's log shows: panics, and its warnings and errors by
// message.
type logSummary struct {
	n        int
	panics   int
	messages map[string]int // "WARN payment callback contradicts the ledger" → count
}

// gatewayRecord is what the simulated gateway's own record (DATA/gateway.db) shows once
// the server has stopped: its payments, the calls it took for them and the callbacks it
// delivered, a second copy included.
type gatewayRecord struct {
	err                                  string
	payments, keys, processing           int
	calls, callbacks, duplicates, undone int
	// paid is what the gateway paid (succeeded payments) by reference, the case number
	// the ledger gives each payment: the money that left, whatever the ledger says.
	paid map[string]paidCase
}

type paidCase struct {
	amount int64
	keys   []string
}

// finalScrape reads the last process's metrics before it is stopped.
func (r *report) finalScrape(ctx context.Context, api *client, p *proc) {
	if p.exited() {
		return
	}
	m, err := api.scrape(ctx, scrapedFamilies...)
	if err != nil {
		r.scrapeErrors++
		return
	}
	r.scrapes = append(r.scrapes, m)
}

// readGatewayRecord reads the gateway's record, read-only, after the server stopped.
func readGatewayRecord(path string) gatewayRecord {
	var g gatewayRecord
	if _, err := os.Stat(path); err != nil {
		g.err = err.Error()
		return g
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		g.err = err.Error()
		return g
	}
	defer db.Close()
	err = db.QueryRow(`SELECT count(*), count(DISTINCT idempotency_key),
		coalesce(sum(status = 'processing'), 0), coalesce(sum(calls), 0), coalesce(sum(callbacks_sent), 0),
		coalesce(sum(CASE WHEN callbacks_sent > 1 THEN callbacks_sent - 1 ELSE 0 END), 0), coalesce(sum(callbacks_due), 0)
		FROM payments`).Scan(&g.payments, &g.keys, &g.processing, &g.calls, &g.callbacks, &g.duplicates, &g.undone)
	if err != nil {
		g.err = err.Error()
		return g
	}
	rows, err := db.Query(`SELECT reference, idempotency_key, amount, method FROM payments WHERE status = 'succeeded' ORDER BY id`)
	if err != nil {
		g.err = err.Error()
		return g
	}
	defer rows.Close()
	g.paid = map[string]paidCase{}
	for rows.Next() {
		var ref, key, method string
		var amount int64
		if err := rows.Scan(&ref, &key, &amount, &method); err != nil {
			g.err = err.Error()
			return g
		}
		pc := g.paid[ref]
		pc.amount += amount
		pc.keys = append(pc.keys, fmt.Sprintf("%s %d by %s", key, amount, method))
		g.paid[ref] = pc
	}
	if err := rows.Err(); err != nil {
		g.err = err.Error()
	}
	return g
}

// scanLogs counts the panics, warnings and errors each process logged.
func (r *report) scanLogs() {
	if r.srv == nil {
		return
	}
	for _, p := range r.srv.procs {
		s := logSummary{n: p.n, messages: map[string]int{}}
		f, err := os.Open(p.logPath)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "fatal error:") {
				s.panics++
				continue
			}
			for _, level := range []string{"WARN", "ERROR"} {
				if strings.Contains(line, "level="+level+" ") {
					s.messages[level+" "+logMessage(line)]++
				}
			}
		}
		f.Close()
		r.logs = append(r.logs, s)
	}
}

// logMessage is the msg of a log line in slog's text form.
func logMessage(line string) string {
	_, rest, ok := strings.Cut(line, "msg=")
	if !ok {
		return line
	}
	if strings.HasPrefix(rest, `"`) {
		if m, _, ok := strings.Cut(rest[1:], `"`); ok {
			return m
		}
	}
	m, _, _ := strings.Cut(rest, " ")
	return m
}

// passed reports whether every check passed.
func (r *report) passed() bool {
	if len(r.checks) == 0 {
		return false
	}
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return true
}

// print writes the report.
func (r *report) print(w io.Writer) {
	c := r.cfg
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("moneychaos: %d refunds by %d clients on %s; %d kills (SIGKILL); gateway failure rate %.2f, duplicate rate %.2f, latency %v, settle delay %v; payment retry cap %v",
		c.refunds, c.clients, r.store, c.kills, c.failureRate, c.duplicateRate, c.latency, c.settleDelay, c.retryCap)
	p("machine:   %d cores (GOMAXPROCS %d), %s/%s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	if r.srv != nil && r.srv.base != "" {
		p("server:    %s, merchant %s", r.srv.base, r.merchant)
	}
	if r.ordersTook > 0 {
		p("orders:    %d pushed in %v", c.refunds, r.ordersTook.Round(time.Millisecond))
	}
	if r.issueTook > 0 {
		p("refunds:   %d issued in %v = %.1f refunds/s (apply, approve, refund: 3 writes each)", len(r.cases), r.issueTook.Round(time.Millisecond),
			float64(len(r.cases))/r.issueTook.Seconds())
	}
	if r.api != nil {
		s := &r.api.stats
		p("requests:  %d sent; %d got no answer (refused, reset: the server was down) and %d a 429/502/503/504, each sent again with its key; %d answers replayed (Idempotent-Replayed)",
			s.sent.Load(), s.noAnswer.Load(), s.unavailable.Load(), s.replayed.Load())
	}
	for i, k := range r.kills {
		pending := fmt.Sprint(k.pending)
		if k.pending < 0 {
			pending = "?"
		}
		p("kill %d:    at %d refunds issued, %s entries pending; serving again %v later", i+1, k.issued, pending, k.down.Round(time.Millisecond))
	}
	if r.issueTook > 0 {
		state := "no entry pending"
		if !r.settled {
			state = fmt.Sprintf("NOT settled: %d entries still pending", len(r.stuck))
		}
		p("settled:   %v after the last refund (%s)", r.settleTook.Round(time.Millisecond), state)
		if len(r.pendingCurve) > 0 {
			var pts []string
			for i, pt := range r.pendingCurve {
				if len(r.pendingCurve) > 16 && i >= 8 && i < len(r.pendingCurve)-8 {
					if i == 8 {
						pts = append(pts, "…")
					}
					continue
				}
				pts = append(pts, fmt.Sprintf("%.1fs %d", pt.at.Seconds(), pt.pending))
			}
			p("pending:   after the last refund: %s", strings.Join(pts, " → "))
		}
		all := r.issueTook + r.settleTook
		p("overall:   %d refunds issued and paid in %v = %.1f refunds/s", len(r.cases), all.Round(time.Millisecond), float64(len(r.cases))/all.Seconds())
	}
	if len(r.entries) > 0 {
		states := map[string]int{}
		attempts := map[int]int{}
		maxAttempts := 0
		for _, e := range r.entries {
			states[e.State]++
			attempts[min(e.Attempts, 3)]++
			maxAttempts = max(maxAttempts, e.Attempts)
		}
		p("ledger:    %d entries: %d succeeded, %d failed, %d pending; %d failed for good and were paid again by balance",
			len(r.entries), states["succeeded"], states["failed"], states["pending"], len(r.paidAgain))
		p("attempts:  %d entries paid at the first call, %d at the second, %d at the third or later (at most %d)", attempts[1], attempts[2], attempts[3], maxAttempts)
		for _, a := range first(r.paidAgain, 5) {
			p("           paid again: %s", a)
		}
	}
	if len(r.scrapes) > 0 {
		calls, deliveries := metrics{}, metrics{}
		for _, m := range r.scrapes {
			for k, v := range m {
				switch {
				case strings.HasPrefix(k, "aftersales_gateway_calls_total"):
					calls[label(k, "outcome")] += v
				case strings.HasPrefix(k, "aftersales_outbox_deliveries_total") && strings.HasPrefix(label(k, "topic"), "money."):
					deliveries[label(k, "result")] += v
				}
			}
		}
		p("gateway:   calls by outcome (aftersales_gateway_calls_total, summed over %d processes, each scraped just before its end): %s", len(r.scrapes), joinCounts(calls))
		p("relay:     money.* deliveries by result (aftersales_outbox_deliveries_total): %s", joinCounts(deliveries))
	}
	if r.scrapeErrors > 0 {
		p("           %d scrapes of /metrics failed", r.scrapeErrors)
	}
	if g := r.gatewayRecord; g.err != "" {
		p("gateway's own record: not readable (%s)", g.err)
	} else if g.payments > 0 {
		p("gateway's own record (gateway.db): %d payments for %d keys (%d processing); %d calls took a key; %d callbacks delivered, %d of them second copies; %d callbacks still due",
			g.payments, g.keys, g.processing, g.calls, g.callbacks, g.duplicates, g.undone)
	}
	if r.reconcileOut != "" || r.reconcileCode != 0 {
		p("reconcile: exit %d", r.reconcileCode)
		lines := strings.Split(r.reconcileOut, "\n")
		for i, line := range lines {
			if len(lines) > 24 && i == 20 {
				p("           … %d lines more …", len(lines)-22)
			}
			if len(lines) > 24 && i >= 20 && i < len(lines)-2 {
				continue
			}
			p("           %s", line)
		}
	}
	if len(r.logs) > 0 {
		panics := 0
		messages := map[string]int{}
		for _, l := range r.logs {
			panics += l.panics
			for m, n := range l.messages {
				messages[m] += n
			}
		}
		p("logs:      %d server processes, %d panics, %d kinds of WARN and ERROR lines", len(r.logs), panics, len(messages))
		for _, m := range slices.Sorted(maps.Keys(messages)) {
			p("           %s ×%d", m, messages[m])
		}
	}
	if len(r.checks) > 0 {
		p("checks:")
		for _, ch := range r.checks {
			mark := "PASS"
			if !ch.ok {
				mark = "FAIL"
			}
			p("  %s %s", mark, ch.name)
			if !ch.ok {
				for _, e := range ch.evidence {
					if e != "" {
						p("       %s", strings.ReplaceAll(e, "\n", "\n       "))
					}
				}
			}
		}
	}
	if r.passed() {
		p("result:    PASS (%v in all)", time.Since(r.started).Round(time.Second))
		return
	}
	p("result:    FAIL (%v in all)", time.Since(r.started).Round(time.Second))
	if r.work != "" {
		p("kept:      %s (the servers' logs%s)", r.work, map[bool]string{true: " and the SQLite store", false: ""}[strings.HasPrefix(r.data, r.work)])
	}
	if r.srv != nil && len(r.srv.procs) > 0 {
		last := r.srv.current()
		p("the last server's log (end):\n%s", last.tail(20))
	}
}

func joinCounts(m metrics) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func skuName(sku string) string {
	if sku == "" {
		return "shipping fee"
	}
	return sku
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}
