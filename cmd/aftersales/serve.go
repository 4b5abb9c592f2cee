package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/kb"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/stream"
	"github.com/aftersales/aftersales/internal/triage"
)

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := m.flagSet("serve", "[flags]", `Runs the HTTP API (REST API v1, /healthz, /readyz, /metrics, /api/openapi.json) and the
pages (/login, customers' /login/link, /) until SIGINT or SIGTERM, then shuts down
gracefully. The store is SQLite in --data unless --database-url names a PostgreSQL
database; migrations are applied at start.

Behind a proxy that terminates TLS, set --secure-cookies (answers then carry HSTS too);
when it sets X-Forwarded-For, --trust-proxy makes the audit log and the rate limits see
the client's address. /metrics answers loopback addresses, and others that send the
bearer token of --metrics-token (a proxy on this host must set X-Forwarded-For, or
everyone it relays would count as loopback).

Several replicas may serve one PostgreSQL database: a policy version installed on one is
live on all within a second, the --rate-* limits count a client's requests on all
replicas together (their buckets are kept in the database), and RMA numbers never collide.
On SQLite one process serves, and keeps its rate limits in memory.`)
	var (
		sf              storeFlags
		addr            string
		demoData        bool
		demoOrders      int
		policyFile      string
		calendarFile    string
		shutdownTimeout time.Duration
		outboxRetention time.Duration
		timerRetention  time.Duration
		idemRetention   time.Duration
		hookRetention   time.Duration
		scheduling      bool
		workers         int
		secureCookies   bool
		trustProxy      bool
		metricsToken    string
		uploads         uploadFlags
		payments        paymentFlags
		publicURL       string
		smtpURL         string
		natsURL         string
		allowPrivate    bool
		pprofAddr       string
	)
	sf.register(fs)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "`HOST:PORT` to listen on (port 0 picks a free port; the real address is printed)")
	fs.BoolVar(&demoData, "demo", false, "load demo data into an empty store; print a demo token for each role, demo staff accounts\nwith new passwords and a customer's login link")
	fs.IntVar(&demoOrders, "demo-orders", 5000, "`N` orders of demo data with --demo")
	fs.StringVar(&policyFile, "policy", "", "policy layer `FILE` (YAML) to install at start, as an admin (see docs/POLICY.md)")
	fs.StringVar(&calendarFile, "calendar", "", "calendar `FILE` (YAML) extending the built-in PRC business calendar")
	fs.DurationVar(&shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long requests in flight may take to finish at shutdown")
	fs.BoolVar(&scheduling, "scheduler", true, "fire due timers, deliver the outbox and sweep unclaimed uploads in this process (every replica\nmay; they share the work)")
	fs.IntVar(&workers, "scheduler-workers", 8, "`N` timers fired at once by this process's scheduler")
	fs.BoolVar(&secureCookies, "secure-cookies", false, "mark cookies Secure on plain-HTTP requests too (behind a proxy that terminates TLS)")
	fs.BoolVar(&trustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (its last entry); only behind a proxy that sets it")
	fs.StringVar(&metricsToken, "metrics-token", "", "bearer `TOKEN` that opens /metrics to other than loopback addresses (Prometheus: authorization\ncredentials); at least 16 characters, no spaces; better in the environment than on the command line")
	limits := httpapi.DefaultLimits
	fs.Var(rateFlag{&limits.Principal}, "rate-principal", "`RATE` of API writes per person (a token, a staff account, a customer session): EVENTS/PERIOD[:BURST], or off")
	fs.Var(rateFlag{&limits.Integration}, "rate-integration", "`RATE` of API writes per integration token (shop systems push orders in bulk)")
	fs.Var(rateFlag{&limits.Addr}, "rate-addr", "`RATE` of API writes by persons and of failed credentials, and of login and logout forms, per client address")
	fs.Var(rateFlag{&limits.Login}, "rate-login", "`RATE` of login attempts (forms and links) per client address")
	fs.StringVar(&publicURL, "base-url", "", "`URL` people reach the pages at, for links in emails (default: http:// and the listening address)")
	fs.StringVar(&smtpURL, "smtp-url", "", "send email through this SMTP server: `URL` smtp://[user[:password]@]host[:port]?from=addr[&tls=none|starttls|tls]\n(smtps:// for TLS); without it, emails are logged only")
	fs.StringVar(&natsURL, "nats-url", "", "publish every case and dispute event to NATS JetStream at `URL` (nats://127.0.0.1:4222), subject\naftersales.<merchant>.<event>, message id = event id")
	fs.BoolVar(&allowPrivate, "webhooks-allow-private", false, "let webhooks reach loopback and private addresses (tests, demos); never in production")
	fs.StringVar(&pprofAddr, "pprof", "", "serve Go's profiles (net/http/pprof, /debug/pprof/) on this loopback `HOST:PORT`, apart from the API;\nfor measuring (docs/PERFORMANCE.md), off by default")
	fs.DurationVar(&outboxRetention, "outbox-retention", app.DefaultOutboxRetention, "how long a sent outbox message (a notification, webhook, payment instruction or event, once\ndelivered) is kept; then it is deleted. 0 keeps them")
	fs.DurationVar(&timerRetention, "timer-retention", app.DefaultTimerRetention, "how long a timer (a deadline or SLA check) is kept after it fired or was cancelled; then it\nis deleted. 0 keeps them")
	fs.DurationVar(&idemRetention, "idempotency-retention", app.DefaultIdempotencyRetention, "how long a write's Idempotency-Key is remembered (its retries get the first answer); then\nthe record is deleted and the key is a new request. 0 keeps them")
	fs.DurationVar(&hookRetention, "webhook-retention", app.DefaultWebhookRetention, "how long a webhook delivery is kept after it was delivered or failed for good (its merchant\nreads and redelivers it meanwhile); then it is deleted. 0 keeps them")
	uploads.register(fs)
	payments.register(fs)
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("serve: unexpected argument %q", rest[0])
	}
	if outboxRetention != 0 && outboxRetention < time.Minute {
		return usageErrorf("serve: --outbox-retention must be 0 (keep sent messages) or a minute or more")
	}
	if timerRetention != 0 && timerRetention < time.Minute {
		return usageErrorf("serve: --timer-retention must be 0 (keep ended timers) or a minute or more")
	}
	if idemRetention != 0 && idemRetention < time.Minute {
		return usageErrorf("serve: --idempotency-retention must be 0 (remember every key) or a minute or more")
	}
	if hookRetention != 0 && hookRetention < time.Minute {
		return usageErrorf("serve: --webhook-retention must be 0 (keep every delivery) or a minute or more")
	}
	if err := uploads.check("serve"); err != nil {
		return err
	}
	if err := payments.check("serve"); err != nil {
		return err
	}
	if metricsToken != "" && (len(metricsToken) < minMetricsToken || strings.ContainsFunc(metricsToken, func(r rune) bool { return r <= ' ' || r >= 0x7f })) {
		return usageErrorf("serve: --metrics-token must be at least %d characters, printable ASCII without spaces (至少 %d 个字符,只能是不含空格的可打印 ASCII 字符)",
			minMetricsToken, minMetricsToken)
	}

	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))
	if pprofAddr != "" {
		stop, err := servePprof(pprofAddr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	metrics := httpapi.NewMetrics()
	if workers < 1 || workers > 256 {
		return usageErrorf("serve: --scheduler-workers must be between 1 and 256")
	}
	// Listen first: the payment gateway calls back to the address it gets.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	base := "http://" + displayAddr(ln.Addr())
	edges, err := m.openEdges(ctx, base, publicURL, smtpURL, natsURL, allowPrivate, logger)
	if err != nil {
		return err
	}
	gw, err := m.openGateway(ctx, sf.data, payments, base+"/api/v1/payments/callback", logger)
	if err != nil {
		return err
	}
	st, err := m.openStack(ctx, stackConfig{store: sf, calendar: calendarFile, policy: policyFile, logger: logger, observer: metrics, schedObserver: metrics, workers: workers,
		uploads: uploads, gateway: gw, payments: payments.schedule, edges: edges, outboxRetention: outboxRetention, timerRetention: timerRetention, idempotencyRetention: idemRetention, webhookRetention: hookRetention})
	if err != nil {
		return err
	}
	var merchants []string
	if demoData {
		if merchants, err = m.seedIfEmpty(ctx, st, demoOrders); err != nil {
			return err
		}
	}

	api := httpapi.New(st.app, httpapi.Options{Logger: logger, Version: m.version(), Metrics: metrics,
		SecureCookies: secureCookies, TrustProxy: trustProxy, Limits: &limits, MetricsToken: metricsToken, PaymentSecret: gw.Secret()})
	hs := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	// The knowledge base's Chinese dictionary (about 0.2 s to load) and the triage model
	// trained on it (about 1 s more): now, not on the first search or the first application.
	// Loading leaves garbage: give it back to the system now rather than at the next GC
	// cycles.
	go func() { kb.Warm(); triage.Default(); debug.FreeOSMemory() }()
	// The scheduler fires due timers and the relay delivers the outbox, on every replica:
	// they share the work through leases in the database. The sweeper of unclaimed uploads
	// runs on every replica too: the database gives each row to one of them.
	bg, stopBackground := context.WithCancel(context.Background())
	var background sync.WaitGroup
	// The simulated gateway settles payments and calls back, as a provider would.
	background.Go(func() { _ = gw.Run(bg) })
	// Policy versions installed on other replicas become live here within policyPoll; the
	// shared rate limits' full buckets are swept. Every replica, scheduling or not.
	background.Go(func() { st.policies.Run(bg) })
	background.Go(func() { st.rates.Run(bg) })
	if scheduling {
		background.Go(func() { st.sched.Run(bg) })
		background.Go(func() { st.relay.Run(bg) })
		background.Go(func() { st.sweeper.Run(bg) })
		if st.retention != nil {
			background.Go(func() { st.retention.Run(bg) })
		}
		background.Go(func() { st.complaints.Run(bg) })
		background.Go(func() { st.parcels.Run(bg) })
		background.Go(func() { st.reports.Run(bg) })
		background.Go(func() { st.scorecards.Run(bg) })
		background.Go(func() { st.alerts.Run(bg) })
		background.Go(func() { st.plans.Run(bg) })
		background.Go(func() { st.schedules.Run(bg) })
	}
	defer func() { stopBackground(); background.Wait() }()

	fmt.Fprintf(m.Stdout, "aftersales %s serving on %s (%s)\n", m.version(), base, st.where)
	if demoData {
		// Stopped while it made the demo's tokens and accounts: shut down as usual.
		if err := m.printDemoAccess(ctx, st, base, merchants); err != nil && ctx.Err() == nil {
			hs.Close()
			return err
		}
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// minMetricsToken is the shortest --metrics-token: a guessable one would open the metrics
// to anyone.
const minMetricsToken = 16

// displayAddr is a listening address as a URL host: an unspecified address (0.0.0.0,
// [::]) is reachable as localhost.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return tcp.String()
}

// rateFlag is a rate limit on the command line (httpapi.ParseRate).
type rateFlag struct{ r *httpapi.Rate }

func (f rateFlag) String() string {
	if f.r == nil {
		return ""
	}
	return f.r.String()
}

func (f rateFlag) Set(s string) error {
	r, err := httpapi.ParseRate(s)
	if err == nil {
		*f.r = r
	}
	return err
}

// openEdges opens where notifications and events leave: the SMTP server, the event
// stream. publicURL (or base, the listening address) prefixes the links in emails.
func (m *Main) openEdges(ctx context.Context, base, publicURL, smtpURL, natsURL string, allowPrivate bool, logger *slog.Logger) (app.Config, error) {
	cfg := app.Config{BaseURL: cmp.Or(publicURL, base), WebhooksAllowPrivate: allowPrivate}
	if publicURL != "" {
		if u, err := url.Parse(publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, usageErrorf("serve: --base-url must be an http or https URL, such as https://aftersales.example.com")
		}
	}
	if smtpURL != "" {
		mailer, err := notify.NewSMTPMailer(smtpURL)
		if err != nil {
			return cfg, usageErrorf("serve: --smtp-url: %v", err)
		}
		cfg.Mailer = mailer
	}
	if natsURL != "" {
		p, err := stream.Connect(natsURL, stream.Options{Logger: logger})
		if err != nil {
			return cfg, fmt.Errorf("serve: --nats-url: %w", err)
		}
		m.onClose(func() error { p.Close(); return nil })
		cfg.Publisher = p
	}
	return cfg, nil
}

// servePprof serves net/http/pprof on its own listener, which must be a loopback address:
// a profile shows request data in memory and costs CPU while it runs, so it is never
// beside the API.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageErrorf("serve: --pprof: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usageErrorf("serve: --pprof must be a loopback address such as 127.0.0.1:6060 (只能是本机回环地址)")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: --pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("profiles", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}
