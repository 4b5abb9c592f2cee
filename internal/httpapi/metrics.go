package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/scheduler"
)

// backlogTimeout bounds the outbox count a scrape waits for.
const backlogTimeout = 2 * time.Second

// Metrics holds the Prometheus metrics of one process in its own registry (not the
// global one, so that tests and several servers in one process do not collide). It is the
// app.Observer that counts transitions: pass it to app.Config.Observer and to Options.
type Metrics struct {
	reg         *prometheus.Registry
	duration    *prometheus.HistogramVec
	transitions *prometheus.CounterVec
	firings     *prometheus.CounterVec
	lag         prometheus.Histogram
	slaNotices  *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
	uploads     *uploadMetrics
	// gatewayCalls counts the payment gateway's calls by outcome (metrics_money.go).
	gatewayCalls *prometheus.CounterVec
}

var (
	_ app.Observer       = (*Metrics)(nil)
	_ scheduler.Observer = (*Metrics)(nil)
)

// NewMetrics returns the metrics with the Go runtime and process collectors registered.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern, method and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersales_transitions_total",
			Help: "Case life-cycle transitions, by case type and action.",
		}, []string{"type", "action"}),
		firings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersales_timer_firings_total",
			Help: "Timers fired by the scheduler, by kind and result (fired, cancelled, conflict, error).",
		}, []string{"kind", "result"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aftersales_timer_firing_lag_seconds",
			Help:    "From a timer's due time to the end of its firing.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300},
		}),
		slaNotices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersales_sla_notices_total",
			Help: "SLA warnings and breaches recorded, by clock (first_response, next_update, resolution) and level (warning, breach).",
		}, []string{"clock", "level"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersales_outbox_deliveries_total",
			Help: "Outbox deliveries by topic and result (sent, retry, dead).",
		}, []string{"topic", "result"}),
	}
	m.reg.MustRegister(m.duration, m.transitions, m.firings, m.lag, m.slaNotices, m.deliveries,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.uploads = newUploadMetrics()
	m.reg.MustRegister(m.uploads.collectors()...)
	m.gatewayCalls = newGatewayCalls()
	m.reg.MustRegister(m.gatewayCalls)
	return m
}

// Transition implements app.Observer.
func (m *Metrics) Transition(t aftersale.Type, a aftersale.Action) {
	m.transitions.WithLabelValues(string(t), string(a)).Inc()
}

// SLA implements app.Observer.
func (m *Metrics) SLA(clock string, breach bool) {
	level := "warning"
	if breach {
		level = "breach"
	}
	m.slaNotices.WithLabelValues(clock, level).Inc()
}

// TimerFired implements scheduler.Observer.
func (m *Metrics) TimerFired(kind, result string, lag time.Duration) {
	m.firings.WithLabelValues(kind, result).Inc()
	if result == "fired" || result == "cancelled" {
		m.lag.Observe(lag.Seconds())
	}
}

// Delivered implements scheduler.Observer. Topics are cut to their first two parts
// (notify.case, money.refund) to keep the label set small.
func (m *Metrics) Delivered(topic, result string) {
	if parts := strings.SplitN(topic, ".", 3); len(parts) > 2 {
		topic = parts[0] + "." + parts[1]
	}
	m.deliveries.WithLabelValues(topic, result).Inc()
}

// Registry is the registry the metrics live in, for a caller that adds its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) observe(route, method string, status int, d time.Duration) {
	m.duration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// watchOutbox registers the gauges of work waiting in the background — the outbox's
// messages and the records to fold into the reports — read from the app at each scrape.
func (m *Metrics) watchOutbox(a *app.App) error {
	backlog := func(count func(context.Context) (int, error)) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
			defer cancel()
			n, err := count(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}
	}
	for _, g := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aftersales_outbox_backlog",
			Help: "Outbox messages waiting to leave the system (NaN when the database does not answer).",
		}, backlog(a.OutboxBacklog)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aftersales_report_backlog",
			Help: "Changed records waiting to be folded into the reports (NaN when the database does not answer).",
		}, backlog(a.ReportBacklog)),
	} {
		// A second server on the same metrics: the first one's app answers.
		err := m.reg.Register(g)
		var are prometheus.AlreadyRegisteredError
		if err != nil && !errors.As(err, &are) {
			return err
		}
	}
	return nil
}

// watchTimers registers the gauges of pending and due timers, read at each scrape.
func (m *Metrics) watchTimers(a *app.App) error {
	stat := func(due bool) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
			defer cancel()
			p, d, err := a.TimerStats(ctx)
			switch {
			case err != nil:
				return math.NaN()
			case due:
				return float64(d)
			}
			return float64(p)
		}
	}
	for _, g := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aftersales_timers_pending", Help: "Timers waiting to fire."}, stat(false)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aftersales_timers_due", Help: "Pending timers whose due time has passed."}, stat(true)),
	} {
		err := m.reg.Register(g)
		var are prometheus.AlreadyRegisteredError
		if err != nil && !errors.As(err, &are) {
			return err
		}
	}
	return nil
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
