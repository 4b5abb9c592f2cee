// Command aftersales is the after-sales platform in one binary: the HTTP server, database
// migrations, demo data, order import and API tokens. Run "aftersales help" for the
// commands; every flag can also be set with an environment variable AFTERSALES_<FLAG>.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is the product version, set when building:
//
//	go build -ldflags "-X main.version=1.2.0" ./cmd/aftersales
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	m.Version = version
	err := m.Run(ctx, os.Args[1:])
	stop()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if msg := ErrorMessage(err); msg != "" {
		fmt.Fprintln(os.Stderr, "aftersales:", msg)
	}
	os.Exit(ExitCode(err))
}
