// Command moneychaos is the money half's chaos test (docs/MONEY.md): it drives refunds
// through a real `aftersales serve` whose simulated payment gateway fails calls and sends
// callbacks twice, kills the server with SIGKILL while payments are in flight and starts
// it again on the same store and port, waits until every payment has settled, runs
// `aftersales reconcile`, and checks from the ledger that no refund was paid twice, none
// was lost and every case got exactly its refund. It prints a report (docs/PERFORMANCE.md
// keeps the full run's) and exits 0 when every check passes, 1 otherwise.
//
//	moneychaos -bin ./aftersales -data /tmp/chaos -refunds 1000 -kills 2
//	moneychaos -bin ./aftersales -database-url postgres://…/as_chaos -refunds 1000 -kills 2
//
// Loopback only: the server listens on -addr, a loopback address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "moneychaos:", err)
		return 2
	}
	cfg.progress = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if rep != nil {
		rep.print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "moneychaos:", err)
		return 1
	}
	if !rep.passed() {
		return 1
	}
	return 0
}

// parseFlags reads the command line into a config.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("moneychaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: moneychaos -bin PATH [-data DIR | -database-url URL] [flags]

Drives refunds through aftersales serve with a failing payment gateway, kills the server
with SIGKILL while payments are in flight, and checks that every refund was paid exactly
once (the ledger, each case's refund, aftersales reconcile). Exit status 0 when every
check passes, 1 otherwise.`)
		fs.PrintDefaults()
	}
	var cfg config
	fs.StringVar(&cfg.bin, "bin", "", "`PATH` of a built aftersales binary (required)")
	fs.StringVar(&cfg.data, "data", "", "the server's data `DIR`: the SQLite store, and the gateway's record with -database-url (default: a new\ntemporary folder, removed when every check passes)")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL `URL` of the store instead of SQLite")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "loopback `HOST:PORT` the server listens on, the same after every restart (port 0: a free one)")
	fs.IntVar(&cfg.refunds, "refunds", 1000, "`N` orders made and refunded (apply, approve, refund)")
	fs.IntVar(&cfg.kills, "kills", 2, "`K` times the server is killed with SIGKILL, after 1/(K+1), 2/(K+1)… of the refunds were issued")
	fs.IntVar(&cfg.clients, "clients", 8, "`C` concurrent clients (and as many customers)")
	fs.Float64Var(&cfg.failureRate, "failure-rate", 0.3, "the gateway's share `0–1` of failed calls (--gateway-failure-rate)")
	fs.Float64Var(&cfg.duplicateRate, "duplicate-rate", 0.3, "the gateway's share `0–1` of callbacks sent twice (--gateway-duplicate-rate)")
	fs.DurationVar(&cfg.latency, "gateway-latency", 0, "each gateway call's latency (--gateway-latency)")
	fs.DurationVar(&cfg.settleDelay, "gateway-settle-delay", 200*time.Millisecond, "the gateway's mean settle delay (--gateway-settle-delay)")
	fs.DurationVar(&cfg.retryCap, "retry-cap", 2*time.Second, "the longest wait between two tries of a failing payment (--payment-retry-cap; short keeps the run short)")
	fs.IntVar(&cfg.maxAttempts, "max-attempts", 0, "`N` failed tries before a payment fails for good (--payment-max-attempts; 0: the server's default)")
	fs.DurationVar(&cfg.settleTimeout, "settle-timeout", 5*time.Minute, "how long to wait, after the last refund, for no entry to be pending")
	fs.StringVar(&cfg.work, "work", "", "`DIR` for the servers' logs (default: a new temporary folder, removed when every check passes)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.check()
}

// check refuses a config the run cannot honour.
func (c *config) check() error {
	switch {
	case c.bin == "":
		return errors.New("-bin is required: the path of a built aftersales binary (go build -o aftersales ./cmd/aftersales)")
	case c.refunds < 1:
		return errors.New("-refunds must be 1 or more")
	case c.kills < 0 || c.kills >= c.refunds:
		return errors.New("-kills must be between 0 and the number of refunds less one")
	case c.clients < 1 || c.clients > 256:
		return errors.New("-clients must be between 1 and 256")
	case c.failureRate < 0 || c.failureRate > 1 || c.duplicateRate < 0 || c.duplicateRate > 1:
		return errors.New("-failure-rate and -duplicate-rate must be between 0 and 1")
	case c.retryCap < time.Second:
		return errors.New("-retry-cap must be a second or more")
	case c.maxAttempts < 0:
		return errors.New("-max-attempts cannot be negative")
	case c.settleTimeout <= 0:
		return errors.New("-settle-timeout must be positive")
	}
	if _, err := exec.LookPath(c.bin); err != nil {
		return fmt.Errorf("-bin: %w", err)
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", c.addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: a loopback address only (127.0.0.1, ::1, localhost)", c.addr)
	}
	return nil
}
