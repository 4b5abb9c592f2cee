package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/aftersales/aftersales/internal/gateway"
	"github.com/aftersales/aftersales/internal/ledger"
)

// exitMismatch is reconcile's exit status when the ledger and the gateway disagree.
const exitMismatch = 3

// paymentFlags configure the simulated payment gateway (the product's default) and the
// retry schedule of failing payments.
type paymentFlags struct {
	failureRate, duplicateRate float64
	latency, settleDelay       time.Duration
	secret                     string
	schedule                   ledger.Schedule
}

func (p *paymentFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&p.failureRate, "gateway-failure-rate", 0, "share `0–1` of the simulated payment gateway's calls that fail (half before the payment is\nrecorded, half after: a lost reply)")
	fs.DurationVar(&p.latency, "gateway-latency", 0, "how long each call to the simulated payment gateway takes (e.g. 50ms)")
	fs.Float64Var(&p.duplicateRate, "gateway-duplicate-rate", 0, "share `0–1` of the simulated gateway's callbacks it sends twice")
	fs.DurationVar(&p.settleDelay, "gateway-settle-delay", 200*time.Millisecond, "the simulated gateway settles each payment after a random delay up to twice this, then calls\nback: late and out of order")
	fs.StringVar(&p.secret, "gateway-secret", "", "the `SECRET` the payment gateway signs its callbacks with (HMAC-SHA256); the simulated\ngateway makes one and keeps it in its database when empty")
	p.schedule = ledger.DefaultSchedule
	fs.DurationVar(&p.schedule.Cap, "payment-retry-cap", p.schedule.Cap, "the longest wait between two tries of a failing payment (the first retry comes within\nseconds, then exponentially later, with jitter)")
	fs.IntVar(&p.schedule.MaxAttempts, "payment-max-attempts", p.schedule.MaxAttempts, "`N` failed tries after which a payment fails for good and waits for an agent to pay it\nagain by another method")
}

func (p *paymentFlags) check(cmd string) error {
	switch {
	case p.failureRate < 0 || p.failureRate > 1:
		return usageErrorf("%s: --gateway-failure-rate must be between 0 and 1", cmd)
	case p.duplicateRate < 0 || p.duplicateRate > 1:
		return usageErrorf("%s: --gateway-duplicate-rate must be between 0 and 1", cmd)
	case p.latency < 0 || p.settleDelay < 0:
		return usageErrorf("%s: --gateway-latency and --gateway-settle-delay cannot be negative", cmd)
	case p.schedule.Cap < time.Second:
		return usageErrorf("%s: --payment-retry-cap must be a second or more", cmd)
	case p.schedule.MaxAttempts < 1:
		return usageErrorf("%s: --payment-max-attempts must be 1 or more", cmd)
	case p.secret != "" && len(p.secret) < 16:
		return usageErrorf("%s: --gateway-secret must be at least 16 characters", cmd)
	}
	return nil
}

// openGateway opens the simulated gateway's own database in the data folder: its record of
// payments, apart from the ledger, as a real provider's would be. callback is where it
// sends its callbacks ("" for a command that only reads its record).
func (m *Main) openGateway(ctx context.Context, data string, p paymentFlags, callback string, logger *slog.Logger) (*gateway.Simulated, error) {
	opts := gateway.Options{Path: filepath.Join(data, "gateway.db"), CallbackURL: callback,
		FailureRate: p.failureRate, Latency: p.latency, DuplicateRate: p.duplicateRate, SettleDelay: p.settleDelay, Logger: logger}
	if p.secret != "" {
		opts.Secret = []byte(p.secret)
	}
	g, err := gateway.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("payment gateway: %w", err)
	}
	m.onClose(g.Close)
	return g, nil
}

// reconcile compares the ledger with the payment gateway's record.
func (m *Main) reconcile(ctx context.Context, args []string) error {
	fs := m.flagSet("reconcile", "[--from T] [--to T] [flags]", `Compares the ledger with the payment gateway's record of payments and prints every
mismatch: a payment missing on either side, a different amount, a payment made twice, an
item paid back more than was paid for it. Entries still pending are counted, not
mismatches. Exit status 0 when there is none, 3 when there are mismatches.

核对账本与支付网关的付款记录,逐条列出不一致(任何一方缺失、金额不同、重复付款、
退款超过实付)。无不一致时退出码为 0,有不一致时为 3。`)
	var (
		sf       storeFlags
		pf       paymentFlags
		from, to string
		asJSON   bool
	)
	sf.register(fs)
	pf.register(fs)
	fs.StringVar(&from, "from", "", "entries made at or after `T` (RFC 3339, or a date 2006-01-02)")
	fs.StringVar(&to, "to", "", "entries made before `T` (RFC 3339, or a date 2006-01-02)")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("reconcile: unexpected argument %q", rest[0])
	}
	var fromT, toT time.Time
	for _, x := range []struct {
		flag string
		v    string
		t    *time.Time
	}{{"--from", from, &fromT}, {"--to", to, &toT}} {
		if x.v == "" {
			continue
		}
		t, err := parseWhen(x.v)
		if err != nil {
			return usageErrorf("reconcile: %s %q: give an RFC 3339 time or a date (2006-01-02)", x.flag, x.v)
		}
		*x.t = t
	}
	if !fromT.IsZero() && !toT.IsZero() && !fromT.Before(toT) {
		return usageErrorf("reconcile: --from must be before --to")
	}
	g, err := m.openGateway(ctx, sf.data, pf, "", nil)
	if err != nil {
		return err
	}
	st, err := m.openStack(ctx, stackConfig{store: sf, gateway: g})
	if err != nil {
		return err
	}
	r, err := st.app.Reconcile(ctx, cliPrincipal, fromT, toT)
	if err != nil {
		return describe(err)
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(m.Stdout, "ledger: %d entries (%d pending); gateway: %d payments\n", r.Entries, r.Pending, r.Payments)
		for _, mm := range r.Mismatches {
			fmt.Fprintln(m.Stdout, mm)
		}
		fmt.Fprintf(m.Stdout, "%d mismatches\n", len(r.Mismatches))
	}
	if len(r.Mismatches) > 0 {
		return &exitCodeError{code: exitMismatch, msg: fmt.Sprintf("reconcile: %d mismatches between the ledger and the gateway", len(r.Mismatches))}
	}
	return nil
}

// parseWhen reads an RFC 3339 time or a date (midnight UTC).
func parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}
