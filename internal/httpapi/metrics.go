package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
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
}

var _ app.Observer = (*Metrics)(nil)

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
	}
	m.reg.MustRegister(m.duration, m.transitions,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Transition implements app.Observer.
func (m *Metrics) Transition(t aftersale.Type, a aftersale.Action) {
	m.transitions.WithLabelValues(string(t), string(a)).Inc()
}

// Registry is the registry the metrics live in, for a caller that adds its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) observe(route, method string, status int, d time.Duration) {
	m.duration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// watchOutbox registers the outbox backlog gauge, read from the app at each scrape.
func (m *Metrics) watchOutbox(a *app.App) error {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "aftersales_outbox_backlog",
		Help: "Outbox messages waiting to leave the system (NaN when the database does not answer).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
		defer cancel()
		n, err := a.OutboxBacklog(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
	err := m.reg.Register(g)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		// A second server on the same metrics: the first one's app answers.
		return nil
	}
	return err
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
