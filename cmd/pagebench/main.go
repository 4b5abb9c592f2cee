// Command pagebench measures how long the pages people wait on take the server: the
// queue with its usual filters and next pages, and the case page of many cases, as
// merchant staff, an agent and a customer — a sequential pass, then concurrent clients;
// p50/p95/p99 as the client sees them on loopback and as the server logged them. See
// scripts/pages.sh and docs/PERFORMANCE.md.
//
//	PAGEBENCH_STAFF_PASSWORD=… PAGEBENCH_AGENT_PASSWORD=… pagebench -url http://127.0.0.1:8080 \
//	    -staff staff.yichu-fashion -agent agent -customer-link 'http://…/login/link?…' \
//	    -requests 200 -clients 4 -server-log server.log
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"

	"github.com/aftersales/aftersales/internal/loadgen"
)

func main() {
	var cfg loadgen.PagesConfig
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server URL (loopback only)")
	flag.StringVar(&cfg.Staff.Username, "staff", "", "merchant staff `USERNAME` (password in $PAGEBENCH_STAFF_PASSWORD)")
	flag.StringVar(&cfg.Agent.Username, "agent", "", "agent `USERNAME` (password in $PAGEBENCH_AGENT_PASSWORD)")
	flag.StringVar(&cfg.CustomerLink, "customer-link", "", "a customer's login `LINK` (aftersales shop link; it works once)")
	flag.IntVar(&cfg.Requests, "requests", 200, "requests of each page variant and role in each pass")
	flag.IntVar(&cfg.Clients, "clients", 4, "clients of the concurrent pass (1: the sequential pass only)")
	flag.IntVar(&cfg.Cases, "cases", 1000, "case ids per role to open, sampled over the whole store")
	flag.StringVar(&cfg.ServerLog, "server-log", "", "the server's request log `FILE`, for its duration= of these requests")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed of the choice of cases and searches")
	flag.Parse()
	cfg.Staff.Password = os.Getenv("PAGEBENCH_STAFF_PASSWORD")
	cfg.Agent.Password = os.Getenv("PAGEBENCH_AGENT_PASSWORD")
	if err := loopback(cfg.URL); err != nil {
		fmt.Fprintln(os.Stderr, "pagebench:", err)
		os.Exit(64)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := loadgen.RunPages(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pagebench:", err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		return
	}
	fmt.Print(r)
}

// loopback refuses a server that is not on this machine: the measurement is of the
// server, not of a network, and it logs in with real passwords.
func loopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url %s: not a loopback address", raw)
}
