// Package loadgen drives the REST API with concurrent clients and measures throughput and
// latency: intake (applications) and the full return-and-refund life cycle. It talks HTTP
// only, so it measures the server as a client sees it.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what to run.
type Config struct {
	URL         string
	Integration string // token: pushes orders
	Agent       string // token: applies on behalf of customers, takes merchant decisions
	Customer    string // token of CustomerID: ships back, confirms
	CustomerID  string
	Merchant    string // merchant code the orders belong to
	Mode        string // "intake" or "lifecycle"
	Clients     int
	Duration    time.Duration
	Rate        float64 // operations per second across all clients (open loop); 0 = as fast as possible
	Prefix      string  // order number prefix, unique per run
	Warmup      int     // orders to create before measuring (intake needs one per application)
	Measuring   func()  // called when the warm-up is done and the measured run starts (optional)
	// Customers spreads the intake's orders over this many customers (CustomerID-1 …
	// CustomerID-N), as a shop's applications come from many people; 0 or 1 puts them all on
	// CustomerID. The life cycle's orders are CustomerID's: its token ships back and confirms.
	Customers int
}

// Result is what a run measured.
type Result struct {
	Mode       string         `json:"mode"`
	Clients    int            `json:"clients"`
	Rate       float64        `json:"target_rate,omitempty"`
	Ops        int            `json:"ops"`
	Errors     int            `json:"errors"`
	ByStatus   map[string]int `json:"by_status"`
	Seconds    float64        `json:"seconds"`
	Throughput float64        `json:"ops_per_second"`
	P50        float64        `json:"p50_ms"`
	P90        float64        `json:"p90_ms"`
	P99        float64        `json:"p99_ms"`
	Max        float64        `json:"max_ms"`
	Requests   int            `json:"requests"`
	// Polls are the requests (counted in Requests) a life cycle spent waiting for the
	// relay to pay its refund before the customer could confirm.
	Polls int `json:"polls,omitempty"`
}

func (r Result) String() string {
	return fmt.Sprintf("%s: %d clients, %d ops in %.1fs = %.0f ops/s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors %v",
		r.Mode, r.Clients, r.Ops, r.Seconds, r.Throughput, r.P50, r.P90, r.P99, r.Max, r.Errors, r.ByStatus)
}

type client struct {
	cfg  *Config
	http *http.Client
}

func (c *client) do(ctx context.Context, token, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.URL+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(data, out)
	}
	return resp.StatusCode, nil
}

type caseReply struct {
	ID             string   `json:"id"`
	Version        int64    `json:"version"`
	State          string   `json:"state"`
	AllowedActions []string `json:"allowed_actions"`
}

// customer is the customer of the i-th order.
func (c *client) customer(i int64) string {
	if c.cfg.Mode == "lifecycle" || c.cfg.Customers <= 1 {
		return c.cfg.CustomerID
	}
	return fmt.Sprintf("%s-%d", c.cfg.CustomerID, 1+i%int64(c.cfg.Customers))
}

func (c *client) order(ctx context.Context, i int64) error {
	now := time.Now().UTC()
	body := map[string]any{
		"order_no": c.orderNo(i), "merchant": c.cfg.Merchant, "customer": c.customer(i), "currency": "CNY",
		"payment_method": "online", "shipping_fee": 800, "freight_insurance": false,
		"paid_at": now.Add(-96 * time.Hour), "shipped_at": now.Add(-72 * time.Hour), "delivered_at": now.Add(-48 * time.Hour),
		"items": []map[string]any{{"sku": "SKU-1", "title": "蓝牙耳机", "category": "electronics", "quantity": 2,
			"unit_price": 19900, "paid_amount": 35800}},
	}
	_, err := c.do(ctx, c.cfg.Integration, http.MethodPost, "/api/v1/orders", body, nil)
	return err
}

func (c *client) apply(ctx context.Context, no string) (caseReply, int, error) {
	var cr caseReply
	st, err := c.do(ctx, c.cfg.Agent, http.MethodPost, "/api/v1/cases", map[string]any{
		"order_no": no, "type": "return_refund", "reason": "no_reason", "channel": "phone",
		"items": []map[string]any{{"sku": "SKU-1", "quantity": 1}}, "description": "不想要了 / changed my mind",
	}, &cr)
	return cr, st, err
}

func (c *client) act(ctx context.Context, token string, cr *caseReply, action string, extra map[string]any) (int, error) {
	body := map[string]any{"action": action, "version": cr.Version}
	for k, v := range extra {
		body[k] = v
	}
	return c.do(ctx, token, http.MethodPost, "/api/v1/cases/"+cr.ID+"/actions", body, cr)
}

// waitForMoney polls the case, as the customer's app would, until the relay has paid the
// refund and the case may be confirmed (SPEC §8: a case completes once its money is paid).
// It returns the number of polls.
func (c *client) waitForMoney(ctx context.Context, cr *caseReply) (int, int, error) {
	polls := 0
	for !slices.Contains(cr.AllowedActions, "confirm") {
		select {
		case <-ctx.Done():
			return polls, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		polls++
		if st, err := c.do(ctx, c.cfg.Customer, http.MethodGet, "/api/v1/cases/"+cr.ID, nil, cr); err != nil {
			return polls, st, err
		}
	}
	return polls, 200, nil
}

// lifecycle runs one case from application to completion: 6 requests, and the polls
// (returned second) while the refund is paid.
func (c *client) lifecycle(ctx context.Context, no string) (int, int, int, error) {
	cr, st, err := c.apply(ctx, no)
	if err != nil {
		return 1, 0, st, err
	}
	steps := []struct {
		token, action string
		extra         map[string]any
	}{
		{c.cfg.Agent, "approve", nil},
		{c.cfg.Customer, "ship_back", map[string]any{"carrier": "SF", "tracking_no": "SF" + strings.ReplaceAll(no, "-", "")}},
		{c.cfg.Agent, "confirm_receipt", map[string]any{"inspection": "pass"}},
		{c.cfg.Agent, "refund", nil},
		{c.cfg.Customer, "confirm", nil},
	}
	polls := 0
	for i, s := range steps {
		if s.action == "confirm" {
			n, st, err := c.waitForMoney(ctx, &cr)
			if polls = n; err != nil {
				return 1 + i, polls, st, err
			}
		}
		if st, err := c.act(ctx, s.token, &cr, s.action, s.extra); err != nil {
			return 2 + i, polls, st, err
		}
	}
	if cr.State != "completed" {
		return 6, polls, 200, fmt.Errorf("case %s ended in %s", cr.ID, cr.State)
	}
	return 6, polls, 200, nil
}

func (c *client) orderNo(i int64) string { return fmt.Sprintf("%s-%07d", c.cfg.Prefix, i) }

// Run drives the API as cfg says and returns what it measured.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 8
	}
	if cfg.Prefix == "" {
		cfg.Prefix = fmt.Sprintf("LG%d", time.Now().UnixNano()%1e9)
	}
	tr := &http.Transport{MaxIdleConns: cfg.Clients * 2, MaxIdleConnsPerHost: cfg.Clients * 2, IdleConnTimeout: time.Minute}
	c := &client{cfg: &cfg, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	defer tr.CloseIdleConnections()

	// Orders first, not measured: intake measures applications.
	var made atomic.Int64
	warm := func(n int) error {
		var wg sync.WaitGroup
		var first error
		var mu sync.Mutex
		next := atomic.Int64{}
		for w := 0; w < cfg.Clients; w++ {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= int64(n) {
						return
					}
					if err := c.order(ctx, i); err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						return
					}
					made.Add(1)
				}
			})
		}
		wg.Wait()
		return first
	}
	if err := warm(cfg.Warmup); err != nil {
		return Result{}, fmt.Errorf("creating orders: %w", err)
	}
	if cfg.Measuring != nil {
		cfg.Measuring()
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		byStatus  = map[string]int{}
		errs      int
		requests  int
		waited    int
		seq       atomic.Int64
	)
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var tick <-chan time.Time
	if cfg.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
		defer t.Stop()
		tick = t.C
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < cfg.Clients; w++ {
		wg.Go(func() {
			for ctx.Err() == nil {
				if tick != nil {
					select {
					case <-tick:
					case <-ctx.Done():
						return
					}
				}
				i := seq.Add(1) - 1
				no := c.orderNo(i)
				t0 := time.Now()
				var st, reqs, polls int
				var err error
				switch cfg.Mode {
				case "lifecycle":
					if i >= made.Load() {
						if err = c.order(ctx, i); err != nil {
							break
						}
					}
					reqs, polls, st, err = c.lifecycle(ctx, no)
					reqs += polls
				default:
					if i >= made.Load() {
						return // out of orders: the warm-up decides the intake run's size
					}
					_, st, err = c.apply(ctx, no)
					reqs = 1
				}
				el := time.Since(t0)
				if ctx.Err() != nil && err != nil {
					return // the run ended mid-operation; don't count it
				}
				mu.Lock()
				requests += reqs
				waited += polls
				byStatus[fmt.Sprint(st)]++
				if err != nil {
					errs++
				} else {
					latencies = append(latencies, el)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := min(int(p*float64(len(latencies))), len(latencies)-1)
		return float64(latencies[i].Microseconds()) / 1000
	}
	r := Result{
		Mode: cfg.Mode, Clients: cfg.Clients, Rate: cfg.Rate, Ops: len(latencies), Errors: errs, ByStatus: byStatus,
		Seconds: secs, Throughput: float64(len(latencies)) / secs, P50: pct(0.50), P90: pct(0.90), P99: pct(0.99),
		Requests: requests, Polls: waited,
	}
	if n := len(latencies); n > 0 {
		r.Max = float64(slices.Max(latencies).Microseconds()) / 1000
	}
	if r.Mode == "" {
		r.Mode = "intake"
	}
	return r, nil
}
