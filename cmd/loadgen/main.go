// Command loadgen drives the aftersales REST API with concurrent clients and reports
// throughput and latency percentiles. See docs/PERFORMANCE.md for how it is used.
//
//	loadgen -url http://127.0.0.1:8080 -integration TOKEN -agent TOKEN -customer TOKEN \
//	        -customer-id C1 -merchant M1 -mode intake -clients 8 -duration 20s -warmup 40000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aftersales/aftersales/internal/loadgen"
)

func main() {
	var cfg loadgen.Config
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server URL (loopback only)")
	flag.StringVar(&cfg.Integration, "integration", os.Getenv("LOADGEN_INTEGRATION"), "integration token (pushes orders)")
	flag.StringVar(&cfg.Agent, "agent", os.Getenv("LOADGEN_AGENT"), "agent token (applies, approves, inspects, refunds)")
	flag.StringVar(&cfg.Customer, "customer", os.Getenv("LOADGEN_CUSTOMER"), "customer token (ships back, confirms)")
	flag.StringVar(&cfg.CustomerID, "customer-id", "load-customer", "the customer id of the customer token")
	flag.StringVar(&cfg.Merchant, "merchant", "load-merchant", "merchant code of the orders")
	flag.StringVar(&cfg.Mode, "mode", "intake", "intake (applications) or lifecycle (apply → … → completed, 6 requests)")
	flag.IntVar(&cfg.Clients, "clients", 8, "concurrent clients")
	flag.DurationVar(&cfg.Duration, "duration", 20*time.Second, "how long to measure")
	flag.Float64Var(&cfg.Rate, "rate", 0, "target operations per second (open loop); 0 = as fast as possible")
	flag.IntVar(&cfg.Warmup, "warmup", 20000, "orders to create before measuring (intake uses one per application)")
	flag.StringVar(&cfg.Prefix, "prefix", "", "order number prefix (unique per run; default from the clock)")
	flag.IntVar(&cfg.Customers, "customers", 1000, "spread the intake's orders over `N` customers (customer-id-1 … -N); 1: all on customer-id")
	flag.Parse()
	// Scripts that profile the server wait for this line: the warm-up is over.
	cfg.Measuring = func() { fmt.Fprintln(os.Stderr, "loadgen: measuring") }
	r, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	fmt.Println(r)
}
