package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is a chaos run.
type config struct {
	bin           string
	data          string
	databaseURL   string
	addr          string
	work          string // the servers' logs; a temporary folder when empty
	refunds       int
	kills         int
	clients       int
	failureRate   float64
	duplicateRate float64
	latency       time.Duration
	settleDelay   time.Duration
	retryCap      time.Duration
	maxAttempts   int
	settleTimeout time.Duration
	progress      io.Writer // a line per phase; nil: none
}

// The order every refund is made on: two lines, one of them discounted, and a shipping
// fee. The whole order is refunded before shipment, so each case's refund is one entry
// per line and one for the shipping fee (docs/MONEY.md, refund only).
var (
	orderLines = []orderLine{
		{SKU: "EARBUDS", Title: "蓝牙耳机 / earbuds", Category: "electronics", Quantity: 1, UnitPrice: 12900, PaidAmount: 12900},
		{SKU: "CABLE", Title: "充电线 / cable", Category: "electronics", Quantity: 2, UnitPrice: 4950, PaidAmount: 8900},
	}
	shippingFee int64 = 800
)

type orderLine struct {
	SKU        string `json:"sku"`
	Title      string `json:"title"`
	Category   string `json:"category"`
	Quantity   int    `json:"quantity"`
	UnitPrice  int64  `json:"unit_price"`
	PaidAmount int64  `json:"paid_amount"`
}

// expectedEntries is what one case must have been paid: the amount by SKU ("" is the
// shipping fee).
func expectedEntries() map[string]int64 {
	want := map[string]int64{"": shippingFee}
	for _, l := range orderLines {
		want[l.SKU] = l.PaidAmount
	}
	return want
}

func expectedRefund() int64 {
	var total int64
	for _, v := range expectedEntries() {
		total += v
	}
	return total
}

// tokens are the run's credentials.
type tokens struct {
	integration string   // pushes the orders (bound to the run's merchant)
	merchant    string   // the merchant's staff: approves and refunds
	supervisor  string   // reads the ledger, pays a failed entry again
	customers   []string // customer i applies on the orders i, i+C, i+2C…
}

// caseView is what the run reads of a case.
type caseView struct {
	ID             string   `json:"id"`
	Number         string   `json:"number"`
	State          string   `json:"state"`
	Version        int64    `json:"version"`
	RefundAmount   int64    `json:"refund_amount"`
	RefundedAmount int64    `json:"refunded_amount"`
	AllowedActions []string `json:"allowed_actions"`
}

// issuedCase is a case whose refund was issued.
type issuedCase struct {
	orderNo  string
	id       string
	number   string
	refunded int64
}

// run is the chaos run. The report is returned even with an error, as far as it got.
func run(ctx context.Context, cfg config) (rep *report, err error) {
	rep = &report{cfg: cfg, started: time.Now()}
	say := func(format string, args ...any) {
		if cfg.progress != nil {
			fmt.Fprintf(cfg.progress, "moneychaos: "+format+"\n", args...)
		}
	}

	work, temp := cfg.work, cfg.work == ""
	if temp {
		if work, err = os.MkdirTemp("", "moneychaos-"); err != nil {
			return rep, err
		}
	}
	rep.work = work
	defer func() {
		if temp && err == nil && rep.passed() {
			_ = os.RemoveAll(work)
			rep.work = ""
		}
	}()
	data := cfg.data
	if data == "" {
		data = filepath.Join(work, "data")
	}
	rep.data = data
	storeArgs := []string{"--data", data}
	rep.store = "SQLite " + filepath.Join(data, "aftersales.db")
	if cfg.databaseURL != "" {
		storeArgs = append(storeArgs, "--database-url", cfg.databaseURL)
		rep.store = "PostgreSQL " + redact(cfg.databaseURL)
	}

	addr, err := freeAddr(cfg.addr)
	if err != nil {
		return rep, err
	}
	runID := strings.ToLower(rand.Text()[:8])
	merchant := "chaos-" + runID
	rep.merchant = merchant

	say("migrating and making tokens (%s)", rep.store)
	if out, err := command(ctx, cfg.bin, append([]string{"migrate"}, storeArgs...)...); err != nil {
		return rep, fmt.Errorf("aftersales migrate: %w\n%s", err, out)
	}
	tok, err := makeTokens(ctx, cfg, storeArgs, runID, merchant)
	if err != nil {
		return rep, err
	}

	args := []string{"serve", "--addr", addr,
		"--gateway-failure-rate", fmt.Sprint(cfg.failureRate), "--gateway-duplicate-rate", fmt.Sprint(cfg.duplicateRate),
		"--gateway-latency", cfg.latency.String(), "--gateway-settle-delay", cfg.settleDelay.String(),
		"--payment-retry-cap", cfg.retryCap.String(),
		// The run measures the money's path, not the rate limits a person meets: its
		// clients write hundreds of times a second with a handful of tokens.
		"--rate-principal", "off", "--rate-integration", "off", "--rate-addr", "off"}
	if cfg.maxAttempts > 0 {
		args = append(args, "--payment-max-attempts", strconv.Itoa(cfg.maxAttempts))
	}
	srv := &server{bin: cfg.bin, args: append(args, storeArgs...), logDir: work}
	rep.srv = srv
	defer func() {
		for _, p := range srv.procs {
			p.kill()
		}
	}()
	if _, err := srv.start(ctx); err != nil {
		return rep, err
	}
	api := newClient(srv.base, cfg.clients)
	rep.api = api
	say("serving on %s", srv.base)

	// Orders first: the kills are counted in refunds.
	t0 := time.Now()
	if err := parallel(ctx, cfg.clients, cfg.refunds, func(ctx context.Context, i int) error {
		return api.do(ctx, http.MethodPost, "/api/v1/orders", tok.integration, runID+":order:"+strconv.Itoa(i),
			orderInput(merchant, customerID(runID, i%len(tok.customers)), orderNo(runID, i)), nil)
	}); err != nil {
		return rep, fmt.Errorf("pushing the orders: %w", err)
	}
	rep.ordersTook = time.Since(t0)
	say("%d orders pushed in %v; refunding with %d clients, %d kills", cfg.refunds, rep.ordersTook.Round(time.Millisecond), cfg.clients, cfg.kills)

	// The refunds, with a supervisor that kills the server at the thresholds and starts
	// it again (or after a crash, which it records).
	runCtx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	var issued atomic.Int64
	sup := &supervisor{srv: srv, api: api, rep: rep, issued: &issued, abort: abort, say: say,
		thresholds: thresholds(cfg.refunds, cfg.kills), quit: make(chan struct{}), stopped: make(chan struct{})}
	go sup.run(runCtx)
	defer sup.stop()

	var mu sync.Mutex
	cases := make([]issuedCase, 0, cfg.refunds)
	refundStart := time.Now()
	var lastIssued time.Time
	_ = parallel(runCtx, cfg.clients, cfg.refunds, func(ctx context.Context, i int) error {
		ic, err := refund(ctx, api, tok, runID, i)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if ctx.Err() == nil {
				rep.refundErrors = append(rep.refundErrors, fmt.Sprintf("%s: %v", orderNo(runID, i), err))
			}
			return nil // the other refunds go on; the check counts what was issued
		}
		cases = append(cases, ic)
		lastIssued = time.Now()
		issued.Add(1)
		return nil
	})
	if cause := context.Cause(runCtx); cause != nil && ctx.Err() == nil {
		return rep, cause
	} else if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	rep.cases = cases
	if lastIssued.IsZero() { // none issued: the checks say so; settle what there is
		lastIssued = time.Now()
	}
	rep.issueTook = lastIssued.Sub(refundStart)
	say("%d refunds issued in %v", len(cases), rep.issueTook.Round(time.Millisecond))

	// Settle: no entry pending. A payment that failed for good is paid again by another
	// method, as an agent would (POST /api/v1/ledger/{id}/retry).
	settled, err := settle(runCtx, api, tok.supervisor, merchant, lastIssued, cfg.settleTimeout, rep)
	if err != nil {
		return rep, err
	}
	rep.settled = settled
	rep.settleTook = time.Since(lastIssued)
	say("settled: %v, %v after the last refund", settled, rep.settleTook.Round(time.Millisecond))

	if rep.entries, err = ledgerEntries(runCtx, api, tok.supervisor, merchant, ""); err != nil {
		return rep, fmt.Errorf("reading the ledger: %w", err)
	}
	sup.stop()
	if cause := context.Cause(runCtx); cause != nil && ctx.Err() == nil {
		return rep, cause
	}
	last := srv.current()
	rep.finalScrape(ctx, api, last)
	if err := last.stop(30 * time.Second); err != nil {
		rep.stopError = err.Error()
	}

	say("reconciling")
	out, rerr := command(ctx, cfg.bin, append([]string{"reconcile"}, storeArgs...)...)
	rep.reconcileOut, rep.reconcileCode = strings.TrimSpace(out), exitCode(rerr)
	rep.gatewayRecord = readGatewayRecord(filepath.Join(data, "gateway.db"))
	rep.scanLogs()
	rep.check()
	return rep, nil
}

// refund takes order i from application to refund: the customer applies, the merchant
// approves, then refunds. Each write carries its own Idempotency-Key, the same on every
// try.
func refund(ctx context.Context, api *client, tok tokens, runID string, i int) (issuedCase, error) {
	no := orderNo(runID, i)
	items := make([]map[string]any, len(orderLines))
	for j, l := range orderLines {
		items[j] = map[string]any{"sku": l.SKU, "quantity": l.Quantity}
	}
	var c caseView
	apply := map[string]any{"order_no": no, "type": "refund_only", "reason": "no_reason", "items": items,
		"description": "还没发货,不想要了 / not shipped yet, no longer wanted"}
	if err := api.do(ctx, http.MethodPost, "/api/v1/cases", tok.customers[i%len(tok.customers)], runID+":apply:"+no, apply, &c); err != nil {
		return issuedCase{}, err
	}
	if c.State != "requested" {
		return issuedCase{}, fmt.Errorf("case %s applied in state %s, want requested", c.Number, c.State)
	}
	for _, step := range []struct{ action, want string }{{"approve", "refunding"}, {"refund", "resolved"}} {
		body := map[string]any{"action": step.action, "version": c.Version}
		before := c.Number
		if err := api.do(ctx, http.MethodPost, "/api/v1/cases/"+c.ID+"/actions", tok.merchant, runID+":"+step.action+":"+no, body, &c); err != nil {
			return issuedCase{}, fmt.Errorf("case %s: %w", before, err)
		}
		if c.State != step.want {
			return issuedCase{}, fmt.Errorf("case %s after %s: %s, want %s", c.Number, step.action, c.State, step.want)
		}
	}
	return issuedCase{orderNo: no, id: c.ID, number: c.Number, refunded: c.RefundedAmount}, nil
}

// supervisor kills the server when the refunds issued reach each threshold, and starts
// it again on the same store and port; a process that exits on its own is a crash, which
// it records before starting the next.
type supervisor struct {
	srv        *server
	api        *client
	rep        *report
	issued     *atomic.Int64
	thresholds []int64
	abort      context.CancelCauseFunc
	say        func(string, ...any)
	quit       chan struct{}
	stopped    chan struct{}
	once       sync.Once
}

func (s *supervisor) run(ctx context.Context) {
	defer close(s.stopped)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		p := s.srv.current()
		select {
		case <-s.quit:
			return
		case <-ctx.Done():
			return
		case <-p.done:
			if p.ended.Load() {
				continue
			}
			s.rep.crashes = append(s.rep.crashes, fmt.Sprintf("server %d exited on its own (%s):\n%s", p.n, p.state, p.tail(30)))
			s.say("server %d exited on its own (%s); starting another", p.n, p.state)
			if _, err := s.srv.start(ctx); err != nil {
				s.abort(fmt.Errorf("restarting after a crash: %w", err))
				return
			}
		case <-tick.C:
			k := len(s.rep.kills)
			if k >= len(s.thresholds) || s.issued.Load() < s.thresholds[k] {
				continue
			}
			kr := killRecord{issued: s.issued.Load()}
			m, err := s.api.scrape(ctx, scrapedFamilies...)
			if err == nil {
				kr.pending = int(m.sum("aftersales_ledger_entries", `state="pending"`))
				s.rep.scrapes = append(s.rep.scrapes, m)
			} else {
				kr.pending = -1
				s.rep.scrapeErrors++
			}
			p.kill()
			killed := time.Now()
			if _, err := s.srv.start(ctx); err != nil {
				s.abort(fmt.Errorf("restarting after kill %d: %w", k+1, err))
				return
			}
			kr.down = time.Since(killed)
			s.rep.kills = append(s.rep.kills, kr)
			s.say("kill %d at %d refunds issued (%d entries pending): serving again after %v", k+1, kr.issued, kr.pending, kr.down.Round(time.Millisecond))
		}
	}
}

// stop ends the supervisor and waits for it.
func (s *supervisor) stop() {
	s.once.Do(func() { close(s.quit) })
	<-s.stopped
}

// thresholds are the refunds issued at which the server is killed: 1/(k+1), 2/(k+1)… of n.
func thresholds(n, k int) []int64 {
	out := make([]int64, k)
	for i := range k {
		out[i] = int64((i+1)*n+k) / int64(k+1) // ceil((i+1)·n/(k+1))
	}
	return out
}

// makeTokens creates the run's tokens with the binary, on the store.
func makeTokens(ctx context.Context, cfg config, storeArgs []string, runID, merchant string) (tokens, error) {
	create := func(args ...string) (string, error) {
		args = append(append([]string{"token", "create", "--name", "moneychaos " + runID}, args...), storeArgs...)
		out, err := command(ctx, cfg.bin, args...)
		if err != nil {
			return "", fmt.Errorf("aftersales %s: %w\n%s", strings.Join(args[:4], " "), err, out)
		}
		lines := strings.Fields(out)
		if len(lines) == 0 {
			return "", fmt.Errorf("aftersales token create printed no token")
		}
		return lines[len(lines)-1], nil
	}
	var t tokens
	var err error
	if t.integration, err = create("--role", "integration", "--merchant", merchant); err != nil {
		return t, err
	}
	if t.merchant, err = create("--role", "merchant", "--merchant", merchant); err != nil {
		return t, err
	}
	if t.supervisor, err = create("--role", "supervisor"); err != nil {
		return t, err
	}
	for i := range min(cfg.clients, cfg.refunds) {
		c, err := create("--role", "customer", "--customer", customerID(runID, i))
		if err != nil {
			return t, err
		}
		t.customers = append(t.customers, c)
	}
	return t, nil
}

// command runs the binary with args (standard output only, standard error in the error's
// output) in the environment less the AFTERSALES_ variables.
func command(ctx context.Context, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = envWithout("AFTERSALES_")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// parallel runs fn for 0…n-1 with c workers; the first error stops handing out work.
func parallel(ctx context.Context, c, n int, fn func(ctx context.Context, i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func orderNo(runID string, i int) string { return fmt.Sprintf("MC-%s-%06d", strings.ToUpper(runID), i) }

func customerID(runID string, i int) string { return fmt.Sprintf("chaos-%s-c%d", runID, i) }

// orderInput is an order paid a day ago and not shipped: the whole of it may be refunded
// at once (seed-platform unshipped_refund).
func orderInput(merchant, customer, no string) map[string]any {
	return map[string]any{"order_no": no, "merchant": merchant, "customer": customer, "currency": "CNY",
		"payment_method": "online", "shipping_fee": shippingFee, "paid_at": time.Now().UTC().Add(-24 * time.Hour),
		"items": orderLines}
}

// redact hides the password of a database URL.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	return p.Redacted()
}
