package httpapi

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/ledger"
)

// GatewayCall implements app.Observer: calls to the payment gateway by outcome.
func (m *Metrics) GatewayCall(outcome string) {
	m.gatewayCalls.WithLabelValues(outcome).Inc()
}

func newGatewayCalls() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aftersales_gateway_calls_total",
		Help: "Calls to the payment gateway by outcome: succeeded, failed (declined), processing, error (the call failed).",
	}, []string{"outcome"})
}

// ledgerCollector reads the ledger at each scrape (one query): entries by kind and state,
// and the age of the oldest pending entry — the payment that waits longest.
type ledgerCollector struct {
	app     *app.App
	now     func() float64
	entries *prometheus.Desc
	oldest  *prometheus.Desc
}

func (c *ledgerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.entries; ch <- c.oldest }

func (c *ledgerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	s, err := c.app.LedgerStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.entries, err)
		return
	}
	seen := map[[2]string]bool{}
	for _, n := range s.Counts {
		seen[[2]string{string(n.Kind), string(n.State)}] = true
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(n.Count), string(n.Kind), string(n.State))
	}
	// Every kind and state, zero included, so that a rate or an alert has a series to read.
	for _, k := range ledger.Kinds {
		for _, st := range ledger.States {
			if !seen[[2]string{string(k), string(st)}] {
				ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, 0, string(k), string(st))
			}
		}
	}
	age := 0.0
	if !s.OldestPending.IsZero() {
		age = max(c.now()-float64(s.OldestPending.UnixNano())/1e9, 0)
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}

// watchLedger registers the ledger's gauges, read from the app at each scrape.
func (m *Metrics) watchLedger(a *app.App) error {
	c := &ledgerCollector{app: a, now: func() float64 { return float64(a.Now().UnixNano()) / 1e9 },
		entries: prometheus.NewDesc("aftersales_ledger_entries", "Ledger entries by kind and state.", []string{"kind", "state"}, nil),
		oldest: prometheus.NewDesc("aftersales_ledger_oldest_pending_seconds",
			"Age of the oldest pending ledger entry (0 when none is pending).", nil, nil)}
	err := m.reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		return nil
	}
	return err
}
